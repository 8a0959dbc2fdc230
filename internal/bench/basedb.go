package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/store"
)

// BaseDBOptions configure the base database benchmark.
type BaseDBOptions struct {
	People  int // synthetic people
	Changes int // changes merged incrementally after the first load
	Slice   int // people generated and staged at a time
	Target
}

// BaseDB measures the population base database (人口基础库): the four
// synthetic sources of People people (with planted conflicts and errors)
// staged and merged into golden records the first time, beside a bare COPY
// (PostgreSQL) or prepared INSERT (SQLite) of the same source rows into
// plain tables; then Changes changes to the household register merged
// incrementally; then the quality scores over the whole set; and the
// process's peak memory.
func BaseDB(ctx context.Context, o BaseDBOptions, out io.Writer) error {
	dsn, name := o.Database, "PostgreSQL"
	if dsn == "" {
		dsn, name = filepath.Join(o.Dir, "basedb.db"), "SQLite"
	}
	if o.Slice <= 0 {
		o.Slice = 50000
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, audit.Migration, basedb.Migration); err != nil {
		return err
	}
	sc := basedb.Population()
	// A run starts from empty tables.
	tables := []string{"basedb_marks", "basedb_merges", "basedb_disputes", "basedb_quarantine", "basedb_intake", "basedb_scores"}
	for _, src := range sc.Sources {
		tables = append(tables, "bench_"+src.ID)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, src := range sc.Sources {
			cols := append([]string{src.KeyColumn, src.RowColumn, src.TimeColumn}, src.Columns...)
			if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS bench_"+src.ID+" ("+strings.Join(cols, " TEXT, ")+" TEXT)"); err != nil {
				return err
			}
		}
		// The base database's own tables are made anew by the service.
		for _, t := range basedb.Tables(sc) {
			if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
				return err
			}
		}
		for _, t := range tables {
			del := "DELETE FROM "
			if db.Dialect == store.Postgres {
				del = "TRUNCATE "
			}
			if _, err := tx.Exec(ctx, del+t); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	svc := basedb.NewService(db, audit.New(db), nil)
	svc.Register(sc)
	now := time.Now()
	fmt.Fprintf(out, "basedb: %d synthetic people from 4 sources (household, births and deaths, marriage, insurance) on %s, staged %d people at a time\n", o.People, name, o.Slice)

	// The bare load and the staging, slice by slice, each timed on its own.
	var bare, stage time.Duration
	var sourceRows, quarantined int
	var planted basedb.SynthCounts
	for from := 0; from < o.People; from += o.Slice {
		rows, c := basedb.SyntheticRange(from, min(from+o.Slice, o.People), now)
		planted.BadRows, planted.SameTime, planted.DeathPaid = planted.BadRows+c.BadRows, planted.SameTime+c.SameTime, planted.DeathPaid+c.DeathPaid
		t := time.Now()
		if err := db.InTxCopy(ctx, func(_ *store.Tx, copy store.CopyFunc) error {
			for _, src := range sc.Sources {
				cols := append([]string{src.KeyColumn, src.RowColumn, src.TimeColumn}, src.Columns...)
				plain := make([][]any, len(rows[src.ID]))
				for i, r := range rows[src.ID] {
					v := make([]any, 0, len(cols))
					v = append(v, r.Key, r.RowKey, store.FormatTime(r.Time))
					for _, x := range r.Values {
						v = append(v, x)
					}
					plain[i] = v
				}
				if err := copy(ctx, "bench_"+src.ID, cols, plain); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("bare load: %w", err)
		}
		bare += time.Since(t)
		t = time.Now()
		for _, src := range sc.Sources {
			st, err := svc.Stage(ctx, sc.Name, src.ID, rows[src.ID])
			if err != nil {
				return err
			}
			sourceRows += st.Rows
			quarantined += st.Quarantined
		}
		stage += time.Since(t)
	}
	t := time.Now()
	first, err := svc.Merge(ctx, sc.Name)
	if err != nil {
		return err
	}
	merge := time.Since(t)
	bareName := "bare COPY"
	if o.Database == "" {
		bareName = "bare INSERT"
	}
	fmt.Fprintf(out, "%d source rows (%d quarantined; planted %d bad rows, %d same-time conflicts, %d payments after death)\n",
		sourceRows, quarantined, planted.BadRows, planted.SameTime, planted.DeathPaid)
	fmt.Fprintf(out, "%-34s %10s %12s\n", "step", "time", "rows/s")
	line := func(what string, d time.Duration, n int) {
		fmt.Fprintf(out, "%-34s %10s %12.0f\n", what, d.Round(time.Millisecond), float64(n)/d.Seconds())
	}
	line(bareName+" of the source rows", bare, sourceRows)
	line("stage (check, quarantine, load)", stage, sourceRows)
	line("first merge", merge, sourceRows)
	line("stage + first merge", stage+merge, sourceRows)
	fmt.Fprintf(out, "first merge: %d values, %d records, %d disputes; (stage + merge) / %s = %.1f× (goal: merge < 60 s at 4,120,000 people)\n",
		first.Values, first.Records, first.Disputes, bareName, (stage+merge).Seconds()/bare.Seconds())

	changes := basedb.SyntheticChanges(o.People, o.Changes, now.Add(time.Minute))
	t = time.Now()
	if _, err := svc.Stage(ctx, sc.Name, basedb.SrcHousehold, changes); err != nil {
		return err
	}
	stageInc := time.Since(t)
	t = time.Now()
	inc, err := svc.Merge(ctx, sc.Name)
	if err != nil {
		return err
	}
	mergeInc := time.Since(t)
	fmt.Fprintf(out, "incremental: %d changes staged in %s, merged in %s (%d values, %d records; goal < 2 s)\n",
		o.Changes, stageInc.Round(time.Millisecond), mergeInc.Round(time.Millisecond), inc.Values, inc.Records)
	t = time.Now()
	if err := svc.ComputeScores(ctx, sc.Name); err != nil {
		return err
	}
	fmt.Fprintf(out, "quality scores over the whole set: %s (goal < 30 s)\n", time.Since(t).Round(time.Millisecond))
	fmt.Fprintf(out, "peak RSS (VmHWM) of this process: %.0f MB (goal < 500 MB)\n", float64(procHWM(os.Getpid()))/1024)
	return nil
}
