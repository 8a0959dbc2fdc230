package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestReadAfter reads a table in (watermark, key) order in small batches,
// each resumed from the position the last one returned, and in key order.
func TestReadAfter(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		const total = 50
		ctx := context.Background()
		b.exec(t, `CREATE TABLE {变更} ({编号} VARCHAR(16) NOT NULL PRIMARY KEY, {w} [bigint|bigint|INTEGER], {v} [varchar(20)|varchar(20)|VARCHAR(20)])`)
		var want []string // the keys with a watermark, in (w, key) order
		for i := total - 1; i >= 0; i-- {
			key := fmt.Sprintf("k%03d", i)
			var w any
			if i%7 != 3 {
				w = int64(i / 5) // five rows share each watermark
				want = append(want, key)
			}
			b.exec(t, `INSERT INTO {变更} VALUES (?, ?, ?)`, key, w, "v"+key)
		}
		slices.Sort(want) // k%03d with w = i/5 sorts the same by (w, key) and by key
		s := b.open(t)

		// Incremental: (w, key) after each batch's last position, without NULLs.
		var (
			got   []string
			after []any
		)
		for reads := 0; ; reads++ {
			if reads > total {
				t.Fatal("ReadAfter does not end")
			}
			rows, pos, err := s.ReadAfter(ctx, "变更", []string{"v"}, []string{"w", "编号"}, after, true, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(pos) != len(rows) {
				t.Fatalf("ReadAfter = %d rows, %d positions", len(rows), len(pos))
			}
			for i, r := range rows {
				if len(r) != 1 || len(pos[i]) != 2 || r[0] != "v"+fmt.Sprint(pos[i][1]) {
					t.Fatalf("row %v at %v, want the v of its key", r, pos[i])
				}
				got = append(got, fmt.Sprint(pos[i][1]))
			}
			if len(rows) < 4 {
				break
			}
			after = pos[len(pos)-1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("read in (w, key) order: %q, want %q", got, want)
		}

		// From the highest watermark, inclusively.
		m, err := s.Max(ctx, "变更", "w")
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := s.ReadAfter(ctx, "变更", nil, []string{"w", "编号"}, []any{m}, true, 100)
		if err != nil || len(rows) != 4 || rows[0][0] != "k046" || rows[0][1] != int64(9) {
			t.Errorf("ReadAfter(from Max = %v) = %v, %v; want the 4 rows of watermark 9 from k046 (k045 has none)", m, rows, err)
		}

		// A full pass in key order, NULL watermarks included, all columns.
		rows, pos, err := s.ReadAfter(ctx, "变更", nil, []string{"编号"}, []any{"k010"}, false, 1000)
		if err != nil || len(rows) != total-11 || rows[0][0] != "k011" || len(rows[0]) != 3 || pos[0][0] != "k011" {
			t.Errorf("ReadAfter(key > k010) = %d rows from %v, %v; want %d from k011", len(rows), rows[:min(1, len(rows))], err, total-11)
		}

		b.exec(t, `CREATE TABLE {空} ({id} INTEGER NOT NULL PRIMARY KEY, {w} INTEGER)`)
		if m, err := s.Max(ctx, "空", "w"); m != nil || err != nil {
			t.Errorf("Max(empty) = %v, %v; want nil, nil", m, err)
		}
		if _, _, err := s.ReadAfter(ctx, `变更"; DROP TABLE t; --`, nil, []string{"编号"}, nil, false, 10); !errors.Is(err, ErrNoTable) {
			t.Errorf("ReadAfter(bad table) = %v, want ErrNoTable", err)
		}
		if _, _, err := s.ReadAfter(ctx, "变更", nil, []string{"nope"}, nil, false, 10); !errors.Is(err, ErrNoColumn) {
			t.Errorf("ReadAfter(bad order column) = %v, want ErrNoColumn", err)
		}
		if _, err := s.Max(ctx, "变更", "nope"); !errors.Is(err, ErrNoColumn) {
			t.Errorf("Max(bad column) = %v, want ErrNoColumn", err)
		}
	})
}
