package connector

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// backend is one database under test: the DSN given to Open and a
// read-write connection for creating fixtures.
type backend struct {
	driver string
	dsn    string
	db     *sql.DB
}

// eachBackend runs fn on SQLite in a temp directory, on PostgreSQL in a fresh
// schema and on MariaDB/MySQL in a fresh database; the schema and the
// database are dropped when the test ends.
func eachBackend(t *testing.T, fn func(t *testing.T, b *backend)) {
	t.Run(SQLite, func(t *testing.T) { fn(t, sqliteBackend(t)) })
	t.Run(Postgres, func(t *testing.T) { fn(t, postgresBackend(t)) })
	t.Run(MySQL, func(t *testing.T) { fn(t, mysqlBackend(t)) })
}

// serverDSN returns the test server named by env, skipping the test when it
// is unset, or failing it in CI (CI=true), where the server must be there.
func serverDSN(t *testing.T, env, example string) string {
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

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func sqliteBackend(t *testing.T) *backend {
	path := filepath.Join(t.TempDir(), "source.db")
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &backend{driver: SQLite, dsn: path, db: db}
}

func postgresBackend(t *testing.T) *backend {
	base := serverDSN(t, "GOVSHARE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := randomName("connector_")
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", base, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return &backend{driver: Postgres, dsn: u.String(), db: db}
}

func mysqlBackend(t *testing.T) *backend {
	base := serverDSN(t, "GOVSHARE_TEST_MYSQL", "root@tcp(127.0.0.1:3306)/test")
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("GOVSHARE_TEST_MYSQL: %v", err)
	}
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	name := randomName("connector_")
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		t.Fatalf("create database on %s: %v", base, err)
	}
	cfg.DBName = name
	dsn := cfg.FormatDSN() // what a user would write: no charset, no parseTime
	fixture := cfg.Clone()
	fixture.ParseTime = true
	if fixture.Params == nil {
		fixture.Params = map[string]string{}
	}
	fixture.Params["time_zone"] = "'+00:00'"
	if err := fixture.Apply(mysql.Charset("utf8mb4", "")); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", fixture.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	return &backend{driver: MySQL, dsn: dsn, db: db}
}

// open opens the backend's Source, closing it when the test ends.
func (b *backend) open(t *testing.T) *Source {
	t.Helper()
	s, err := Open(context.Background(), b.driver, b.dsn)
	if err != nil {
		t.Fatalf("Open(%s): %v", b.driver, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// q quotes an identifier for the fixture SQL.
func (b *backend) q(name string) string {
	if b.driver == MySQL {
		return quoteWith("`", name)
	}
	return quoteWith(`"`, name)
}

// exec runs statements written with ? placeholders and {name} identifiers,
// which it quotes, and with per-dialect type names in [pg|mysql|sqlite].
func (b *backend) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := b.db.Exec(b.sql(query), args...); err != nil {
		t.Fatalf("%s\n%v", b.sql(query), err)
	}
}

func (b *backend) sql(query string) string {
	var out strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '{':
			j := strings.IndexByte(query[i:], '}')
			out.WriteString(b.q(query[i+1 : i+j]))
			i += j
		case '[':
			j := strings.IndexByte(query[i:], ']')
			alts := strings.Split(query[i+1:i+j], "|")
			out.WriteString(alts[map[string]int{Postgres: 0, MySQL: 1, SQLite: 2}[b.driver]])
			i += j
		case '?':
			n++
			if b.driver == Postgres {
				out.WriteString("$" + strconv.Itoa(n))
			} else {
				out.WriteByte('?')
			}
		default:
			out.WriteByte(c)
		}
	}
	return out.String()
}

// dbType picks the DBType a backend reports.
func (b *backend) pick(pg, my, lite string) string {
	switch b.driver {
	case Postgres:
		return pg
	case MySQL:
		return my
	}
	return lite
}
