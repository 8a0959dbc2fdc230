package connector

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixture creates the tables every dialect is checked on.
func fixture(t *testing.T, b *backend) {
	t.Helper()
	b.exec(t, `CREATE TABLE {types} (
		{id} [bigint|bigint|INTEGER] NOT NULL PRIMARY KEY,
		{code} [varchar(64)|varchar(64)|VARCHAR(64)] NOT NULL,
		{fixed} [char(18)|char(18)|CHAR(18)],
		{note} [text|text|TEXT],
		{qty} [integer|int|INTEGER],
		{small} [smallint|smallint|SMALLINT],
		{amount} [numeric(18,2)|decimal(18,2)|DECIMAL(18,2)],
		{ratio} [double precision|double|DOUBLE],
		{score} [real|float|REAL],
		{active} [boolean|tinyint(1)|BOOLEAN],
		{born} [date|date|DATE],
		{updated} [timestamp|datetime(6)|DATETIME],
		{stamped} [timestamptz|timestamp(6) NULL|TIMESTAMP],
		{opens} [time|time|TIME],
		{photo} [bytea|blob|BLOB],
		{doc} [jsonb|json|JSON]
	)`)
	cst := time.FixedZone("CST", 8*3600)
	b.exec(t, `INSERT INTO {types} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		1, "A-001", "11010119900307001X", "说明 𠀀 note", 42, -7, "1234567890123456.78", 0.1, 1.1, true,
		"1990-03-07", "2024-05-01 08:30:15.123456", time.Date(2024, 5, 1, 8, 30, 15, 500_000_000, cst),
		"08:30:00", []byte{0x00, 0xff, 0x10}, `{"k": "值", "n": 1}`)
	b.exec(t, `INSERT INTO {types} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		2, "B-002", "440300200001010028", "", 0, 32767, "-0.05", -2.5e-10, -0.25, false,
		"2000-02-29", "1999-12-31 23:59:59", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		"23:59:59", []byte{}, `[1, 2]`)
	b.exec(t, `INSERT INTO {types} ({id}, {code}) VALUES (?, ?)`, 3, "C-003")

	b.exec(t, `CREATE TABLE {pairs} (
		{region} [varchar(12)|varchar(12)|VARCHAR(12)] NOT NULL,
		{seq} [integer|int|INTEGER] NOT NULL,
		{label} [varchar(40)|varchar(40)|VARCHAR(40)],
		PRIMARY KEY ({seq}, {region})
	)`)
	for i, region := range []string{"a", "B", "c", "D", "e"} {
		for seq := 5; seq >= 1; seq-- {
			b.exec(t, `INSERT INTO {pairs} VALUES (?, ?, ?)`, region, seq, fmt.Sprintf("%s-%d-%d", region, seq, i))
		}
	}

	b.exec(t, `CREATE TABLE {visits} (
		{day} [date|date|DATE],
		{place} [varchar(20)|varchar(20)|VARCHAR(20)],
		{n} [integer|int|INTEGER],
		{meta} [json|json|JSON]
	)`)
	for i := range 11 {
		b.exec(t, `INSERT INTO {visits} VALUES (?, ?, ?, ?)`, fmt.Sprintf("2024-01-%02d", 1+i%4), "窗口"+fmt.Sprint(i%3), i%2, fmt.Sprintf(`{"i": %d}`, i%2))
	}

	b.exec(t, `CREATE TABLE {人口信息} (
		{身份证号} [char(18)|char(18)|CHAR(18)] NOT NULL PRIMARY KEY,
		{姓名} [varchar(32)|varchar(32)|VARCHAR(32)] NOT NULL,
		{户籍 地址} [varchar(200)|varchar(200)|VARCHAR(200)],
		{出生日期} [date|date|DATE]
	)`)
	for _, p := range people {
		b.exec(t, `INSERT INTO {人口信息} VALUES (?, ?, ?, ?)`, p[0], p[1], p[2], p[3])
	}
	b.exec(t, `CREATE TABLE {daily} (
		{day} [date|date|DATE] NOT NULL,
		{at} [timestamp|datetime(6)|DATETIME] NOT NULL,
		{total} [numeric(10,2)|decimal(10,2)|DECIMAL(10,2)],
		PRIMARY KEY ({day}, {at})
	)`)
	for _, d := range daily {
		b.exec(t, `INSERT INTO {daily} VALUES (?, ?, ?)`, d[0].(time.Time).Format(time.DateOnly), d[1].(time.Time).Format("2006-01-02 15:04:05.999999"), d[2])
	}
	b.exec(t, `CREATE VIEW {v_names} AS SELECT {姓名} FROM {人口信息}`)
	b.exec(t, `CREATE TABLE {empty} ({id} [integer|int|INTEGER] NOT NULL PRIMARY KEY, {v} [text|text|TEXT])`)
}

