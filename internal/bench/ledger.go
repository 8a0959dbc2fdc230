package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/store"
)

// LedgerOptions configure the ledger benchmark.
type LedgerOptions struct {
	Duration    time.Duration // of each append run
	Writers     int           // concurrent appenders, one record per call
	ProofLeaves int           // tree size at which inclusion proofs are timed
	Proofs      int           // inclusion proofs timed
	Target
}

// Ledger measures durable appends per second to the evidence ledger, with
// a checkpoint signed every second, beside a bare multi-row INSERT of the
// same records in transactions of the same size, on SQLite and (with
// Target.Database) on PostgreSQL in the same run; then the inclusion proof
// latency at ProofLeaves leaves.
func Ledger(ctx context.Context, o LedgerOptions, out io.Writer) error {
	targets := []struct{ name, dsn string }{{"SQLite", filepath.Join(o.Dir, "ledger.db")}}
	if o.Database != "" {
		targets = append(targets, struct{ name, dsn string }{"PostgreSQL", o.Database})
	}
	fmt.Fprintf(out, "ledger: %d writers appending one record per call for %s, checkpoints every 1s (Ed25519 + SM2); bare INSERT of the same records in transactions of the ledger's mean batch\n",
		o.Writers, o.Duration)
	fmt.Fprintf(out, "%-11s %14s %10s %10s %12s %16s %13s\n", "database", "appends/s", "p50", "p99", "mean batch", "bare INSERT/s", "checkpoints")
	type proofResult struct {
		name     string
		size     uint64
		build    time.Duration
		p50, p99 time.Duration
	}
	var proofs []proofResult
	for _, tg := range targets {
		db, err := store.Open(ctx, tg.dsn)
		if err != nil {
			return err
		}
		err = func() error {
			defer db.Close()
			if err := db.Migrate(ctx, ledger.Migration); err != nil {
				return err
			}
			signer, err := ledger.NewSigner("bench.govshare.local/ledger")
			if err != nil {
				return err
			}
			l := ledger.New(db, signer, ledger.Options{Interval: time.Second})
			l.Start()
			defer l.Close()
			runCtx, stop := context.WithCancel(ctx)
			defer stop()
			go l.Run(runCtx)
			cp0, _ := l.Publish(ctx)
			// Appends.
			c0, r0 := l.Stats()
			var n atomic.Int64
			lat := make([][]time.Duration, o.Writers)
			var recsMu sync.Mutex
			var recs []ledger.Record
			deadline := time.Now().Add(o.Duration)
			var wg sync.WaitGroup
			var firstErr atomic.Value
			start := time.Now()
			for w := range o.Writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []ledger.Record
					for time.Now().Before(deadline) {
						k := n.Add(1)
						r := ledger.Record{Kind: "bench", Hash: benchHash(uint64(start.UnixNano()), uint64(k))}
						t0 := time.Now()
						if _, err := l.Append(ctx, []ledger.Record{r}, nil); err != nil {
							firstErr.CompareAndSwap(nil, err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
						mine = append(mine, r)
					}
					recsMu.Lock()
					recs = append(recs, mine...)
					recsMu.Unlock()
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			if err, _ := firstErr.Load().(error); err != nil {
				return err
			}
			c1, r1 := l.Stats()
			time.Sleep(1200 * time.Millisecond) // the last checkpoint
			cp1, err := l.Latest(ctx)
			if err != nil {
				return err
			}
			var all []time.Duration
			for _, x := range lat {
				all = append(all, x...)
			}
			slices.Sort(all)
			batch := 1
			if c1 > c0 {
				batch = max(1, int((r1-r0)/(c1-c0)))
			}
			bare, err := bareInsert(ctx, db, recs, batch)
			if err != nil {
				return err
			}
			checkpoints := "n/a"
			if cp1.Size > cp0.Size {
				checkpoints = fmt.Sprintf("to size %d", cp1.Size)
			}
			fmt.Fprintf(out, "%-11s %14.0f %10s %10s %12d %16.0f %13s\n", tg.name, float64(len(all))/elapsed.Seconds(),
				pct(all, 50), pct(all, 99), batch, bare, checkpoints)

			// Inclusion proofs at ProofLeaves leaves.
			t0 := time.Now()
			size, err := l.Size(ctx)
			if err != nil {
				return err
			}
			if err := fill(ctx, l, size, uint64(o.ProofLeaves)); err != nil {
				return err
			}
			build := time.Since(t0)
			cp, err := l.Publish(ctx)
			if err != nil {
				return err
			}
			var ds []time.Duration
			r := rand.New(rand.NewPCG(1, 2))
			for range o.Proofs {
				var leaf []byte
				if err := db.QueryRow(ctx, "SELECT leaf_hash FROM ledger_leaves WHERE idx = ?", int64(r.Uint64N(cp.Size))).Scan(&leaf); err != nil {
					return err
				}
				t := time.Now()
				if _, err := l.InclusionProof(ctx, leaf, cp.Size); err != nil {
					return err
				}
				ds = append(ds, time.Since(t))
			}
			slices.Sort(ds)
			proofs = append(proofs, proofResult{tg.name, cp.Size, build, pct(ds, 50), pct(ds, 99)})
			return nil
		}()
		if err != nil {
			return fmt.Errorf("%s: %w", tg.name, err)
		}
	}
	fmt.Fprintf(out, "\ninclusion proofs (leaf lookup by hash, tiles from the database, %d random leaves)\n", o.Proofs)
	fmt.Fprintf(out, "%-11s %12s %10s %10s %14s\n", "database", "tree size", "p50", "p99", "tree built in")
	for _, p := range proofs {
		fmt.Fprintf(out, "%-11s %12d %10s %10s %14s\n", p.name, p.size, p.p50, p.p99, p.build.Round(time.Second))
	}
	return nil
}

func benchHash(seed, k uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], seed)
	binary.BigEndian.PutUint64(b[8:], k)
	s := sha256.Sum256(b[:])
	return hex.EncodeToString(s[:])
}

