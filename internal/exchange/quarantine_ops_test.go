package exchange

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/govshare/govshare/internal/connector"
)

// TestRetryCompositeKey retries rows of a table keyed by two text columns
// (the demo's housing fund table): a row whose key changed at the source is
// gone, an unchanged one still fails.
func TestRetryCompositeKey(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	src.exec(t, `CREATE TABLE {fund} ({sfz} VARCHAR(18) NOT NULL, {month} VARCHAR(7) NOT NULL, {amount} DECIMAL(18,2), PRIMARY KEY ({sfz}, {month}))`)
	for i := range 10 {
		sfz := idNumber(i)
		if i == 3 || i == 6 {
			sfz = sfz[:17] + "Y"
		}
		src.exec(t, `INSERT INTO {fund} VALUES (?, ?, ?)`, sfz, "2026-01", "100.00")
	}
	q, err := OpenQuarantine(ctx, filepath.Join(t.TempDir(), "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ch := Channel{ID: "composite", Mode: Full, Source: Endpoint{Driver: src.driver, DSN: src.dsn, Table: "fund"},
		Target: Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: "fund"}, Rules: map[string]Rule{"sfz": {Validator: ValidateIDNumber}}}
	e := New(js, Options{Quarantine: q})
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	open, err := q.List(ctx, ch.ID, QuarantineOpen, 0, 0)
	if err != nil || len(open) != 2 {
		t.Fatalf("open entries: %+v, %v; want 2", open, err)
	}
	src.exec(t, `UPDATE {fund} SET {sfz} = ? WHERE {sfz} = ?`, idNumber(3), idNumber(3)[:17]+"Y")
	res, err := e.Retry(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if res != (RetryResult{Failing: 1, Gone: 1}) {
		t.Errorf("Retry = %+v, want 1 failing and 1 gone", res)
	}
}

// TestRulesOfShapedChannel checks rows as the source holds them when a
// grant shapes what the channel delivers: a rule on a column the grant
// leaves out still sets its rows aside.
func TestRulesOfShapedChannel(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	src.exec(t, `CREATE TABLE {p} ({id} INTEGER NOT NULL PRIMARY KEY, {sfz} VARCHAR(18), {name} VARCHAR(16))`)
	for i := range 10 {
		sfz := idNumber(i)
		if i == 2 || i == 5 {
			sfz = sfz[:17] + "Y"
		}
		src.exec(t, `INSERT INTO {p} VALUES (?, ?, ?)`, i, sfz, "张三")
	}
	q, err := OpenQuarantine(ctx, filepath.Join(t.TempDir(), "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ch := Channel{ID: "shaped-rules", Mode: Full, Source: Endpoint{Driver: src.driver, DSN: src.dsn, Table: "p"},
		Target: Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: "p"}, Rules: map[string]Rule{"sfz": {Validator: ValidateIDNumber}},
		Shaper: func(context.Context) (*Shape, error) { return &Shape{Columns: []string{"id", "name"}}, nil }}
	e := New(js, Options{Quarantine: q})
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	open, err := q.List(ctx, ch.ID, QuarantineOpen, 0, 0)
	if err != nil || len(open) != 2 || open[0].Key != "[2]" || open[1].Key != "[5]" || open[0].Column != "sfz" {
		t.Fatalf("open entries: %+v, %v; want rows 2 and 5 failing sfz", open, err)
	}
	var n int
	if err := dst.db.QueryRow(`SELECT count(*) FROM "p"`).Scan(&n); err != nil || n != 8 {
		t.Errorf("target holds %d rows (%v), want 8", n, err)
	}
}
