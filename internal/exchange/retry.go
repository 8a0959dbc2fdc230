package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RetryResult counts what Retry did with the entries it looked at.
type RetryResult struct {
	Published int // passed now, published and marked retried
	Failing   int // still failing: left open with the new reason
	Gone      int // no longer at the source, or outside the grant's row filter: marked gone
}

// Retry looks again at open quarantine entries of a channel (the entries
// with the given IDs, or all open ones): it reads each row from the source
// by its key, checks it against the channel's rules as they are now, and
// publishes the rows that pass, in batches like any other, marking them
// retried. This is what follows a fix at the source (or a corrected rule).
// Run it where the channel's extractor runs: in one process the two take
// turns; an Extract in another process makes one of them fail on the
// state's compare-and-set rather than interleave.
func (e *Engine) Retry(ctx context.Context, ch Channel, ids ...int64) (RetryResult, error) {
	var res RetryResult
	if err := ch.Validate(); err != nil {
		return res, err
	}
	if e.o.Quarantine == nil {
		return res, errors.New("exchange: Retry needs Options.Quarantine")
	}
	if err := e.setup(ctx); err != nil {
		return res, err
	}
	unlock, err := e.lockExtract(ctx, ch.ID, 15*time.Second)
	if err != nil {
		return res, err
	}
	defer unlock()
	x, err := e.prepare(ctx, ch)
	if err != nil {
		return res, err
	}
	var entries []QuarantinedRow
	for after := int64(0); ; {
		page, err := e.o.Quarantine.List(ctx, ch.ID, QuarantineOpen, after, 500)
		if err != nil {
			return res, err
		}
		for _, q := range page {
			if len(ids) == 0 || slices.Contains(ids, q.ID) {
				entries = append(entries, q)
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].ID
	}
	// The position stays where it is: these rows are sent out of turn.
	here, err := decodeValues(x.st.After)
	if err != nil {
		return res, fmt.Errorf("exchange: channel %q: position: %w", ch.ID, err)
	}
	n := ch.batchSize(true)
	for len(entries) > 0 {
		chunk := entries[:min(n, len(entries))]
		entries = entries[len(chunk):]
		var (
			rows, pos [][]any
			passed    []int64
			failing   []QuarantinedRow
		)
		for _, q := range chunk {
			row, err := x.readKey(ctx, q.Key)
			if err != nil {
				return res, err
			}
			if row == nil {
				if err := e.o.Quarantine.Resolve(ctx, q.ID, QuarantineGone); err != nil {
					return res, err
				}
				res.Gone++
				continue
			}
			if x.shape != nil && !x.shape.keeps(x.source, row) {
				// Outside the grant's row filter now: never the consumer's.
				if err := e.o.Quarantine.Resolve(ctx, q.ID, QuarantineGone); err != nil {
					return res, err
				}
				res.Gone++
				continue
			}
			if !x.deleted(row) {
				if col, why := validate(x.checks, row); why != "" {
					f, err := x.quarantined(row, col, why)
					if err != nil {
						return res, err
					}
					failing = append(failing, f)
					continue
				}
			}
			rows, pos, passed = append(rows, row), append(pos, here), append(passed, q.ID)
		}
		if len(failing) > 0 {
			if err := e.o.Quarantine.Put(ctx, failing); err != nil {
				return res, err
			}
			res.Failing += len(failing)
		}
		if len(rows) > 0 {
			// checks are off while these rows go out: they were just checked.
			checks := x.checks
			x.checks = nil
			err := x.publish(ctx, rows, pos)
			x.checks = checks
			if err != nil {
				return res, err
			}
			for _, id := range passed {
				if err := e.o.Quarantine.Resolve(ctx, id, QuarantineRetried); err != nil {
					return res, err
				}
			}
			res.Published += len(rows)
		}
	}
	return res, nil
}

// readKey reads the row with a key (as keyJSON wrote it) from the source,
// or nil when there is none.
func (x *extraction) readKey(ctx context.Context, keyJSON string) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(keyJSON)))
	dec.UseNumber()
	var key []any
	if err := dec.Decode(&key); err != nil || len(key) != len(x.key) {
		return nil, fmt.Errorf("exchange: channel %q: quarantined key %s does not fit the key %v", x.ch.ID, keyJSON, x.key)
	}
	for i, v := range key {
		if n, ok := v.(json.Number); ok {
			if k, err := n.Int64(); err == nil {
				key[i] = k
			} else {
				key[i] = n.String()
			}
		}
	}
	// Ordered by the key and then its first column again, a position of one
	// value starts at the first column's value inclusively.
	order := append(slices.Clone(x.key), x.key[0])
	after := []any{key[0]}
	for {
		rows, pos, err := x.src.ReadAfter(ctx, x.schema.Name, x.cols, order, after, false, 100)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			got, err := x.keyJSON(row)
			if err != nil {
				return nil, err
			}
			if got == keyJSON {
				return row, nil
			}
			if first, _ := json.Marshal(row[slices.Index(x.cols, x.key[0])]); len(x.key) == 1 || string(first) != firstJSON(keyJSON) {
				return nil, nil // past the key
			}
		}
		if len(rows) < 100 {
			return nil, nil
		}
		after = pos[len(pos)-1]
	}
}

// firstJSON is the JSON of a key's first value.
func firstJSON(keyJSON string) string {
	var vs []json.RawMessage
	if json.Unmarshal([]byte(keyJSON), &vs) != nil || len(vs) == 0 {
		return ""
	}
	return string(vs[0])
}
