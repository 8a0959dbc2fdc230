package demo_test

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestLoad(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	storetest.Each(t, []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, exchange.Migration, aggregation.Migration, ledger.Migration, licence.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := org.NewService(db, audit.New(db), division.Default())
		cat := catalog.NewService(db, audit.New(db), svc, nil)
		lst := lists.NewService(db, audit.New(db), svc, cat)
		cat.Negative = lst
		dir := t.TempDir()
		cat.SQLiteRoot = dir
		// Each dialect gets its own engine names: channel IDs are random, but
		// the stream and buckets are shared by the two runs.
		quar, err := exchange.OpenQuarantine(ctx, filepath.Join(t.TempDir(), "quarantine.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer quar.Close()
		eng := exchange.New(b.JS, exchange.Options{Stream: "DEMO_" + string(db.Dialect), Subject: "demo." + string(db.Dialect), Bucket: "demo_" + string(db.Dialect),
			Quarantine: quar})
		sh := sharing.NewService(db, audit.New(db), svc, cat, lst)
		agg := aggregation.NewService(db, audit.New(db), svc, cat, lst)
		var lic *licence.Service
		library := exchange.WithTarget(exchange.PlatformResolver(cat), licence.LibraryDatasource, licence.LibraryStore,
			func(ctx context.Context, dept int64, table string) error { return lic.AcceptTarget(ctx, dept, table) })
		mgr := exchange.NewManager(db, audit.New(db), svc, library, eng,
			exchange.ManagerOptions{Rules: sharing.TableDelivery{Sharing: sh}.Rules, Mandate: agg.Shape})
		agg.SetChannels(mgr)
		signer, err := ledger.NewSigner("demo.govshare.test/ledger")
		if err != nil {
			t.Fatal(err)
		}
		lg := ledger.New(db, signer, ledger.Options{})
		lg.Start()
		defer lg.Close()
		anchors := &ledger.Anchors{Log: lg, Audit: audit.New(db)}
		lic = licence.NewService(db, audit.New(db), svc, lg)
		lic.Basis = func(ctx context.Context, channel string) (licence.FeedBasis, error) {
			c, err := mgr.Channel(ctx, org.System, channel)
			return licence.FeedBasis{Channel: c.ID, Name: c.Name, MandateID: c.MandateID, ProviderID: c.ProviderID, ConsumerID: c.ConsumerID, Type: c.Target.Table}, err
		}
		for i := 0; i < 2; i++ { // the second load changes nothing
			if err := demo.Load(ctx, demo.Services{Org: svc, Catalog: cat, Lists: lst, Sharing: sh, Exchange: mgr, Aggregation: agg, Anchors: anchors, Licences: lic}, dir, io.Discard); err != nil {
				t.Fatalf("load %d: %v", i+1, err)
			}
		}
		want := 0
		for _, a := range demo.LedgerAnchors {
			want += a.N
		}
		// The licences: at least ten types, a few thousand synthetic
		// licences, each issued event anchored, plus the demo's change,
		// revocation, suspension and use.
		types, err := lic.Types(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		licences := 0
		for _, lt := range types {
			licences += lt.Licences
		}
		if fs, err := lic.Feeds(ctx, org.System); err != nil || len(fs) != 0 {
			t.Errorf("feeds seen by the platform itself: %v, %v", fs, err)
		}
		var feeds int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM licence_feeds WHERE mapping LIKE '%premises%'").Scan(&feeds); err != nil || feeds != 1 {
			t.Errorf("the demo's licence feed, mapped: %d, %v", feeds, err)
		}
		if len(types) < 10 || licences < 3000 {
			t.Errorf("%d licence types, %d licences; want at least 10 and 3000", len(types), licences)
		}
		want += licences + 4
		var synthetic int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM licences WHERE number LIKE '%演示%'").Scan(&synthetic); err != nil || synthetic != licences {
			t.Errorf("%d of %d licences are marked 演示 (%v)", synthetic, licences, err)
		}
		if size, err := lg.Size(ctx); err != nil || size != uint64(want) {
			t.Errorf("ledger size after two loads = %d, %v; want the demo's %d anchors once", size, err, want)
		}
		_, total, err := cat.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if total.Entries < 10 || total.Published < 7 || total.Mounted < 6 {
			t.Errorf("catalog counts = %+v, want at least 10 entries, 7 published, 6 mounted", total)
		}
		st, err := svc.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Regions != 10 || st.Departments != len(demo.Departments) || st.Departments < 12 {
			t.Errorf("stats = %+v, want 10 regions and %d departments", st, len(demo.Departments))
		}
		// Every role has a demo account that can log in.
		_, auditor, err := svc.Login(ctx, "auditor", demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range org.Roles {
			users, total, err := svc.Users(ctx, auditor, org.UserFilter{Role: r.Role})
			if err != nil || total == 0 {
				t.Errorf("role %s: %d users, %v", r.Role, total, err)
				continue
			}
			if _, _, err := svc.Login(ctx, users[0].Username, demo.Password, "127.0.0.1"); err != nil {
				t.Errorf("log in as %s: %v", users[0].Username, err)
			}
		}
		ds, _, err := svc.Departments(ctx, org.DepartmentFilter{PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		authority := 0
		for _, d := range ds {
			err := quality.CheckCreditCode(d.CreditCode)
			switch {
			case d.CreditCodeOverride && !errors.Is(err, quality.ErrCheckCharacter):
				t.Errorf("%s: override set but the code %s does not fail only its check character: %v", d.Name, d.CreditCode, err)
			case !d.CreditCodeOverride && err != nil:
				t.Errorf("%s: credit code %s: %v", d.Name, d.CreditCode, err)
			}
			if !strings.Contains(d.CreditCode, "DM") {
				t.Errorf("%s: credit code %s is not marked synthetic", d.Name, d.CreditCode)
			}
			if d.Kind == org.KindAuthority {
				authority++
			}
		}
		if authority != 1 {
			t.Errorf("%d data authorities, want 1", authority)
		}
		// Every workflow state is on show, and the mounted tables hold data.
		_, reviewer, err := svc.Login(ctx, "xzsp.approver", demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		res, err := cat.Search(ctx, reviewer, catalog.Query{Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{catalog.StatusPublished, catalog.StatusSubmitted, catalog.StatusDraft, catalog.StatusReturned} {
			found := false
			for _, f := range res.Facets["status"] {
				found = found || (f.Value == st && f.Count > 0)
			}
			if !found {
				t.Errorf("no demo entry is %s: %v", st, res.Facets["status"])
			}
		}
		if _, n, err := lst.Negatives(ctx, lists.NegativeFilter{State: "active"}); err != nil || n == 0 {
			t.Errorf("active negative listings: %d, %v", n, err)
		}
		// The demo channels ran once: each target holds its source's 300 rows.
		chs, n, err := mgr.Channels(ctx, org.System, exchange.ChannelFilter{})
		// Plus the licence feed's channel into the library, which runs once the platform does.
		if err != nil || n != len(demo.DemoChannels)+1 {
			t.Fatalf("demo channels: %d, %v; want %d", n, err, len(demo.DemoChannels)+1)
		}
		chs = slices.DeleteFunc(chs, func(c exchange.ChannelInfo) bool {
			return c.Name == demo.FeedName && c.Target.Datasource == licence.LibraryDatasource
		})
		// Each channel stands on a confirmed aggregation mandate of the approval
		// bureau; the population register's negative-listed address stays out.
		ms, nm, err := agg.Mandates(ctx, reviewer, aggregation.Filter{State: aggregation.Confirmed})
		if err != nil || nm != len(demo.DemoChannels)+1 {
			t.Fatalf("demo mandates: %d, %v; want %d confirmed", nm, err, len(demo.DemoChannels)+1)
		}
		for _, m := range ms {
			if m.ChannelID == "" || slices.Contains(m.Items, "address") {
				t.Errorf("mandate %+v: want a channel, and no negative-listed address", m)
			}
		}
		for _, c := range chs {
			if c.MandateID == 0 || c.GrantID != 0 {
				t.Errorf("demo channel %s: grant %d, mandate %d; want a mandate", c.Name, c.GrantID, c.MandateID)
			}
			sh, err := agg.Shape(ctx, c.MandateID, c.ConsumerID)
			if err != nil || slices.Contains(sh.Columns, "address") {
				t.Errorf("demo channel %s: shape %+v, %v; want no address", c.Name, sh, err)
			}
		}
		for _, c := range chs {
			if c.State != exchange.ChannelActive || c.Stats.Deliveries < 300 || c.Stats.LastSuccess.IsZero() || c.Stats.LagSeconds < 0 {
				t.Errorf("demo channel %s: state %s, stats %+v; want active, at least 300 deliveries, a last success and a lag", c.Name, c.State, c.Stats)
			}
		}
		// The housing fund channel set aside the rows whose ID numbers fail
		// their check digit, with the reason, and delivered the rest.
		for _, c := range chs {
			want := int64(0)
			if strings.HasPrefix(c.Name, "住房公积金") {
				want = demo.QuarantinedRows
			}
			if c.Stats.Quarantined != want {
				t.Errorf("demo channel %s quarantined %d rows, want %d", c.Name, c.Stats.Quarantined, want)
			}
			if want == 0 {
				continue
			}
			q, err := mgr.QuarantineList(ctx, org.System, c.ID, exchange.QuarantineOpen, 1, 20)
			if err != nil || q.Open != want || len(q.Items) != int(want) {
				t.Fatalf("quarantine of %s: %+v, %v; want %d open rows", c.Name, q, err, want)
			}
			for _, e := range q.Items {
				id, _ := e.Row["id_number"].(string)
				if e.Column != "id_number" || !strings.Contains(e.Reason, "check") || !strings.Contains(id, "*") {
					t.Errorf("quarantined row %+v: want id_number failing its check digit, shown masked", e)
				}
			}
		}
		cs, err := mgr.Stats(ctx, org.System)
		if err != nil || cs.City.Channels != len(demo.DemoChannels)+1 || cs.City.Deliveries < 900 {
			t.Errorf("exchange stats = %+v, %v; want %d channels and at least 900 deliveries", cs.City, err, len(demo.DemoChannels))
		}
		// Applications in every state the console shows, one overdue, and grants.
		apps, count, err := sh.Applications(ctx, reviewer, sharing.ApplicationFilter{Box: "all", PageSize: 100})
		if err != nil || count < 5 {
			t.Fatalf("demo applications: %d, %v; want at least 5", count, err)
		}
		states, overdue := map[string]int{}, 0
		for _, a := range apps {
			states[a.State]++
			if a.Overdue {
				overdue++
			}
		}
		for _, st := range []string{sharing.StateApproved, sharing.StateProvider, sharing.StateAuthority, sharing.StateReturned} {
			if states[st] == 0 {
				t.Errorf("no demo application is %s: %v", st, states)
			}
		}
		if _, n, err := sh.Applications(ctx, reviewer, sharing.ApplicationFilter{Box: "all", Overdue: true}); err != nil || n == 0 || overdue == 0 {
			t.Errorf("overdue applications: %d (listed %d), %v; want one", n, overdue, err)
		}
		if _, n, err := sh.Grants(ctx, reviewer, sharing.GrantFilter{State: sharing.GrantActive}); err != nil || n < 2 {
			t.Errorf("active demo grants: %d, %v; want the approved one and the one granted at once", n, err)
		}
		if n, err := audit.New(db).Verify(ctx); err != nil || n == 0 {
			t.Errorf("audit chain after demo load: %d, %v", n, err)
		}
	})
}
