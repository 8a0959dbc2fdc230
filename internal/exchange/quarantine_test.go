package exchange

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/connector"
)

// idNumber returns a valid citizen ID number with sequence n.
func idNumber(n int) string {
	body := fmt.Sprintf("43020219900101%03d", n%1000)
	w := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

func TestRules(t *testing.T) {
	cols := []connector.Column{
		{Name: "id", Type: connector.TypeInteger, PrimaryKey: true},
		{Name: "sfz", Type: connector.TypeString, Length: 18, Nullable: true},
		{Name: "state", Type: connector.TypeString, Length: 8, Nullable: true},
		{Name: "phone", Type: connector.TypeString, Length: 20, Nullable: true},
		{Name: "code", Type: connector.TypeString, Length: 20, Nullable: true},
		{Name: "name", Type: connector.TypeString, Length: 4},
	}
	checks, err := compileRules(map[string]Rule{
		"sfz":   {Validator: ValidateIDNumber, NotNull: true},
		"state": {Validator: ValidateEnum, Param: "有效，注销、暂停"},
		"phone": {Validator: ValidatePhone},
		"code":  {Validator: ValidateRegex, Param: `[A-Z]{2}[0-9]+`},
	}, cols)
	if err != nil {
		t.Fatal(err)
	}
	good := []any{int64(1), idNumber(1), "注销", "13812345678", "AB12", "王𪚥"}
	tests := []struct {
		name   string
		col    int
		value  any
		column string
	}{
		{"good", -1, nil, ""},
		{"bad check character", 1, idNumber(1)[:17] + "0", "sfz"},
		{"NULL where a rule says not null", 1, nil, "sfz"},
		{"not in the enum", 2, "有效 ", "state"},
		{"not a phone", 3, "1234", "phone"},
		{"fixed line", 3, "0731-22334455", ""},
		{"regex matches part only", 4, "xAB12", "code"},
		{"too long for the column", 5, "一二三四五", "name"},
		{"NULL in a NOT NULL column", 5, nil, "name"},
		{"not UTF-8", 5, "\xff", "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := slices.Clone(good)
			if tt.col >= 0 {
				row[tt.col] = tt.value
			}
			col, why := validate(checks, row)
			if col != tt.column || (col != "") != (why != "") {
				t.Errorf("validate = %q %q, want column %q", col, why, tt.column)
			}
		})
	}
	if _, err := compileRules(map[string]Rule{"nope": {}, "sfz": {Validator: "bogus"}, "code": {Validator: ValidateRegex, Param: "("}}, cols); err == nil ||
		!errors.Is(err, connector.ErrNoColumn) || !strings.Contains(err.Error(), "bogus") || !strings.Contains(err.Error(), "regular expression") {
		t.Errorf("compileRules of bad rules = %v, want errors for the column, the validator and the expression", err)
	}
}

