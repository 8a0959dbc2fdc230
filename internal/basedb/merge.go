package basedb

import (
	"context"
	"database/sql"
	"errors"
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
	From     int64         `json:"from" doc:"The watermark before: staged rows above it were merged"`
	Through  int64         `json:"through" doc:"The watermark after"`
	Values   int64         `json:"values" doc:"Golden values written"`
	Records  int64         `json:"records" doc:"Golden records touched"`
	Disputes int64         `json:"disputes" doc:"Disputes raised"`
	Took     time.Duration `json:"took"`
}

// Merge upserts the golden records of every key staged since the last merge,
// in one transaction with the watermark: a merge that fails or whose
// process dies leaves the golden records as they were, and the next merge
// redoes it. The newest business time wins; between equal business times
// the source of higher priority; the winner keeps its provenance. Disputes
// are raised for the keys merged.
func (s *Service) Merge(ctx context.Context, db string) (Run, error) {
	sc, err := s.schema(db)
	if err != nil {
		return Run{}, err
	}
	start := time.Now()
	run := Run{DB: db}
	now := s.now()
	at, due := store.FormatTime(now), store.FormatTime(workingDays(now, DisputeDays))
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		run = Run{DB: db}
		if err := tx.Lock(ctx, lockKey(db)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, "SELECT staged_through FROM basedb_merges WHERE db = ?", db).Scan(&run.From)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.Exec(ctx, "INSERT INTO basedb_merges (db) VALUES (?)", db)
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM basedb_staging WHERE db = ?", db).Scan(&run.Through); err != nil {
			return err
		}
		if run.Through <= run.From {
			run.Through = run.From
			return nil
		}
		rng := []any{db, run.From, run.Through}
		// A large batch changes the tables' statistics more than the
		// planner knows inside this transaction: without them PostgreSQL
		// joins staged rows and values by nested loops.
		big := run.Through-run.From > analyzeAbove
		if err := s.analyze(ctx, tx, big, "basedb_staging"); err != nil {
			return err
		}
		if big && tx.Dialect == store.Postgres { // the winners' sort stays in memory
			if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '256MB'"); err != nil {
				return err
			}
		}
		// The winners among the staged rows, upserted where they beat the
		// golden value: a newer business time, or the same one from a source
		// of the same or higher priority (a correction).
		// The first load into an empty base database needs no conflict
		// handling: a plain insert is cheaper by far.
		var some int
		err = tx.QueryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM basedb_values WHERE db = ? LIMIT 1) x", db).Scan(&some)
		if err != nil {
			return err
		}
		upsert := ` ON CONFLICT (db, subject, attr) DO UPDATE SET value = excluded.value, source = excluded.source, row_key = excluded.row_key,
				business_time = excluded.business_time, valid_from = excluded.valid_from, valid_to = excluded.valid_to,
				arrived_at = excluded.arrived_at, priority = excluded.priority, staged_id = excluded.staged_id
			WHERE excluded.business_time > basedb_values.business_time
				OR (excluded.business_time = basedb_values.business_time AND excluded.priority <= basedb_values.priority)`
		if some == 0 {
			upsert = ""
		}
		res, err := tx.Exec(ctx, `INSERT INTO basedb_values (db, subject, attr, value, source, row_key, business_time, valid_from, valid_to, arrived_at, priority, staged_id)
			SELECT db, subject, attr, value, source, row_key, business_time, valid_from, valid_to, arrived_at, priority, id FROM (
				SELECT s.*, ROW_NUMBER() OVER (PARTITION BY subject, attr ORDER BY business_time DESC, priority ASC, id DESC) AS rn
				FROM basedb_staging s WHERE db = ? AND id > ? AND id <= ?) w
			WHERE rn = 1`+upsert, rng...)
		if err != nil {
			return fmt.Errorf("merge values: %w", err)
		}
		run.Values, _ = res.RowsAffected()
		if err := s.analyze(ctx, tx, big, "basedb_values"); err != nil {
			return err
		}
		if err := s.step("values"); err != nil {
			return err
		}
		res, err = tx.Exec(ctx, `INSERT INTO basedb_records (db, subject, created_at, updated_at)
			SELECT DISTINCT db, subject, ?, ? FROM basedb_staging WHERE db = ? AND id > ? AND id <= ?
			ON CONFLICT (db, subject) DO UPDATE SET updated_at = excluded.updated_at`, at, at, db, run.From, run.Through)
		if err != nil {
			return fmt.Errorf("merge records: %w", err)
		}
		run.Records, _ = res.RowsAffected()
		if err := s.step("records"); err != nil {
			return err
		}
		// Two sources, the same business time, different values: the
		// priority rule chose the golden value; the other stands beside it.
		res, err = tx.Exec(ctx, `INSERT INTO basedb_disputes (db, subject, kind, attr_a, value_a, source_a, row_a, time_a,
				attr_b, value_b, source_b, row_b, time_b, state, raised_at, due_at)
			SELECT s.db, s.subject, ?, v.attr, v.value, v.source, v.row_key, v.business_time,
				s.attr, s.value, s.source, s.row_key, s.business_time, ?, ?, ?
			FROM basedb_staging s JOIN basedb_values v ON v.db = s.db AND v.subject = s.subject AND v.attr = s.attr
			WHERE s.db = ? AND s.id > ? AND s.id <= ? AND s.business_time = v.business_time AND s.source <> v.source AND s.value <> v.value
			ON CONFLICT (db, subject, kind, attr_a, source_a, source_b, time_b) DO NOTHING`,
			KindSameTime, Open, at, due, db, run.From, run.Through)
		if err != nil {
			return fmt.Errorf("raise disputes: %w", err)
		}
		n, _ := res.RowsAffected()
		run.Disputes += n
		for _, r := range sc.Rules {
			q := `INSERT INTO basedb_disputes (db, subject, kind, attr_a, value_a, source_a, row_a, time_a,
					attr_b, value_b, source_b, row_b, time_b, state, raised_at, due_at)
				SELECT a.db, a.subject, ?, a.attr, a.value, a.source, a.row_key, a.business_time,
					b.attr, b.value, b.source, b.row_key, b.business_time, ?, ?, ?
				FROM basedb_values a JOIN basedb_values b ON b.db = a.db AND b.subject = a.subject AND b.attr = ?
				WHERE a.db = ? AND a.attr = ? AND a.value < b.value`
			args := []any{r.Kind, Open, at, due, r.After, db, r.Before}
			if run.From > 0 { // incremental: only the keys merged now
				q += ` AND a.subject IN (SELECT subject FROM basedb_staging WHERE db = ? AND id > ? AND id <= ?)`
				args = append(args, rng...)
			}
			res, err := tx.Exec(ctx, q+` ON CONFLICT (db, subject, kind, attr_a, source_a, source_b, time_b) DO NOTHING`, args...)
			if err != nil {
				return fmt.Errorf("rule %s: %w", r.Kind, err)
			}
			n, _ := res.RowsAffected()
			run.Disputes += n
		}
		if err := s.step("disputes"); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE basedb_merges SET staged_through = ?, runs = runs + 1, merged_at = ? WHERE db = ?", run.Through, at, db)
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

// analyze refreshes table's statistics on PostgreSQL when big.
func (s *Service) analyze(ctx context.Context, tx *store.Tx, big bool, table string) error {
	if !big || tx.Dialect != store.Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "ANALYZE "+table)
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
