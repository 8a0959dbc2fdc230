package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
)

// Phases of an extractor.
const (
	phaseFull        = "full"
	phaseIncremental = "incremental"
	phaseDone        = "done" // a Full channel's pass has ended; the next starts over
)

// state is what an extractor keeps per channel, in the KV bucket and in the
// headers of each batch it publishes.
type state struct {
	Seq   int64  `json:"seq"`             // last sequence published
	Phase string `json:"phase,omitempty"` // "", phaseFull, phaseIncremental or phaseDone
	After []byte `json:"after,omitempty"` // position of the last row published (encodeValues)
	Since []byte `json:"since,omitempty"` // highest watermark when the full pass began
	Mark  []byte `json:"mark,omitempty"`  // highest watermark when the last incremental pass began
}

// loadState reads the channel's state and its KV revision (0: none), and
// adopts the stream's last batch for the channel when it is newer: that
// batch was published but the extractor stopped before saving its state.
func (e *Engine) loadState(ctx context.Context, id string) (state, uint64, error) {
	var (
		st  state
		rev uint64
	)
	entry, err := e.kv.Get(ctx, id)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return st, 0, fmt.Errorf("exchange: state of channel %q: %w", id, err)
	default:
		rev = entry.Revision()
		if err := json.Unmarshal(entry.Value(), &st); err != nil {
			return st, 0, fmt.Errorf("exchange: state of channel %q: %w", id, err)
		}
	}
	last, err := e.stream.GetLastMsgForSubject(ctx, e.subject(id))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return st, rev, nil
	}
	if err != nil {
		return st, 0, fmt.Errorf("exchange: last batch of channel %q: %w", id, err)
	}
	seq, _ := strconv.ParseInt(last.Header.Get(hdrSeq), 10, 64)
	if seq > st.Seq {
		// Only a batch that verifies and carries its own state counts; the
		// applier refuses anything else too.
		var newer state
		err := json.Unmarshal([]byte(last.Header.Get(hdrState)), &newer)
		if err != nil || newer.Seq != seq || Checksum(last.Data) != last.Header.Get(hdrChecksum) {
			e.log.Warn("exchange: the last message of the channel is not a batch this extractor can resume after; ignored",
				"channel", id, "seq", seq, "stream_seq", last.Sequence)
			return st, rev, nil
		}
		e.log.Info("exchange: extractor resumes after the last batch in the stream", "channel", id, "seq", seq, "saved", st.Seq)
		st = newer
	}
	return st, rev, nil
}

// saveState writes the state if the revision is still rev, so that a second
// extractor of the same channel fails instead of interleaving.
func (e *Engine) saveState(ctx context.Context, id string, st state, rev uint64) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	if rev == 0 {
		rev, err = e.kv.Create(ctx, id, b)
	} else {
		rev, err = e.kv.Update(ctx, id, b, rev)
	}
	if err != nil {
		return 0, fmt.Errorf("exchange: save the state of channel %q (is another extractor running it?): %w", id, err)
	}
	return rev, nil
}

// extraction is one extract pass of one channel.
type extraction struct {
	e       *Engine
	ch      Channel
	src     *connector.Source
	schema  connector.Table // as sent: Key() in ordinal order, as a decoded Table has it
	cols    []string        // the columns read, as described when the pass began
	key     []string        // source key columns, in the source's key order (for reads)
	delIdx  []int           // key columns in schema.Key() order (for deletes)
	softIdx int
	st      state
	rev     uint64
	checks  []check         // nil: rows are not checked
	shape   *Shape          // nil: rows go as they are
	source  connector.Table // the source table as read, when shaped

	// A full pass of a Full channel whose key orders alike everywhere sweeps:
	// each batch says which keys it covers, from the last key published
	// (sweepFrom) to its own last key, and the last batch of the pass runs to
	// the end, so the applier deletes what is no longer at the source.
	sweep     bool
	sweeping  bool  // in a full pass, now
	full      bool  // the pass is a full one
	sweepFrom []any // position of the last row published, nil at the start
	final     bool  // the read being published is the last of the pass
}

