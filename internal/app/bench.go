package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/bench"
)

const benchUsage = `govshare bench: measure the platform on generated data

Usage:
  govshare bench catalog-search [--entries 100000] [--queries 2000] [--database URL] [--dir DIR]
      search p50/p95/p99 (with facet counts) over generated catalog entries,
      on SQLite in DIR (default: a temporary directory) or on PostgreSQL
  govshare bench catalog-import [--entries 10000] [--items 20] [--database URL] [--dir DIR]
      parse and import the Excel template with that many entries, twice
  govshare bench service [--rows 100000] [--rate 500] [--duration 5s] [--workers 64] [--rounds 4] [--cpuprofile F] [--dir DIR]
      a data-service query (equality filter, 20 rows, 5 masked items) through /svc
      (signature, policy, masking, metering, audit) against a bare handler on
      the same SQLite table: throughput, then p50/p99 at a fixed rate; the two
      take turns in --rounds slices of each run (1: one after the other)
  govshare bench exchange --database PGURL --mysql DSN [--rows 1000000] [--batch 1000]
                          [--rate 20] [--duration 20s] [--poll 200ms] [--dir DIR]
      create a source table of that many rows in PostgreSQL (schema of PGURL), then
      copy it to MariaDB (database of DSN) twice: (a) directly, one process reading
      batches and writing them with the exchange's own sink (multi-row upsert, one
      transaction per batch), and (b) through a provider node, the hub and a
      consumer node (three NATS servers linked as leaf nodes, JetStream domains,
      durable sourcing; the nodes run as separate processes, stores in DIR); print
      rows/s and MB/s side by side, the nodes' peak RSS, then make single-row
      changes at --rate per second for --duration while the channel follows
      incrementally and print the source-commit to target-commit latency p50/p99
  govshare bench city --database PGURL [--nodes 11] [--channels 55] [--full-every 5] [--full-rows 200000]
                      [--rate 200] [--duration 10m] [--poll 200ms] [--dir DIR]
      a city's exchange on one machine: a hub process and --nodes node processes
      (NATS leaf nodes with their own JetStream domains), --channels channels
      between them from PostgreSQL source tables (schema of PGURL) into each
      consumer's SQLite targets (stores and targets in DIR), every --full-every-th
      starting with a full pass of --full-rows rows; single-row changes at --rate
      per second spread over the channels for --duration; prints each channel's
      lag p50/p99 from source commit to target commit and its deliveries, the
      hub's CPU and peak RSS, the nodes' peak RSS, and checks every target
  govshare bench ledger [--duration 10s] [--writers 512] [--proof-leaves 1000000] [--proofs 2000] [--database URL] [--dir DIR]
      durable appends per second to the evidence ledger (one record per call from
      --writers goroutines, group-committed, a checkpoint signed every second) beside
      a bare INSERT of the same records in transactions of the same size, on SQLite
      in DIR and, with --database, on PostgreSQL, in one run; then inclusion proof
      p50/p99 once the tree has --proof-leaves leaves
  govshare bench basedb [--people 100000] [--changes 10000] [--slice 50000] [--database URL] [--dir DIR]
      the population base database: four synthetic sources with planted conflicts
      and errors staged and merged into golden records beside a bare COPY of the
      same rows (PostgreSQL; prepared INSERT on SQLite), then --changes changes
      merged incrementally, the quality scores over the set, and peak memory
  govshare bench licences [--licences 850000] [--batch 5000] [--rate 500] [--duration 10s] [--database URL] [--dir DIR]
      import and anchor that many title certificates (不动产权证书) from one CSV file
      through the licence library (every row checked, then written --batch a
      transaction with its ledger leaves, checkpoints every second) beside a bare
      multi-row INSERT of the same rows, on SQLite in DIR and, with --database, on
      PostgreSQL, in one run; then the verification API's p50/p99 at --rate req/s
  govshare bench portal [--entries 100000] [--rows 1000000] [--rate 200] [--duration 10s] [--database URL] [--dir DIR]
      the open data portal over generated entries (60% open, 20% conditionally open,
      20% closed, published through the workflow 500 entries a transaction):
      package_search and the dataset page, each URL's first answer, then at --rate
      requests/s (p50/p99, goal p99 < 50ms), then a CSV download of a
      table of --rows rows streamed through the portal (heap peak) beside a bare
      COPY TO STDOUT of the same table on PostgreSQL (a bare SELECT on SQLite)
  govshare bench geo [--features 1000000] [--queries 2000] [--scans 5] [--database URL] [--dir DIR]
      a layer of that many points of interest on SQLite (R*Tree) in DIR and, with
      --database, on PostgreSQL (PostGIS, GiST), in one run: bounding-box query
      p50/p99 through the service (access check and audit included) and vector
      tile p50/p99 at zooms 12 to 15, beside a bare scan of the same features
      (goals: p99 < 50 ms each)
  govshare bench assessment [--departments 51] [--entries 200] [--database URL] [--dir DIR]
      the monthly assessment (考核) of --departments departments with --entries
      catalog entries each, kept with its drill-down records (goal < 10 s); prints
      the time and the records read, on SQLite and, with --database, PostgreSQL`

