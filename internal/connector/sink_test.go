package connector

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var dialects = []string{SQLite, Postgres, MySQL}

// newBackend returns a fresh, empty database of a driver.
func newBackend(t *testing.T, driver string) *backend {
	t.Helper()
	switch driver {
	case SQLite:
		return sqliteBackend(t)
	case Postgres:
		return postgresBackend(t)
	}
	return mysqlBackend(t)
}

// openWritable opens the backend for a sink, closing it when the test ends.
func (b *backend) openWritable(t *testing.T) *Source {
	t.Helper()
	s, err := OpenWritable(context.Background(), b.driver, b.dsn)
	if err != nil {
		t.Fatalf("OpenWritable(%s): %v", b.driver, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// insertMany runs one statement (written as for exec) for each args in one
// transaction.
func (b *backend) insertMany(t *testing.T, query string, rows [][]any) {
	t.Helper()
	tx, err := b.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(b.sql(query))
	if err != nil {
		t.Fatalf("%s\n%v", b.sql(query), err)
	}
	for _, args := range rows {
		if _, err := stmt.Exec(args...); err != nil {
			t.Fatalf("%s %v\n%v", b.sql(query), args, err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

const sample = "交换样例"

// exchangeFixture creates the table sample with n generated rows and a row
// of NULLs: 生僻字, decimals, timestamps with and without a zone, binary,
// JSON and a composite key whose first column is text (differing only in
// case where the source tells case apart).
func exchangeFixture(t *testing.T, b *backend, n int) {
	t.Helper()
	b.exec(t, `CREATE TABLE {交换样例} (
		{区划} [varchar(12)|varchar(12)|VARCHAR(12)] NOT NULL,
		{编号} [bigint|bigint|INTEGER] NOT NULL,
		{姓名} [varchar(32)|varchar(32)|VARCHAR(32)],
		{备注} [text|text|TEXT],
		{金额} [numeric(18,2)|decimal(18,2)|DECIMAL(18,2)],
		{比率} [double precision|double|DOUBLE],
		{得分} [real|float|REAL],
		{有效} [boolean|tinyint(1)|BOOLEAN],
		{出生} [date|date|DATE],
		{更新} [timestamp|datetime(6)|DATETIME],
		{时刻} [timestamptz|timestamp(6) NULL|TIMESTAMP],
		{开放} [time|time|TIME],
		{照片} [bytea|blob|BLOB],
		{文档} [jsonb|json|JSON],
		PRIMARY KEY ({区划}, {编号})
	)`)
	regions := []string{"东城", "西城", "a"}
	if b.driver != MySQL { // its default collation does not tell "a" from "A"
		regions = append(regions, "A")
	}
	cst := time.FixedZone("CST", 8*3600)
	var rows [][]any
	for i := range n {
		amount := fmt.Sprintf("%d.%02d", i*1234567, i%100)
		if i%7 == 3 {
			amount = "-" + amount
		}
		photo := []byte{0x00, 0xff, byte(i)}
		if i%11 == 5 {
			photo = []byte{}
		}
		rows = append(rows, []any{
			regions[i%len(regions)], int64(i), fmt.Sprintf("王𠀀%d李𪚥", i), strings.Repeat("说明 𪚥 note ", i%5),
			amount, float64(i) / 10, float64(i%8) * 0.25, i%2 == 0,
			fmt.Sprintf("19%02d-%02d-%02d", 50+i%50, 1+i%12, 1+i%28),
			fmt.Sprintf("2024-05-01 08:30:%02d.%06d", i%60, i*7919%1000000),
			time.Date(2024, 5, 1, 8, 30, i%60, (i%1000)*1000, cst),
			fmt.Sprintf("%02d:%02d:00", i%24, i%60), photo, fmt.Sprintf(`{"k": "值%d", "n": %d}`, i, i),
		})
	}
	rows = append(rows, []any{"东城", int64(-1), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil})
	b.insertMany(t, `INSERT INTO {交换样例} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, rows)
}

func checksum(t *testing.T, s *Source, table string) (int64, string) {
	t.Helper()
	n, sum, err := s.Checksum(context.Background(), table, nil)
	if err != nil {
		t.Fatalf("Checksum(%s %q): %v", s.Driver(), table, err)
	}
	return n, sum
}

// TestSink copies a table between every pair of databases, in batches
// through the upsert, and as one full pass through the target's bulk path.
func TestSink(t *testing.T) {
	const rows, target = 120, "交换_目标"
	for _, from := range dialects {
		for _, to := range dialects {
			for _, full := range []bool{false, true} {
				name := from + "→" + to
				if full {
					name += "/bulk"
				}
				t.Run(name, func(t *testing.T) { testSink(t, from, to, full, rows, target) })
			}
		}
	}
}

func testSink(t *testing.T, from, to string, full bool, rows int64, target string) {
	batch := 50
	if full {
		batch = 0 // one batch, the whole table: a full pass over an open range
	}
	ctx := context.Background()
	sb := newBackend(t, from)
	exchangeFixture(t, sb, int(rows))
	src := sb.open(t)
	tb := newBackend(t, to)
	dst := tb.openWritable(t)

	schema, err := src.Table(ctx, sample)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := dst.OpenSink(ctx, target, schema)
	if err != nil {
		t.Fatalf("OpenSink: %v", err)
	}
	// Copy in batches.
	var (
		seq     int64
		batches [][][]any
	)
	if _, err := src.Rows(ctx, sample, nil, batch, func(b [][]any) error {
		seq++
		var r *Range
		if full {
			r = &Range{}
		}
		apply := sink.ApplyRange
		if full {
			apply = sink.ApplyFull
		}
		applied, err := apply(ctx, "ch-1", seq, b, nil, r)
		if err == nil && !applied {
			err = fmt.Errorf("batch %d not applied", seq)
		}
		batches = append(batches, b)
		return err
	}); err != nil {
		t.Fatalf("copy: %v", err)
	}
	wantN, wantSum := checksum(t, src, sample)
	if gotN, gotSum := checksum(t, dst, target); gotN != wantN || gotSum != wantSum {
		t.Fatalf("after copy: target Checksum = %d %s, want the source's %d %s", gotN, gotSum, wantN, wantSum)
	}
	if wantN != rows+1 {
		t.Errorf("source rows = %d, want %d", wantN, rows+1)
	}

	// Redelivering a batch, even altered, changes nothing.
	again := slices.Clone(batches[min(1, len(batches)-1)])
	again[0] = slices.Clone(again[0])
	again[0][2] = "改过"
	for _, s := range []int64{min(2, seq), seq} {
		applied, err := sink.Apply(ctx, "ch-1", s, again, [][]any{{again[1][0], again[1][1]}})
		if err != nil || applied {
			t.Errorf("Apply(redelivered seq %d) = %v, %v; want false, nil", s, applied, err)
		}
	}
	if gotN, gotSum := checksum(t, dst, target); gotN != wantN || gotSum != wantSum {
		t.Errorf("after redelivery: target Checksum = %d %s, want %d %s", gotN, gotSum, wantN, wantSum)
	}

	// Updates and deletes at the source, carried by one batch.
	sb.exec(t, `UPDATE {交换样例} SET {姓名} = ?, {金额} = ?, {照片} = ? WHERE {区划} = ? AND {编号} = ?`, "赵𠀀改", "12.50", []byte{1, 2}, "东城", 3)
	sb.exec(t, `UPDATE {交换样例} SET {备注} = NULL, {时刻} = NULL WHERE {编号} = ?`, 4)
	sb.exec(t, `DELETE FROM {交换样例} WHERE {编号} IN (?, ?)`, 5, 6)
	changed := map[int64]bool{3: true, 4: true}
	var upserts [][]any
	if _, err := src.Rows(ctx, sample, nil, 0, func(b [][]any) error {
		for _, r := range b {
			if changed[r[1].(int64)] {
				upserts = append(upserts, r)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	deletes := [][]any{{"无此区", int64(999)}}
	for _, b := range batches {
		for _, r := range b {
			if id := r[1].(int64); id == 5 || id == 6 {
				deletes = append(deletes, []any{r[0], id})
			}
		}
	}
	seq++
	if applied, err := sink.Apply(ctx, "ch-1", seq, upserts, deletes); err != nil || !applied {
		t.Fatalf("Apply(updates and deletes) = %v, %v; want true, nil", applied, err)
	}
	wantN, wantSum = checksum(t, src, sample)
	if gotN, gotSum := checksum(t, dst, target); gotN != wantN || gotSum != wantSum {
		t.Fatalf("after updates and deletes: target Checksum = %d %s, want %d %s", gotN, gotSum, wantN, wantSum)
	}

	// The checkpoint survives reopening; other channels start at 0.
	dst.Close()
	dst = tb.openWritable(t)
	sink, err = dst.OpenSink(ctx, target, schema)
	if err != nil {
		t.Fatalf("OpenSink(existing table): %v", err)
	}
	if got, err := sink.Checkpoint(ctx, "ch-1"); err != nil || got != seq {
		t.Errorf("Checkpoint(ch-1) after reopening = %d, %v; want %d", got, err, seq)
	}
	if got, err := sink.Checkpoint(ctx, "ch-2"); err != nil || got != 0 {
		t.Errorf("Checkpoint(ch-2) = %d, %v; want 0", got, err)
	}
	if applied, err := sink.Apply(ctx, "ch-1", seq, upserts, nil); err != nil || applied {
		t.Errorf("Apply(seq %d) after reopening = %v, %v; want false, nil", seq, applied, err)
	}

	// A schema change the target cannot take names the column.
	wider := schema
	wider.Columns = slices.Clone(schema.Columns)
	wider.Columns[2].Length = 64
	wider.Columns[2].DBType = strings.Replace(wider.Columns[2].DBType, "32", "64", 1)
	wantSchemaError(t, dst, target, wider, "姓名", DiffNarrower)

	sb.exec(t, `ALTER TABLE {交换样例} ADD COLUMN {新列} [varchar(20)|varchar(20)|VARCHAR(20)]`)
	changedSchema, err := src.Table(ctx, sample)
	if err != nil {
		t.Fatal(err)
	}
	wantSchemaError(t, dst, target, changedSchema, "新列", DiffMissing)
}

func wantSchemaError(t *testing.T, s *Source, table string, schema Table, column, problem string) {
	t.Helper()
	_, err := s.OpenSink(context.Background(), table, schema)
	var se *SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("OpenSink(changed schema) = %v, want a *SchemaError", err)
	}
	if got := se.Columns(); !slices.Contains(got, column) {
		t.Fatalf("SchemaError columns = %q, want %q among them (%v)", got, column, err)
	}
	for _, d := range se.Diffs {
		if d.Column == column && d.Problem != problem {
			t.Errorf("SchemaError on %q: problem %q, want %q", column, d.Problem, problem)
		}
	}
	if !strings.Contains(err.Error(), column) {
		t.Errorf("SchemaError %q does not name %q", err, column)
	}
}

func TestSinkRefuses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "target.db")
	w, err := OpenWritable(ctx, SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	key := Table{Name: "t", Columns: []Column{{Name: "id", Type: TypeInteger, DBType: "INTEGER", PrimaryKey: true}}}
	noKey := Table{Name: "t", Columns: []Column{{Name: "id", Type: TypeInteger, DBType: "INTEGER"}}}
	if _, err := w.OpenSink(ctx, "t", noKey); err == nil || !strings.Contains(err.Error(), "primary key") {
		t.Errorf("OpenSink(no key) = %v, want an error about the primary key", err)
	}
	sink, err := w.OpenSink(ctx, "t", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sink.Apply(ctx, "c", 1, [][]any{{int64(1), "extra"}}, nil); err == nil {
		t.Error("Apply(row with too many values) = nil error")
	}
	if applied, err := sink.Apply(ctx, "c", 0, [][]any{{int64(1)}}, nil); err != nil || applied {
		t.Errorf("Apply(seq 0) = %v, %v; want false, nil", applied, err)
	}
	// Open opens an existing SQLite file read-only.
	r, err := Open(ctx, SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.OpenSink(ctx, "u", key); err == nil || !strings.Contains(err.Error(), "OpenWritable") {
		t.Errorf("OpenSink on a read-only source = %v, want an error that points to OpenWritable", err)
	}
	pg := &Source{driver: Postgres}
	if err := pg.checkName("table", strings.Repeat("表", 22)); err == nil {
		t.Error("checkName(66 bytes) on PostgreSQL = nil, want an error: it would be cut to 63")
	}
}

func TestCanonical(t *testing.T) {
	dec := Column{Type: TypeDecimal}
	tests := []struct {
		name string
		c    Column
		a, b any
		same bool
	}{
		{"trailing zeros", dec, "12.50", "12.5", true},
		{"integral", dec, "12.00", int64(12), true},
		{"leading zeros", dec, "007.10", "7.1", true},
		{"negative zero", dec, "-0.00", "0", true},
		{"exponent", dec, "1.25E+2", "125", true},
		{"sign", dec, "-1", "1", false},
		{"time fraction", Column{Type: TypeTime}, "08:30:00.000000", "08:30:00", true},
		{"time fraction kept", Column{Type: TypeTime}, "08:30:00.500000", "08:30:00.5", true},
		{"json", Column{Type: TypeJSON}, `{"n": 1, "k": "值"}`, `{"k":"值","n":1}`, true},
		{"json number text", Column{Type: TypeJSON}, `{"n": 1.0}`, `{"n": 1}`, false},
		{"instant", Column{Type: TypeDateTime},
			time.Date(2024, 5, 1, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600)),
			time.Date(2024, 5, 1, 0, 30, 0, 123456000, time.UTC), true},
		{"bool is not int", Column{Type: TypeBoolean}, true, int64(1), false},
		{"null is not empty", Column{Type: TypeText}, nil, "", false},
		{"bytes are not text", Column{Type: TypeText}, []byte("a"), "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := appendValue(nil, tt.c, tt.a), appendValue(nil, tt.c, tt.b)
			if got := string(a) == string(b); got != tt.same {
				t.Errorf("encoding of %v == %v: %v, want %v (%q, %q)", tt.a, tt.b, got, tt.same, a, b)
			}
		})
	}
}

func TestGuessDriver(t *testing.T) {
	tests := []struct {
		types []string
		want  string
	}{
		{[]string{"character varying(12)", "bigint", "timestamp without time zone"}, Postgres},
		{[]string{"varchar(12)", "bigint(20)", "datetime(6)", "tinyint(1)"}, MySQL},
		{[]string{"VARCHAR(12)", "INTEGER", "DATETIME"}, SQLite},
		{[]string{"", "text"}, ""},
	}
	for _, tt := range tests {
		var tab Table
		for _, d := range tt.types {
			tab.Columns = append(tab.Columns, Column{DBType: d})
		}
		if got := guessDriver(tab); got != tt.want {
			t.Errorf("guessDriver(%q) = %q, want %q", tt.types, got, tt.want)
		}
	}
}

// BenchmarkSinkApply copies 100,000 rows into each dialect in batches of
// 1,000 and reports rows/s:
//
//	go test -run '^$' -bench SinkApply -benchtime 1x ./internal/connector/
func BenchmarkSinkApply(b *testing.B) {
	const total, size = 100_000, 1000
	schema := Table{Name: "bench", Columns: []Column{
		{Name: "id", Type: TypeInteger, DBType: "bigint", PrimaryKey: true},
		{Name: "name", Type: TypeString, DBType: "character varying(64)", Length: 64, Nullable: true},
		{Name: "amount", Type: TypeDecimal, DBType: "numeric(18,2)", Precision: 18, Scale: 2, Nullable: true},
		{Name: "at", Type: TypeDateTime, DBType: "timestamp with time zone", Nullable: true},
		{Name: "ok", Type: TypeBoolean, DBType: "boolean", Nullable: true},
	}, key: []string{"id"}}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, to := range dialects {
		b.Run(to, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				tb := map[string]func(testing.TB) *backend{SQLite: sqliteBackend, Postgres: postgresBackend, MySQL: mysqlBackend}[to](b)
				dst, err := OpenWritable(context.Background(), tb.driver, tb.dsn)
				if err != nil {
					b.Fatal(err)
				}
				sink, err := dst.OpenSink(context.Background(), "bench", schema)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				for i := 0; i < total; i += size {
					rows := make([][]any, size)
					for j := range rows {
						id := int64(i + j)
						rows[j] = []any{id, fmt.Sprintf("名称𠀀%d", id), fmt.Sprintf("%d.%02d", id, id%100), t0.Add(time.Duration(id) * time.Second), id%2 == 0}
					}
					if _, err := sink.Apply(context.Background(), "bench", int64(i/size+1), rows, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(total/time.Since(start).Seconds(), "rows/s")
				dst.Close()
			}
		})
	}
}

// TestSinkApplyRange deletes the rows of a span of a two-column key that a
// batch does not name, with open and closed ends, exactly once.
func TestSinkApplyRange(t *testing.T) {
	for name, full := range map[string]bool{"upsert": false, "bulk": true} {
		t.Run(name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, b *backend) { testSinkApplyRange(t, b, full) })
		})
	}
}

func testSinkApplyRange(t *testing.T, b *backend, full bool) {
	ctx := context.Background()
	s := b.openWritable(t)
	schema := Table{Name: "src", Columns: []Column{
		{Name: "a", Type: TypeInteger, DBType: "bigint", PrimaryKey: true},
		{Name: "b", Type: TypeInteger, DBType: "bigint", PrimaryKey: true},
		{Name: "v", Type: TypeText, DBType: "text", Nullable: true},
	}}
	sink, err := s.OpenSink(ctx, "区间", schema)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for a := int64(1); a <= 3; a++ {
		for c := int64(1); c <= 3; c++ {
			rows = append(rows, []any{a, c, "v"})
		}
	}
	if _, err := sink.Apply(ctx, "r", 1, rows, nil); err != nil {
		t.Fatal(err)
	}
	keys := func() string {
		t.Helper()
		r, err := b.db.Query(b.sql(`SELECT {a}, {b} FROM {区间} ORDER BY 1, 2`))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var a, c int
			r.Scan(&a, &c)
			out = append(out, fmt.Sprintf("%d%d", a, c))
		}
		return strings.Join(out, " ")
	}
	steps := []struct {
		seq     int64
		rows    [][]any
		r       *Range
		applied bool
		want    string
	}{
		{2, [][]any{{int64(2), int64(2), "x"}}, &Range{From: []any{int64(1), int64(2)}, To: []any{int64(3), int64(1)}, Keep: [][]any{{int64(2), int64(3)}}},
			true, "11 12 22 23 32 33"},
		{3, nil, &Range{From: []any{int64(3), int64(2)}}, true, "11 12 22 23 32"},
		{3, nil, &Range{}, false, "11 12 22 23 32"}, // a redelivery: nothing happens
		{4, nil, &Range{To: []any{int64(1), int64(1)}}, true, "12 22 23 32"},
		{5, [][]any{{int64(9), int64(9), "y"}}, nil, true, "12 22 23 32 99"},
	}
	apply := sink.ApplyRange
	if full {
		apply = sink.ApplyFull
	}
	for _, st := range steps {
		applied, err := apply(ctx, "r", st.seq, st.rows, nil, st.r)
		if err != nil {
			t.Fatalf("ApplyRange(seq %d): %v", st.seq, err)
		}
		if got := keys(); applied != st.applied || got != st.want {
			t.Errorf("ApplyRange(seq %d, %+v) = %v, keys %q; want %v, %q", st.seq, st.r, applied, got, st.applied, st.want)
		}
	}
}

// TestSinkBulk sends awkward text through the bulk paths and checks that a
// value the target cannot hold fails the batch, as the upsert does, leaving
// the table and the checkpoint as they were.
func TestSinkBulk(t *testing.T) {
	awkward := []string{"tab\there", "line\nbreak\r\n", `back\slash \N`, "nul\x00byte", "", `\`, "生僻字𠀀𪚥"}
	for _, driver := range []string{Postgres, MySQL} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			b := newBackend(t, driver)
			b.exec(t, `CREATE TABLE {短} ({id} [bigint|bigint|INTEGER] NOT NULL PRIMARY KEY, {v} [text|longtext|TEXT], {s} [varchar(4)|varchar(4)|VARCHAR(4)], {raw} [bytea|blob|BLOB])`)
			dst := b.openWritable(t)
			schema, err := dst.Table(ctx, "短")
			if err != nil {
				t.Fatal(err)
			}
			sink, err := dst.OpenSink(ctx, "短", schema)
			if err != nil {
				t.Fatal(err)
			}
			if !sink.bulk() {
				t.Fatalf("bulk() = false on %s, want the bulk path", driver)
			}
			var rows [][]any
			for i, v := range awkward {
				if driver == Postgres && strings.ContainsRune(v, 0) {
					continue // PostgreSQL text holds no NUL
				}
				rows = append(rows, []any{int64(i), v, "四个字符", []byte(v)})
			}
			rows = append(rows, []any{int64(100), nil, nil, nil})
			if applied, err := sink.ApplyFull(ctx, "c", 1, rows, nil, nil); err != nil || !applied {
				t.Fatalf("ApplyFull(awkward text) = %v, %v", applied, err)
			}
			got, err := dst.db.QueryContext(ctx, b.sql(`SELECT {id}, {v}, {raw} FROM {短} ORDER BY {id}`))
			if err != nil {
				t.Fatal(err)
			}
			defer got.Close()
			i := 0
			for got.Next() {
				var (
					id  int64
					v   *string
					raw []byte
				)
				if err := got.Scan(&id, &v, &raw); err != nil {
					t.Fatal(err)
				}
				want := rows[i]
				if id != want[0].(int64) || (v == nil) != (want[1] == nil) || (v != nil && *v != want[1]) || (want[3] != nil && string(raw) != string(want[3].([]byte))) {
					t.Errorf("row %d = %d %v %q, want %v", i, id, v, raw, want)
				}
				i++
			}
			if i != len(rows) {
				t.Errorf("%d rows, want %d", i, len(rows))
			}
			_, err = sink.ApplyFull(ctx, "c", 2, [][]any{{int64(200), "x", "五个字符呢", nil}}, nil, &Range{From: []any{int64(100)}})
			if err == nil {
				t.Error("ApplyFull(a value longer than its column) = nil error, want the batch refused")
			}
			if seq, err := sink.Checkpoint(ctx, "c"); err != nil || seq != 1 {
				t.Errorf("Checkpoint after the refused batch = %d, %v; want 1", seq, err)
			}
			var n int
			if err := dst.db.QueryRowContext(ctx, b.sql(`SELECT count(*) FROM {短}`)).Scan(&n); err != nil || n != len(rows) {
				t.Errorf("rows after the refused batch = %d, %v; want %d", n, err, len(rows))
			}
		})
	}
}
