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

// QuarantineEntry is a quarantined row as people see it: values masked by
// the catalog's default masking of their item, long values truncated.
type QuarantineEntry struct {
	ID       int64          `json:"id"`
	Key      string         `json:"key" doc:"The key values as a JSON array (masked like the row)"`
	Column   string         `json:"column" doc:"The first column that failed"`
	Reason   string         `json:"reason"`
	Row      map[string]any `json:"row" doc:"The row as it was read, column → value, masked"`
	State    string         `json:"state" enum:"open,retried,skipped,gone"`
	Passes   int            `json:"passes" doc:"Times the row was found failing"`
	At       time.Time      `json:"at" doc:"When it was (last) found failing"`
	Resolved time.Time      `json:"resolved,omitzero"`
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
	Reason string `json:"reason,omitempty" doc:"Why it still fails, or why it was not touched"`
}

// QuarantineResult answers a retry or a skip.
type QuarantineResult struct {
	Published int                 `json:"published" doc:"Rows that passed and were sent to the target"`
	Failing   int                 `json:"failing" doc:"Rows that still fail"`
	Gone      int                 `json:"gone" doc:"Rows no longer at the source"`
	Skipped   int                 `json:"skipped"`
	Items     []QuarantineOutcome `json:"items"`
}

// quarantine returns the engine's quarantine, or an error saying there is none.
func (m *Manager) quarantine() (Quarantine, error) {
	if m.engine.o.Quarantine == nil {
		return nil, errs.E(errs.Unavailable, "this platform keeps no quarantine")
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
func (q *SQLiteQuarantine) Entry(ctx context.Context, id int64) (QuarantinedRow, error) {
	var (
		r        QuarantinedRow
		at, done string
	)
	err := q.db.QueryRowContext(ctx, `SELECT id, channel, key, row, col, reason, at, state, coalesce(resolved_at, ''), passes
		FROM exchange_quarantine WHERE id = ?`, id).Scan(&r.ID, &r.Channel, &r.Key, &r.Row, &r.Column, &r.Reason, &at, &r.State, &done, &r.Passes)
	if err != nil {
		return r, fmt.Errorf("exchange: quarantine entry %d: %w", id, err)
	}
	r.At, _ = time.Parse(timeText, at)
	if done != "" {
		r.Resolved, _ = time.Parse(timeText, done)
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
			res.Items = append(res.Items, QuarantineOutcome{ID: n, State: QuarantineOpen, Reason: "no such entry in this channel's quarantine"})
		case r.State != QuarantineOpen:
			res.Items = append(res.Items, QuarantineOutcome{ID: n, State: r.State, Reason: "already " + r.State})
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
// ("" for all), oldest first, masked for display. Whoever operates the
// channel sees it.
func (m *Manager) QuarantineList(ctx context.Context, p org.Principal, id, state string, page, size int) (QuarantinePage, error) {
	c, err := m.manage(ctx, p, "channel.quarantine.read", id)
	if err != nil {
		return QuarantinePage{}, err
	}
	q, err := m.quarantine()
	if err != nil {
		return QuarantinePage{}, err
	}
	switch state {
	case "", QuarantineOpen, QuarantineRetried, QuarantineSkipped, QuarantineGone:
	default:
		return QuarantinePage{}, errs.Field("state", "open, retried, skipped or gone")
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
		out.Items = append(out.Items, displayEntry(r, c.KeyColumns, rules.Mask))
	}
	return out, nil
}

// displayLimit is the most characters of a value shown when the catalog
// does not say how to mask it.
const displayLimit = 24

// displayEntry masks a quarantined row for people.
func displayEntry(r QuarantinedRow, keyCols []string, masks map[string]string) QuarantineEntry {
	e := QuarantineEntry{ID: r.ID, Column: r.Column, Reason: r.Reason, State: r.State, Passes: r.Passes, At: r.At, Resolved: r.Resolved,
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
				e.Reason = strings.ReplaceAll(e.Reason, s, t)
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
	return e
}

// QuarantineRetry checks the given open entries of a channel (all open
// ones when ids is empty) against the source and the rules again and sends
// the rows that pass (Engine.Retry); it answers what became of each. A
// cron channel is asked to run at once so that the rows arrive now.
func (m *Manager) QuarantineRetry(ctx context.Context, p org.Principal, id string, ids []int64) (QuarantineResult, error) {
	res := QuarantineResult{Items: []QuarantineOutcome{}}
	c, err := m.manage(ctx, p, "channel.quarantine.retry", id)
	if err != nil {
		return res, err
	}
	q, err := m.quarantine()
	if err != nil {
		return res, err
	}
	if c.State == ChannelRevoked {
		return res, errs.E(errs.Conflict, "channel %s is revoked", id)
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
			return res, errs.Wrap(err, errs.Unavailable, "channel %s cannot reach its tables", id)
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
				return res, errs.Wrap(err, errs.Conflict, "channel %s", id)
			}
			clash := errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) || strings.Contains(err.Error(), "another extractor")
			if !clash {
				return res, err
			}
			if attempt == 3 {
				return res, errs.Wrap(err, errs.Conflict, "channel %s: an extract pass ran at the same time; try again", id)
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
				o.Reason = displayEntry(r, c.KeyColumns, rules.Mask).Reason
			}
			res.Items = append(res.Items, o)
		}
	}
	slices.SortFunc(res.Items, func(a, b QuarantineOutcome) int { return int(a.ID - b.ID) })
	detail := fmt.Sprintf("retried %d quarantined rows: %d delivered, %d still failing, %d gone", len(open), res.Published, res.Failing, res.Gone)
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
	c, err := m.manage(ctx, p, "channel.quarantine.skip", id)
	if err != nil {
		return res, err
	}
	q, err := m.quarantine()
	if err != nil {
		return res, err
	}
	if len(ids) == 0 {
		return res, errs.Field("ids", "choose the rows to skip")
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return res, errs.Field("reason", "at most 500 characters")
	}
	open, err := openEntries(ctx, q, c.ID, ids, &res)
	if err != nil {
		return res, err
	}
	var done []string
	for _, n := range open {
		if err := q.Resolve(ctx, n, QuarantineSkipped); err != nil {
			if errors.Is(err, ErrNotOpen) {
				res.Items = append(res.Items, QuarantineOutcome{ID: n, State: QuarantineOpen, Reason: "no longer open"})
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
	detail := "skipped quarantined rows " + strings.Join(done, ", ")
	if reason != "" {
		detail += ": " + reason
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
	if s, ok := q.(*SQLiteQuarantine); ok {
		return s.putNew(ctx, rows)
	}
	return int64(len(rows)), q.Put(ctx, rows)
}

// putNew is Put, answering how many rows had no open entry before.
func (q *SQLiteQuarantine) putNew(ctx context.Context, rows []QuarantinedRow) (int64, error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine: %w", err)
	}
	defer tx.Rollback()
	var fresh int64
	for _, r := range rows {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_quarantine WHERE channel = ? AND key = ? AND state = 'open'`,
			r.Channel, r.Key).Scan(&open); err != nil {
			return 0, fmt.Errorf("exchange: quarantine: %w", err)
		}
		if open == 0 {
			fresh++
		}
		at := r.At
		if at.IsZero() {
			at = time.Now()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_quarantine (channel, key, row, col, reason, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, key) WHERE state = 'open' DO UPDATE SET row = excluded.row, col = excluded.col,
			reason = excluded.reason, at = excluded.at, passes = passes + 1`,
			r.Channel, r.Key, r.Row, r.Column, r.Reason, at.UTC().Format(timeText)); err != nil {
			return 0, fmt.Errorf("exchange: quarantine: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("exchange: quarantine: %w", err)
	}
	return fresh, nil
}