// benchmarks are the benchmarks "govshare bench" runs, for the usage text.
var benchmarks = []struct{ name, summary string }{
	{"catalog-search", "catalog search p50/p95/p99 over generated entries"},
	{"catalog-import", "parse and import the Excel template"},
	{"service", "a data-service query through /svc against a bare handler"},
	{"exchange", "a table copied PostgreSQL → MariaDB directly and through nodes"},
	{"city", "11 nodes and 55 channels at once: lag per channel, hub CPU and RSS"},
	{"ledger", "evidence ledger appends/s with checkpoints beside a bare INSERT; proof p99"},
	{"basedb", "population base database: first merge beside a bare COPY, incremental merge, quality scores"},
	{"licences", "import and anchor title certificates beside a bare INSERT; verification p99"},
	{"portal", "open data portal p99 at a fixed rate; a streamed CSV download beside COPY TO"},
	{"geo", "bbox query and vector tile p99 over 1,000,000 features beside a bare scan"},
	{"assessment", "the monthly assessment of 51 departments (goal < 10 s) and the records it read"},
}

func benchList() string {
	var b strings.Builder
	for _, x := range benchmarks {
		fmt.Fprintf(&b, "      %-16s %s\n", x.name, x.summary)
	}
	return b.String()
}

func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, benchUsage)
		if len(args) == 0 {
			return errors.New("name a benchmark")
		}
		return nil
	}
	fs := flag.NewFlagSet("bench "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var target bench.Target
	fs.StringVar(&target.Database, "database", "", "PostgreSQL URL (an empty schema, or one a previous run filled); empty uses SQLite")
	fs.StringVar(&target.Dir, "dir", "", "directory for the SQLite database (kept, so a second run reuses it); default a temporary one")
	var run func() error
	switch args[0] {
	case "catalog-search":
		o := bench.CatalogOptions{}
		fs.IntVar(&o.Entries, "entries", 100000, "catalog entries to generate")
		fs.IntVar(&o.Queries, "queries", 2000, "searches to time")
		run = func() error { o.Target = target; return bench.CatalogSearch(ctx, o, stdout) }
	case "catalog-import":
		o := bench.ImportOptions{}
		fs.IntVar(&o.Entries, "entries", 10000, "entries in the file")
		fs.IntVar(&o.Items, "items", 20, "information items per entry")
		run = func() error { o.Target = target; return bench.CatalogImport(ctx, o, stdout) }
	case "service":
		o := bench.ServiceOptions{}
		fs.IntVar(&o.Rows, "rows", 100000, "rows in the served table")
		fs.IntVar(&o.Rate, "rate", 500, "requests per second of the latency run")
		fs.DurationVar(&o.Duration, "duration", 5*time.Second, "length of each run")
		fs.IntVar(&o.Workers, "workers", 64, "concurrent clients of the throughput run (enough to saturate both servers; the audit group commit waits on fsync)")
		fs.IntVar(&o.Rounds, "rounds", 4, "slices of each run in which the bare handler and /svc take turns, so that both meet the same load from the rest of a shared machine (1: one whole run after the other)")
		fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of a further /svc throughput run to this file")
		run = func() error { o.Target = target; return bench.Service(ctx, o, stdout) }
	case "exchange":
		o := bench.ExchangeOptions{}
		fs.StringVar(&o.MySQL, "mysql", "", "MariaDB/MySQL DSN of the target database (user:pass@tcp(host:3306)/db)")
		targets := fs.String("targets", "mysql,postgres", "targets to copy into, in turn: mysql (needs --mysql) and postgres (the --database of the source, other tables)")
		fs.IntVar(&o.Rows, "rows", 1000000, "rows in the source table")
		fs.IntVar(&o.Batch, "batch", 0, "rows per read on the direct and exchange paths (0: the channel's default)")
		fs.IntVar(&o.Rate, "rate", 20, "single-row changes per second in the latency test (0: no latency test)")
		fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of the latency test")
		fs.DurationVar(&o.Poll, "poll", 200*time.Millisecond, "between the provider's incremental passes")
		run = func() (err error) {
			o.Target, o.Targets = target, strings.Split(*targets, ",")
			o.Self, err = os.Executable() // the node processes are this binary
			if err != nil {
				return err
			}
			return bench.Exchange(ctx, o, stdout)
		}
	case "city":
		o := bench.CityOptions{}
		fs.IntVar(&o.Nodes, "nodes", 11, "node processes (10 districts and one city department)")
		fs.IntVar(&o.Channels, "channels", 55, "channels between the nodes")
		fs.IntVar(&o.FullEvery, "full-every", 5, "every n-th channel starts with a full pass (0: none)")
		fs.IntVar(&o.FullRows, "full-rows", 200000, "rows in the source of each channel that starts with a full pass")
		fs.IntVar(&o.Rate, "rate", 200, "single-row changes per second across all channels")
		fs.DurationVar(&o.Duration, "duration", 10*time.Minute, "length of the changes")
		fs.DurationVar(&o.Poll, "poll", 200*time.Millisecond, "between a provider's incremental passes")
		run = func() (err error) {
			o.Target = target
			if o.Self, err = os.Executable(); err != nil {
				return err
			}
			return bench.City(ctx, o, stdout)
		}
	case "ledger":
		o := bench.LedgerOptions{}
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each append run")
		fs.IntVar(&o.Writers, "writers", 512, "concurrent appenders, one record per call")
		fs.IntVar(&o.ProofLeaves, "proof-leaves", 1000000, "tree size at which inclusion proofs are timed")
		fs.IntVar(&o.Proofs, "proofs", 2000, "inclusion proofs timed")
		run = func() error { o.Target = target; return bench.Ledger(ctx, o, stdout) }
	case "basedb":
		o := bench.BaseDBOptions{}
		fs.IntVar(&o.People, "people", 100000, "synthetic people")
		fs.IntVar(&o.Changes, "changes", 10000, "changes to the household register merged incrementally")
		fs.IntVar(&o.Slice, "slice", 50000, "people generated and staged at a time")
		run = func() error { o.Target = target; return bench.BaseDB(ctx, o, stdout) }
	case "licences":
		o := bench.LicenceOptions{}
		fs.IntVar(&o.Licences, "licences", 850000, "title certificates imported")
		fs.IntVar(&o.Batch, "batch", 5000, "licences a transaction (one ledger append)")
		fs.IntVar(&o.Rate, "rate", 500, "verification requests a second")
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of the verification run")
		run = func() error { o.Target = target; return bench.Licences(ctx, o, stdout) }
	case "portal":
		o := bench.PortalOptions{}
		fs.IntVar(&o.Entries, "entries", 100000, "catalog entries to generate")
		fs.IntVar(&o.Rows, "rows", 1000000, "rows of the downloaded table")
		fs.IntVar(&o.Rate, "rate", 200, "requests per second of each latency run")
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each latency run")
		run = func() error { o.Target = target; return bench.Portal(ctx, o, stdout) }
	case "geo":
		o := bench.GeoOptions{}
		fs.IntVar(&o.Features, "features", 1000000, "points of interest in the layer")
		fs.IntVar(&o.Queries, "queries", 2000, "bounding-box queries timed, and tiles (a quarter at each zoom 12..15)")
		fs.IntVar(&o.Scans, "scans", 5, "bare scans timed (the baseline; each reads every feature)")
		run = func() error { o.Target = target; return bench.Geo(ctx, o, stdout) }
	case "assessment":
		o := bench.AssessmentOptions{}
		fs.IntVar(&o.Departments, "departments", 51, "departments assessed")
		fs.IntVar(&o.Entries, "entries", 200, "catalog entries per department")
		run = func() error { o.Target = target; return bench.Assessment(ctx, o, stdout) }
	case "exchange-worker": // a node process of "bench exchange"; not for people
		o := bench.WorkerOptions{}
		fs.StringVar(&o.Role, "role", "", "provider, consumer, node or hub")
		fs.StringVar(&o.Domain, "domain", "", "JetStream domain")
		fs.StringVar(&o.Hub, "hub", "", "the hub's leaf URL (role hub: where it listens)")
		fs.Int64Var(&o.MemoryLimit, "memory-limit", 100<<20, "Go soft memory limit in bytes")
		run = func() error { o.Dir = target.Dir; return bench.ExchangeWorker(ctx, o, os.Stdin, stdout) }
	default:
		fmt.Fprintln(stderr, benchUsage)
		return fmt.Errorf("unknown benchmark %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if target.Dir == "" {
		dir, err := os.MkdirTemp("", "govshare-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		target.Dir = dir
	}
	return run()
}
