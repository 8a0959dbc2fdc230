package aggregation_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// city is the demo city with the aggregation service and an exchange
// manager (not started) that asks it for its mandates' shapes.
type city struct {
	agg   *aggregation.Service
	mgr   *exchange.Manager
	lists *lists.Service
	log   *audit.Log
	codes map[string]string // department key → the code of its entry mounted on its table
	store string            // path of the authority's shared store (SQLite)
	login func(string) org.Principal
}

func newCity(t testing.TB, db *store.DB, e *exchange.Engine) city {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	orgs := org.NewService(db, log, division.Default())
	cat := catalog.NewService(db, log, orgs, nil)
	lst := lists.NewService(db, log, orgs, cat)
	cat.Negative = lst
	dir := t.TempDir()
	cat.SQLiteRoot = dir
	if err := demo.Load(ctx, demo.Services{Org: orgs, Catalog: cat, Lists: lst}, dir, io.Discard); err != nil {
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
	agg := aggregation.NewService(db, log, orgs, cat, lst)
	mgr := exchange.NewManager(db, log, orgs, exchange.PlatformResolver(cat), e, exchange.ManagerOptions{Mandate: agg.Shape})
	agg.SetChannels(mgr)
	// The authority's shared store.
	path := demo.DatabasePath(dir, "xzsp")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	if _, err := cat.CreateDatasource(ctx, login("xzsp.node"), catalog.Datasource{Name: "xzsp-共享库", Driver: "sqlite", DSN: path}); err != nil {
		t.Fatal(err)
	}
	codes := map[string]string{}
	res, err := cat.Search(ctx, org.System, catalog.Query{Status: catalog.StatusPublished, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Items {
		if r, err := cat.Reader(ctx, h.Code, catalog.MountTable); err == nil {
			switch r.Mount.Table {
			case "population":
				codes["gaj"] = h.Code
			case "housing_fund":
				codes["gjj"] = h.Code
			}
		}
	}
	if codes["gaj"] == "" || codes["gjj"] == "" {
		t.Fatalf("demo entries not found: %v", codes)
	}
	return city{agg: agg, mgr: mgr, lists: lst, log: log, codes: codes, store: path, login: login}
}

func fieldOf(err error, field string) bool {
	var e *errs.Error
	return errors.As(err, &e) && !e.Fields[field].IsZero()
}

// TestMandates runs mandates through their states on SQLite and
// PostgreSQL: who may create, confirm, refuse and revoke them, what the
// negative list lets travel, and that the channel delivers only the
// mandated items and stops when the mandate is revoked.
func TestMandates(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ms := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, exchange.Migration, aggregation.Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := string(db.Dialect)
		c := newCity(t, db, exchange.New(b.JS, exchange.Options{Stream: "AGG_" + d, Subject: "agg." + d, Bucket: "agg_" + d}))
		n := 0
		input := func(edit func(*aggregation.Input)) aggregation.Input {
			n++
			in := aggregation.Input{EntryCode: c.codes["gaj"], Items: []string{"name", "gender", "birth_date"},
				Target: exchange.TableRef{Datasource: "xzsp-共享库", Table: "population_" + string(rune('a'+n))}, Mode: exchange.Full,
				Schedule: "0 2 * * *", Basis: "《政务数据共享管理办法》（测试）"}
			if edit != nil {
				edit(&in)
			}
			return in
		}
		count := func() int {
			var k int
			if err := db.QueryRow(ctx, "SELECT count(*) FROM aggregation_mandates").Scan(&k); err != nil {
				t.Fatal(err)
			}
			return k
		}
		cases := []struct {
			name  string
			user  string
			in    aggregation.Input
			code  string // "" for success
			field string
		}{
			{"the authority's approver", "xzsp.approver", input(nil), "", ""},
			{"the authority's cataloger", "xzsp.cataloger", input(nil), errs.Forbidden, ""},
			{"the system admin", org.AdminUsername, input(nil), errs.Forbidden, ""},
			{"the provider's approver", "gaj.approver", input(nil), errs.Forbidden, ""},
			{"another department's node operator", "gaj.node", input(nil), errs.Forbidden, ""},
			{"a negative-listed item", "xzsp.approver", input(func(in *aggregation.Input) { in.Items = append(in.Items, "address") }), errs.Forbidden, ""},
			{"an unknown item", "xzsp.approver", input(func(in *aggregation.Input) { in.Items = []string{"salary"} }), errs.Invalid, "items"},
			{"no items", "xzsp.approver", input(func(in *aggregation.Input) { in.Items = nil }), errs.Invalid, "items"},
			{"a target of another department", "xzsp.approver", input(func(in *aggregation.Input) { in.Target.Datasource = "gaj-业务库" }), errs.Invalid, "target.datasource"},
			{"an unknown entry", "xzsp.approver", input(func(in *aggregation.Input) { in.EntryCode = "nothing" }), errs.Invalid, "entry_code"},
			{"incremental without an update time", "xzsp.approver", input(func(in *aggregation.Input) {
				in.EntryCode, in.Items, in.Mode = c.codes["gjj"], []string{"amount"}, exchange.Incremental
			}), errs.Invalid, "mode"},
			{"full and continuous", "xzsp.approver", input(func(in *aggregation.Input) { in.Schedule = exchange.Continuous }), errs.Invalid, "schedule"},
			{"a bad schedule", "xzsp.approver", input(func(in *aggregation.Input) { in.Schedule = "daily" }), errs.Invalid, "schedule"},
			{"a platform source other than the entry's mount", "xzsp.approver", input(func(in *aggregation.Input) {
				in.Source = &exchange.TableRef{Datasource: "gaj-业务库", Table: "population"}
			}), errs.Invalid, "source.node_id"},
			{"a source on an unknown node", "xzsp.approver", input(func(in *aggregation.Input) {
				in.Source = &exchange.TableRef{NodeID: "999", Datasource: "src", Table: "population"}
			}), errs.Invalid, "source"},
			{"no basis", "xzsp.approver", input(func(in *aggregation.Input) { in.Basis = " " }), errs.Invalid, "basis"},
		}
		var first aggregation.Mandate
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := count()
				m, err := c.agg.Create(ctx, c.login(tc.user), tc.in)
				if tc.code == "" {
					if err != nil {
						t.Fatalf("Create: %v", err)
					}
					if m.State != aggregation.Pending || m.ChannelID != "" || m.ProviderName != "株洲市公安局" || m.AuthorityName != "株洲市行政审批服务局" {
						t.Errorf("Create = %+v, want pending, no channel, from 公安局 to 审批局", m)
					}
					first = m
					return
				}
				if got := errs.CodeOf(err); got != tc.code {
					t.Fatalf("Create: %s (%v), want %s", got, err, tc.code)
				}
				if tc.field != "" && !fieldOf(err, tc.field) {
					t.Errorf("Create: %v, want a problem with %s", err, tc.field)
				}
				if after := count(); after != before {
					t.Errorf("a refused Create wrote a mandate")
				}
			})
		}
		if first.ID == 0 {
			t.Fatal("no mandate created")
		}
		if _, err := c.agg.Create(ctx, c.login("xzsp.approver"), input(func(in *aggregation.Input) { in.Target = first.Target })); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a second mandate to the same target: %v, want conflict", err)
		}

		// Who sees it.
		for _, s := range []struct {
			user string
			n    int
		}{{"xzsp.approver", 1}, {"xzsp.node", 1}, {"gaj.cataloger", 1}, {"bdc.cataloger", 0}, {org.AdminUsername, 0}} {
			if _, got, err := c.agg.Mandates(ctx, c.login(s.user), aggregation.Filter{}); err != nil || got != s.n {
				t.Errorf("%s sees %d mandates (%v), want %d", s.user, got, err, s.n)
			}
			if _, err := c.agg.Mandate(ctx, c.login(s.user), first.ID); (err == nil) != (s.n > 0) {
				t.Errorf("%s: Mandate = %v, want visible %v", s.user, err, s.n > 0)
			}
		}

		// Only the provider's approver confirms; the channel comes then.
		for _, d := range []struct{ user, code string }{{"xzsp.approver", errs.Forbidden}, {"gaj.node", errs.Forbidden}, {"bdc.approver", errs.NotFound},
			{org.AdminUsername, errs.NotFound}} {
			if _, err := c.agg.Confirm(ctx, c.login(d.user), first.ID); errs.CodeOf(err) != d.code {
				t.Errorf("%s confirms: %v, want %s", d.user, err, d.code)
			}
		}
		if ids, _ := c.mgr.ChannelsOfMandate(ctx, first.ID); len(ids) != 0 {
			t.Fatalf("a pending mandate has channels %v", ids)
		}
		if _, err := c.agg.Shape(ctx, first.ID, first.AuthorityID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a pending mandate's shape: %v, want forbidden", err)
		}
		m, err := c.agg.Confirm(ctx, c.login("gaj.approver"), first.ID)
		if err != nil {
			t.Fatalf("Confirm: %v", err)
		}
		ch, err := c.mgr.Channel(ctx, c.login("gaj.node"), m.ChannelID)
		if err != nil || m.State != aggregation.Confirmed || ch.MandateID != m.ID || ch.GrantID != 0 || ch.ConsumerID != m.AuthorityID || ch.CreatedBy != org.System.Username {
			t.Fatalf("after Confirm: %+v, channel %+v, %v; want confirmed, a channel on the mandate created by the platform", m, ch, err)
		}
		if _, err := c.agg.Confirm(ctx, c.login("gaj.approver"), first.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("confirm twice: %v, want conflict", err)
		}

		// The channel carries the mandated items in clear, the key hashed,
		// and nothing else.
		sh, err := c.agg.Shape(ctx, m.ID, m.AuthorityID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"id_number", "name", "gender", "birth_date"}; !slices.Equal(sh.Columns, want) || sh.Mask["id_number"] != mask.Hash || len(sh.Mask) != 1 {
			t.Errorf("Shape = %+v, want columns %v with only the key hashed", sh, want)
		}
		if _, err := c.agg.Shape(ctx, m.ID, m.ProviderID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("shape for another consumer: %v, want forbidden", err)
		}
		if err := c.mgr.SyncNow(ctx, m.ChannelID); err != nil {
			t.Fatalf("SyncNow: %v", err)
		}
		sdb, err := sql.Open("sqlite", "file:"+c.store)
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var cols []string
		rows, err := sdb.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", m.Target.Table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var col string
			rows.Scan(&col)
			cols = append(cols, col)
		}
		rows.Close()
		var delivered int
		sdb.QueryRow("SELECT count(*) FROM " + m.Target.Table).Scan(&delivered)
		if !slices.Equal(cols, []string{"id_number", "name", "gender", "birth_date"}) || delivered != 300 {
			t.Errorf("target table: columns %v, %d rows; want the mandated items and the key, 300 rows", cols, delivered)
		}

		// A listing that allows aggregation lets its item travel; one that
		// does not keeps it out.
		gajCat, xzsp := c.login("gaj.cataloger"), c.login("xzsp.approver")
		if _, err := c.lists.ProposeNegative(ctx, gajCat, lists.NegativeInput{EntryCode: c.codes["gaj"], Items: []string{"gender"}, Basis: "测试依据",
			AllowAggregation: true}); !fieldOf(err, "aggregation_basis") {
			t.Errorf("allowing aggregation without its basis: %v, want a problem with aggregation_basis", err)
		}
		for _, l := range []struct {
			item  string
			allow bool
		}{{"gender", true}, {"birth_date", false}} {
			in := lists.NegativeInput{EntryCode: c.codes["gaj"], Items: []string{l.item}, Basis: "测试依据"}
			if l.allow {
				in.AllowAggregation, in.AggregationBasis = true, "《政务数据归集规定》（测试）"
			}
			neg, err := c.lists.ProposeNegative(ctx, gajCat, in)
			if err != nil {
				t.Fatal(err)
			}
			if neg.AllowAggregation != l.allow {
				t.Errorf("listing %s: allow_aggregation %v, want %v", l.item, neg.AllowAggregation, l.allow)
			}
			if _, err := c.lists.ConfirmNegative(ctx, xzsp, neg.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.agg.Create(ctx, xzsp, input(func(in *aggregation.Input) { in.Items = []string{"name", "gender"} })); err != nil {
			t.Errorf("a listed item whose listing allows aggregation: %v", err)
		}
		if _, err := c.agg.Create(ctx, xzsp, input(func(in *aggregation.Input) { in.Items = []string{"name", "birth_date"} })); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a listed item whose listing does not allow aggregation: %v, want forbidden", err)
		}
		// The confirmed mandate loses birth_date from the next batch on.
		if sh, err := c.agg.Shape(ctx, m.ID, m.AuthorityID); err != nil || slices.Contains(sh.Columns, "birth_date") || !slices.Contains(sh.Columns, "gender") {
			t.Errorf("Shape after listing birth_date = %+v, %v; want it left out, gender kept", sh, err)
		}

		// Refusal: with a reason, by the provider's approver.
		other, err := c.agg.Create(ctx, xzsp, input(func(in *aggregation.Input) { in.Items = []string{"name"} }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.agg.Refuse(ctx, c.login("gaj.approver"), other.ID, " "); !fieldOf(err, "reason") {
			t.Errorf("refuse without a reason: %v", err)
		}
		if got, err := c.agg.Refuse(ctx, c.login("gaj.approver"), other.ID, "数据口径不一致"); err != nil || got.State != aggregation.Refused {
			t.Errorf("Refuse = %+v, %v", got, err)
		}
		if _, err := c.agg.Confirm(ctx, c.login("gaj.approver"), other.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("confirm a refused mandate: %v, want conflict", err)
		}

		// Revocation by either side stops the channel, and its shape fails.
		if _, err := c.agg.Revoke(ctx, c.login("bdc.approver"), m.ID, "x"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another department revokes: %v, want not found", err)
		}
		if _, err := c.agg.Revoke(ctx, c.login("gaj.cataloger"), m.ID, "x"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the provider's cataloger revokes: %v, want forbidden", err)
		}
		if got, err := c.agg.Revoke(ctx, xzsp, m.ID, "归集方式调整"); err != nil || got.State != aggregation.Revoked {
			t.Fatalf("Revoke = %+v, %v", got, err)
		}
		if ch, _ := c.mgr.Channel(ctx, c.login("gaj.node"), m.ChannelID); ch.State != exchange.ChannelRevoked {
			t.Errorf("after Revoke the channel is %s, want revoked", ch.State)
		}
		if _, err := c.agg.Shape(ctx, m.ID, m.AuthorityID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a revoked mandate's shape: %v, want forbidden", err)
		}

		// Every decision and refusal is in the audit log.
		for _, q := range []struct{ action, outcome string }{{"aggregation.mandate.create", audit.Success}, {"aggregation.mandate.create", audit.Denied},
			{"aggregation.mandate.confirm", audit.Success}, {"aggregation.mandate.confirm", audit.Denied}, {"aggregation.mandate.refuse", audit.Success},
			{"aggregation.mandate.revoke", audit.Success}, {"channel.revoke", audit.Success}} {
			if _, k, err := c.log.List(ctx, audit.Filter{Action: q.action, Outcome: q.outcome}); err != nil || k == 0 {
				t.Errorf("audit %s %s: %d entries, %v", q.action, q.outcome, k, err)
			}
		}
	})
}

