package exchange

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
)

// Late commits. A source transaction that writes a watermark and commits
// later (a long transaction, or one waiting on a lock) makes its row
// visible after a pass may already have read past that watermark; ordered
// reads alone would skip it for ever. So an incremental pass reads again
// from Options.LateWindow before the highest watermark seen when the pass
// before it began (state.Mark), and leaves out the rows it has already sent
// as they are (recentRows). Only datetime watermarks are read again, and
// not before where the incremental phase began; rows that commit later
// than the window after their watermark are still skipped: the window is
// set for the longest transaction the source runs.

// recentRows remembers the rows an extractor sent whose watermark lies in
// the span the next pass reads again: a hash of the key → a hash of the row
// as sent. It is kept beside the state in the bucket (key "<channel>.late")
// after each pass, so that another engine or a restarted node does not send
// them again; beyond lateCap rows (a burst of changes) the oldest are
// forgotten, and sent again, harmlessly, if a pass meets them.
type recentRows struct {
	loaded, dirty bool
	rows          map[uint64]recentRow
}

type recentRow struct {
	key, sum uint64
	at       int64 // its watermark, Unix microseconds
}

const lateCap = 40000 // 24 bytes each in the bucket

func (e *Engine) recentOf(ctx context.Context, id string) (*recentRows, error) {
	e.mu.Lock()
	r := e.recent[id]
	if r == nil {
		r = &recentRows{rows: map[uint64]recentRow{}}
		e.recent[id] = r
	}
	e.mu.Unlock()
	if r.loaded {
		return r, nil
	}
	entry, err := e.kv.Get(ctx, id+".late")
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return nil, fmt.Errorf("exchange: rows lately sent on channel %q: %w", id, err)
	default:
		b := entry.Value()
		for ; len(b) >= 24; b = b[24:] {
			k := binary.BigEndian.Uint64(b)
			r.rows[k] = recentRow{key: k, sum: binary.BigEndian.Uint64(b[8:]), at: int64(binary.BigEndian.Uint64(b[16:]))}
		}
	}
	r.loaded = true
	return r, nil
}

// save writes the rows to the bucket if they changed, the newest lateCap.
func (r *recentRows) save(ctx context.Context, e *Engine, id string) error {
	if !r.dirty {
		return nil
	}
	rows := slices.Collect(maps.Values(r.rows))
	if len(rows) > lateCap {
		slices.SortFunc(rows, func(a, b recentRow) int { return cmp.Compare(b.at, a.at) })
		for _, old := range rows[lateCap:] {
			delete(r.rows, old.key)
		}
		rows = rows[:lateCap]
	}
	b := make([]byte, 0, 24*len(rows))
	for _, row := range rows {
		b = binary.BigEndian.AppendUint64(b, row.key)
		b = binary.BigEndian.AppendUint64(b, row.sum)
		b = binary.BigEndian.AppendUint64(b, uint64(row.at))
	}
	if _, err := e.kv.Put(ctx, id+".late", b); err != nil {
		return fmt.Errorf("exchange: save the rows lately sent on channel %q: %w", id, err)
	}
	r.dirty = false
	return nil
}

// hash64 is a collision-resistant 64-bit digest, so that a source's writer
// cannot make a changed row look like one already sent.
func hash64(b []byte) uint64 {
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint64(sum[:8])
}

// lateReading is one incremental pass's reading again.
type lateReading struct {
	recent *recentRows
	wmAt   int       // the watermark's index in a row
	keep   time.Time // rows from this watermark on are remembered: the next pass reads them again
	buf    []byte
}

// filter leaves out the rows sent before as they are now, and answers the
// others with what to remember of them once they are sent.
func (l *lateReading) filter(x *extraction, rows, pos [][]any) (_, _ [][]any, sent []recentRow) {
	n := 0
	for i, row := range rows {
		at, ok := watermarkTime(row[l.wmAt])
		if !ok {
			rows[n], pos[n] = row, pos[i]
			n++
			continue
		}
		key, err := x.keyJSON(row)
		l.buf = l.buf[:0]
		for _, v := range row {
			if err == nil {
				l.buf, err = appendValue(l.buf, v)
			}
		}
		r := recentRow{key: hash64([]byte(key)), sum: hash64(l.buf), at: at.UnixMicro()}
		if old, ok := l.recent.rows[r.key]; err == nil && ok && old.sum == r.sum && old.at == r.at {
			continue
		}
		if err == nil && !at.Before(l.keep) {
			sent = append(sent, r)
		}
		rows[n], pos[n] = row, pos[i]
		n++
	}
	return rows[:n], pos[:n], sent
}