// Extract runs one extract pass of a channel: a full pass (resumed where it
// stopped, if it did), or the rows changed since the last pass. It returns
// when it has published everything the source held when it read it.
func (e *Engine) Extract(ctx context.Context, ch Channel) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	if err := e.setup(ctx); err != nil {
		return err
	}
	e.update(ch.ID, func(s *Stats) {
		if s.State != StatePaused {
			s.State = StateRunning
		}
	})
	unlock, err := e.lockExtract(ctx, ch.ID, 0)
	if err != nil {
		return err
	}
	defer unlock()
	if err := e.extract(ctx, ch); err != nil {
		return e.fail(ch.ID, err)
	}
	return nil
}

func (e *Engine) extract(ctx context.Context, ch Channel) error {
	x, err := e.prepare(ctx, ch)
	if err != nil {
		return err
	}
	src, t := x.src, x.schema
	switch {
	case ch.Mode == Full && x.st.Phase != phaseFull,
		ch.Mode == FullThenIncremental && x.st.Phase == "":
		// A new full pass. Rows changed while it runs have a watermark at or
		// above the highest one now, so incremental passes start there.
		x.st.Phase, x.st.After, x.st.Since = phaseFull, nil, nil
		if ch.Mode == FullThenIncremental {
			w, err := src.Max(ctx, t.Name, ch.Watermark)
			if err != nil {
				return err
			}
			if w != nil {
				if x.st.Since, err = encodeValues([]any{w}); err != nil {
					return err
				}
			}
		}
		if x.rev, err = e.saveState(ctx, ch.ID, x.st, x.rev); err != nil {
			return err
		}
	case ch.Mode == Incremental && x.st.Phase != phaseIncremental:
		x.st.Phase, x.st.After = phaseIncremental, nil
	}
	if x.st.Phase == phaseFull {
		x.sweeping = x.sweep
		if x.sweepFrom, err = decodeValues(x.st.After); err != nil {
			return fmt.Errorf("exchange: channel %q: position: %w", ch.ID, err)
		}
		err := x.pass(ctx, x.key, false)
		x.sweeping = false
		if err != nil {
			return err
		}
		x.st.After = nil
		if ch.Mode == Full {
			x.st.Phase = phaseDone
		} else {
			x.st.Phase, x.st.After = phaseIncremental, x.st.Since
		}
		if x.rev, err = e.saveState(ctx, ch.ID, x.st, x.rev); err != nil {
			return err
		}
	}
	if x.st.Phase == phaseIncremental {
		return x.incremental(ctx)
	}
	return nil
}

// prepare opens the source of a channel, describes what the extractor sends
// and loads its state. x.src stays open for the engine's next passes.
func (e *Engine) prepare(ctx context.Context, ch Channel) (*extraction, error) {
	src, err := e.o.Sources.get(ctx, ch.Source.Driver, ch.Source.DSN)
	if err != nil {
		return nil, err
	}
	t, err := src.Table(ctx, ch.Source.Table)
	if err != nil {
		return nil, err
	}
	x := &extraction{e: e, ch: ch, src: src, key: t.Key(), softIdx: -1}
	for _, c := range t.Columns {
		x.cols = append(x.cols, c.Name)
	}
	if len(x.key) == 0 {
		return nil, fmt.Errorf("exchange: source table %q has no primary key", t.Name)
	}
	// The schema as the applier decodes it: Key() then lists the key columns
	// in ordinal order, and deletes carry their values in that order.
	x.schema = connector.Table{Name: t.Name, Columns: slices.Clone(t.Columns)}
	sent := x.cols // the columns of a row as sent
	if ch.Shaper != nil {
		if x.shape, err = ch.Shaper(ctx); err != nil {
			return nil, fmt.Errorf("exchange: channel %q: %w", ch.ID, err)
		}
		x.source, x.schema = t, x.shape.table(t)
		sent = nil
		for _, c := range x.schema.Columns {
			sent = append(sent, c.Name)
		}
	}
	for _, k := range x.schema.Key() {
		x.delIdx = append(x.delIdx, slices.Index(sent, k))
	}
	if ch.Watermark != "" && !slices.Contains(x.cols, ch.Watermark) {
		return nil, fmt.Errorf("exchange: watermark column %q: %w", ch.Watermark, connector.ErrNoColumn)
	}
	if ch.SoftDelete != "" {
		if x.softIdx = slices.Index(x.cols, ch.SoftDelete); x.softIdx < 0 {
			return nil, fmt.Errorf("exchange: soft-delete column %q: %w", ch.SoftDelete, connector.ErrNoColumn)
		}
	}
	if x.st, x.rev, err = e.loadState(ctx, ch.ID); err != nil {
		return nil, err
	}
	e.update(ch.ID, func(s *Stats) { s.PubSeq = max(s.PubSeq, x.st.Seq) })
	// Sweeping needs the pass's order (the source's key order) to be the
	// order of the key the applier sees (ordinal), and values that every
	// database orders alike.
	x.sweep = ch.Mode == Full && slices.Equal(x.key, x.schema.Key()) && x.shape == nil
	for _, k := range x.key {
		c, _ := x.schema.Column(k)
		switch c.Type {
		case connector.TypeInteger, connector.TypeDecimal, connector.TypeDate, connector.TypeDateTime:
		default:
			x.sweep = false
		}
	}
	if len(ch.Rules) > 0 && e.o.Quarantine == nil {
		return nil, fmt.Errorf("exchange: channel %q has rules but the engine has no quarantine for the rows that fail them", ch.ID)
	}
	if e.o.Quarantine != nil {
		// Rows are checked as read, before any shaping: by the source's columns.
		if x.checks, err = compileRules(ch.Rules, t.Columns); err != nil {
			return nil, fmt.Errorf("exchange: channel %q: %w", ch.ID, err)
		}
	}
	return x, nil
}

