package basedb

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/store"
)

// Row is one row of a source as its aggregation channel delivered it.
type Row struct {
	Key       string    // the subject's key: the ID number
	RowKey    string    // the source row's own key
	Time      time.Time // the business time (业务时间) of the row's values
	ValidFrom time.Time // the source's own period of validity, if it has one
	ValidTo   time.Time
	Values    []string // in the order of Source.Columns; "" for none
}

// Staged counts what Stage did with a source's rows.
type Staged struct {
	Rows        int `json:"rows"`
	Accepted    int `json:"accepted"`
	Quarantined int `json:"quarantined"`
}

// stageBatch is the number of source rows staged per transaction.
const stageBatch = 20000

// Stage checks a source's delivered rows and stages those that pass for the
// next merge; a row failing a rule (a key of the wrong form, a future birth
// date, an unknown division) goes to the quarantine with its reason and is
// counted against its source's quality. Rows are staged in batches, each in
// one transaction with its counts.
func (s *Service) Stage(ctx context.Context, db, source string, rows []Row) (Staged, error) {
	sc, err := s.schema(db)
	if err != nil {
		return Staged{}, err
	}
	src, ok := sc.Source(source)
	if !ok {
		return Staged{}, errs.New(errs.NotFound, msgNoSource, source)
	}
	feeds := sc.feeds(src)
	var st Staged
	for len(rows) > 0 {
		n := min(len(rows), stageBatch)
		b, err := s.stage(ctx, sc, src, feeds, rows[:n])
		st.Rows += b.Rows
		st.Accepted += b.Accepted
		st.Quarantined += b.Quarantined
		if err != nil {
			return st, err
		}
		rows = rows[n:]
	}
	return st, nil
}

// Check answers whether a row of source passes its rules, and if not the
// field and why: what Stage quarantines.
func (sc *Schema) Check(source string, r Row, now time.Time) (field string, why errs.Text, ok bool) {
	src, found := sc.Source(source)
	if !found {
		return "", msgNoSource.With(source), false
	}
	return sc.problem(src, sc.feeds(src), r, now)
}

// problem answers why row fails, naming the field, or ok.
func (sc *Schema) problem(src Source, feeds []feed, r Row, now time.Time) (field string, why errs.Text, ok bool) {
	if err := sc.CheckKey(r.Key); err != nil {
		return src.KeyColumn, quality.TextOf(err), false
	}
	if r.RowKey == "" {
		return src.RowColumn, msgRowKey.With(), false
	}
	if r.Time.IsZero() {
		return src.TimeColumn, msgRowTime.With(), false
	}
	if len(r.Values) != len(src.Columns) {
		return "", msgColumns.With(len(r.Values), len(src.Columns)), false
	}
	for _, f := range feeds {
		v := r.Values[f.col]
		if v == "" || f.attr.Check == nil {
			continue
		}
		if t := f.attr.Check(v, now); t != nil {
			return src.Columns[f.col], *t, false
		}
	}
	return "", errs.Text{}, true
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return store.FormatTime(t)
}

func (s *Service) stage(ctx context.Context, sc *Schema, src Source, feeds []feed, rows []Row) (Staged, error) {
	if err := s.tables(ctx, sc); err != nil {
		return Staged{}, err
	}
	now := s.now()
	arrived, day := store.FormatTime(now), now.UTC().Format(time.DateOnly)
	st := Staged{Rows: len(rows)}
	staged := make([][]any, 0, len(rows))
	var quarantined [][]any
	var expected, present, timely int
	width := 6 + len(src.Columns)
	for _, r := range rows {
		field, why, ok := sc.problem(src, feeds, r, now)
		if !ok {
			quarantined = append(quarantined, []any{sc.Name, src.ID, clip(r.RowKey), field, errs.Encode(why), arrived})
			continue
		}
		st.Accepted++
		if now.Sub(r.Time) <= src.Cycle {
			timely++
		}
		for _, f := range feeds {
			if f.attr.Required {
				expected++
				if r.Values[f.col] != "" {
					present++
				}
			}
		}
		v := make([]any, width)
		v[0], v[1], v[2], v[3], v[4], v[5] = r.Key, r.RowKey, r.Time.UnixMicro(), timeText(r.ValidFrom), timeText(r.ValidTo), arrived
		for i, x := range r.Values {
			if x != "" {
				v[6+i] = x
			}
		}
		staged = append(staged, v)
	}
	st.Quarantined = len(quarantined)
	err := s.db.InTxCopy(ctx, func(tx *store.Tx, copy store.CopyFunc) error {
		if err := tx.Lock(ctx, lockKey(sc.Name)); err != nil {
			return err
		}
		if err := copy(ctx, stagingTable(sc, src), stageCols(src), staged); err != nil {
			return err
		}
		if err := copy(ctx, "basedb_quarantine", []string{"db", "source", "row_key", "field", "reason", "arrived_at"}, quarantined); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO basedb_intake (db, source, day, rows_in, quarantined, expected, present, timely) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (db, source, day) DO UPDATE SET rows_in = basedb_intake.rows_in + excluded.rows_in,
				quarantined = basedb_intake.quarantined + excluded.quarantined, expected = basedb_intake.expected + excluded.expected,
				present = basedb_intake.present + excluded.present, timely = basedb_intake.timely + excluded.timely`,
			sc.Name, src.ID, day, st.Rows, st.Quarantined, expected, present, timely)
		return err
	})
	if err != nil {
		return Staged{}, fmt.Errorf("stage %s/%s: %w", sc.Name, src.ID, err)
	}
	return st, nil
}
