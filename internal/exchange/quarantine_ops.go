package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// ChannelRules is what the catalog says about a channel's source columns:
// the rules its rows are checked against, and how each column's values are
// masked when people look at the rows set aside.
type ChannelRules struct {
	Rules map[string]Rule   // column → rule
	Mask  map[string]string // column → masking rule (internal/mask); a column without one is shown truncated
}

// QuarantineEntry is a quarantined row as people see it. The provider's
// side sees the row as its source holds it, values masked by the catalog's
// default masking of their item and long values truncated; the consumer of
// a grant's channel sees the row as the grant would deliver it: the granted
// items only, masked by the grant, and a reason that quotes no value the
// grant masks or leaves out.
type QuarantineEntry struct {
	ID     int64  `json:"id"`
	Key    string `json:"key" doc:"The key values as a JSON array (masked like the row)"`
	Column string `json:"column" doc:"The first column that failed"`
	Reason string `json:"reason" doc:"Why the row failed, in the request's language"`
	// ReasonText is Reason by key, for a reader's language (see In).
	ReasonText errs.Text      `json:"-"`
	View       string         `json:"view" enum:"source,delivered" doc:"source: the row as the provider's source holds it (the provider's side, or a channel without a grant); delivered: the row as the grant delivers it (a grant's consumer)"`
	Row        map[string]any `json:"row" doc:"The row, column → value, masked: as read (view source) or as the grant delivers it (view delivered)"`
	State      string         `json:"state" enum:"open,retried,skipped,gone"`
	Passes     int            `json:"passes" doc:"Times the row was found failing"`
	At         time.Time      `json:"at" doc:"When it was (last) found failing"`
	Resolved   time.Time      `json:"resolved,omitzero"`
}

// QuarantinePage is a page of a channel's quarantine with its counts.
type QuarantinePage struct {
	Items    []QuarantineEntry `json:"items"`
	Total    int64             `json:"total" doc:"Entries in the state asked for"`
	Page     int               `json:"page"`
	PageSize int               `json:"page_size"`
	Open     int64             `json:"open"`
	Retried  int64             `json:"retried"`
	Skipped  int64             `json:"skipped"`
	Gone     int64             `json:"gone"`
}

// QuarantineOutcome is what became of one entry a person retried or skipped.
type QuarantineOutcome struct {
	ID     int64  `json:"id"`
	State  string `json:"state" doc:"open (still failing, or not found open), retried (delivered), skipped or gone (no longer at the source)"`
	Reason string `json:"reason,omitempty" doc:"Why it still fails, or why it was not touched, in the request's language"`
	// ReasonText is Reason by key, for a reader's language (see In).
	ReasonText errs.Text `json:"-"`
}

func outcome(id int64, state string, why errs.Text) QuarantineOutcome {
	return QuarantineOutcome{ID: id, State: state, Reason: why.String(), ReasonText: why}
}

// In returns the result with every reason said in lang.
func (r QuarantineResult) In(lang string) QuarantineResult {
	items := make([]QuarantineOutcome, len(r.Items))
	for i, o := range r.Items {
		if !o.ReasonText.IsZero() {
			o.Reason = o.ReasonText.In(lang)
		}
		items[i] = o
	}
	r.Items = items
	return r
}

// The words of the quarantine's answers.
var (
	msgNoSuchEntry     = errs.Define("exchange.quarantine.no_entry", "no such entry in this channel's quarantine", "该通道的隔离区中没有此条目")
	msgAlready         = errs.Define("exchange.quarantine.already", "already %s", "已是“%s”")
	msgNoLongerOpen    = errs.Define("exchange.quarantine.no_longer_open", "no longer open", "已不再待处理")
	msgQuarantineState = errs.Define("exchange.quarantine.state", "open, retried, skipped or gone", "应为 open（待处理）、retried（已投递）、skipped（已跳过）或 gone（源端已删除）")
	msgChooseRows      = errs.Define("exchange.quarantine.choose", "choose the rows to skip", "请选择要跳过的行")
	msgSkipReason      = errs.Define("exchange.quarantine.skip_reason", "at most 500 characters", "最多 500 个字")
)

// quarantineStates are the Chinese names of an entry's states.
var quarantineStates = map[string]string{QuarantineOpen: "待处理", QuarantineRetried: "已投递", QuarantineSkipped: "已跳过", QuarantineGone: "源端已删除"}

// stateWord names an entry's state: its code in English, its name in Chinese.
type stateWord string