// pass reads the source in the order of the columns named in order after the
// state's position, and publishes until a read comes back short. An
// incremental pass leaves out rows without a watermark.
func (x *extraction) pass(ctx context.Context, order []string, incremental bool) error {
	after, err := decodeValues(x.st.After)
	if err != nil {
		return fmt.Errorf("exchange: channel %q: position: %w", x.ch.ID, err)
	}
	return x.passFrom(ctx, order, after, incremental, nil)
}

// passFrom reads from a position to the end and publishes what it reads,
// less the rows that late has already sent.
func (x *extraction) passFrom(ctx context.Context, order []string, after []any, incremental bool, late *lateReading) error {
	n := x.ch.batchSize(incremental)
	x.full = !incremental
	for {
		read := x.src.ReadAfter
		if !incremental {
			read = func(ctx context.Context, table string, cols, order []string, after []any, _ bool, n int) ([][]any, [][]any, error) {
				return x.src.ReadAfterBulk(ctx, table, cols, order, after, n)
			}
		}
		rows, pos, err := read(ctx, x.schema.Name, x.cols, order, after, incremental, n)
		if err != nil {
			return err
		}
		x.final = len(rows) < n
		if len(rows) > 0 {
			after = pos[len(pos)-1]
		}
		var sent []recentRow
		if late != nil {
			rows, pos, sent = late.filter(x, rows, pos)
		}
		if err := x.publish(ctx, rows, pos); err != nil {
			return err
		}
		late.remember(sent)
		if x.final {
			return nil
		}
	}
}

// deleted reports whether a row's soft-delete column says so.
func (x *extraction) deleted(row []any) bool {
	if x.softIdx < 0 {
		return false
	}
	switch v := row[x.softIdx].(type) {
	case bool:
		return v
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		switch v {
		case "1", "t", "true", "TRUE", "True", "y", "yes":
			return true
		}
	}
	return false
}