// remember records rows that were sent.
func (l *lateReading) remember(sent []recentRow) {
	if l == nil {
		return
	}
	for _, r := range sent {
		l.recent.rows[r.key] = r
		l.recent.dirty = true
	}
}

// incremental runs an incremental pass: the rows after the position, and
// before them the span where late commits may have appeared.
func (x *extraction) incremental(ctx context.Context) error {
	order := append([]string{x.ch.Watermark}, x.key...)
	after, err := decodeValues(x.st.After)
	if err != nil {
		return fmt.Errorf("exchange: channel %q: position: %w", x.ch.ID, err)
	}
	wm, wmAt := x.watermarkColumn()
	if x.e.o.LateWindow < 0 || wm.Type != connector.TypeDateTime {
		return x.passFrom(ctx, order, after, true, nil)
	}
	prev, err := decodeValues(x.st.Mark)
	if err != nil {
		return fmt.Errorf("exchange: channel %q: mark: %w", x.ch.ID, err)
	}
	mark, err := x.src.Max(ctx, x.schema.Name, x.ch.Watermark)
	if err != nil {
		return err
	}
	seq, was := x.st.Seq, string(x.st.Mark)
	if mark != nil {
		if x.st.Mark, err = encodeValues([]any{mark}); err != nil {
			return fmt.Errorf("exchange: channel %q: mark: %w", x.ch.ID, err)
		}
	}
	recent, err := x.e.recentOf(ctx, x.ch.ID)
	if err != nil {
		return err
	}
	late := &lateReading{recent: recent, wmAt: wmAt}
	if t, ok := watermarkTime(mark); ok {
		late.keep = t.Add(-x.e.o.LateWindow)
	}
	from := after
	since := late.keep
	if len(prev) == 1 && len(after) > 0 {
		if t, ok := watermarkTime(prev[0]); ok {
			since = t.Add(-x.e.o.LateWindow)
			// Not before where the incremental phase began: the full pass
			// before it sent those rows, and they are not remembered.
			if floor, err := decodeValues(x.st.Since); err == nil && len(floor) == 1 {
				if f, ok := watermarkTime(floor[0]); ok && since.Before(f) {
					since = f
				}
			}
			if at, ok := watermarkTime(after[0]); ok && since.Before(at) {
				from = []any{sameKind(since, prev[0])}
			}
		}
	}
	// What neither this pass nor the next reads again is forgotten.
	cut := late.keep
	if !since.IsZero() && since.Before(cut) {
		cut = since
	}
	for k, r := range recent.rows {
		if !cut.IsZero() && r.at < cut.UnixMicro() {
			delete(recent.rows, k)
			recent.dirty = true
		}
	}
	if err := x.passFrom(ctx, order, from, true, late); err != nil {
		return err
	}
	if err := recent.save(ctx, x.e, x.ch.ID); err != nil {
		return err
	}
	if x.st.Seq == seq && string(x.st.Mark) != was {
		// No batch carried the new mark: it is saved on its own.
		x.rev, err = x.e.saveState(ctx, x.ch.ID, x.st, x.rev)
	}
	return err
}

// watermarkColumn is the source's watermark column and its index in a row
// as read.
func (x *extraction) watermarkColumn() (connector.Column, int) {
	src := x.source
	if x.shape == nil {
		src = x.schema
	}
	c, _ := src.Column(x.ch.Watermark)
	return c, slices.Index(x.cols, x.ch.Watermark)
}

// Layouts of datetimes that drivers hand back as text (SQLite, MySQL
// without parseTime).
var textLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700 MST",
}

// watermarkTime reads a watermark value as a time.
func watermarkTime(v any) (time.Time, bool) {
	switch v := v.(type) {
	case time.Time:
		return v, true
	case string:
		for _, l := range textLayouts {
			if t, err := time.Parse(l, v); err == nil {
				return t, true
			}
		}
	case []byte:
		return watermarkTime(string(v))
	}
	return time.Time{}, false
}

// sameKind writes t as like is written: a time in its location, or text in
// its layout.
func sameKind(t time.Time, like any) any {
	switch like := like.(type) {
	case time.Time:
		return t.In(like.Location())
	case []byte:
		return sameKind(t, string(like))
	case string:
		for _, l := range textLayouts {
			if _, err := time.Parse(l, like); err == nil {
				return t.Format(l)
			}
		}
	}
	return t
}