// people holds rows of 人口信息 in key order, with 4-byte characters (𠀀 U+20000, 𪚥 U+2A6A5).
var people = [][]any{
	{"110101199001010011", "王𠀀", "北京市东城区𠀀胡同1号", "1990-01-01"},
	{"310101198512120022", "李𪚥", "上海市黄浦区 南京东路𪚥弄", "1985-12-12"},
	{"440300200002290033", "张龘", nil, nil},
}

// daily holds rows of a table keyed by a date and a time, in key order.
var daily = [][]any{
	{date(2024, 1, 1), time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC), "10.00"},
	{date(2024, 1, 1), time.Date(2024, 1, 1, 9, 0, 0, 1000, time.UTC), "10.10"},
	{date(2024, 1, 1), time.Date(2024, 1, 1, 17, 30, 0, 0, time.UTC), "-3.50"},
	{date(2024, 1, 2), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), "0.00"},
	{date(2024, 1, 2), time.Date(2024, 1, 2, 23, 59, 59, 999999000, time.UTC), "99999999.99"},
	{date(2024, 2, 29), time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "0.01"},
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestSource(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		fixture(t, b)
		s := b.open(t)
		ctx := context.Background()
		if got := s.Driver(); got != b.driver {
			t.Errorf("Driver() = %q, want %q", got, b.driver)
		}

		t.Run("Tables", func(t *testing.T) {
			got, err := s.Tables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"daily", "empty", "pairs", "types", "v_names", "visits", "人口信息"}
			if !slices.Equal(got, want) {
				t.Errorf("Tables() = %q, want %q", got, want)
			}
		})

		t.Run("Table", func(t *testing.T) {
			for _, tc := range []struct {
				table string
				want  []Column
				key   []string
			}{
				{"types", []Column{
					{Name: "id", Type: TypeInteger, DBType: b.pick("bigint", "bigint(20)", "INTEGER"), PrimaryKey: true},
					{Name: "code", Type: TypeString, DBType: b.pick("character varying(64)", "varchar(64)", "VARCHAR(64)"), Length: 64},
					{Name: "fixed", Type: TypeString, DBType: b.pick("character(18)", "char(18)", "CHAR(18)"), Length: 18, Nullable: true},
					{Name: "note", Type: TypeText, DBType: b.pick("text", "text", "TEXT"), Nullable: true},
					{Name: "qty", Type: TypeInteger, DBType: b.pick("integer", "int(11)", "INTEGER"), Nullable: true},
					{Name: "small", Type: TypeInteger, DBType: b.pick("smallint", "smallint(6)", "SMALLINT"), Nullable: true},
					{Name: "amount", Type: TypeDecimal, DBType: b.pick("numeric(18,2)", "decimal(18,2)", "DECIMAL(18,2)"), Precision: 18, Scale: 2, Nullable: true},
					{Name: "ratio", Type: TypeFloat, DBType: b.pick("double precision", "double", "DOUBLE"), Nullable: true},
					{Name: "score", Type: TypeFloat, DBType: b.pick("real", "float", "REAL"), Nullable: true},
					{Name: "active", Type: TypeBoolean, DBType: b.pick("boolean", "tinyint(1)", "BOOLEAN"), Nullable: true},
					{Name: "born", Type: TypeDate, DBType: b.pick("date", "date", "DATE"), Nullable: true},
					{Name: "updated", Type: TypeDateTime, DBType: b.pick("timestamp without time zone", "datetime(6)", "DATETIME"), Nullable: true},
					{Name: "stamped", Type: TypeDateTime, DBType: b.pick("timestamp with time zone", "timestamp(6)", "TIMESTAMP"), Nullable: true},
					{Name: "opens", Type: TypeTime, DBType: b.pick("time without time zone", "time", "TIME"), Nullable: true},
					{Name: "photo", Type: TypeBinary, DBType: b.pick("bytea", "blob", "BLOB"), Nullable: true},
					// MariaDB stores JSON as longtext with a json_valid check; MySQL would say json.
					{Name: "doc", Type: TypeJSON, DBType: b.pick("jsonb", "longtext", "JSON"), Nullable: true},
				}, []string{"id"}},
				{"pairs", []Column{
					{Name: "region", Type: TypeString, DBType: b.pick("character varying(12)", "varchar(12)", "VARCHAR(12)"), Length: 12, PrimaryKey: true},
					{Name: "seq", Type: TypeInteger, DBType: b.pick("integer", "int(11)", "INTEGER"), PrimaryKey: true},
					{Name: "label", Type: TypeString, DBType: b.pick("character varying(40)", "varchar(40)", "VARCHAR(40)"), Length: 40, Nullable: true},
				}, []string{"seq", "region"}},
				{"visits", []Column{
					{Name: "day", Type: TypeDate, DBType: b.pick("date", "date", "DATE"), Nullable: true},
					{Name: "place", Type: TypeString, DBType: b.pick("character varying(20)", "varchar(20)", "VARCHAR(20)"), Length: 20, Nullable: true},
					{Name: "n", Type: TypeInteger, DBType: b.pick("integer", "int(11)", "INTEGER"), Nullable: true},
					// PostgreSQL's json has no ordering: the OFFSET fallback orders it by its text.
					{Name: "meta", Type: TypeJSON, DBType: b.pick("json", "longtext", "JSON"), Nullable: true},
				}, nil},
				{"人口信息", []Column{
					{Name: "身份证号", Type: TypeString, DBType: b.pick("character(18)", "char(18)", "CHAR(18)"), Length: 18, PrimaryKey: true},
					{Name: "姓名", Type: TypeString, DBType: b.pick("character varying(32)", "varchar(32)", "VARCHAR(32)"), Length: 32},
					{Name: "户籍 地址", Type: TypeString, DBType: b.pick("character varying(200)", "varchar(200)", "VARCHAR(200)"), Length: 200, Nullable: true},
					{Name: "出生日期", Type: TypeDate, DBType: b.pick("date", "date", "DATE"), Nullable: true},
				}, []string{"身份证号"}},
				{"v_names", []Column{
					// A view's columns: PostgreSQL and SQLite do not carry NOT NULL over.
					{Name: "姓名", Type: TypeString, DBType: b.pick("character varying(32)", "varchar(32)", "VARCHAR(32)"), Length: 32, Nullable: b.driver != MySQL},
				}, nil},
			} {
				t.Run(tc.table, func(t *testing.T) {
					got, err := s.Table(ctx, tc.table)
					if err != nil {
						t.Fatal(err)
					}
					if got.Name != tc.table {
						t.Errorf("Name = %q, want %q", got.Name, tc.table)
					}
					for i := range max(len(got.Columns), len(tc.want)) {
						var g, w Column
						if i < len(got.Columns) {
							g = got.Columns[i]
						}
						if i < len(tc.want) {
							w = tc.want[i]
						}
						if g != w {
							t.Errorf("column %d:\n got %+v\nwant %+v", i, g, w)
						}
					}
					if k := got.Key(); !slices.Equal(k, tc.key) {
						t.Errorf("Key() = %q, want %q", k, tc.key)
					}
				})
			}
		})

		t.Run("Count", func(t *testing.T) {
			for table, want := range map[string]int64{"daily": 6, "types": 3, "pairs": 25, "visits": 11, "人口信息": 3, "v_names": 3, "empty": 0} {
				if got, err := s.Count(ctx, table); err != nil || got != want {
					t.Errorf("Count(%q) = %d, %v; want %d", table, got, err, want)
				}
			}
		})

		t.Run("values", func(t *testing.T) {
			cst := time.FixedZone("CST", 8*3600)
			// SQLite's NUMERIC affinity stores a decimal as a double when it can,
			// keeping 15 significant digits: this one is already rounded in the file.
			big := b.pick("1234567890123456.78", "1234567890123456.78", "1234567890123456.75")
			for _, tc := range []struct {
				table   string
				columns []string
				want    [][]any
			}{
				{"types", nil, [][]any{
					{int64(1), "A-001", "11010119900307001X", "说明 𠀀 note", int64(42), int64(-7), big, 0.1, 1.1, true,
						date(1990, 3, 7), time.Date(2024, 5, 1, 8, 30, 15, 123456000, time.UTC),
						time.Date(2024, 5, 1, 8, 30, 15, 500_000_000, cst).UTC(),
						"08:30:00", []byte{0x00, 0xff, 0x10}, `{"k": "值", "n": 1}`},
					{int64(2), "B-002", "440300200001010028", "", int64(0), int64(32767), "-0.05", -2.5e-10, -0.25, false,
						date(2000, 2, 29), time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), date(2000, 1, 1),
						"23:59:59", []byte{}, `[1, 2]`},
					{int64(3), "C-003", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
				}},
				{"types", []string{"doc", "amount", "code"}, [][]any{
					{`{"k": "值", "n": 1}`, big, "A-001"},
					{`[1, 2]`, "-0.05", "B-002"},
					{nil, nil, "C-003"},
				}},
				{"人口信息", nil, [][]any{
					{"110101199001010011", "王𠀀", "北京市东城区𠀀胡同1号", date(1990, 1, 1)},
					{"310101198512120022", "李𪚥", "上海市黄浦区 南京东路𪚥弄", date(1985, 12, 12)},
					{"440300200002290033", "张龘", nil, nil},
				}},
				{"人口信息", []string{"户籍 地址"}, [][]any{{"北京市东城区𠀀胡同1号"}, {"上海市黄浦区 南京东路𪚥弄"}, {nil}}},
			} {
				t.Run(fmt.Sprintf("%s%q", tc.table, tc.columns), func(t *testing.T) {
					got, batches := readAll(t, s, tc.table, tc.columns, 2)
					if len(batches) != 2 || batches[0] != 2 || batches[1] != 1 {
						t.Errorf("batches = %v, want [2 1]", batches)
					}
					if len(got) != len(tc.want) {
						t.Fatalf("got %d rows, want %d", len(got), len(tc.want))
					}
					for i := range got {
						for j := range tc.want[i] {
							if g, w := got[i][j], tc.want[i][j]; !reflect.DeepEqual(g, w) {
								t.Errorf("row %d column %d = %#v (%T), want %#v (%T)", i, j, g, g, w, w)
							}
						}
						if len(got[i]) != len(tc.want[i]) {
							t.Errorf("row %d has %d values, want %d", i, len(got[i]), len(tc.want[i]))
						}
					}
				})
			}
		})

		t.Run("composite key", func(t *testing.T) {
			// The order the database itself gives the key (its collation decides
			// where B falls among a, c): Rows must follow it across batches.
			rows, err := b.db.Query(b.sql(`SELECT {region}, {seq}, {label} FROM {pairs} ORDER BY {seq}, {region}`))
			if err != nil {
				t.Fatal(err)
			}
			var want [][]any
			for rows.Next() {
				var region, label string
				var seq int64
				if err := rows.Scan(&region, &seq, &label); err != nil {
					t.Fatal(err)
				}
				want = append(want, []any{region, seq, label})
			}
			rows.Close()
			if len(want) != 25 {
				t.Fatalf("fixture has %d rows, want 25", len(want))
			}
			for _, size := range []int{1, 4, 5, 7, 24, 25, 26, 1000} {
				got, batches := readAll(t, s, "pairs", nil, size)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("batch size %d: rows\n got %v\nwant %v", size, got, want)
				}
				if w := wantBatches(25, size); !slices.Equal(batches, w) {
					t.Errorf("batch size %d: batches = %v, want %v", size, batches, w)
				}
			}
			// Only a column outside the key: the key is read but not handed over.
			got, _ := readAll(t, s, "pairs", []string{"label"}, 4)
			for i := range want {
				if len(got[i]) != 1 || got[i][0] != want[i][2] {
					t.Fatalf("row %d = %v, want [%v]", i, got[i], want[i][2])
				}
			}
		})

		t.Run("date key", func(t *testing.T) {
			for _, size := range []int{1, 2, 4, 6} {
				got, batches := readAll(t, s, "daily", nil, size)
				if !reflect.DeepEqual(got, daily) {
					t.Errorf("batch size %d: rows\n got %v\nwant %v", size, got, daily)
				}
				if w := wantBatches(len(daily), size); !slices.Equal(batches, w) {
					t.Errorf("batch size %d: batches = %v, want %v", size, batches, w)
				}
			}
		})

		if b.driver == MySQL {
			t.Run("mysql loc", func(t *testing.T) {
				// A DSN with loc (and so no time_zone added): DATETIME values are
				// wall-clock times in loc, and date keys still page correctly.
				sep := "?"
				if strings.Contains(b.dsn, "?") {
					sep = "&"
				}
				shanghai, err := Open(ctx, MySQL, b.dsn+sep+"loc=Asia%2FShanghai")
				if err != nil {
					t.Fatal(err)
				}
				defer shanghai.Close()
				got, _ := readAll(t, shanghai, "daily", nil, 1)
				if len(got) != len(daily) {
					t.Fatalf("got %d rows, want %d", len(got), len(daily))
				}
				for i, r := range got {
					if w := []any{daily[i][0], daily[i][1].(time.Time).Add(-8 * time.Hour), daily[i][2]}; !reflect.DeepEqual(r, w) {
						t.Errorf("row %d = %v, want %v", i, r, w)
					}
				}
			})
		}

		t.Run("pagination", func(t *testing.T) {
			for table, keyset := range map[string]bool{"types": true, "pairs": true, "daily": true, "人口信息": true, "visits": false, "v_names": false} {
				tbl, err := s.Table(ctx, table)
				if err != nil {
					t.Fatal(err)
				}
				if got := (&reader{table: tbl}).keyset(); got != keyset {
					t.Errorf("%s: keyset = %v, want %v", table, got, keyset)
				}
			}
		})

		t.Run("no key", func(t *testing.T) {
			got, batches := readAll(t, s, "visits", nil, 3)
			if w := wantBatches(11, 3); !slices.Equal(batches, w) {
				t.Errorf("batches = %v, want %v", batches, w)
			}
			var want []string
			for i := range 11 {
				want = append(want, fmt.Sprintf(`2024-01-%02d 窗口%d %d {"i": %d}`, 1+i%4, i%3, i%2, i%2))
			}
			var flat []string
			for _, r := range got {
				flat = append(flat, fmt.Sprintf("%s %s %d %s", r[0].(time.Time).Format(time.DateOnly), r[1], r[2], r[3]))
			}
			if !slices.IsSorted(flat[:]) || len(flat) != 11 {
				t.Errorf("rows not in column order: %q", flat)
			}
			slices.Sort(want)
			slices.Sort(flat)
			if !slices.Equal(flat, want) {
				t.Errorf("rows\n got %q\nwant %q", flat, want)
			}
			view, _ := readAll(t, s, "v_names", nil, 2)
			if len(view) != 3 {
				t.Errorf("view v_names gave %d rows, want 3", len(view))
			}
		})

		t.Run("empty", func(t *testing.T) {
			n, err := s.Rows(ctx, "empty", nil, 10, func([][]any) error {
				t.Error("fn called for an empty table")
				return nil
			})
			if n != 0 || err != nil {
				t.Errorf("Rows(empty) = %d, %v; want 0, nil", n, err)
			}
		})

		t.Run("fn error", func(t *testing.T) {
			stop := errors.New("stop")
			calls := 0
			n, err := s.Rows(ctx, "pairs", nil, 10, func([][]any) error {
				if calls++; calls == 2 {
					return stop
				}
				return nil
			})
			if n != 10 || !errors.Is(err, stop) {
				t.Errorf("Rows = %d, %v; want 10, an error wrapping stop", n, err)
			}
		})

		t.Run("names", func(t *testing.T) {
			bad := []string{
				`x"; DROP TABLE types; --`,
				"x`; DROP TABLE types; --",
				"types; DROP TABLE types",
				`types"`,
				"TYPES", // names match exactly, as Tables reports them
				"",
				"nope",
				"人口",
			}
			for _, name := range bad {
				if _, err := s.Table(ctx, name); !errors.Is(err, ErrNoTable) {
					t.Errorf("Table(%q) error = %v, want ErrNoTable", name, err)
				}
				if _, err := s.Count(ctx, name); !errors.Is(err, ErrNoTable) {
					t.Errorf("Count(%q) error = %v, want ErrNoTable", name, err)
				}
				if _, err := s.Rows(ctx, name, nil, 10, func([][]any) error { return nil }); !errors.Is(err, ErrNoTable) {
					t.Errorf("Rows(%q) error = %v, want ErrNoTable", name, err)
				}
				if _, err := s.Rows(ctx, "types", []string{"id", name}, 10, func([][]any) error { return nil }); !errors.Is(err, ErrNoColumn) {
					t.Errorf("Rows(types, [id %q]) error = %v, want ErrNoColumn", name, err)
				}
			}
			if n, err := s.Count(ctx, "types"); n != 3 || err != nil {
				t.Errorf("after the attempts Count(types) = %d, %v; want 3", n, err)
			}
		})
	})
}

