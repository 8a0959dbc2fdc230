package exchange

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
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
		if errs.Decode(o.Reason).String() != msgWithheld.With().String() {
			t.Errorf("entry %s: the consumer's reason %q, want the withheld text", o.Key, o.Reason)
		}
		if !strings.Contains(o.RawRow, `"secret":"秘`) || !strings.Contains(o.RawRow, idNumber(k)[:17]) || o.RawReason == "" || o.RawReason == o.Reason {
			t.Errorf("entry %s: the provider's view %s (reason %q), want the row as read and its reason", o.Key, o.RawRow, o.RawReason)
		}
		// What the consumer is shown, and what the provider is.
		if got := entryFor(o, false, []string{"id"}, map[string]string{"sfz": "id_number"}); got.View != ViewDelivered || got.Row["sfz"] != "******" ||
			got.Row["secret"] != nil || got.Reason != errs.Decode(o.Reason).String() {
			t.Errorf("entry %s as the consumer sees it: %+v", o.Key, got)
		}
		if got := entryFor(o, true, []string{"id"}, map[string]string{"sfz": "id_number"}); got.View != ViewSource || got.Row["secret"] == nil || got.Reason != errs.Decode(o.RawReason).String() {
			t.Errorf("entry %s as the provider sees it: %+v", o.Key, got)
		} else if zh := got.In("zh-CN").Reason; zh == got.Reason || !strings.ContainsAny(zh, "有位") {
			t.Errorf("entry %s: the reason %q is not said in Chinese (%q)", o.Key, got.Reason, zh)
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

// TestReshapeLegacyQuarantine upgrades a quarantine file written before
// entries were shaped: the entries of a grant's channel outside its row
// filter are deleted, the others take the consumer's shaped view and keep
// the source row for the provider; another channel's entries stay as they
// are; without a shape, the consumer is shown nothing of the row.
func TestReshapeLegacyQuarantine(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "quarantine.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// The schema as it was.
	if _, err := old.Exec(`CREATE TABLE exchange_quarantine (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, key TEXT NOT NULL, row TEXT NOT NULL,
		col TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'open', resolved_at TEXT, passes INTEGER NOT NULL DEFAULT 1)`); err != nil {
		t.Fatal(err)
	}
	bad := idNumber(1)[:17] + "Y"
	for _, r := range []struct{ channel, key, row string }{
		{"grant", "[1]", `{"id":1,"sfz":"` + bad + `","name":"张三","secret":"秘一","region":"430211"}`},
		{"grant", "[2]", `{"id":2,"sfz":"` + bad + `","name":"李四","secret":"秘二","region":"430102"}`},
		{"revoked", "[3]", `{"id":3,"sfz":"` + bad + `","name":"王五","secret":"秘三","region":"430211"}`},
		{"plain", "[4]", `{"id":4,"sfz":"` + bad + `","name":"赵六","secret":"秘四","region":"430211"}`},
	} {
		if _, err := old.Exec(`INSERT INTO exchange_quarantine (channel, key, row, col, reason, at) VALUES (?, ?, ?, 'sfz', ?, '2026-01-01T00:00:00.000000Z')`,
			r.channel, r.key, r.row, `ID number: check character is "Y", want "`+idNumber(1)[17:]+`"`); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	q, err := OpenQuarantine(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	m := &Manager{log: slog.New(slog.DiscardHandler), o: ManagerOptions{Shape: func(_ context.Context, grant, _ int64) (*Shape, error) {
		if grant != 1 {
			return nil, errors.New("grant revoked")
		}
		return &Shape{Columns: []string{"id", "sfz", "name", "region"}, Mask: map[string]string{"sfz": "full"},
			Filter: []RowCondition{{Column: "region", Op: "prefix", Values: []string{"430211"}}}}, nil
	}}}
	for _, c := range []ChannelInfo{{ID: "grant", GrantID: 1, ConsumerID: 9}, {ID: "revoked", GrantID: 2, ConsumerID: 9}, {ID: "plain"}} {
		if err := m.reshapeLegacy(ctx, q, c); err != nil {
			t.Fatalf("reshape %s: %v", c.ID, err)
		}
	}
	list := func(channel string) []QuarantinedRow {
		rows, err := q.List(ctx, channel, "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	g := list("grant")
	if len(g) != 1 || g[0].Key != "[1]" {
		t.Fatalf("grant's entries after the upgrade: %+v, want only row 1 (row 2 is outside the row filter)", g)
	}
	if e := g[0]; !e.Shaped || strings.Contains(e.Row, "secret") || strings.Contains(e.Row, bad) || !strings.Contains(e.Row, `"sfz":"******"`) ||
		strings.Contains(e.Reason, "check character") || !strings.Contains(e.RawRow, "秘一") || !strings.Contains(e.RawReason, "check character") {
		t.Errorf("grant's entry after the upgrade: %+v", e)
	}
	if r := list("revoked"); len(r) != 1 || !r[0].Shaped || r[0].Row != "{}" || strings.Contains(r[0].Reason, "check character") || !strings.Contains(r[0].RawRow, "王五") {
		t.Errorf("the entry of a grant that does not answer: %+v, want nothing of the row for the consumer", r)
	}
	if r := list("plain"); len(r) != 1 || r[0].Shaped || !strings.Contains(r[0].Row, "赵六") {
		t.Errorf("the entry of a channel without a grant: %+v, want it as it was", r)
	}
	// Opening the file again changes nothing.
	q2, err := OpenQuarantine(ctx, path)
	if err != nil {
		t.Fatalf("open the upgraded file again: %v", err)
	}
	q2.Close()
}

// FuzzShapeObject reshapes arbitrary stored rows: the consumer's view never
// holds a column the grant leaves out, never a masked value in clear, and
// never a row the filter refuses.
func FuzzShapeObject(f *testing.F) {
	f.Add(`{"id":1,"sfz":"430202199001010011","secret":"x","region":"430211"}`)
	f.Add(`{"id":"2","sfz":null,"region":430211}`)
	f.Add(`{"region":"430102","sfz":"秘"}`)
	f.Add(`[]`)
	sh := &Shape{Columns: []string{"id", "sfz", "region"}, Mask: map[string]string{"sfz": "full"},
		Filter: []RowCondition{{Column: "region", Op: "prefix", Values: []string{"430211"}}}}
	f.Fuzz(func(t *testing.T, raw string) {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		var row map[string]any
		if dec.Decode(&row) != nil {
			return
		}
		out, keep := sh.object(row)
		if !keep {
			return
		}
		if !strings.HasPrefix(fmt.Sprint(row["region"]), "430211") {
			t.Errorf("object(%s) kept a row outside the filter", raw)
		}
		for k, v := range out {
			if k != "id" && k != "sfz" && k != "region" {
				t.Errorf("object(%s) holds column %q outside the grant", raw, k)
			}
			if k == "sfz" && v != nil && v != "******" {
				t.Errorf("object(%s) shows sfz as %v, want it masked", raw, v)
			}
		}
	})
}
