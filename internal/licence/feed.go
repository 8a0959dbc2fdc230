package licence

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// A licence feed (证照汇聚) carries the licences an issuing department's own
// system issues into the library, continuously, through an exchange channel
// (internal/exchange): the department's table of licences is a catalog
// entry, the data authority mandates its aggregation into the library
// (internal/aggregation: the mandate's target is the datasource
// LibraryDatasource and, as its table, a licence type code) and the issuing
// department confirms it. The channel's applier hands each batch to the
// library (OpenFeed), which:
//
//   - checks the basis every time it opens: the channel carries a confirmed
//     aggregation mandate (Service.Basis), and the mandate's provider is the
//     type's issuing department;
//   - maps the source's columns to the licence's fields: by the feed's
//     mapping (SetFeedMapping) or else by name, as an import file's header
//     (a field's code, its Chinese label, or "label (code)"); other columns
//     are left out; a missing required field stops the channel with the
//     field named;
//   - issues the batch's good rows as IssueBatch does (each with its leaf),
//     sets aside each bad row (a wrong check character, a bad holder ID,
//     another type, a duplicate, ...) in the feed's quarantine with the
//     field and the rule, and records the batch's sequence, all in one
//     transaction: a batch redelivered after a crash changes nothing;
//   - skips a row identical to a licence already issued, and resolves a
//     quarantined row when the same source row arrives fixed and is issued.
//
// A row deleted at the source is not a revocation (注销 is a decision of the
// issuing department, made in the library): it is set aside with that
// reason, never acted on silently.

// LibraryDatasource is the datasource name by which a channel's target
// names the licence library; its table is a licence type code.
const LibraryDatasource = "电子证照库"

// LibraryStore is the library's name among the exchange's platform stores
// (exchange.Options.Targets).
const LibraryStore = "licences"

// FeedBasis is what the platform records of a channel that feeds the
// library: its aggregation mandate and its two departments.
type FeedBasis struct {
	Channel    string
	Name       string
	MandateID  int64  // 0: the channel has no aggregation mandate
	ProviderID int64  // the department whose system issues the licences
	ConsumerID int64  // the data authority that mandated it
	Type       string // the channel's target table: the licence type
}

// Feed is a licence feed as the console shows it.
type Feed struct {
	Channel      string            `json:"channel"`
	Name         string            `json:"name"`
	MandateID    int64             `json:"mandate_id"`
	Type         string            `json:"type"`
	TypeName     string            `json:"type_name"`
	DepartmentID int64             `json:"department_id"`
	ConsumerID   int64             `json:"consumer_id"`
	Mapping      map[string]string `json:"mapping,omitempty" doc:"Source column → licence field set by the issuing department; other columns map by name"`
	Columns      []string          `json:"columns" doc:"The field each source column feeds, as source=field; a column not named feeds nothing"`
	LastSeq      int64             `json:"last_seq" doc:"The channel's last batch applied"`
	Issued       int64             `json:"issued"`
	Already      int64             `json:"already" doc:"Rows identical to licences already issued: skipped"`
	Quarantined  int64             `json:"quarantined" doc:"Rows set aside, all time"`
	Open         int64             `json:"open" doc:"Quarantined rows not yet resolved"`
	LastAt       time.Time         `json:"last_at,omitzero"`
	State        string            `json:"state,omitempty" doc:"The channel's state: idle, running, paused, failed, ..."`
	LastError    string            `json:"last_error,omitempty" doc:"Why the channel stopped last"`
	CreatedAt    time.Time         `json:"created_at"`
}

// FeedRow is a row a feed set aside.
type FeedRow struct {
	Channel    string            `json:"channel"`
	Seq        int64             `json:"seq" doc:"The batch"`
	Row        int               `json:"row" doc:"Its position in the batch, from 1"`
	Key        string            `json:"key" doc:"The source row's key columns"`
	Field      string            `json:"field,omitempty"`
	Reason     string            `json:"reason"`
	Text       errs.Text         `json:"-"`
	Data       map[string]string `json:"data"`
	At         time.Time         `json:"at"`
	ResolvedAt time.Time         `json:"resolved_at,omitzero"`
}

