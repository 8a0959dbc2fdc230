package basedb_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, basedb.Migration}

// now is the tests' fixed clock.
var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

type city struct {
	svc   *basedb.Service
	db    *store.DB
	log   *audit.Log
	login func(string) org.Principal
	dept  func(string) int64
}

func newCity(t testing.TB, db *store.DB) city {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	orgs := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, orgs, io.Discard); err != nil {
		t.Fatal(err)
	}
	login := func(user string) org.Principal {
		t.Helper()
		_, p, err := orgs.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	svc := basedb.NewService(db, log, orgs)
	svc.SetNow(func() time.Time { return now })
	schemas := []basedb.Schema{basedb.Population(), basedb.LegalEntities(), basedb.Credit()}
	for _, sc := range schemas {
		svc.Register(sc)
	}
	depts, _, err := orgs.Departments(ctx, org.DepartmentFilter{PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]int64{}
	for i, d := range demo.Departments {
		for _, x := range depts {
			if x.Name == d.Name {
				byKey[demo.Departments[i].Key] = x.ID
			}
		}
	}
	for _, sc := range schemas {
		for _, src := range sc.Sources {
			if err := svc.Bind(ctx, sc.Name, src.ID, byKey[src.Department], 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	return city{svc: svc, db: db, log: log, login: login, dept: func(k string) int64 { return byKey[k] }}
}

// load stages n synthetic people from the four sources.
func (c city) load(t testing.TB, n int) basedb.SynthCounts {
	t.Helper()
	rows, counts := basedb.Synthetic(n, now)
	for _, src := range basedb.Population().Sources {
		if _, err := c.svc.Stage(context.Background(), "population", src.ID, rows[src.ID]); err != nil {
			t.Fatal(err)
		}
	}
	return counts
}

// addressQuery answers a person's golden address and its source row.
const addressQuery = `SELECT g.v_address, s.row_key FROM basedb_g_population g
	JOIN basedb_s_population_gaj_household s ON s.id = g.i_address WHERE g.subject = ?`

// changedAddresses counts golden addresses taken from changed rows.
const changedAddresses = `SELECT COUNT(*) FROM basedb_g_population g
	JOIN basedb_s_population_gaj_household s ON s.id = g.i_address WHERE s.row_key LIKE 'HJ%-%'`

func count(t testing.TB, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestMergePopulation(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		const n = 3000
		planted := c.load(t, n)
		run, err := c.svc.Merge(ctx, "population")
		if err != nil {
			t.Fatal(err)
		}
		if run.From != 0 || run.Through == 0 {
			t.Errorf("first run = %+v, want from 0 to the last staged id", run)
		}
		bad := planted.BadRows
		// The people whose household row was quarantined have records from other sources or none.
		records := count(t, db, "SELECT COUNT(*) FROM (SELECT subject FROM basedb_s_population_gaj_household UNION SELECT subject FROM basedb_s_population_wjw_birth_death"+
			" UNION SELECT subject FROM basedb_s_population_mzj_marriage UNION SELECT subject FROM basedb_s_population_rsj_insurance) x")
		t.Logf("merged in %s", run.Took)
		for _, tc := range []struct {
			name string
			q    string
			args []any
			want int
		}{
			{"quarantined rows", "SELECT COUNT(*) FROM basedb_quarantine WHERE db = 'population'", nil, bad},
			{"records", "SELECT COUNT(*) FROM basedb_g_population", nil, records},
			{"same-time disputes", "SELECT COUNT(*) FROM basedb_disputes WHERE kind = ?", []any{basedb.KindSameTime}, planted.SameTime},
			{"death before payment", "SELECT COUNT(*) FROM basedb_disputes WHERE kind = 'death_before_payment'", nil, planted.DeathPaid},
		} {
			if got := count(t, db, tc.q, tc.args...); got != tc.want {
				t.Errorf("%s = %d, want %d", tc.name, got, tc.want)
			}
		}
		if planted.SameTime == 0 || planted.DeathPaid == 0 || bad == 0 {
			t.Fatalf("planted %+v: the fixture plants nothing", planted)
		}

		// The priority rule at the same business time: 公安 wins the birth date over 卫健.
		p := basedb.Person(501)
		auth := c.login("xzsp.consumer")
		r, err := c.svc.Record(ctx, auth, "population", p.Key)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]basedb.Value{}
		for _, v := range r.Values {
			got[v.Attr] = v
		}
		if v := got["birth_date"]; v.Value != p.Birth || v.Source != basedb.SrcHousehold || v.RowKey != "HJ501" || v.BusinessTime.IsZero() || v.ArrivedAt.IsZero() {
			t.Errorf("birth_date = %+v, want %s from %s row HJ501 with its times", v, p.Birth, basedb.SrcHousehold)
		}
		if r.Masked || r.Key != p.Key || got["name"].Value != p.Name {
			t.Errorf("record for the authority = %+v, want it in clear", r)
		}

		// Incremental: only the changes; the newer business time wins, the
		// late row with an older business time loses.
		changes := basedb.SyntheticChanges(n, 100, now)
		if _, err := c.svc.Stage(ctx, "population", basedb.SrcHousehold, changes); err != nil {
			t.Fatal(err)
		}
		run2, err := c.svc.Merge(ctx, "population")
		if err != nil {
			t.Fatal(err)
		}
		if run2.From != run.Through || run2.Records != 100 {
			t.Errorf("incremental run = %+v, want from %d over 100 records", run2, run.Through)
		}
		for k, ch := range changes[:20] {
			var addr, row string
			if err := db.QueryRow(ctx, addressQuery, ch.Key).Scan(&addr, &row); err != nil {
				t.Fatal(err)
			}
			if won := addr == ch.Values[4]; won != (k%10 != 9) {
				t.Errorf("change %d (business time %s): address %q from %s, want the change to win: %v", k, ch.Time, addr, row, k%10 != 9)
			}
		}
		if run3, err := c.svc.Merge(ctx, "population"); err != nil || run3.Values != 0 || run3.From != run2.Through {
			t.Errorf("merge with nothing staged = %+v, %v, want nothing", run3, err)
		}

		// Quality scores per source and for the whole.
		if err := c.svc.ComputeScores(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		scores, err := c.svc.Scores(ctx, auth, basedb.ScoreFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var household, whole *basedb.Score
		for i, s := range scores {
			switch s.Source {
			case basedb.SrcHousehold:
				household = &scores[i]
			case "":
				whole = &scores[i]
			}
		}
		if household == nil || whole == nil {
			t.Fatalf("scores = %+v, want the household register's and the whole's", scores)
		}
		if want := int64((n + 100 - bad) * 1000 / (n + 100)); household.Accuracy != want {
			t.Errorf("household accuracy = %d, want %d", household.Accuracy, want)
		}
		if household.Consistency >= 1000 || whole.Consistency >= 1000 || whole.Completeness >= 1000 || whole.Completeness < 500 {
			t.Errorf("scores household %+v, whole %+v: want disputes and missing values to count", household, whole)
		}
		// A department sees its own sources' scores only.
		mine, err := c.svc.Scores(ctx, c.login("rsj.approver"), basedb.ScoreFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range mine {
			if s.Source != basedb.SrcInsurance {
				t.Errorf("人社 sees the score of %q", s.Source)
			}
		}
		if len(mine) == 0 {
			t.Error("人社 sees no score of its own")
		}
		sums, err := c.svc.Databases(ctx, auth)
		if err != nil || len(sums) != 3 || sums[0].Records != int64(records) || sums[0].Quality == nil || sums[0].Quarantined != int64(bad) {
			t.Errorf("Databases = %+v, %v", sums, err)
		}
	})
}

func TestAccess(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		c.load(t, 200)
		if _, err := c.svc.Merge(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		p := basedb.Person(3)
		// Records: in clear for the authority, masked for other departments' consumers, refused to officers.
		r, err := c.svc.Record(ctx, c.login("gaj.consumer"), "population", p.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Masked || r.Key == p.Key {
			t.Errorf("record for 公安's consumer = %+v, want it masked", r)
		}
		for _, v := range r.Values {
			if v.Attr == "name" && v.Value == p.Name {
				t.Errorf("name %q in clear for another department", v.Value)
			}
		}
		for _, user := range []string{"admin", "auditor", "secadmin", "gaj.cataloger"} {
			if _, err := c.svc.Record(ctx, c.login(user), "population", p.Key); !errs.Is(err, errs.Forbidden) {
				t.Errorf("Record by %s: %v, want forbidden", user, err)
			}
		}
		if _, err := c.svc.Record(ctx, c.login("xzsp.consumer"), "population", "430202199001011234"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Record of an unknown key: %v, want not found", err)
		}
		// Verification answers match or no match, and is audited.
		for _, tc := range []struct {
			user, key, name string
			want            bool
			code            string
		}{
			{"gaj.consumer", p.Key, p.Name, true, ""},
			{"gaj.consumer", p.Key, p.Name + "某", false, ""},
			{"gaj.consumer", basedb.Person(9999).Key, p.Name, false, ""},
			{"gaj.cataloger", p.Key, p.Name, false, errs.Forbidden},
			{"admin", p.Key, p.Name, false, errs.Forbidden},
			{"gaj.consumer", p.Key, "  ", false, errs.Invalid},
		} {
			v, err := c.svc.Verify(ctx, c.login(tc.user), "population", basedb.VerifyInput{Key: tc.key, Name: tc.name})
			if tc.code != "" {
				if !errs.Is(err, tc.code) {
					t.Errorf("Verify by %s: %v, want %s", tc.user, err, tc.code)
				}
				continue
			}
			if err != nil || v.Match != tc.want {
				t.Errorf("Verify(%s, %s) = %+v, %v, want match %v", tc.key, tc.name, v, err, tc.want)
			}
		}
		entries, _, err := c.log.List(ctx, audit.Filter{Action: "basedb.verify", PageSize: 50})
		if err != nil || len(entries) < 5 {
			t.Errorf("audit of verifications: %d entries, %v", len(entries), err)
		}
		// Disputes: all for the authority, a department's own for its staff.
		all, total, err := c.svc.Disputes(ctx, c.login("xzsp.approver"), basedb.DisputeFilter{})
		if err != nil || total == 0 || len(all) != total {
			t.Fatalf("disputes for the authority: %d of %d, %v", len(all), total, err)
		}
		ins, _, err := c.svc.Disputes(ctx, c.login("rsj.approver"), basedb.DisputeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ins {
			if d.A.Source != basedb.SrcInsurance && d.B.Source != basedb.SrcInsurance {
				t.Errorf("人社 sees dispute %+v", d)
			}
			if d.Subject == all[0].Subject {
				t.Errorf("人社 sees the subject in clear")
			}
		}
		if len(ins) == 0 {
			t.Error("人社 sees none of its disputes")
		}
		// Deciding: the source's approver, within the rules.
		d := ins[0]
		if _, err := c.svc.Decide(ctx, c.login("mzj.approver"), d.ID, basedb.Confirmed, basedb.Decision{}); !errs.Is(err, errs.Forbidden) && d.A.Source != basedb.SrcCivil {
			t.Errorf("民政 decides 人社's dispute: %v", err)
		}
		if _, err := c.svc.Decide(ctx, c.login("rsj.approver"), d.ID, basedb.Rejected, basedb.Decision{}); !errs.Is(err, errs.Invalid) {
			t.Errorf("reject without a reason: %v, want invalid", err)
		}
		got, err := c.svc.Decide(ctx, c.login("rsj.approver"), d.ID, basedb.Corrected, basedb.Decision{Value: "2024-02-29"})
		if err != nil || got.State != basedb.Corrected || got.DecidedBy != "rsj.approver" {
			t.Errorf("correct = %+v, %v", got, err)
		}
		if _, err := c.svc.Decide(ctx, c.login("rsj.approver"), d.ID, basedb.Confirmed, basedb.Decision{}); !errs.Is(err, errs.Conflict) {
			t.Errorf("decide twice: %v, want conflict", err)
		}
		if due := all[0].DueAt; due.Sub(all[0].RaisedAt) < 5*24*time.Hour || due.Weekday() == time.Saturday || due.Weekday() == time.Sunday {
			t.Errorf("due %s for raised %s: want five working days", due, all[0].RaisedAt)
		}
	})
}

// TestMergeIsAtomic fails the merge between its statements: the golden
// records stay as they were and the next merge does the whole.
func TestMergeIsAtomic(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		c.load(t, 500)
		if _, err := c.svc.Merge(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		before := count(t, db, changedAddresses)
		changes := basedb.SyntheticChanges(500, 50, now)
		if _, err := c.svc.Stage(ctx, "population", basedb.SrcHousehold, changes); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("injected")
		for _, step := range []string{"values", "records", "disputes"} {
			c.svc.SetHook(func(s string) error {
				if s == step {
					return boom
				}
				return nil
			})
			if _, err := c.svc.Merge(ctx, "population"); !errors.Is(err, boom) {
				t.Fatalf("merge failing at %s: %v", step, err)
			}
			if got := count(t, db, changedAddresses); got != before {
				t.Errorf("after a failure at %s: %d changed values, want %d", step, got, before)
			}
		}
		c.svc.SetHook(nil)
		run, err := c.svc.Merge(ctx, "population")
		if err != nil || run.Records != 50 {
			t.Fatalf("resumed merge = %+v, %v", run, err)
		}
		if got := count(t, db, changedAddresses); got == before {
			t.Error("the resumed merge changed nothing")
		}
	})
}

func FuzzStageRow(f *testing.F) {
	sc := basedb.Population()
	p := basedb.Person(1)
	f.Add(p.Key, p.Name, "男", p.Birth, "430202", "本科", "已婚")
	f.Add("43020219900101123X", "", "女", "2099-01-01", "430299", "", "")
	f.Add("x", "\xff", "?", "1990-02-30", "99", "博士后", "再婚")
	f.Fuzz(func(t *testing.T, key, name, sex, birth, div, edu, marital string) {
		r := basedb.Row{Key: key, RowKey: "HJ1", Time: now, Values: []string{name, sex, birth, "汉族", "演示路1号", div, edu, marital}}
		field, why, ok := sc.Check(basedb.SrcHousehold, r, now)
		if !ok && why.IsZero() {
			t.Errorf("Check(%+v) refuses without a reason on %q", r, field)
		}
		if !ok {
			return
		}
		if err := quality.CheckIDNumber(key); err != nil {
			t.Errorf("accepted key %q: %v", key, err)
		}
		if d, err := time.Parse(time.DateOnly, birth); birth != "" && (err != nil || d.After(now)) {
			t.Errorf("accepted birth date %q", birth)
		}
		if _, found := division.Default().Lookup(div); div != "" && !found {
			t.Errorf("accepted division %q", div)
		}
	})
}
