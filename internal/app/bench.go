package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
  govshare bench service [--rows 100000] [--rate 500] [--duration 5s] [--workers 16] [--dir DIR]
      a data-service query (equality filter, 20 rows, 5 masked items) through /svc
      (signature, policy, masking, metering, audit) against a bare handler on
      the same SQLite table: throughput, then p50/p99 at a fixed rate`

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
		fs.IntVar(&o.Workers, "workers", 16, "concurrent clients of the throughput run")
		run = func() error { o.Target = target; return bench.Service(ctx, o, stdout) }
	default:
		fmt.Fprintln(stderr, benchUsage)
		return fmt.Errorf("unknown benchmark %q", args[0])
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if target.Dir == "" && target.Database == "" {
		dir, err := os.MkdirTemp("", "govshare-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		target.Dir = dir
	}
	return run()
}
