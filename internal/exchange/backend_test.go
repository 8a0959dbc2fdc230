package exchange

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/store/storetest"
)

// backend is one database under test, as in internal/connector's tests:
// SQLite in a temp directory, PostgreSQL in a fresh schema of
// GOVSHARE_TEST_POSTGRES, MariaDB/MySQL in a fresh database of
// GOVSHARE_TEST_MYSQL. Without the variable the test is skipped, and in CI
// (CI=true) it fails.
type backend struct {
	driver string
	dsn    string
	db     *sql.DB
}

func newBackend(t *testing.T, driver, name string) *backend {
	t.Helper()
	var dsn, fixture string
	switch driver {
	case connector.Postgres:
		dsn = storetest.PostgresSchema(t)
		fixture = dsn
	case connector.MySQL:
		dsn, fixture = storetest.MySQLDatabase(t)
	default:
		dsn = filepath.Join(t.TempDir(), name+".db")
		fixture = dsn + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open(map[string]string{connector.Postgres: "pgx", connector.MySQL: "mysql", connector.SQLite: "sqlite"}[driver], fixture)
	if err != nil {
		t.Fatal(err)
	}
	if driver == connector.SQLite {
		db.SetMaxOpenConns(1)
	}
	t.Cleanup(func() { db.Close() })
	return &backend{driver: driver, dsn: dsn, db: db}
}

// sql rewrites a fixture statement: {name} is quoted, [pg|mysql|sqlite]
// picks the dialect's text and ? becomes $n on PostgreSQL.
func (b *backend) sql(query string) string {
	var out strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		switch c := query[i]; c {
		case '{':
			j := strings.IndexByte(query[i:], '}')
			name := query[i+1 : i+j]
			if b.driver == connector.MySQL {
				out.WriteString("`" + name + "`")
			} else {
				out.WriteString(`"` + name + `"`)
			}
			i += j
		case '[':
			j := strings.IndexByte(query[i:], ']')
			alts := strings.Split(query[i+1:i+j], "|")
			out.WriteString(alts[map[string]int{connector.Postgres: 0, connector.MySQL: 1, connector.SQLite: 2}[b.driver]])
			i += j
		case '?':
			n++
			if b.driver == connector.Postgres {
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

func (b *backend) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := b.db.Exec(b.sql(query), args...); err != nil {
		t.Fatalf("%s\n%v", b.sql(query), err)
	}
}

const (
	srcTable = "人口"
	srcLive  = "人口_在用" // the rows not soft-deleted, to compare with the target
	dstTable = "人口_副本"
)

var base = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// stamp is the update time of generation g: 50 rows share each one.
func stamp(g int) string {
	return base.Add(time.Duration(g) * time.Second).Format("2006-01-02 15:04:05.000000")
}

// fixture creates the source table with n rows, every 1000th (from the
// 7th) soft-deleted, and a view of the live rows.
func fixture(t *testing.T, b *backend, n int) {
	t.Helper()
	b.exec(t, `CREATE TABLE {人口} (
		{编号} [bigint|bigint|INTEGER] NOT NULL PRIMARY KEY,
		{姓名} [varchar(64)|varchar(64)|VARCHAR(64)],
		{金额} [numeric(12,2)|decimal(12,2)|DECIMAL(12,2)],
		{备注} [text|text|TEXT],
		{更新} [timestamp(6)|datetime(6)|DATETIME] NOT NULL,
		{删除} [boolean|tinyint(1)|BOOLEAN] NOT NULL
	)`)
	b.exec(t, `CREATE VIEW {人口_在用} AS SELECT * FROM {人口} WHERE {删除} = [false|0|0]`)
	tx, err := b.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const per = 500
	for start := 0; start < n; start += per {
		var (
			vals []string
			args []any
		)
		for i := start; i < min(n, start+per); i++ {
			vals = append(vals, "(?, ?, ?, ?, ?, ?)")
			var note any = strings.Repeat("说明 𠀀 ", i%4)
			if i%13 == 0 {
				note = nil
			}
			args = append(args, int64(i), fmt.Sprintf("王𪚥%d", i), fmt.Sprintf("%d.%02d", i*37, i%100), note, stamp(i/50), i%1000 == 7)
		}
		q := b.sql(`INSERT INTO {人口} VALUES ` + strings.Join(vals, ", "))
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatalf("insert: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// newBus starts an embedded NATS server with JetStream in a temp directory.
func newBus(t *testing.T) *bus.Bus {
	t.Helper()
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func channel(id string, src, dst *backend, batch int) Channel {
	return Channel{
		ID:         id,
		Source:     Endpoint{Driver: src.driver, DSN: src.dsn, Table: srcTable},
		Target:     Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: dstTable},
		Mode:       FullThenIncremental,
		BatchSize:  batch,
		Watermark:  "更新",
		SoftDelete: "删除",
	}
}

func checksum(t *testing.T, ep Endpoint, table string) (int64, string) {
	t.Helper()
	s, err := connector.Open(context.Background(), ep.Driver, ep.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, sum, err := s.Checksum(context.Background(), table, nil)
	if err != nil {
		t.Fatalf("Checksum(%s %q): %v", ep.Driver, table, err)
	}
	return n, sum
}

// sameAsSource fails the test unless the target holds the source's live rows.
func sameAsSource(t *testing.T, ch Channel, when string) int64 {
	t.Helper()
	wantN, wantSum := checksum(t, ch.Source, srcLive)
	gotN, gotSum := checksum(t, ch.Target, dstTable)
	if gotN != wantN || gotSum != wantSum {
		t.Fatalf("%s: target Checksum = %d %s, want the source's %d %s", when, gotN, gotSum, wantN, wantSum)
	}
	return gotN
}
