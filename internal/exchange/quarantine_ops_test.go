package exchange

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
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

// TestQuarantineOfGrantChannel sets aside the rows of a grant's channel as
// the grant delivers them: a row outside the row filter is never set aside,
// the consumer's view holds only the granted columns, masked, with a reason
// that quotes no masked or undelivered value, and the row as read stays
// beside it for the provider.
func TestQuarantineOfGrantChannel(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	src.exec(t, `CREATE TABLE {p} ({id} INTEGER NOT NULL PRIMARY KEY, {sfz} VARCHAR(18), {name} VARCHAR(16), {secret} VARCHAR(16), {region} VARCHAR(12))`)
	// Rows 0-4 are in region 430211 (the grant's), 5-9 elsewhere; rows 2, 3, 7
	// and 8 carry a bad ID number, row 4 a secret too long for its rule.
	for i := range 10 {
		sfz, region, secret := idNumber(i), "430211", fmt.Sprintf("秘%d", i)
		if i == 2 || i == 3 || i == 7 || i == 8 {
			sfz = sfz[:17] + "Y"
		}
		if i == 4 {
			secret = "秘密秘密秘密秘密秘密"
		}
		if i >= 5 {
			region = "430102"
		}
		src.exec(t, `INSERT INTO {p} VALUES (?, ?, ?, ?, ?)`, i, sfz, fmt.Sprintf("张%d", i), secret, region)
	}
	q, err := OpenQuarantine(ctx, filepath.Join(t.TempDir(), "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	shape := &Shape{Columns: []string{"id", "sfz", "name", "region"}, Mask: map[string]string{"sfz": "full"},
		Filter: []RowCondition{{Column: "region", Op: "prefix", Values: []string{"430211"}}}}
	ch := Channel{ID: "grant-q", Mode: Full, Source: Endpoint{Driver: src.driver, DSN: src.dsn, Table: "p"},
		Target: Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: "p"},
		Rules:  map[string]Rule{"sfz": {Validator: ValidateIDNumber}, "secret": {MaxLength: 4}},
		Shaper: func(context.Context) (*Shape, error) { return shape, nil }}
	e := New(js, Options{Quarantine: q})
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	open, err := q.List(ctx, ch.ID, QuarantineOpen, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range open {
		keys = append(keys, o.Key)
	}
	if got, want := strings.Join(keys, " "), "[2] [3] [4]"; got != want {
		t.Fatalf("open entries %s, want %s (rows outside the row filter are never set aside)", got, want)
	}
	for _, o := range open {
		var k int
		fmt.Sscanf(o.Key, "[%d]", &k)
		for _, leak := range []string{idNumber(k)[:17], "秘", "secret"} {
			if strings.Contains(o.Row, leak) || strings.Contains(o.Reason, leak) {
				t.Errorf("entry %s: the consumer's view %s (reason %q) holds %q", o.Key, o.Row, o.Reason, leak)
			}
		}
		if !o.Shaped || !strings.Contains(o.Row, `"sfz":"******"`) || !strings.Contains(o.Row, fmt.Sprintf(`"name":"张%d"`, k)) {
			t.Errorf("entry %s: the consumer's view %s, want the granted columns with sfz masked", o.Key, o.Row)
		}
		if o.Reason != msgWithheld.With().String() {
			t.Errorf("entry %s: the consumer's reason %q, want the withheld text", o.Key, o.Reason)
		}
		if !strings.Contains(o.RawRow, `"secret":"秘`) || !strings.Contains(o.RawRow, idNumber(k)[:17]) || o.RawReason == "" || o.RawReason == o.Reason {
			t.Errorf("entry %s: the provider's view %s (reason %q), want the row as read and its reason", o.Key, o.RawRow, o.RawReason)
		}
		// What the consumer is shown, and what the provider is.
		if got := entryFor(o, false, []string{"id"}, map[string]string{"sfz": "id_number"}); got.View != ViewDelivered || got.Row["sfz"] != "******" ||
			got.Row["secret"] != nil || got.Reason != o.Reason {
			t.Errorf("entry %s as the consumer sees it: %+v", o.Key, got)
		}
		if got := entryFor(o, true, []string{"id"}, map[string]string{"sfz": "id_number"}); got.View != ViewSource || got.Row["secret"] == nil || got.Reason != o.RawReason {
			t.Errorf("entry %s as the provider sees it: %+v", o.Key, got)
		}
	}
	// A retry after the grant's filter narrowed leaves the rows outside it
	// gone, never delivered.
	shape = &Shape{Columns: shape.Columns, Mask: shape.Mask, Filter: []RowCondition{{Column: "id", Op: "gt", Values: []string{"2"}}, shape.Filter[0]}}
	src.exec(t, `UPDATE {p} SET {sfz} = ? WHERE {id} IN (2, 3)`, idNumber(3))
	res, err := e.Retry(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if res != (RetryResult{Published: 1, Failing: 1, Gone: 1}) {
		t.Errorf("Retry = %+v, want 1 published (3), 1 failing (4), 1 gone (2, outside the filter now)", res)
	}
}
