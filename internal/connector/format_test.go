package connector

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestFormat reads a value of every type the catalog knows from each
// backend and renders it as a data-service answer (JSON) and a download
// (text) do: a date is a date, a date-time keeps the zone it has or has
// none, a decimal keeps its scale.
func TestFormat(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		b.exec(t, `CREATE TABLE {样例} ({id} INTEGER NOT NULL PRIMARY KEY,
			{s} VARCHAR(20), {i} BIGINT, {d} DECIMAL(12,2), {hp} DECIMAL(20,6), {f} [double precision|double|REAL],
			{dt} DATE, {ts} [timestamp(6)|datetime(6)|DATETIME], {tz} [timestamptz|timestamp(6)|TIMESTAMP WITH TIME ZONE],
			{tm} TIME, {b} [boolean|tinyint(1)|BOOLEAN], {tx} TEXT, {bin} [bytea|blob|BLOB])`)
		b.exec(t, `INSERT INTO {样例} VALUES (1, 'abc', 42, 12.50, 1.000001, 1.5, '1950-01-16',
			'2024-03-05 08:30:00.123456', [TIMESTAMPTZ '2024-03-05 08:30:00+08'|'2024-03-05 00:30:00'|'2024-03-05 08:30:00+08:00'],
			'08:30:00', [true|1|1], '备注', ?)`, []byte{0, 1, 2})
		b.exec(t, `INSERT INTO {样例} ({id}, {d}, {ts}) VALUES (2, 7, '2024-03-05 08:30:00')`)
		s := b.open(t)
		rows, _, err := s.Query(ctx, "样例", nil, nil, nil, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		formats, err := s.Formats(ctx, "样例", nil)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			col        int
			json, text string
		}{
			{1, `"abc"`, "abc"},
			{2, `42`, "42"},
			{3, `"12.50"`, "12.50"},
			{4, `"1.000001"`, "1.000001"},
			{5, `1.5`, "1.5"},
			{6, `"1950-01-16"`, "1950-01-16"},
			{7, `"2024-03-05T08:30:00.123456"`, "2024-03-05T08:30:00.123456"},
			{8, `"2024-03-05T00:30:00Z"`, "2024-03-05T00:30:00Z"},
			{9, `"08:30:00"`, "08:30:00"},
			{10, `true`, "true"},
			{11, `"备注"`, "备注"},
			{12, `"AAEC"`, "AAEC"},
		}
		if len(rows) != 2 || len(formats) != 13 {
			t.Fatalf("Query = %d rows, Formats = %d; want 2 and 13", len(rows), len(formats))
		}
		for _, tc := range tests {
			v := rows[0][tc.col]
			j, err := json.Marshal(formats[tc.col].JSON(v))
			if err != nil || string(j) != tc.json {
				t.Errorf("column %d (%T %v): JSON = %s, %v; want %s", tc.col, v, v, j, err, tc.json)
			}
			if got := formats[tc.col].Text(v); got != tc.text {
				t.Errorf("column %d (%T %v): Text = %q, want %q", tc.col, v, v, got, tc.text)
			}
			if got := formats[tc.col].Text(rows[1][tc.col]); tc.col != 3 && tc.col != 7 && got != "" {
				t.Errorf("column %d: Text(NULL) = %q, want empty", tc.col, got)
			}
		}
		if got := formats[3].Text(rows[1][3]); got != "7.00" {
			t.Errorf("decimal(12,2) 7: Text = %q, want 7.00", got)
		}
		if got := formats[7].Text(rows[1][7]); got != "2024-03-05T08:30:00" {
			t.Errorf("datetime without fraction: Text = %q, want 2024-03-05T08:30:00", got)
		}
	})
}

// TestFormatValues covers the values no backend above returns.
func TestFormatValues(t *testing.T) {
	at := time.Date(2024, 3, 5, 8, 30, 0, 0, time.FixedZone("", 8*3600))
	tests := []struct {
		name string
		f    Format
		v    any
		want any
	}{
		{"nil", Format{typ: TypeInteger}, nil, nil},
		{"NaN", Format{typ: TypeFloat}, math.NaN(), "NaN"},
		{"+Inf", Format{typ: TypeFloat}, math.Inf(1), "Infinity"},
		{"-Inf", Format{typ: TypeFloat}, math.Inf(-1), "-Infinity"},
		{"int32", Format{typ: TypeInteger}, int32(7), int64(7)},
		{"instant keeps its offset", Format{typ: TypeDateTime, zoned: true}, at, "2024-03-05T08:30:00+08:00"},
		{"wall clock", Format{typ: TypeDateTime}, at, "2024-03-05T08:30:00"},
		{"date", Format{typ: TypeDate}, at, "2024-03-05"},
		{"time of day", Format{typ: TypeTime}, at, "08:30:00"},
		{"text bytes", Format{typ: TypeText}, []byte("文"), "文"},
		{"SQLite text in a date column", Format{typ: TypeDate}, "yesterday", "yesterday"},
		{"MySQL time(6)", Format{typ: TypeTime}, []byte("08:30:00.000000"), "08:30:00"},
		{"MySQL time(6) with a fraction", Format{typ: TypeTime}, []byte("08:30:00.500000"), "08:30:00.5"},
		{"MySQL duration", Format{typ: TypeTime}, []byte("-838:59:59"), "-838:59:59"},
		{"PostgreSQL timetz", Format{typ: TypeTime}, "08:30:00.100+08", "08:30:00.100+08"},
		{"date item on a date-time column", Format{typ: TypeDateTime, zoned: true}.Item("date"), at, "2024-03-05"},
		{"date-time item", Format{typ: TypeDateTime}.Item("datetime"), at, "2024-03-05T08:30:00"},
	}
	for _, tc := range tests {
		if got := tc.f.JSON(tc.v); got != tc.want {
			t.Errorf("%s: JSON(%v) = %#v, want %#v", tc.name, tc.v, got, tc.want)
		}
	}
}