func (w stateWord) In(lang string) string {
	if l, ok := quarantineStates[string(w)]; ok && strings.HasPrefix(strings.ToLower(lang), "zh") {
		return l
	}
	return string(w)
}

// QuarantineResult answers a retry or a skip.
type QuarantineResult struct {
	Published int                 `json:"published" doc:"Rows that passed and were sent to the target"`
	Failing   int                 `json:"failing" doc:"Rows that still fail"`
	Gone      int                 `json:"gone" doc:"Rows no longer at the source"`
	Skipped   int                 `json:"skipped"`
	Items     []QuarantineOutcome `json:"items"`
}

// Views of a quarantined row (QuarantineEntry.View).
const (
	ViewSource    = "source"    // as the provider's source holds it
	ViewDelivered = "delivered" // as the grant delivers it to the consumer
)

var (
	msgWithheld = errs.Define("exchange.quarantine.withheld",
		"the value fails its check; it is not shown, as the grant masks it or does not deliver it",
		"该值未通过校验；授权对其脱敏或不交换该数据项，不予显示")
	msgLegacyWithheld = errs.Define("exchange.quarantine.legacy_withheld",
		"set aside before quarantined rows were shaped by their grant, and the grant does not answer now: retry the row to see it again",
		"该行在隔离区按授权整形之前被隔离，且授权当前不可用：重试该行后可再次查看")
	msgQuarantineSystemAdmin = errs.Define("exchange.quarantine.system_admin",
		"the system admin manages accounts, regions, departments and settings and moves no business data: a channel's quarantined rows are read and resolved by the node operators of its departments",
		"系统管理员管理账号、区划、部门和系统设置，不接触业务数据：通道隔离区中的数据行由提供方和使用方部门的前置机运维员查看和处理")
	msgQuarantineOperators = errs.Define("exchange.quarantine.operators",
		"only a node operator of the providing or the consuming department reads and resolves a channel's quarantined rows",
		"只有提供方或使用方部门的前置机运维员可以查看和处理通道隔离区中的数据行")
)

// CanReadQuarantine reports whether p reads and resolves a channel's
// quarantined rows: a node operator of its providing or consuming
// department. The system admin moves no business data and reads none.
func CanReadQuarantine(p org.Principal, c ChannelInfo) bool {
	if isSystem(p) {
		return true
	}
	return !p.Has(org.SystemAdmin) && p.Can(org.OperateNodes) && p.DepartmentID != 0 &&
		(p.DepartmentID == c.ProviderID || p.DepartmentID == c.ConsumerID)
}

// quarantineAccess loads a channel for an operation on its quarantine by p,
// or refuses it (audited): 404 to whoever may not see the channel, 403 to
// the system admin and to others who see it but do not operate it. source
// reports whether p sees rows as the source holds them: the provider's side
// (or the platform itself); a grant's consumer sees them as delivered.
func (m *Manager) quarantineAccess(ctx context.Context, p org.Principal, action, id string) (c ChannelInfo, source bool, err error) {
	c, err = m.get(ctx, id)
	if err != nil {
		return c, false, m.denied(ctx, p, action, id, err)
	}
	if CanReadQuarantine(p, c) {
		return c, isSystem(p) || p.DepartmentID == c.ProviderID, nil
	}
	if ok, err := m.canSee(ctx, p, c); err != nil {
		return ChannelInfo{}, false, err
	} else if !ok {
		return ChannelInfo{}, false, m.denied(ctx, p, action, id, errs.New(errs.NotFound, msgChannelNotFound, id))
	}
	if p.Has(org.SystemAdmin) {
		return ChannelInfo{}, false, m.denied(ctx, p, action, id, errs.New(errs.Forbidden, msgQuarantineSystemAdmin))
	}
	return ChannelInfo{}, false, m.denied(ctx, p, action, id, errs.New(errs.Forbidden, msgQuarantineOperators))
}

// entryFor is an entry as one side sees it (see QuarantineEntry).
func entryFor(r QuarantinedRow, source bool, keyCols []string, masks map[string]string) QuarantineEntry {
	switch {
	case !r.Shaped:
		e := displayEntry(r, keyCols, masks)
		e.View = ViewSource
		return e
	case source:
		r.Row, r.Reason = r.RawRow, r.RawReason
		e := displayEntry(r, keyCols, masks)
		e.View = ViewSource
		return e
	}
	// Shaped by the basis; shown masked as the catalog's defaults say too,
	// for a mandate delivers its items in clear and people at a console need
	// no more than the row's shape to see what failed. The source's key is
	// not the consumer's.
	r.Key = "[]"
	e := displayEntry(r, keyCols, masks)
	e.View = ViewDelivered
	return e
}

