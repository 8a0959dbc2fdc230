// Package storetest runs a store test on every dialect: SQLite in a temp
// directory and PostgreSQL in a fresh schema of the server named by
// GOVSHARE_TEST_POSTGRES. In CI (CI=true) a missing server fails the test.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/govshare/govshare/internal/store"
)

// PostgresURL returns the test server's URL, skipping (or failing in CI)
// when none is configured.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("GOVSHARE_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GOVSHARE_TEST_POSTGRES is not set; .ci/run must start PostgreSQL")
		}
		t.Skip("set GOVSHARE_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL tests")
	}
	return u
}

// PostgresSchema creates an empty schema for one test and returns a URL whose
// connections use it; the schema is dropped when the test ends.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn once per dialect on a freshly migrated database.
func Each(t *testing.T, ms []store.Migration, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Open(t, filepath.Join(t.TempDir(), "govshare.db"), ms))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Open(t, PostgresSchema(t), ms))
	})
}

// Open opens and migrates the database at dsn, closing it when the test ends.
func Open(t testing.TB, dsn string, ms []store.Migration) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, ms...); err != nil {
		t.Fatal(err)
	}
	return db
}
