package connector

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestOpenErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, driver, dsn string
		want              []string // in the message
	}{
		{"postgres URL", Postgres, "postgres://reader:s3cr3t-pw@127.0.0.1:1/hr?sslmode=disable&connect_timeout=2",
			[]string{"postgres", "reader:xxxxx@127.0.0.1:1/hr"}},
		{"postgres URL password parameter", Postgres, "postgres://reader@127.0.0.1:1/hr?sslmode=disable&password=s3cr3t-pw",
			[]string{"postgres", "reader:xxxxx@127.0.0.1:1/hr"}},
		{"postgres keywords", Postgres, "host=127.0.0.1 port=1 user=reader password='s3cr3t-pw' dbname=hr sslmode=disable connect_timeout=2",
			[]string{"postgres", "reader:xxxxx@127.0.0.1:1/hr"}},
		{"mysql", MySQL, "reader:s3cr3t-pw@tcp(127.0.0.1:1)/hr?timeout=2s",
			[]string{"mysql", "reader:xxxxx@tcp(127.0.0.1:1)/hr"}},
		{"mysql without database", MySQL, "reader:s3cr3t-pw@tcp(127.0.0.1:1)/",
			[]string{"mysql", "names no database"}},
		{"sqlite directory", SQLite, os.TempDir(), []string{"sqlite", "is a directory"}},
		{"unknown driver", "oracle", "reader/s3cr3t-pw@db", []string{`unknown driver "oracle"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, tc.driver, tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tc.dsn)
			}
			msg := err.Error()
			if strings.Contains(msg, "s3cr3t-pw") {
				t.Errorf("error shows the password: %s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ dsn, want, secret string }{
		{"postgres://u:p%40ss@h/db", "postgres://u:xxxxx@h/db", "p@ss"},
		{"postgres://u@h/db?password=pw&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable", "pw"},
		{"postgresql://h/db", "postgresql://h/db", ""},
		{"host=h password=pw user=u", "host=h password=xxxxx user=u", "pw"},
		{"host=h password = 'p w\\'x' user=u", "host=h password = xxxxx user=u", `p w\'x`},
		{"host=h user=u", "host=h user=u", ""},
	} {
		got, secret := redactPostgres(tc.dsn)
		if got != tc.want || secret != tc.secret {
			t.Errorf("redactPostgres(%q) = %q, %q; want %q, %q", tc.dsn, got, secret, tc.want, tc.secret)
		}
	}
	for _, tc := range []struct{ dsn, want, secret string }{
		{"u:pw@tcp(h:3306)/db?parseTime=true", "u:xxxxx@tcp(h:3306)/db?parseTime=true", "pw"},
		{"u:p@w/d@tcp(h)/db", "u:xxxxx@tcp(h:3306)/db", "p@w/d"},
		{"u@tcp(h)/db", "u@tcp(h:3306)/db", ""},
	} {
		got, secret := redactMySQL(tc.dsn)
		if got != tc.want || secret != tc.secret {
			t.Errorf("redactMySQL(%q) = %q, %q; want %q, %q", tc.dsn, got, secret, tc.want, tc.secret)
		}
	}
}

func TestMySQLParams(t *testing.T) {
	for _, tc := range []struct {
		dsn  string
		want []string
	}{
		{"u@tcp(h)/db", nil},
		{"u:a?b/c@tcp(h)/db?charset=latin1&loc=Asia%2FShanghai", []string{"charset", "loc"}},
		{"u@tcp(h)/db?parseTime=false", []string{"parseTime"}},
	} {
		var got []string
		for k := range mysqlParams(tc.dsn) {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("mysqlParams(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

func TestSQLiteFiles(t *testing.T) {
	ctx := context.Background()
	// A path with characters that mean something in a file: URI.
	path := filepath.Join(t.TempDir(), "数据 #1?%41.db")

	t.Run("new file is created", func(t *testing.T) {
		s, err := Open(ctx, SQLite, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if names, err := s.Tables(ctx); err != nil || len(names) != 0 {
			t.Errorf("Tables() = %q, %v; want none", names, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the file was not created at its path: %v", err)
		}
	})

	db, err := sql.Open("sqlite", "file:"+strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, '𪚥')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	t.Run("existing file is read-only", func(t *testing.T) {
		// As a plain path: after sqlite:// or file:, ? and # would start the
		// query or fragment, which NormalizeSQLitePath drops.
		s, err := Open(ctx, SQLite, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if n, err := s.Count(ctx, "t"); n != 1 || err != nil {
			t.Errorf("Count(t) = %d, %v; want 1", n, err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO t VALUES (2, 'x')`); err == nil || !strings.Contains(err.Error(), "readonly") {
			t.Errorf("writing through the source: error = %v, want a read-only error", err)
		}
	})
}

func TestTypeMapping(t *testing.T) {
	for _, tc := range []struct {
		declared                 string
		typ                      Type
		length, precision, scale int
	}{
		{"INTEGER", TypeInteger, 0, 0, 0},
		{"bigint", TypeInteger, 0, 0, 0},
		{"UNSIGNED BIG INT", TypeInteger, 0, 0, 0},
		{"TINYINT(1)", TypeInteger, 0, 0, 0}, // SQLite's rule 1 wins
		{"VARCHAR(64)", TypeString, 64, 0, 0},
		{"NVARCHAR(10)", TypeString, 10, 0, 0},
		{"CHARACTER VARYING ( 255 )", TypeString, 255, 0, 0},
		{"VARCHAR", TypeText, 0, 0, 0},
		{"TEXT", TypeText, 0, 0, 0},
		{"CLOB", TypeText, 0, 0, 0},
		{"BLOB", TypeBinary, 0, 0, 0},
		{"", TypeOther, 0, 0, 0},
		{"REAL", TypeFloat, 0, 0, 0},
		{"DOUBLE PRECISION", TypeFloat, 0, 0, 0},
		{"FLOAT", TypeFloat, 0, 0, 0},
		{"DECIMAL(18,2)", TypeDecimal, 0, 18, 2},
		{"NUMERIC(10)", TypeDecimal, 0, 10, 0},
		{"NUMERIC", TypeDecimal, 0, 0, 0},
		{"BOOLEAN", TypeBoolean, 0, 0, 0},
		{"DATE", TypeDate, 0, 0, 0},
		{"DATETIME", TypeDateTime, 0, 0, 0},
		{"TIMESTAMP", TypeDateTime, 0, 0, 0},
		{"TIME", TypeTime, 0, 0, 0},
		{"JSON", TypeJSON, 0, 0, 0},
		{"GEOMETRY", TypeOther, 0, 0, 0},
	} {
		typ, l, p, s := sqliteType(tc.declared)
		if typ != tc.typ || l != tc.length || p != tc.precision || s != tc.scale {
			t.Errorf("sqliteType(%q) = %s, %d, %d, %d; want %s, %d, %d, %d", tc.declared, typ, l, p, s, tc.typ, tc.length, tc.precision, tc.scale)
		}
	}
	for _, tc := range []struct {
		dataType, columnType string
		want                 Type
	}{
		{"tinyint", "tinyint(1)", TypeBoolean},
		{"tinyint", "tinyint(4)", TypeInteger},
		{"bigint", "bigint(20)", TypeInteger},
		{"bigint", "bigint(20) unsigned", TypeDecimal},
		{"int", "int(10) unsigned", TypeInteger},
		{"bit", "bit(1)", TypeBoolean},
		{"bit", "bit(8)", TypeBinary},
		{"enum", "enum('a','b')", TypeString},
		{"mediumtext", "mediumtext", TypeText},
		{"varbinary", "varbinary(16)", TypeBinary},
		{"year", "year(4)", TypeInteger},
		{"timestamp", "timestamp(6)", TypeDateTime},
		{"json", "json", TypeJSON},
		{"geometry", "geometry", TypeOther},
	} {
		if got := mysqlType(tc.dataType, tc.columnType); got != tc.want {
			t.Errorf("mysqlType(%q, %q) = %s, want %s", tc.dataType, tc.columnType, got, tc.want)
		}
	}
	for udt, want := range map[string]Type{
		"varchar": TypeString, "bpchar": TypeString, "uuid": TypeString, "text": TypeText, "int2": TypeInteger,
		"int8": TypeInteger, "numeric": TypeDecimal, "float4": TypeFloat, "bool": TypeBoolean, "date": TypeDate,
		"timestamptz": TypeDateTime, "time": TypeTime, "bytea": TypeBinary, "jsonb": TypeJSON,
		"_int4": TypeOther, "interval": TypeOther,
	} {
		if got := pgType(udt); got != want {
			t.Errorf("pgType(%q) = %s, want %s", udt, got, want)
		}
	}
}

func TestConvert(t *testing.T) {
	dec := conv{typ: TypeDecimal, scale: 2}
	f32 := conv{typ: TypeFloat, scale: -1, float32: true}
	dt := conv{typ: TypeDateTime, scale: -1}
	for _, tc := range []struct {
		name string
		c    conv
		in   any
		want any
	}{
		{"decimal text", dec, "12.50", "12.50"},
		{"decimal bytes", dec, []byte("-0.05"), "-0.05"},
		{"decimal stored as integer", dec, int64(12), "12.00"},
		{"decimal stored as double", dec, 0.1, "0.10"},
		{"decimal without scale", conv{typ: TypeDecimal, scale: -1}, 2.5, "2.5"},
		{"unsigned bigint", conv{typ: TypeDecimal, scale: 0}, uint64(18446744073709551615), "18446744073709551615"},
		{"float32", f32, float64(float32(1.1)), 1.1},
		{"float text", f32, []byte("1.1"), 1.1},
		{"bool bit(1)", conv{typ: TypeBoolean}, []byte{1}, true},
		{"bool text", conv{typ: TypeBoolean}, "false", false},
		{"integer text", conv{typ: TypeInteger}, []byte("-42"), int64(-42)},
		{"integer not a number", conv{typ: TypeInteger}, "n/a", "n/a"},
		{"datetime with zone", dt, "2024-05-01T08:30:00+08:00", time.Date(2024, 5, 1, 0, 30, 0, 0, time.UTC)},
		{"datetime Go String", dt, "2024-05-01 08:30:00.5 +0800 CST m=+0.000000001", time.Date(2024, 5, 1, 0, 30, 0, 5e8, time.UTC)},
		{"datetime infinity", dt, "infinity", "infinity"},
		{"date in a zone", conv{typ: TypeDate}, time.Date(2024, 5, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)},
		{"time bytes", conv{typ: TypeTime}, []byte("-838:59:59"), "-838:59:59"},
		{"empty blob", conv{typ: TypeBinary}, []byte(nil), []byte{}},
		{"null", conv{typ: TypeBinary}, nil, nil},
	} {
		if got := tc.c.value(tc.in); !equal(got, tc.want) {
			t.Errorf("%s: value(%#v) = %#v, want %#v", tc.name, tc.in, got, tc.want)
		}
	}
}

func equal(a, b any) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && string(x) == string(y) && (x == nil) == (y == nil)
	}
	if x, ok := a.(time.Time); ok {
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	}
	return a == b
}