// FuzzInput checks that no input makes Create panic or accept a mandate
// an approver of the authority could not have asked for.
func FuzzInput(f *testing.F) {
	f.Add("3010100000001", "name,gender", "xzsp-共享库", "t", "full", "0 2 * * *", "依据")
	f.Add("", "", "", "", "", "", "")
	f.Add("x", ",,,", "../..", "a;b", "incremental", "CRON_TZ=UTC * * * * *", "\x00")
	db := storetest.Open(f, filepath.Join(f.TempDir(), "fuzz.db"), []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration,
		exchange.Migration, aggregation.Migration})
	c := newCity(f, db, nil)
	p := c.login("xzsp.approver")
	f.Fuzz(func(t *testing.T, code, items, ds, table, mode, schedule, basis string) {
		its := splitComma(items)
		m, err := c.agg.Create(context.Background(), p, aggregation.Input{EntryCode: code, Items: its, Target: exchange.TableRef{Datasource: ds, Table: table},
			Mode: mode, Schedule: schedule, Basis: basis})
		if err == nil && (m.State != aggregation.Pending || m.AuthorityID != p.DepartmentID || len(m.Items) == 0) {
			t.Errorf("Create accepted %+v", m)
		}
		if err != nil && errs.CodeOf(err) == errs.Internal {
			t.Errorf("Create: internal error %v", err)
		}
	})
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