// reshapeLegacy rewrites the entries of a grant's channel written before
// entries were shaped (they hold the whole source row) into the shaped form
// new entries take: an entry outside the grant's row filter is deleted, for
// it was never the consumer's; the others keep their source row for the
// provider beside the consumer's view. It runs on first reading of a
// channel's quarantine after an upgrade and then finds nothing.
func (m *Manager) reshapeLegacy(ctx context.Context, q Quarantine, c ChannelInfo) error {
	s, ok := q.(*DBQuarantine)
	if !ok || c.GrantID == 0 {
		return nil
	}
	legacy, err := s.unshaped(ctx, c.ID)
	if err != nil || len(legacy) == 0 {
		return err
	}
	var (
		sh   *Shape
		serr = errors.New("no sharing policy")
	)
	if m.o.Shape != nil {
		sh, serr = m.o.Shape(ctx, c.GrantID, c.ConsumerID)
	}
	dropped := 0
	for _, r := range legacy {
		r.Shaped, r.RawRow, r.RawReason = true, r.Row, r.Reason
		if serr != nil || sh == nil {
			r.Row, r.Reason = "{}", errs.Encode(msgLegacyWithheld.With())
		} else {
			dec := json.NewDecoder(strings.NewReader(r.RawRow))
			dec.UseNumber()
			var raw map[string]any
			dec.Decode(&raw)
			obj, keep := sh.object(raw)
			if !keep {
				if err := s.drop(ctx, r.ID); err != nil {
					return err
				}
				dropped++
				continue
			}
			b, err := json.Marshal(obj)
			if err != nil {
				return fmt.Errorf("exchange: quarantine entry %d: %w", r.ID, err)
			}
			r.Row = string(b)
			if !sh.shows(r.Column) {
				r.Reason = errs.Encode(msgWithheld.With())
			}
		}
		if err := s.reshape(ctx, r); err != nil {
			return err
		}
	}
	m.log.Info("exchange: quarantine entries of a grant's channel reshaped", "channel", c.ID, "entries", len(legacy), "outside the row filter, deleted", dropped)
	return nil
}

