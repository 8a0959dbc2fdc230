package connector

import (
	"context"
	"reflect"
	"testing"
)

// TestReadAfterBulk reads the exchange fixture (every type, NULLs, 生僻字,
// a composite text and integer key) and text with COPY's special characters
// in batches through COPY TO and through queries: the rows are the same, in
// the same types, and each method resumes from the other's positions.
func TestReadAfterBulk(t *testing.T) {
	ctx := context.Background()
	b := postgresBackend(t)
	exchangeFixture(t, b, 90)
	b.exec(t, `INSERT INTO {交换样例} ({区划}, {编号}, {姓名}, {备注}) VALUES (?, ?, ?, ?)`,
		"西城", int64(1000), "tab\there", "line\nbreak\\back\rslash 'quote' \"dq\" \\N \x01 end")
	b.exec(t, `INSERT INTO {交换样例} ({区划}, {编号}, {备注}) VALUES (?, ?, ?)`, `it's\`, int64(5), `\x41`)
	src := b.open(t)
	order := []string{"区划", "编号"}
	calls := 0
	for _, cols := range [][]string{nil, {"编号", "姓名", "照片", "时刻"}} {
		var viaQuery, viaCopy [][]any
		var afterQ, afterC []any
		for range 100 {
			rq, pq, err := src.ReadAfter(ctx, sample, cols, order, afterQ, false, 17)
			if err != nil {
				t.Fatal(err)
			}
			// From the query's position, as a state saved before the upgrade holds it.
			rc, pc, err := src.ReadAfterBulk(ctx, sample, cols, order, afterQ, 17)
			calls++
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rq, rc) {
				t.Fatalf("after %v:\nquery %#v\ncopy  %#v", afterQ, rq, rc)
			}
			viaQuery = append(viaQuery, rq...)
			if len(rq) < 17 {
				break
			}
			afterQ = pq[len(pq)-1]
			if len(pc) != len(pq) {
				t.Fatalf("positions: %d from COPY, %d from the query", len(pc), len(pq))
			}
		}
		for range 100 {
			rc, pc, err := src.ReadAfterBulk(ctx, sample, cols, order, afterC, 17)
			calls++
			if err != nil {
				t.Fatal(err)
			}
			viaCopy = append(viaCopy, rc...)
			if len(rc) < 17 {
				break
			}
			afterC = pc[len(pc)-1]
		}
		if got := src.copied.Load(); got != int64(calls) {
			t.Fatalf("%d of %d batches read with COPY", got, calls)
		}
		if len(viaQuery) != 93 || !reflect.DeepEqual(viaQuery, viaCopy) {
			t.Errorf("columns %v: %d rows by query, %d by COPY from its own positions, or they differ", cols, len(viaQuery), len(viaCopy))
		}
	}
}

// FuzzUnescapeCopy checks that whatever COPY's text form holds, unescaping
// neither panics nor grows the field.
func FuzzUnescapeCopy(f *testing.F) {
	for _, s := range []string{`a\tb`, `\\N`, `\x4`, `\x41\101\`, `\`, "\\\n", `\777`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if out := unescapeCopy([]byte(s)); len(out) > len(s) {
			t.Errorf("unescapeCopy(%q) = %q, longer than its input", s, out)
		}
	})
}
