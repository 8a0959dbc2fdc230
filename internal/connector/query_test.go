package connector

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

// TestQuery filters, orders and pages a table on every backend, with values
// as the gateway passes them: text.
func TestQuery(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		ctx := context.Background()
		b.exec(t, `CREATE TABLE {人员} ({id} [integer|int|INTEGER] NOT NULL PRIMARY KEY, {name} VARCHAR(64), {code} VARCHAR(32),
			{amount} [numeric(12,2)|decimal(12,2)|DECIMAL(12,2)], {score} [double precision|double|REAL], {active} [boolean|tinyint(1)|BOOLEAN],
			{born} [date|date|DATE], {updated} [timestamptz|datetime(6)|DATETIME], {photo} [bytea|blob|BLOB])`)
		type row struct {
			id            int
			name, code    string
			amount        string
			score         float64
			active        bool
			born, updated string
		}
		for _, r := range []row{
			{1, "张三", "50%_1", "100.50", 1.5, true, "1990-05-01", "2024-01-02 10:00:00"},
			{2, "张三丰", "50%x", "99.99", 2.5, false, "1985-12-31", "2024-01-02 10:00:01"},
			{3, "李四", "50a_1", "0.00", 3.5, true, "2000-01-01", "2023-12-31 23:59:59.5"},
			{4, "' OR 1=1 --", "5012", "1000000000.01", -1, false, "1999-12-31", "2024-06-30 00:00:00"},
			{5, "王五", "50!_", "100.5", 0, true, "1970-01-01", "2024-01-01 00:00:00"},
			{6, "zhao", "ZH_1", "7", 7, false, "2001-02-03", "2024-02-03 04:05:06"},
		} {
			updated := r.updated
			if b.driver == Postgres {
				updated += "+00"
			}
			b.exec(t, `INSERT INTO {人员} ({id}, {name}, {code}, {amount}, {score}, {active}, {born}, {updated}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				r.id, r.name, r.code, r.amount, r.score, r.active, r.born, updated)
		}
		s := b.open(t)
		f := func(col, op string, vals ...any) Filter { return Filter{Column: col, Op: op, Values: vals} }
		tests := []struct {
			name    string
			filters []Filter
			order   []string
			want    []int64 // ids, in order
		}{
			{"all in key order", nil, nil, []int64{1, 2, 3, 4, 5, 6}},
			{"equal, Chinese", []Filter{f("name", OpEq, "张三")}, nil, []int64{1}},
			{"injection-looking value matches only itself", []Filter{f("name", OpEq, "' OR 1=1 --")}, nil, []int64{4}},
			{"injection-looking value matches nothing", []Filter{f("name", OpEq, "x' OR '1'='1")}, nil, nil},
			{"injection in a prefix", []Filter{f("name", OpPrefix, "' OR 1=1 -- x")}, nil, nil},
			{"in", []Filter{f("name", OpIn, "张三", "李四", "无此人")}, nil, []int64{1, 3}},
			{"prefix, Chinese", []Filter{f("name", OpPrefix, "张三")}, nil, []int64{1, 2}},
			{"prefix with a literal %", []Filter{f("code", OpPrefix, "50%")}, nil, []int64{1, 2}},
			{"prefix with literal % and _", []Filter{f("code", OpPrefix, "50%_")}, nil, []int64{1}},
			{"prefix with a literal _", []Filter{f("code", OpPrefix, "50a_")}, nil, []int64{3}},
			{"prefix with the escape character", []Filter{f("code", OpPrefix, "50!")}, nil, []int64{5}},
			{"decimal range", []Filter{f("amount", OpGte, "100.5")}, nil, []int64{1, 4, 5}},
			{"decimal equal, another scale", []Filter{f("amount", OpEq, "100.500")}, nil, []int64{1, 5}},
			{"integer in", []Filter{f("id", OpIn, "2", "4", "6")}, []string{"-id"}, []int64{6, 4, 2}},
			{"float lt", []Filter{f("score", OpLt, "1.5")}, nil, []int64{4, 5}},
			{"boolean", []Filter{f("active", OpEq, "true")}, nil, []int64{1, 3, 5}},
			{"date range", []Filter{f("born", OpGte, "1990-01-01"), f("born", OpLt, "2000-01-01")}, nil, []int64{1, 4}},
			{"date-time with a zone", []Filter{f("updated", OpGt, "2024-01-02T18:00:00+08:00")}, []string{"updated"}, []int64{2, 6, 4}},
			{"date-time without a zone is UTC", []Filter{f("updated", OpLt, "2024-01-01 00:00:00.5")}, nil, []int64{3, 5}},
			{"ordered descending", nil, []string{"-amount"}, []int64{4, 1, 5, 2, 6, 3}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rows, total, err := s.Query(ctx, "人员", []string{"id", "name"}, tt.filters, tt.order, 100, 0)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, r := range rows {
					got = append(got, r[0].(int64))
				}
				if !slices.Equal(got, tt.want) || total != int64(len(tt.want)) {
					t.Errorf("Query() = ids %v of %d, want %v", got, total, tt.want)
				}
			})
		}

		t.Run("paging", func(t *testing.T) {
			rows, total, err := s.Query(ctx, "人员", nil, []Filter{f("id", OpGt, "1")}, []string{"-born"}, 2, 1)
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 || len(rows) != 2 || rows[0][0] != int64(3) || rows[1][0] != int64(4) || len(rows[0]) != 9 {
				t.Errorf("page 2 of 2 by born descending = %v of %d, want ids 3, 4 of 5 with 9 columns", rows, total)
			}
			rows, total, err = s.Query(ctx, "人员", nil, nil, nil, 10, 6)
			if err != nil || len(rows) != 0 || total != 6 {
				t.Errorf("past the end = %v of %d, %v", rows, total, err)
			}
		})

		t.Run("refused", func(t *testing.T) {
			for _, c := range []struct {
				filters []Filter
				order   []string
				want    string
			}{
				{[]Filter{f("id", OpEq, "abc")}, nil, `column "id": "abc" is not a whole number`},
				{[]Filter{f("id", OpEq, "1 OR 1=1")}, nil, `"1 OR 1=1" is not a whole number`},
				{[]Filter{f("amount", OpGt, "1e999999")}, nil, `column "amount"`},
				{[]Filter{f("born", OpEq, "1990/05/01")}, nil, `column "born": "1990/05/01" is not a date`},
				{[]Filter{f("active", OpEq, "maybe")}, nil, `column "active"`},
				{[]Filter{f("id", OpPrefix, "1")}, nil, "prefix works on text"},
				{[]Filter{f("photo", OpEq, "x")}, nil, "cannot filter on a column of type binary"},
				{[]Filter{f("name", "like", "%")}, nil, `unknown operator "like"`},
				{[]Filter{f("name", OpEq, "a", "b")}, nil, "eq takes one value"},
				{[]Filter{f("name", OpIn)}, nil, "in takes 1 to"},
				{[]Filter{f("name", OpEq, nil)}, nil, "null"},
				{[]Filter{f("nope", OpEq, "1")}, nil, `no column "nope"`},
				{nil, []string{"nope"}, `no column "nope" to order by`},
			} {
				_, _, err := s.Query(ctx, "人员", nil, c.filters, c.order, 10, 0)
				if err == nil || !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.want) {
					t.Errorf("Query(%v, order %v) = %v, want an Invalid error containing %s", c.filters, c.order, err, c.want)
				}
			}
			if _, _, err := s.Query(ctx, "人员", []string{"id", "nope"}, nil, nil, 10, 0); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), `no column "nope" to select`) {
				t.Errorf("unknown selected column: %v", err)
			}
			_, _, err := s.Query(ctx, "人员", nil, []Filter{f("nope", OpEq, "1")}, nil, 10, 0)
			if !errors.Is(err, ErrNoColumn) {
				t.Errorf("unknown column: %v does not wrap ErrNoColumn", err)
			}
			if _, _, err := s.Query(ctx, `人员" WHERE 1=1 --`, nil, nil, nil, 10, 0); !errors.Is(err, ErrNoTable) {
				t.Errorf("unknown table: %v, want ErrNoTable", err)
			}
		})
	})
}