// publish sends rows as one or more batches of at most MaxBytes each; pos
// holds each row's position, which the batch ending with it saves.
func (x *extraction) publish(ctx context.Context, rows, pos [][]any) error {
	var (
		rowBuf, delBuf []byte
		nRows, nDels   int
		last           []any
		one            []byte
		err            error
	)
	var (
		bad   []QuarantinedRow
		keep  [][]any // keys of the rows set aside, when sweeping
		moved bool    // the position passed rows set aside since the last batch
	)
	if x.shape != nil {
		// The grant is asked again before every read: revoked or expired, it
		// stops here; narrowed, its new row filter applies from here, and
		// other columns or masks start the pass again with the new schema.
		sh, err := x.ch.Shaper(ctx)
		if err != nil {
			return fmt.Errorf("exchange: channel %q: %w", x.ch.ID, err)
		}
		if !slices.Equal(sh.Columns, x.shape.Columns) || !maps.Equal(sh.Mask, x.shape.Mask) {
			return fmt.Errorf("exchange: channel %q: the grant's columns or masking changed; the channel starts again", x.ch.ID)
		}
		x.shape = sh
	}
	flush := func(end bool) error {
		// The rows set aside are stored before the position moves past them.
		if len(bad) > 0 {
			n, err := putCounting(ctx, x.e.o.Quarantine, bad)
			if err != nil {
				return fmt.Errorf("exchange: channel %q: %w", x.ch.ID, err)
			}
			x.e.update(x.ch.ID, func(s *Stats) { s.Quarantined += n })
			bad = bad[:0]
		}
		var rng *connector.Range
		if x.sweeping {
			// Every range of the pass is sent, rows or none, the last one open.
			rng = &connector.Range{From: x.sweepFrom, To: last, Keep: keep}
			if end && x.final {
				rng.To = nil
				if last == nil {
					last = x.sweepFrom
				}
			} else if nRows+nDels == 0 && !moved {
				return nil
			}
		} else if nRows+nDels == 0 {
			if moved {
				moved = false
				return x.savePosition(ctx, last)
			}
			return nil
		}
		err := x.send(ctx, nRows, nDels, rowBuf, delBuf, last, rng)
		rowBuf, delBuf, nRows, nDels, moved, keep = rowBuf[:0], delBuf[:0], 0, 0, false, nil
		if err == nil && x.sweeping {
			x.sweepFrom = last
		}
		return err
	}
	for i, row := range rows {
		del := x.deleted(row)
		if x.shape != nil && !x.shape.keeps(x.source, row) {
			// A row the grant does not allow never leaves, not even its key;
			// it is not checked either, so it never reaches the quarantine,
			// whose entries the consumer is shown.
			last, moved = pos[i], true
			continue
		}
		if !del && x.checks != nil {
			if col, why := validate(x.checks, row); why != "" {
				q, err := x.quarantined(row, col, why)
				if err != nil {
					return err
				}
				bad, last, moved = append(bad, q), pos[i], true
				if x.sweeping {
					k := make([]any, len(x.delIdx))
					for j, at := range x.delIdx {
						k[j] = row[at]
					}
					keep = append(keep, k)
				}
				continue
			}
		}
		if x.shape != nil {
			row, _ = x.shape.row(x.source, row)
		}
		one = one[:0]
		if del {
			for _, at := range x.delIdx {
				if one, err = appendValue(one, row[at]); err != nil {
					return err
				}
			}
		} else {
			for _, v := range row {
				if one, err = appendValue(one, v); err != nil {
					return err
				}
			}
		}
		if len(rowBuf)+len(delBuf)+len(one) > x.e.o.MaxBytes-4096 && nRows+nDels > 0 {
			if err := flush(false); err != nil {
				return err
			}
		}
		if del {
			delBuf, nDels = append(delBuf, one...), nDels+1
		} else {
			rowBuf, nRows = append(rowBuf, one...), nRows+1
		}
		last = pos[i]
	}
	return flush(true)
}

