package basedb

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Run reports one merge.
type Run struct {
	DB       string        `json:"db"`
	From     int64         `json:"from" doc:"The watermark before (the sum of the sources' watermarks): staged rows above it were merged"`
	Through  int64         `json:"through" doc:"The watermark after"`
	Staged   int64         `json:"staged" doc:"Staged source rows merged"`
	Values   int64         `json:"values" doc:"Golden values written"`
	Records  int64         `json:"records" doc:"Golden records touched"`
	Disputes int64         `json:"disputes" doc:"Disputes raised"`
	Took     time.Duration `json:"took"`
}

// batch is what a merge takes of one source: its staged rows above the
// source's watermark, up to through.
type batch struct {
	src           int // index in Schema.Sources
	from, through int64
	rows, left    int64 // rows in the batch; rows not merged yet
}

// Merge upserts the golden records of every key staged since the last merge,
// in one transaction with the watermarks: a merge that fails or whose
// process dies leaves the golden records as they were, and the next merge
// redoes it. The newest business time wins; between equal business times
// the source of higher priority, then the later staged row; the winner keeps
// its provenance. Disputes are raised for the keys merged.
//
// The merge is set-based: a round takes the newest staged row of every
// subject from each source, joins them with the golden records into a
// candidate table, writes the winners of each attribute in one statement
// and raises the disputes in another. A source that staged several rows
// for a subject takes further rounds, one per row, rarely needed.
func (s *Service) Merge(ctx context.Context, db string) (Run, error) {
	sc, err := s.schema(db)
	if err != nil {
		return Run{}, err
	}
	if err := s.tables(ctx, sc); err != nil {
		return Run{}, err
	}
	start := time.Now()
	var run Run
	now := s.now()
	at, due := store.FormatTime(now), store.FormatTime(workingDays(now, DisputeDays))
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		run = Run{DB: db}
		if err := tx.Lock(ctx, lockKey(db)); err != nil {
			return err
		}
		marks := map[string]int64{}
		rows, err := tx.Query(ctx, "SELECT source, staged_through FROM basedb_marks WHERE db = ?", db)
		if err != nil {
			return err
		}
		for rows.Next() {
			var src string
			var n int64
			if err := rows.Scan(&src, &n); err != nil {
				rows.Close()
				return err
			}
			marks[src] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var batches []batch
		for i, src := range sc.Sources {
			b := batch{src: i, from: marks[src.ID]}
			if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+stagingTable(sc, src)).Scan(&b.through); err != nil {
				return err
			}
			run.From += b.from
			b.through = max(b.through, b.from)
			run.Through += b.through
			if b.through == b.from {
				continue
			}
			if err := s.queryRow(ctx, tx, "SELECT COUNT(*) FROM "+stagingTable(sc, src)+" WHERE id > ? AND id <= ?", []any{b.from, b.through}, &b.rows); err != nil {
				return err
			}
			b.left = b.rows
			run.Staged += b.rows
			batches = append(batches, b)
		}
		if len(batches) == 0 {
			return nil
		}
		// A large batch changes the tables' statistics more than the
		// planner knows inside this transaction.
		big := run.Staged > analyzeAbove
		if big && tx.Dialect == store.Postgres {
			for _, b := range batches {
				if _, err := s.exec(ctx, tx, "ANALYZE "+stagingTable(sc, sc.Sources[b.src])+" (subject, id)"); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
				return err
			}
		}
		for round := 1; ; round++ {
			var in []batch
			for _, b := range batches {
				if b.left > 0 {
					in = append(in, b)
				}
			}
			if len(in) == 0 {
				break
			}
			r, used, err := s.mergeRound(ctx, tx, sc, in, round, at, due)
			if err != nil {
				return err
			}
			if round == 1 {
				run.Records = r.Records
			}
			run.Values += r.Values
			run.Disputes += r.Disputes
			for i := range batches {
				batches[i].left -= used[batches[i].src]
			}
			if big && round == 1 {
				if err := s.analyze(ctx, tx, true, goldenTable(sc)); err != nil {
					return err
				}
			}
		}
		if err := s.step("disputes"); err != nil {
			return err
		}
		for _, b := range batches {
			if _, err := tx.Exec(ctx, `INSERT INTO basedb_marks (db, source, staged_through) VALUES (?, ?, ?)
				ON CONFLICT (db, source) DO UPDATE SET staged_through = excluded.staged_through`, db, sc.Sources[b.src].ID, b.through); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO basedb_merges (db, staged_through, runs, merged_at) VALUES (?, ?, 1, ?)
			ON CONFLICT (db) DO UPDATE SET staged_through = excluded.staged_through, runs = basedb_merges.runs + 1, merged_at = excluded.merged_at`,
			db, run.Through, at)
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("merge %s: %w", db, err)
	}
	run.Took = time.Since(start)
	return run, nil
}

// analyzeAbove is the number of staged rows above which a merge refreshes
// the planner's statistics.
const analyzeAbove = 200000

// analyze refreshes the statistics of table's subject on PostgreSQL when
// big: the join by subject is what the merge's plans need.
func (s *Service) analyze(ctx context.Context, tx *store.Tx, big bool, table string) error {
	if !big || tx.Dialect != store.Postgres {
		return nil
	}
	_, err := s.exec(ctx, tx, "ANALYZE "+table+" (subject)")
	return err
}

// MergeNow merges a base database and recomputes its quality scores at an
// approver of the data authority's request; audited.
func (s *Service) MergeNow(ctx context.Context, p org.Principal, db string) (Run, error) {
	const action = "basedb.merge"
	tgt := "basedb:" + db
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Run{}, err
	}
	if !a.authority || !p.Can(org.ReviewCatalog) {
		return Run{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgMergeDenied))
	}
	run, err := s.Refresh(ctx, db)
	if err != nil {
		return Run{}, err
	}
	return run, s.audit.Record(ctx, org.Entry(p, action, tgt, audit.Success, audit.Keyed(auditMerge, run.Through-run.From, run.Records, run.Disputes)))
}

// Refresh ingests what the sources' mandates delivered, merges a base
// database and recomputes its quality scores.
func (s *Service) Refresh(ctx context.Context, db string) (Run, error) {
	if _, err := s.Ingest(ctx, db); err != nil {
		return Run{}, err
	}
	run, err := s.Merge(ctx, db)
	if err != nil {
		return run, err
	}
	if run.Through > run.From {
		err = s.ComputeScores(ctx, db)
	}
	return run, err
}

// Run refreshes every base database each interval until ctx ends: the
// platform's periodic merge. Errors go to log; the next round retries.
func (s *Service) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, sc := range s.Schemas() {
			if _, err := s.Refresh(ctx, sc.Name); err != nil && ctx.Err() == nil {
				log.Error("merge base database", "db", sc.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