// TestQuarantine sets aside the rows that fail their rules, delivers the
// rest, and then retries and skips the rows set aside.
func TestQuarantine(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	src.exec(t, `CREATE TABLE {人} ({编号} INTEGER NOT NULL PRIMARY KEY, {身份证} VARCHAR(18), {状态} VARCHAR(8), {姓名} VARCHAR(16), {更新} DATETIME NOT NULL)`)
	bad := map[int]string{7: "身份证", 8: "身份证", 20: "状态", 21: "状态", 33: "姓名", 39: "身份证", 40: "身份证", 41: "身份证"}
	for i := range 100 {
		sfz, state, name := any(idNumber(i)), "有效", any(fmt.Sprintf("张%d", i))
		switch bad[i] {
		case "身份证":
			sfz = idNumber(i)[:17] + "Y"
		case "状态":
			state = "未知"
		case "姓名":
			name = nil
		}
		// Rows 39 to 41 fill a batch of three on their own.
		src.exec(t, `INSERT INTO {人} VALUES (?, ?, ?, ?, ?)`, i, sfz, state, name, stamp(i))
	}
	q, err := OpenQuarantine(ctx, filepath.Join(t.TempDir(), "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ch := Channel{
		ID:        "quarantine",
		Source:    Endpoint{Driver: src.driver, DSN: src.dsn, Table: "人"},
		Target:    Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: "人"},
		Mode:      FullThenIncremental,
		BatchSize: 3,
		Watermark: "更新",
		Rules: map[string]Rule{
			"身份证": {Validator: ValidateIDNumber},
			"状态":  {Validator: ValidateEnum, Param: "有效,注销"},
			"姓名":  {NotNull: true},
		},
	}
	if err := New(js, Options{}).Sync(ctx, ch); err == nil {
		t.Fatal("Sync of a channel with rules and no quarantine succeeded, want an error")
	}
	e := New(js, Options{Quarantine: q})
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	targetKeys := func() []int {
		t.Helper()
		rows, err := dst.db.Query(`SELECT "编号" FROM "人" ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var k int
			rows.Scan(&k)
			out = append(out, k)
		}
		return out
	}
	keys := targetKeys()
	if len(keys) != 92 {
		t.Errorf("target holds %d rows, want 92", len(keys))
	}
	for k := range bad {
		if slices.Contains(keys, k) {
			t.Errorf("row %d failed a rule and reached the target", k)
		}
	}
	if got := e.Stats(ch.ID).Quarantined; got != 8 {
		t.Errorf("Stats.Quarantined = %d, want 8", got)
	}
	open, err := q.List(ctx, ch.ID, QuarantineOpen, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 8 {
		t.Fatalf("%d open entries, want 8: %+v", len(open), open)
	}
	for _, o := range open {
		var k int
		fmt.Sscanf(o.Key, "[%d]", &k)
		if o.Column != bad[k] || o.Reason == "" || !strings.Contains(o.Row, `"编号":`) || o.At.IsZero() {
			t.Errorf("entry %+v, want column %s, a reason, the row and the time", o, bad[k])
		}
	}
	// Another pass finds nothing new: the position moved past the rows set
	// aside, even past a batch of nothing else.
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if got := e.Stats(ch.ID).Quarantined; got != 8 {
		t.Errorf("after a second pass, Stats.Quarantined = %d, want 8", got)
	}

	// The source fixes rows 7 and 20 (without touching the update time) and
	// deletes row 40; row 8 is skipped by a person.
	src.exec(t, `UPDATE {人} SET {身份证} = ? WHERE {编号} = ?`, idNumber(7), 7)
	src.exec(t, `UPDATE {人} SET {状态} = ? WHERE {编号} = ?`, "注销", 20)
	src.exec(t, `DELETE FROM {人} WHERE {编号} = ?`, 40)
	for _, o := range open {
		if o.Key == "[8]" {
			if err := q.Resolve(ctx, o.ID, QuarantineSkipped); err != nil {
				t.Fatal(err)
			}
			if err := q.Resolve(ctx, o.ID, QuarantineSkipped); !errors.Is(err, ErrNotOpen) {
				t.Errorf("skipping twice = %v, want ErrNotOpen", err)
			}
		}
	}
	res, err := e.Retry(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if res != (RetryResult{Published: 2, Failing: 4, Gone: 1}) {
		t.Errorf("Retry = %+v, want 2 published, 4 failing, 1 gone", res)
	}
	if err := e.Drain(ctx, ch); err != nil {
		t.Fatal(err)
	}
	keys = targetKeys()
	if len(keys) != 94 || !slices.Contains(keys, 7) || !slices.Contains(keys, 20) {
		t.Errorf("after the retry the target holds %d rows (7: %v, 20: %v), want 94 with 7 and 20", len(keys), slices.Contains(keys, 7), slices.Contains(keys, 20))
	}
	for state, want := range map[string]int64{QuarantineOpen: 4, QuarantineRetried: 2, QuarantineSkipped: 1, QuarantineGone: 1, "": 8} {
		if n, err := q.Count(ctx, ch.ID, state); err != nil || n != want {
			t.Errorf("Count(%q) = %d, %v; want %d", state, n, err, want)
		}
	}
	// The rest of the channel went on: an incremental change still arrives.
	src.exec(t, `UPDATE {人} SET {姓名} = ?, {更新} = ? WHERE {编号} = ?`, "改", stamp(200), 50)
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := dst.db.QueryRow(`SELECT "姓名" FROM "人" WHERE "编号" = 50`).Scan(&name); err != nil || name != "改" {
		t.Errorf("row 50 after an incremental pass: %q, %v; want 改", name, err)
	}
}