// unshaped returns a channel's entries written before entries were shaped.
func (q *DBQuarantine) unshaped(ctx context.Context, channel string) ([]QuarantinedRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+quarantineColumns+` FROM exchange_quarantine WHERE channel = ? AND NOT shaped ORDER BY id`, channel)
	if err != nil {
		return nil, fmt.Errorf("exchange: quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedRow
	for rows.Next() {
		r, err := scanQuarantined(rows)
		if err != nil {
			return nil, fmt.Errorf("exchange: quarantine: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// reshape stores the shaped form of an entry (see reshapeLegacy).
func (q *DBQuarantine) reshape(ctx context.Context, r QuarantinedRow) error {
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE exchange_quarantine SET row = ?, reason = ?, shaped = true, raw_row = ?, raw_reason = ? WHERE id = ? AND NOT shaped`,
			r.Row, r.Reason, r.RawRow, r.RawReason, r.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("exchange: quarantine entry %d: %w", r.ID, err)
	}
	return nil
}

// drop deletes an entry (see reshapeLegacy).
func (q *DBQuarantine) drop(ctx context.Context, id int64) error {
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM exchange_quarantine WHERE id = ? AND NOT shaped`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("exchange: quarantine entry %d: %w", id, err)
	}
	return nil
}

// quarantine returns the engine's quarantine, or an error saying there is none.
func (m *Manager) quarantine() (Quarantine, error) {
	if m.engine.o.Quarantine == nil {
		return nil, errs.New(errs.Unavailable, msgNoQuarantine)
	}
	return m.engine.o.Quarantine, nil
}

// channelRules asks the catalog for a channel's rules (none without Rules).
func (m *Manager) channelRules(ctx context.Context, c ChannelInfo) (ChannelRules, error) {
	if m.o.Rules == nil {
		return ChannelRules{}, nil
	}
	return m.o.Rules(ctx, c)
}

// Entry returns one entry of the quarantine by its ID.
func (q *DBQuarantine) Entry(ctx context.Context, id int64) (QuarantinedRow, error) {
	r, err := scanQuarantined(q.db.QueryRow(ctx, `SELECT `+quarantineColumns+` FROM exchange_quarantine WHERE id = ?`, id))
	if err != nil {
		return r, fmt.Errorf("exchange: quarantine entry %d: %w", id, err)
	}
	return r, nil
}

// entryOf finds one entry of a channel, or ok false.
// openEntries answers which of ids (each once, in order) are open entries of
// a channel's quarantine, and adds an outcome to res for each of the others.
func openEntries(ctx context.Context, q Quarantine, channel string, ids []int64, res *QuarantineResult) ([]int64, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var open []int64
	for _, n := range ids {
		r, ok, err := entryOf(ctx, q, channel, n)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok:
			res.Items = append(res.Items, outcome(n, QuarantineOpen, msgNoSuchEntry.With()))
		case r.State != QuarantineOpen:
			res.Items = append(res.Items, outcome(n, r.State, msgAlready.With(stateWord(r.State))))
		default:
			open = append(open, n)
		}
	}
	return open, nil
}

func entryOf(ctx context.Context, q Quarantine, channel string, id int64) (QuarantinedRow, bool, error) {
	if g, ok := q.(interface {
		Entry(context.Context, int64) (QuarantinedRow, error)
	}); ok {
		r, err := g.Entry(ctx, id)
		if err != nil {
			return r, false, nil
		}
		return r, r.Channel == channel, nil
	}
	for after := int64(0); ; {
		page, err := q.List(ctx, channel, "", after, 500)
		if err != nil {
			return QuarantinedRow{}, false, err
		}
		for _, r := range page {
			if r.ID == id {
				return r, true, nil
			}
		}
		if len(page) < 500 {
			return QuarantinedRow{}, false, nil
		}
		after = page[len(page)-1].ID
	}
}

// QuarantineList returns a page of a channel's quarantined rows in a state
// ("" for all), oldest first, masked for display. The node operators of
// the providing and the consuming department see it (CanReadQuarantine),
// each side its own view of the rows (QuarantineEntry).
func (m *Manager) QuarantineList(ctx context.Context, p org.Principal, id, state string, page, size int) (QuarantinePage, error) {
	c, source, err := m.quarantineAccess(ctx, p, "channel.quarantine.read", id)
	if err != nil {
		return QuarantinePage{}, err
	}
	q, err := m.quarantine()
	if err != nil {
		return QuarantinePage{}, err
	}
	if err := m.reshapeLegacy(ctx, q, c); err != nil {
		return QuarantinePage{}, err
	}
	switch state {
	case "", QuarantineOpen, QuarantineRetried, QuarantineSkipped, QuarantineGone:
	default:
		return QuarantinePage{}, errs.FieldMsg("state", msgQuarantineState)
	}
	page, size = store.Page(page, size)
	out := QuarantinePage{Page: page, PageSize: size, Items: []QuarantineEntry{}}
	for _, n := range []struct {
		state string
		to    *int64
	}{{QuarantineOpen, &out.Open}, {QuarantineRetried, &out.Retried}, {QuarantineSkipped, &out.Skipped}, {QuarantineGone, &out.Gone}} {
		if *n.to, err = q.Count(ctx, c.ID, n.state); err != nil {
			return out, err
		}
	}
	if out.Total, err = q.Count(ctx, c.ID, state); err != nil {
		return out, err
	}
	after := int64(0)
	if skip := (page - 1) * size; skip > 0 {
		before, err := q.List(ctx, c.ID, state, 0, skip)
		if err != nil {
			return out, err
		}
		if len(before) < skip {
			return out, nil
		}
		after = before[len(before)-1].ID
	}
	rows, err := q.List(ctx, c.ID, state, after, size)
	if err != nil {
		return out, err
	}
	rules, err := m.channelRules(ctx, c)
	if err != nil {
		m.log.Warn("exchange: catalog rules for the quarantine view", "channel", c.ID, "err", err)
	}
	for _, r := range rows {
		out.Items = append(out.Items, entryFor(r, source, c.KeyColumns, rules.Mask))
	}
	return out, nil
}

// displayLimit is the most characters of a value shown when the catalog
// does not say how to mask it.
const displayLimit = 24

// displayEntry masks a quarantined row for people.
func displayEntry(r QuarantinedRow, keyCols []string, masks map[string]string) QuarantineEntry {
	e := QuarantineEntry{ID: r.ID, Column: r.Column, ReasonText: errs.Decode(r.Reason), State: r.State, Passes: r.Passes, At: r.At, Resolved: r.Resolved,
		Row: map[string]any{}}
	dec := json.NewDecoder(bytes.NewReader([]byte(r.Row)))
	dec.UseNumber()
	var row map[string]any
	dec.Decode(&row)
	show := func(col string, v any) any {
		if v == nil {
			return nil
		}
		if rule, ok := masks[col]; ok && rule != mask.None {
			if n, ok := v.(json.Number); ok {
				v = n.String()
			}
			return mask.Apply(rule, v)
		}
		s, ok := v.(string)
		if !ok {
			return v
		}
		if _, known := masks[col]; !known && utf8.RuneCountInString(s) > displayLimit {
			return string([]rune(s)[:displayLimit]) + "…"
		}
		return s
	}
	for col, v := range row {
		shown := show(col, v)
		e.Row[col] = shown
		// The reason quotes the failing value: it is masked the same way.
		if s, ok := v.(string); ok && s != "" && col == r.Column {
			if t := fmt.Sprint(shown); t != s {
				e.ReasonText = e.ReasonText.MapArgs(func(a string) string { return strings.ReplaceAll(a, s, t) })
			}
		}
	}
	key := make([]any, 0, len(keyCols))
	for _, k := range keyCols {
		key = append(key, e.Row[k])
	}
	if b, err := json.Marshal(key); err == nil && len(keyCols) > 0 && row != nil {
		e.Key = string(b)
	} else {
		e.Key = r.Key
	}
	e.Reason = e.ReasonText.String()
	return e
}

// In returns the entry with its reason said in lang.
func (e QuarantineEntry) In(lang string) QuarantineEntry {
	e.Reason = e.ReasonText.In(lang)
	return e
}

// In returns the page with every reason said in lang.
func (p QuarantinePage) In(lang string) QuarantinePage {
	items := make([]QuarantineEntry, len(p.Items))
	for i, e := range p.Items {
		items[i] = e.In(lang)
	}
	p.Items = items
	return p
}

// QuarantineRetry checks the given open entries of a channel (all open
// ones when ids is empty) against the source and the rules again and sends
// the rows that pass (Engine.Retry); it answers what became of each. A
// cron channel is asked to run at once so that the rows arrive now.
func (m *Manager) QuarantineRetry(ctx context.Context, p org.Principal, id string, ids []int64) (QuarantineResult, error) {
	res := QuarantineResult{Items: []QuarantineOutcome{}}
	c, source, err := m.quarantineAccess(ctx, p, "channel.quarantine.retry", id)
	if err != nil {
		return res, err
	}
	q, err := m.quarantine()
	if err != nil {
		return res, err
	}
	if err := m.reshapeLegacy(ctx, q, c); err != nil {
		return res, err
	}
	if c.State == ChannelRevoked {
		return res, errs.New(errs.Conflict, msgRevoked, id)
	}
	if len(ids) == 0 {
		for after := int64(0); ; {
			page, err := q.List(ctx, c.ID, QuarantineOpen, after, 500)
			if err != nil {
				return res, err
			}
			for _, r := range page {
				ids = append(ids, r.ID)
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].ID
		}
	}
	open, err := openEntries(ctx, q, c.ID, ids, &res)
	if err != nil {
		return res, err
	}
	if len(open) > 0 {
		ch, err := m.engineChannel(ctx, c)
		if err != nil {
			return res, errs.WrapMsg(err, errs.Unavailable, msgUnreachable, id)
		}
		// The retry and the channel's own extract pass take turns on the
		// extractor's state: a clash is tried again a few times (rows sent
		// twice are upserted once), then answered as a conflict.
		var rr RetryResult
		for attempt := 1; ; attempt++ {
			r, err := m.engine.Retry(ctx, ch, open...)
			rr.Published, rr.Failing, rr.Gone = rr.Published+r.Published, r.Failing, rr.Gone+r.Gone // rows still failing stay open and are seen again
			if err == nil {
				break
			}
			if errors.Is(err, ErrExtractBusy) {
				return res, errs.WrapMsg(err, errs.Conflict, msgExtractBusy, id)
			}
			clash := errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) || strings.Contains(err.Error(), "another extractor")
			if !clash {
				return res, err
			}
			if attempt == 3 {
				return res, errs.WrapMsg(err, errs.Conflict, msgExtractClash, id)
			}
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(time.Duration(attempt) * 300 * time.Millisecond):
			}
		}
		res.Published, res.Failing, res.Gone = rr.Published, rr.Failing, rr.Gone
		rules, _ := m.channelRules(ctx, c)
		for _, n := range open {
			r, _, err := entryOf(ctx, q, c.ID, n)
			if err != nil {
				return res, err
			}
			o := QuarantineOutcome{ID: n, State: r.State}
			if r.State == QuarantineOpen {
				e := entryFor(r, source, c.KeyColumns, rules.Mask)
				o.Reason, o.ReasonText = e.Reason, e.ReasonText
			}
			res.Items = append(res.Items, o)
		}
	}
	slices.SortFunc(res.Items, func(a, b QuarantineOutcome) int { return int(a.ID - b.ID) })
	detail := audit.Keyed(auditRetried, len(open), res.Published, res.Failing, res.Gone)
	err = m.db.InTx(ctx, func(tx *store.Tx) error {
		if res.Published > 0 && c.Schedule != Continuous && (c.State == ChannelActive || c.State == ChannelError) {
			// The rows wait on the bus until the channel's applier runs: now.
			if _, err := tx.Exec(ctx, "UPDATE exchange_channels SET run_requested = ? WHERE id = ?", store.FormatTime(m.now()), c.ID); err != nil {
				return err
			}
		}
		return m.record(ctx, tx, p, "channel.quarantine.retry", c.ID, detail)
	})
	m.poke()
	return res, err
}

// QuarantineSkip resolves open entries of a channel without sending them:
// a person decided the rows are not to be delivered. reason is audited.
func (m *Manager) QuarantineSkip(ctx context.Context, p org.Principal, id string, ids []int64, reason string) (QuarantineResult, error) {
	res := QuarantineResult{Items: []QuarantineOutcome{}}
	c, _, err := m.quarantineAccess(ctx, p, "channel.quarantine.skip", id)
	if err != nil {
		return res, err
	}
	q, err := m.quarantine()
	if err != nil {
		return res, err
	}
	if len(ids) == 0 {
		return res, errs.FieldMsg("ids", msgChooseRows)
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return res, errs.FieldMsg("reason", msgSkipReason)
	}
	open, err := openEntries(ctx, q, c.ID, ids, &res)
	if err != nil {
		return res, err
	}
	var done []string
	for _, n := range open {
		if err := q.Resolve(ctx, n, QuarantineSkipped); err != nil {
			if errors.Is(err, ErrNotOpen) {
				res.Items = append(res.Items, outcome(n, QuarantineOpen, msgNoLongerOpen.With()))
				continue
			}
			return res, err
		}
		res.Skipped++
		done = append(done, fmt.Sprint(n))
		res.Items = append(res.Items, QuarantineOutcome{ID: n, State: QuarantineSkipped})
	}
	if len(done) == 0 {
		return res, nil
	}
	detail := audit.Keyed(auditSkipped, strings.Join(done, ", "))
	if reason != "" {
		detail = audit.Keyed(auditSkippedWhy, strings.Join(done, ", "), reason)
	}
	err = m.db.InTx(ctx, func(tx *store.Tx) error { return m.record(ctx, tx, p, "channel.quarantine.skip", c.ID, detail) })
	return res, err
}

// rulesOf returns the rules of a channel's engine Channel: none when the
// engine keeps no quarantine for the rows that fail them.
func (m *Manager) rulesOf(ctx context.Context, c ChannelInfo) (map[string]Rule, error) {
	if m.o.Rules == nil || m.engine.o.Quarantine == nil {
		return nil, nil
	}
	r, err := m.o.Rules(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("rules of channel %s: %w", c.ID, err)
	}
	return r.Rules, nil
}

// putCounting stores rows found failing and returns how many of them were
// not already waiting in the quarantine, so that a row read again (each
// full pass, or at the watermark where an incremental pass resumes) counts
// once in Stats.Quarantined.
func putCounting(ctx context.Context, q Quarantine, rows []QuarantinedRow) (int64, error) {
	if s, ok := q.(*DBQuarantine); ok {
		return s.putNew(ctx, rows)
	}
	return int64(len(rows)), q.Put(ctx, rows)
}

// putNew is Put, answering how many rows had no open entry before.
func (q *DBQuarantine) putNew(ctx context.Context, rows []QuarantinedRow) (int64, error) {
	var fresh int64
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range rows {
			var open int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM exchange_quarantine WHERE channel = ? AND key = ? AND state = 'open'`,
				r.Channel, r.Key).Scan(&open); err != nil {
				return err
			}
			if open == 0 {
				fresh++
			}
			if err := putOne(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine: %w", err)
	}
	return fresh, nil
}