// Messages of the feeds.
var (
	msgFeedNoMandate = errs.Define("licence.feed.no_mandate", "channel %s carries no aggregation mandate: the licence library takes licences only on one",
		"交换通道 %s 没有归集任务：电子证照库只接收依归集任务汇聚的证照")
	msgFeedProvider = errs.Define("licence.feed.provider", "the mandate of channel %s is confirmed by another department than the one that issues %s",
		"交换通道 %s 的归集任务并非由 %s 的颁发部门确认")
	msgFeedMissing = errs.Define("licence.feed.missing", "no source column feeds %s: name one so (its code or label) or map it",
		"源表没有对应 %s 的列：请按代码或名称命名该列，或设置映射")
	msgFeedDelete = errs.Define("licence.feed.delete", "deleted at the source: a deletion is not a revocation; revoke the licence in the library if it must end",
		"源端已删除：删除不等于注销，如需注销请在电子证照库中办理")
	msgFeedOtherType = errs.Define("licence.feed.other_type", "type %s is not the feed's type %s", "证照类型 %s 不是本汇聚通道的类型 %s")
	msgFeedNotFound  = errs.Define("licence.feed.not_found", "licence feed %s not found", "证照汇聚通道 %s 不存在")
	msgFeedRole      = errs.Define("licence.feed.role", "only the issuing department's administrators and catalogers map its feed", "只有颁发部门的管理员和编目员可以设置汇聚映射")
	msgFeedColumn    = errs.Define("licence.feed.column", "%s is not a licence field or surface item of type %s", "%s 不是证照类型 %s 的证照字段或照面信息项")
	msgFeedTwice     = errs.Define("licence.feed.twice", "field %s is fed by two columns", "字段 %s 对应了两列")
	auditFeedAside   = errs.Define("licence.audit.feed_aside", "channel %s, batch %d: %d rows set aside", "交换通道 %s 第 %d 批：%d 行被隔离")
	auditFeedMapped  = errs.Define("licence.audit.feed_mapped", "feed %s of %s: %s", "汇聚通道 %s（%s）：%s")
)

// feedField is the pseudo-field of a source column that names each row's
// licence type.
const feedField = "type"

// AcceptTarget answers whether a channel may name the library with table
// as its target: table must be a licence type.
func (s *Service) AcceptTarget(ctx context.Context, dept int64, table string) error {
	if _, err := s.TypeByCode(ctx, table); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.New(errs.NotFound, msgTypeNotFound, table)
		}
		return err
	}
	return nil
}

// FeedTarget applies a feed's batches (an exchange.Target).
type FeedTarget struct {
	s     *Service
	basis FeedBasis
	t     Type
	cols  []string // the field of each schema column, "" for none
	key   []int    // the schema's key columns
	names []string
}

// OpenFeed opens the library as the target of a channel's batches of a
// schema, after checking its basis; table is the licence type.
func (s *Service) OpenFeed(ctx context.Context, channel, table string, schema connector.Table) (*FeedTarget, error) {
	b, t, err := s.basisOf(ctx, channel, table)
	if err != nil {
		return nil, err
	}
	var mapping map[string]string
	var raw string
	err = s.db.QueryRow(ctx, "SELECT mapping FROM licence_feeds WHERE channel = ?", channel).Scan(&raw)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if raw != "" {
		json.Unmarshal([]byte(raw), &mapping)
	}
	ft := &FeedTarget{s: s, basis: b, t: t}
	used := map[string]bool{}
	byName := feedNames(t)
	var shown []string
	for _, c := range schema.Columns {
		ft.names = append(ft.names, c.Name)
		f := mapping[c.Name]
		if f == "" {
			f = byName[headerCode(c.Name)]
		}
		if f != "" && used[f] {
			f = ""
		}
		used[f] = f != ""
		ft.cols = append(ft.cols, f)
		if f != "" {
			shown = append(shown, c.Name+"="+f)
		}
	}
	for _, k := range schema.Key() {
		for i, c := range schema.Columns {
			if c.Name == k {
				ft.key = append(ft.key, i)
			}
		}
	}
	if err := s.saveFeed(ctx, b, t, strings.Join(shown, ","), true); err != nil {
		return nil, err
	}
	for _, need := range append([]string{"number", "holder_name", "holder_id"}, requiredItems(t)...) {
		if !used[need] {
			return nil, errs.New(errs.Invalid, msgFeedMissing, need)
		}
	}
	return ft, nil
}

