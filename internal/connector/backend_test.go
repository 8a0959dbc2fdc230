package connector

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/store/storetest"
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

func sqliteBackend(t testing.TB) *backend {
	path := filepath.Join(t.TempDir(), "source.db")
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &backend{driver: SQLite, dsn: path, db: db}
}

func postgresBackend(t testing.TB) *backend {
	dsn := storetest.PostgresSchema(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &backend{driver: Postgres, dsn: dsn, db: db}
}

func mysqlBackend(t testing.TB) *backend {
	dsn, fixture := storetest.MySQLDatabase(t) // dsn is what a user would write: no charset, no parseTime
	db, err := sql.Open("mysql", fixture)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