// fill appends records in batches of 4096 until the tree has size leaves.
func fill(ctx context.Context, l *ledger.Log, have, size uint64) error {
	const per = 4096
	var next atomic.Uint64
	next.Store(have)
	seed := uint64(time.Now().UnixNano())
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := next.Add(per) - per
				if from >= size {
					return
				}
				recs := make([]ledger.Record, min(per, size-from))
				for i := range recs {
					recs[i] = ledger.Record{Kind: "bench", Hash: benchHash(seed, from+uint64(i))}
				}
				if _, err := l.Append(ctx, recs, nil); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// bareInsert writes recs into a plain table with the ledger's columns, in
// transactions of batch rows, multi-row INSERTs of at most 400 rows, and
// returns rows per second.
func bareInsert(ctx context.Context, db *store.DB, recs []ledger.Record, batch int) (float64, error) {
	blob := "BLOB"
	if db.Dialect == store.Postgres {
		blob = "BYTEA"
	}
	took, err := bareRows(ctx, db, "bench_ledger_bare", "idx BIGINT PRIMARY KEY, leaf_hash "+blob+" NOT NULL, kind TEXT NOT NULL, record_hash TEXT NOT NULL, at TEXT NOT NULL, ref TEXT NOT NULL DEFAULT '', department_id BIGINT",
		[]string{"idx", "leaf_hash", "kind", "record_hash", "at", "ref", "department_id"}, len(recs), batch, 400, func(i int) []any {
			r := recs[i]
			return []any{int64(i), r.LeafHash(), r.Kind, r.Hash, store.FormatTime(time.Now()), "", nil}
		})
	if err != nil {
		return 0, err
	}
	return float64(len(recs)) / took.Seconds(), nil
}

// bareRows makes table anew with the columns of ddl and inserts n rows into
// it the plain way, as the baseline a benchmark stands beside: transactions
// of batch rows, multi-row INSERTs of per rows, row(i) the values of row i.
// It returns the time the inserts took.
func bareRows(ctx context.Context, db *store.DB, table, ddl string, columns []string, n, batch, per int, row func(i int) []any) (time.Duration, error) {
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE TABLE "+table+" ("+ddl+")")
		return err
	}); err != nil {
		return 0, err
	}
	head := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES "
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	start := time.Now()
	for from := 0; from < n; from += batch {
		end := min(from+batch, n)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for s := from; s < end; s += per {
				var b strings.Builder
				b.WriteString(head)
				args := make([]any, 0, len(columns)*per)
				for i := s; i < min(s+per, end); i++ {
					if i > s {
						b.WriteString(", ")
					}
					b.WriteString(tuple)
					args = append(args, row(i)...)
				}
				if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// pct returns the p-th percentile of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, len(sorted)*p/100)
	return sorted[i].Round(time.Microsecond)
}
