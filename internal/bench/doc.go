// Package bench holds the benchmarks that "govshare bench" runs: each builds
// its own data on the embedded default or on PostgreSQL, measures, and
// prints figures to compare across runs.
package bench