// send publishes one batch and saves the state after it.
func (x *extraction) send(ctx context.Context, nRows, nDels int, rowBuf, delBuf []byte, last []any, r *connector.Range) error {
	next := x.st
	next.Seq++
	var err error
	if next.After, err = encodeValues(last); err != nil {
		return fmt.Errorf("exchange: channel %q: position: %w", x.ch.ID, err)
	}
	rng, err := encodeRange(r)
	if err != nil {
		return fmt.Errorf("exchange: channel %q: range: %w", x.ch.ID, err)
	}
	payload, err := encodeBatch(x.ch.ID, next.Seq, x.schema, x.full, nRows, nDels, rowBuf, delBuf, rng)
	if err != nil {
		return err
	}
	encoding := ""
	if !x.e.o.NoCompression {
		payload, encoding = compress(payload), encodingS2
	}
	if len(payload) > x.e.o.MaxBytes {
		return fmt.Errorf("exchange: channel %q: one row takes %d bytes, more than a message holds (%d)", x.ch.ID, len(payload), x.e.o.MaxBytes)
	}
	stateJSON, err := json.Marshal(next)
	if err != nil {
		return err
	}
	seq := strconv.FormatInt(next.Seq, 10)
	msg := &nats.Msg{Subject: x.e.subject(x.ch.ID), Data: payload, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, x.ch.ID+":"+seq)
	msg.Header.Set(hdrChannel, x.ch.ID)
	msg.Header.Set(hdrSeq, seq)
	msg.Header.Set(hdrRows, strconv.Itoa(nRows))
	msg.Header.Set(hdrDeletes, strconv.Itoa(nDels))
	msg.Header.Set(hdrChecksum, Checksum(payload))
	msg.Header.Set(hdrFormat, format)
	msg.Header.Set(hdrState, string(stateJSON))
	if encoding != "" {
		msg.Header.Set(hdrEncoding, encoding)
	}
	ack, err := x.e.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(x.e.o.Stream))
	if err != nil {
		return fmt.Errorf("exchange: channel %q: publish batch %d: %w", x.ch.ID, next.Seq, err)
	}
	x.e.update(x.ch.ID, func(s *Stats) {
		s.Published++
		s.PubSeq = next.Seq
		if ack.Duplicate {
			s.PubDupes++
		}
	})
	if x.rev, err = x.e.saveState(ctx, x.ch.ID, next, x.rev); err != nil {
		return err
	}
	x.st = next
	if x.e.afterPublish != nil {
		x.e.afterPublish(next.Seq)
	}
	return nil
}

// savePosition saves the state with the position moved to last, without
// publishing: the rows up to it were all set aside.
func (x *extraction) savePosition(ctx context.Context, last []any) error {
	next := x.st
	var err error
	if next.After, err = encodeValues(last); err != nil {
		return fmt.Errorf("exchange: channel %q: position: %w", x.ch.ID, err)
	}
	if x.rev, err = x.e.saveState(ctx, x.ch.ID, next, x.rev); err != nil {
		return err
	}
	x.st = next
	return nil
}

// quarantined describes a row that failed a check.
func (x *extraction) quarantined(row []any, col, why string) (QuarantinedRow, error) {
	obj := make(map[string]any, len(row))
	for i, name := range x.cols {
		obj[name] = row[i]
	}
	rowJSON, err := json.Marshal(obj)
	if err != nil {
		return QuarantinedRow{}, fmt.Errorf("exchange: channel %q: quarantine a row: %w", x.ch.ID, err)
	}
	key, err := x.keyJSON(row)
	if err != nil {
		return QuarantinedRow{}, err
	}
	q := QuarantinedRow{Channel: x.ch.ID, Key: key, Row: string(rowJSON), Column: col, Reason: why, At: time.Now()}
	if x.shape == nil {
		return q, nil
	}
	// A grant's consumer is shown the row as the grant would deliver it;
	// the row as read stays for the provider.
	vals, _ := x.shape.row(x.source, row)
	shaped := make(map[string]any, len(vals))
	for i, c := range x.schema.Columns {
		shaped[c.Name] = vals[i]
	}
	shapedJSON, err := json.Marshal(shaped)
	if err != nil {
		return QuarantinedRow{}, fmt.Errorf("exchange: channel %q: quarantine a row: %w", x.ch.ID, err)
	}
	q.Shaped, q.RawRow, q.RawReason, q.Row = true, q.Row, q.Reason, string(shapedJSON)
	if !x.shape.shows(col) {
		q.Reason = errs.Encode(msgWithheld.With())
	}
	return q, nil
}

// keyJSON is a row's key values, in the source's key order, as JSON.
func (x *extraction) keyJSON(row []any) (string, error) {
	key := make([]any, len(x.key))
	for i, k := range x.key {
		key[i] = row[slices.Index(x.cols, k)]
	}
	b, err := json.Marshal(key)
	if err != nil {
		return "", fmt.Errorf("exchange: channel %q: key: %w", x.ch.ID, err)
	}
	return string(b), nil
}