// readAll reads a table through Rows, returning the rows and each batch's size.
func readAll(t *testing.T, s *Source, table string, columns []string, size int) (rows [][]any, batches []int) {
	t.Helper()
	n, err := s.Rows(context.Background(), table, columns, size, func(batch [][]any) error {
		batches = append(batches, len(batch))
		rows = append(rows, batch...)
		return nil
	})
	if err != nil {
		t.Fatalf("Rows(%q, %q, %d): %v", table, columns, size, err)
	}
	if n != int64(len(rows)) {
		t.Errorf("Rows(%q) returned %d, but handed over %d rows", table, n, len(rows))
	}
	return rows, batches
}

// wantBatches is the batch sizes for n rows read size at a time.
func wantBatches(n, size int) []int {
	var b []int
	for ; n > 0; n -= size {
		b = append(b, min(n, size))
	}
	return b
}

func TestRowsTenThousand(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		const total = 10_000
		b.exec(t, `CREATE TABLE {big} ({id} [bigint|bigint|INTEGER] NOT NULL PRIMARY KEY, {v} [varchar(20)|varchar(20)|VARCHAR(20)] NOT NULL)`)
		tx, err := b.db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for start := 0; start < total; start += 1000 {
			var sb strings.Builder
			sb.WriteString(b.sql("INSERT INTO {big} VALUES "))
			// Ids inserted in a shuffled order, with gaps, so the key order is not the insertion order.
			for i := start; i < start+1000; i++ {
				if i > start {
					sb.WriteByte(',')
				}
				id := (i*7919)%total*3 + 1
				fmt.Fprintf(&sb, "(%d, 'v%d')", id, id)
			}
			if _, err := tx.Exec(sb.String()); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		s := b.open(t)
		if n, err := s.Count(context.Background(), "big"); n != total || err != nil {
			t.Fatalf("Count(big) = %d, %v; want %d", n, err, total)
		}
		start := time.Now()
		var batches int
		next := int64(1)
		n, err := s.Rows(context.Background(), "big", nil, 1000, func(batch [][]any) error {
			batches++
			if len(batch) != 1000 {
				return fmt.Errorf("batch %d has %d rows, want 1000", batches, len(batch))
			}
			for _, r := range batch {
				if r[0] != next || r[1] != fmt.Sprintf("v%d", next) {
					return fmt.Errorf("row %v, want id %d", r, next)
				}
				next += 3
			}
			return nil
		})
		if err != nil || n != total || batches != 10 {
			t.Fatalf("Rows(big) = %d, %v in %d batches; want %d in 10", n, err, batches, total)
		}
		t.Logf("%s: %d rows in %d batches in %v", b.driver, n, batches, time.Since(start))
	})
}