// saveFeed records a feed of basis b into type t, with the columns it
// maps (when cols is set).
func (s *Service) saveFeed(ctx context.Context, b FeedBasis, t Type, shown string, cols bool) error {
	set := ", columns = excluded.columns"
	if !cols {
		set = ""
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO licence_feeds (channel, name, mandate_id, type_code, department_id, consumer_id, columns, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel) DO UPDATE SET name = excluded.name, mandate_id = excluded.mandate_id, type_code = excluded.type_code,
			department_id = excluded.department_id, consumer_id = excluded.consumer_id`+set,
			b.Channel, b.Name, b.MandateID, t.Code, t.DepartmentID, b.ConsumerID, shown, store.FormatTime(s.now()))
		return err
	})
}

// basisOf checks the basis of a channel that feeds type table.
func (s *Service) basisOf(ctx context.Context, channel, table string) (FeedBasis, Type, error) {
	if s.Basis == nil {
		return FeedBasis{}, Type{}, errs.New(errs.Conflict, msgFeedNoMandate, channel)
	}
	b, err := s.Basis(ctx, channel)
	if err != nil {
		return b, Type{}, err
	}
	if b.MandateID == 0 {
		return b, Type{}, errs.New(errs.Conflict, msgFeedNoMandate, channel)
	}
	b.Channel = channel
	if table == "" {
		table = b.Type
	}
	t, err := s.TypeByCode(ctx, table)
	if err != nil {
		return b, t, err
	}
	if t.DepartmentID != b.ProviderID {
		return b, t, errs.New(errs.Forbidden, msgFeedProvider, channel, t.Name)
	}
	return b, t, nil
}

// feedNames maps what a source column may be called (a field's code or
// label) to the field.
func feedNames(t Type) map[string]string {
	m := map[string]string{feedField: feedField, "证照类型代码": feedField}
	for _, c := range baseColumns {
		m[c], m[baseLabels[c]] = c, c
	}
	for _, d := range t.Items {
		m[d.Code], m[d.Label] = d.Code, d.Code
	}
	return m
}

// headerCode is the code of a column name "label (code)", else the name.
func headerCode(h string) string {
	h = strings.TrimSpace(h)
	if j := strings.LastIndexAny(h, "(（"); j >= 0 && (strings.HasSuffix(h, ")") || strings.HasSuffix(h, "）")) {
		return strings.TrimSpace(strings.TrimRight(strings.TrimLeft(h[j:], "(（"), ")）"))
	}
	return h
}

func requiredItems(t Type) []string {
	var out []string
	for _, d := range t.Items {
		if d.Required {
			out = append(out, d.Code)
		}
	}
	return out
}

// Checkpoint is the last batch of channel the library applied.
func (ft *FeedTarget) Checkpoint(ctx context.Context, channel string) (int64, error) {
	var seq int64
	err := ft.s.db.QueryRow(ctx, "SELECT last_seq FROM licence_feeds WHERE channel = ?", channel).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// ApplyFull is ApplyRange: the library never removes a licence because the
// source no longer holds it.
func (ft *FeedTarget) ApplyFull(ctx context.Context, channel string, seq int64, rows, deletes [][]any, r *connector.Range) (bool, error) {
	return ft.ApplyRange(ctx, channel, seq, rows, deletes, r)
}

// aside is a row set aside.
type aside struct {
	row   int
	key   string
	field string
	text  errs.Text
	data  string
}

// ApplyRange issues a batch's good rows and sets aside the others, with the
// batch's sequence, in one transaction; a batch at or below the checkpoint
// changes nothing (applied false).
func (ft *FeedTarget) ApplyRange(ctx context.Context, channel string, seq int64, rows, deletes [][]any, _ *connector.Range) (bool, error) {
	s := ft.s
	last, err := ft.Checkpoint(ctx, channel)
	if err != nil {
		return false, err
	}
	if seq <= last {
		return false, nil
	}
	now := s.now()
	var good []Licence
	var goodKeys []string
	var goodRows []int
	var bad []aside
	seen := map[string]int{}
	for i, r := range rows {
		in, data, key := ft.input(r)
		f := errs.Fields{}
		if in.Type != "" && in.Type != ft.t.Code {
			f.AddMsg(feedField, msgFeedOtherType, in.Type, ft.t.Code)
		}
		in.Type = ft.t.Code
		l := prepare(in, ft.t, now, f)
		if len(f) > 0 {
			c := fieldOrder(f)[0]
			bad = append(bad, aside{row: i + 1, key: key, field: strings.TrimPrefix(c, "items."), text: f[c], data: data})
			continue
		}
		dupOf := ""
		for _, k := range []struct{ kind, v, field string }{{"b", baseOf(l.Identifier), "identifier"}, {"n", l.Number, "number"}} {
			if first, ok := seen[k.kind+"\x00"+k.v]; ok {
				bad = append(bad, aside{row: i + 1, key: key, field: k.field, text: msgDuplicateRow.With(fieldWord(k.field), first), data: data})
				dupOf = k.field
				break
			}
		}
		if dupOf != "" {
			continue
		}
		seen["b\x00"+baseOf(l.Identifier)], seen["n\x00"+l.Number] = i+1, i+1
		good, goodKeys, goodRows = append(good, l), append(goodKeys, key), append(goodRows, i+1)
	}
	already := 0
	if len(good) > 0 {
		dup, same, err := s.existing(ctx, good)
		if err != nil {
			return false, err
		}
		var keep []Licence
		var keepKeys []string
		for i, l := range good {
			switch {
			case same[i]:
				already++
			case dup[i] != "":
				bad = append(bad, aside{row: goodRows[i], key: goodKeys[i], field: dup[i], text: msgDuplicateIssued.With(fieldWord(dup[i])), data: ft.dataOf(l)})
			default:
				keep, keepKeys = append(keep, l), append(keepKeys, goodKeys[i])
			}
		}
		good, goodKeys = keep, keepKeys
	}
	for j, d := range deletes {
		bad = append(bad, aside{row: len(rows) + j + 1, key: ft.keyOfDelete(d), text: msgFeedDelete.With(), data: "{}"})
	}
	at := store.FormatTime(now)
	extra := func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE licence_feeds SET last_seq = ?, issued = issued + ?, already = already + ?, quarantined = quarantined + ?, last_at = ?
			WHERE channel = ? AND last_seq = ?`, seq, len(good), already, len(bad), at, channel, last)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("licence feed %s: batch %d: the checkpoint moved", channel, seq)
		}
		// Entries of earlier batches that these rows fix are resolved.
		for from := 0; from < len(goodKeys); from += 500 {
			part := goodKeys[from:min(from+500, len(goodKeys))]
			args := []any{at, channel}
			for _, k := range part {
				args = append(args, k)
			}
			if _, err := tx.Exec(ctx, "UPDATE licence_feed_quarantine SET resolved_at = ? WHERE channel = ? AND resolved_at = '' AND row_key IN ("+
				strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+")", args...); err != nil {
				return err
			}
		}
		for _, b := range bad {
			if _, err := tx.Exec(ctx, `INSERT INTO licence_feed_quarantine (channel, seq, row_no, row_key, field, reason, row_data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				channel, seq, b.row, b.key, b.field, errs.Encode(b.text), b.data, at); err != nil {
				return err
			}
		}
		if len(bad) > 0 {
			return s.audit.Append(ctx, tx, org.Entry(ft.principal(), "licence.feed", "licence_type:"+ft.t.Code, audit.Failure,
				audit.Keyed(auditFeedAside, channel, seq, len(bad))))
		}
		return nil
	}
	if len(good) > 0 {
		err = s.write(ctx, ft.principal(), good, extra)
	} else {
		err = s.db.InTx(ctx, func(tx *store.Tx) error { return extra(ctx, tx) })
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// principal is who issues a feed's licences: the platform, on the
// channel's mandate, for the issuing department.
func (ft *FeedTarget) principal() org.Principal {
	return org.Principal{Username: "feed:" + ft.basis.Channel, DisplayName: "证照汇聚 " + ft.basis.Name, DepartmentID: ft.t.DepartmentID}
}

// input reads a source row: the licence's input, the row as JSON text (for
// the quarantine) and its key.
func (ft *FeedTarget) input(r []any) (IssueInput, string, string) {
	in := IssueInput{Items: map[string]string{}}
	data := map[string]string{}
	for i, v := range r {
		if i >= len(ft.cols) {
			break
		}
		txt := feedText(v)
		data[ft.names[i]] = txt
		switch ft.cols[i] {
		case "":
		case feedField:
			in.Type = strings.TrimSpace(txt)
		case "identifier":
			in.Identifier = txt
		case "serial":
			in.Serial = txt
		case "number":
			in.Number = txt
		case "holder_name":
			in.HolderName = txt
		case "holder_id":
			in.HolderID = txt
		case "issued_on":
			in.IssuedOn = txt
		case "valid_from":
			in.ValidFrom = txt
		case "valid_until":
			in.ValidUntil = txt
		default:
			if strings.TrimSpace(txt) != "" {
				in.Items[ft.cols[i]] = txt
			}
		}
	}
	js, _ := json.Marshal(data)
	return in, string(js), ft.keyOf(r)
}

func (ft *FeedTarget) keyOf(r []any) string {
	var parts []string
	for _, i := range ft.key {
		if i < len(r) {
			parts = append(parts, ft.names[i]+"="+feedText(r[i]))
		}
	}
	return strings.Join(parts, ",")
}

// keyOfDelete is the key of a delete, whose values are the key columns'.
func (ft *FeedTarget) keyOfDelete(d []any) string {
	var parts []string
	for j, i := range ft.key {
		if j < len(d) {
			parts = append(parts, ft.names[i]+"="+feedText(d[j]))
		}
	}
	return strings.Join(parts, ",")
}

func (ft *FeedTarget) dataOf(l Licence) string {
	js, _ := json.Marshal(map[string]string{"number": l.Number, "identifier": l.Identifier, "holder_name": l.HolderName})
	return string(js)
}

// feedText is a source value as text: dates as YYYY-MM-DD.
func feedText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.In(Beijing).Format(time.DateOnly)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case *big.Rat:
		return x.FloatString(10)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}
