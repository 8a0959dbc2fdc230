package store

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Migration is one domain's embedded migrations: FS holds sql/sqlite/*.sql and
// sql/postgres/*.sql, applied in file-name order. Migrations are forward only
// and a merged file is never edited.
type Migration struct {
	Domain string
	FS     fs.FS
}

type step struct{ domain, name, sql string }

func (db *DB) steps(ms []Migration) ([]step, error) {
	var out []step
	for _, m := range ms {
		dir := path.Join("sql", string(db.Dialect))
		names, err := fs.Glob(m.FS, dir+"/*.sql")
		if err != nil {
			return nil, fmt.Errorf("migrations of %s: %w", m.Domain, err)
		}
		sort.Strings(names)
		for _, n := range names {
			b, err := fs.ReadFile(m.FS, n)
			if err != nil {
				return nil, fmt.Errorf("migrations of %s: %w", m.Domain, err)
			}
			out = append(out, step{domain: m.Domain, name: path.Base(n), sql: string(b)})
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	domain TEXT NOT NULL,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL,
	PRIMARY KEY (domain, name))`

func (db *DB) applied(ctx context.Context) (map[string]bool, error) {
	if err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, createMigrationsTable)
		return err
	}); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := db.write.QueryContext(ctx, "SELECT domain, name FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var d, n string
		if err := rows.Scan(&d, &n); err != nil {
			return nil, err
		}
		done[d+"/"+n] = true
	}
	return done, rows.Err()
}

// Pending lists the migrations not yet applied, as domain/name.
func (db *DB) Pending(ctx context.Context, ms ...Migration) ([]string, error) {
	steps, err := db.steps(ms)
	if err != nil {
		return nil, err
	}
	done, err := db.applied(ctx)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, s := range steps {
		if !done[s.domain+"/"+s.name] {
			pending = append(pending, s.domain+"/"+s.name)
		}
	}
	return pending, nil
}

// Migrate applies every pending migration, each in its own transaction.
func (db *DB) Migrate(ctx context.Context, ms ...Migration) error {
	steps, err := db.steps(ms)
	if err != nil {
		return err
	}
	if _, err := db.applied(ctx); err != nil {
		return err
	}
	for _, s := range steps {
		err := db.InTx(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				// Replicas starting together migrate one at a time.
				if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(7418880001)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE domain = ? AND name = ?", s.domain, s.name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range splitStatements(s.sql) {
				if _, err := tx.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", firstLine(stmt), err)
				}
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (domain, name, applied_at) VALUES (?, ?, ?)",
				s.domain, s.name, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s/%s: %w", s.domain, s.name, err)
		}
	}
	return nil
}

// splitStatements splits a migration file on semicolons at line ends.
// Migrations keep one statement per semicolon-terminated line group.
func splitStatements(sql string) []string {
	var out []string
	for _, part := range strings.Split(sql, ";\n") {
		if p := strings.TrimSpace(stripComments(part)); p != "" {
			out = append(out, strings.TrimSuffix(p, ";"))
		}
	}
	return out
}

func stripComments(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
