// Package storetest gives tests real databases: SQLite in a temp
// directory, PostgreSQL in a fresh schema of GOVSHARE_TEST_POSTGRES and
// MariaDB/MySQL in a fresh database of GOVSHARE_TEST_MYSQL. In CI (CI=true)
// a missing server fails the test; elsewhere it is skipped.
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

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/govshare/govshare/internal/store"
)

// Require returns the test server named by the environment variable env,
// skipping the test when it is unset, or failing it in CI (CI=true), where
// .ci/run starts the server.
func Require(t testing.TB, env, example string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: in CI the server must run and %s=%s must be set", env, env, example)
		}
		t.Skipf("%s is not set; set %s=%s to run against a real server", env, env, example)
	}
	return v
}

// PostgresURL returns the PostgreSQL test server's URL.
func PostgresURL(t testing.TB) string {
	return Require(t, "GOVSHARE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// MySQLDatabase creates an empty utf8mb4 database on the MariaDB/MySQL test
// server named by GOVSHARE_TEST_MYSQL and drops it when the test ends. It
// returns the DSN a user would write and one for writing fixtures (UTC
// times, parseTime, utf8mb4).
func MySQLDatabase(t testing.TB) (dsn, fixture string) {
	t.Helper()
	base := Require(t, "GOVSHARE_TEST_MYSQL", "root@tcp(127.0.0.1:3306)/test")
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("GOVSHARE_TEST_MYSQL: %v", err)
	}
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "t_" + randomHex()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		t.Fatalf("create database on %s: %v", base, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg.DBName = name
	f := cfg.Clone()
	f.ParseTime = true
	if f.Params == nil {
		f.Params = map[string]string{}
	}
	f.Params["time_zone"] = "'+00:00'"
	if err := f.Apply(mysql.Charset("utf8mb4", "")); err != nil {
		t.Fatal(err)
	}
	return cfg.FormatDSN(), f.FormatDSN()
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
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
	schema := "t_" + randomHex()
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
