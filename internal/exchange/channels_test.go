package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// demoCity loads the demo city (departments, accounts with every role,
// each department's SQLite datasource) and returns a channel manager over
// it, not started, and a login function.
func demoCity(t *testing.T, db *store.DB, engine ...*exchange.Engine) (*exchange.Manager, *audit.Log, map[string]int64, func(string) org.Principal) {
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
	ds, _, err := orgs.Departments(ctx, org.DepartmentFilter{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, d := range ds {
		for _, dd := range demo.Departments {
			if dd.Name == d.Name {
				ids[dd.Key] = d.ID
			}
		}
	}
	login := func(user string) org.Principal {
		t.Helper()
		_, p, err := orgs.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	var e *exchange.Engine
	if len(engine) > 0 {
		e = engine[0]
	}
	return exchange.NewManager(db, log, orgs, exchange.PlatformResolver(cat), e, exchange.ManagerOptions{StatsEvery: 500 * time.Millisecond,
		Mandate: mandateShape}), log, ids, login
}

// Aggregation mandates of the tests' channels, standing in for
// internal/aggregation's check (tested there): mandate 1 delivers the whole
// population table, as a confirmed mandate naming every item does;
// mandate 2 was revoked.
const (
	mandatePopulation int64 = 1
	mandateRevoked    int64 = 2
)

func mandateShape(ctx context.Context, mandate, consumer int64) (*exchange.Shape, error) {
	if mandate != mandatePopulation {
		return nil, &errs.Error{Code: errs.Forbidden, Message: fmt.Sprintf("aggregation mandate %d was revoked", mandate)}
	}
	return &exchange.Shape{Columns: []string{"id_number", "name", "gender", "birth_date", "address", "updated_at"}}, nil
}

// TestChannels creates, lists, operates and stops channels on SQLite and
// PostgreSQL, and checks who may do what; refusals are audited.
func TestChannels(t *testing.T) {
	ms := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, exchange.Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, log, ids, login := demoCity(t, db)
		n := 0
		input := func(edit func(*exchange.ChannelInput)) exchange.ChannelInput {
			n++ // a basis's channel to the same target is answered again, not created: each case has its own target
			in := exchange.ChannelInput{Name: "户籍人口 → 市场监管局", ProviderID: ids["gaj"], ConsumerID: ids["scj"],
				Source: exchange.TableRef{Datasource: "gaj-业务库", Table: "population"}, Target: exchange.TableRef{Datasource: "scj-业务库", Table: fmt.Sprintf("gaj_population_%d", n)},
				Watermark: "updated_at", Mode: exchange.FullThenIncremental, MandateID: mandatePopulation}
			if edit != nil {
				edit(&in)
			}
			return in
		}
		const platform = "" // org.System: the sharing or aggregation flow
		cases := []struct {
			name  string
			user  string
			in    exchange.ChannelInput
			code  string // "" for success
			field string // the field an Invalid error names
		}{
			{"the platform, for a mandate", platform, input(nil), "", ""},
			{"the platform, for a mandate, on a schedule", platform, input(func(in *exchange.ChannelInput) { in.Schedule = "*/15 * * * *" }), "", ""},
			{"the platform, a cron channel", platform, input(func(in *exchange.ChannelInput) { in.Mode, in.Schedule = exchange.Full, "0 3 * * 1-5" }), "", ""},
			// Nobody else creates a channel, with or without a basis.
			{"system admin (moves no business data)", org.AdminUsername, input(nil), errs.Forbidden, ""},
			{"system admin, no basis", org.AdminUsername, input(func(in *exchange.ChannelInput) { in.MandateID = 0 }), errs.Forbidden, ""},
			{"provider's node operator", "gaj.node", input(nil), errs.Forbidden, ""},
			{"consumer's node operator", "scj.node", input(nil), errs.Forbidden, ""},
			{"data authority's node operator", "xzsp.node", input(nil), errs.Forbidden, ""},
			{"provider's node operator into another department", "gaj.node", input(func(in *exchange.ChannelInput) {
				in.ConsumerID, in.Target.Datasource, in.MandateID = ids["bdc"], "bdc-业务库", 0
			}), errs.Forbidden, ""},
			{"a grant's channel, not by the platform", org.AdminUsername, input(func(in *exchange.ChannelInput) { in.GrantID, in.MandateID = 7, 0 }), errs.Forbidden, ""},
			{"another department's node operator", "bdc.node", input(nil), errs.Forbidden, ""},
			{"provider's cataloger", "gaj.cataloger", input(nil), errs.Forbidden, ""},
			{"data authority's approver", "xzsp.approver", input(nil), errs.Forbidden, ""},
			// The platform too needs a basis, and writes only into the consumer's datasource.
			{"the platform, no basis", platform, input(func(in *exchange.ChannelInput) { in.MandateID = 0 }), errs.Invalid, "grant_id"},
			{"the platform, two bases", platform, input(func(in *exchange.ChannelInput) { in.GrantID = 7 }), errs.Invalid, "grant_id"},
			{"a target datasource of another department", platform, input(func(in *exchange.ChannelInput) { in.Target.Datasource = "bdc-业务库" }), errs.Invalid, "target"},
			{"a node-hosted source", platform, input(func(in *exchange.ChannelInput) { in.Source.NodeID = "node-1" }), errs.Invalid, "source"},
			{"a datasource of another department", platform, input(func(in *exchange.ChannelInput) { in.Source.Datasource = "scj-业务库" }), errs.Invalid, "source"},
			{"a missing table", platform, input(func(in *exchange.ChannelInput) { in.Source.Table = "nothing" }), errs.Invalid, "source"},
			{"a bad cron expression", platform, input(func(in *exchange.ChannelInput) { in.Schedule = "every day" }), errs.Invalid, "schedule"},
			{"a cron expression of 6 fields", platform, input(func(in *exchange.ChannelInput) { in.Schedule = "0 0 2 * * *" }), errs.Invalid, "schedule"},
			{"full and continuous", platform, input(func(in *exchange.ChannelInput) { in.Mode = exchange.Full }), errs.Invalid, "schedule"},
			{"incremental without a watermark", platform, input(func(in *exchange.ChannelInput) { in.Watermark = "" }), errs.Invalid, "watermark"},
			{"a watermark the table lacks", platform, input(func(in *exchange.ChannelInput) { in.Watermark = "changed" }), errs.Invalid, "watermark"},
			{"key columns other than the primary key", platform, input(func(in *exchange.ChannelInput) { in.KeyColumns = []string{"name"} }), errs.Invalid, "key_columns"},
			{"an unknown mode", platform, input(func(in *exchange.ChannelInput) { in.Mode = "mirror" }), errs.Invalid, "mode"},
			{"no name", platform, input(func(in *exchange.ChannelInput) { in.Name = " " }), errs.Invalid, "name"},
			{"no provider", platform, input(func(in *exchange.ChannelInput) { in.ProviderID = 0 }), errs.Invalid, "provider_id"},
			{"no provider, not the platform", "gaj.cataloger", input(func(in *exchange.ChannelInput) { in.ProviderID = 0 }), errs.Forbidden, ""},
		}
		var created []exchange.ChannelInfo
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, by := org.System, org.System.Username
				if c.user != platform {
					p, by = login(c.user), c.user
				}
				var before int
				db.QueryRow(ctx, "SELECT count(*) FROM exchange_channels").Scan(&before)
				ch, err := m.Create(ctx, p, c.in)
				if c.code == "" {
					if err != nil {
						t.Fatalf("Create: %v", err)
					}
					if ch.State != exchange.ChannelActive || ch.CreatedBy != by || len(ch.KeyColumns) == 0 || ch.ProviderName == "" || ch.Stats.LagSeconds != -1 ||
						ch.MandateID != mandatePopulation {
						t.Errorf("Create = %+v, want active, created by %s, with the key, names, its mandate and no lag yet", ch, by)
					}
					if ch.Schedule != exchange.Continuous && ch.NextRun.IsZero() {
						t.Errorf("cron channel %s has no next run", ch.Schedule)
					}
					created = append(created, ch)
					return
				}
				if got := errs.CodeOf(err); got != c.code {
					t.Fatalf("Create: code %s (%v), want %s", got, err, c.code)
				}
				if c.field != "" {
					var e *errs.Error
					if !errorsAs(err, &e) || e.Fields[c.field].IsZero() {
						t.Errorf("Create: %v, want a problem with %s", err, c.field)
					}
				}
				var after int
				db.QueryRow(ctx, "SELECT count(*) FROM exchange_channels").Scan(&after)
				if after != before {
					t.Errorf("a refused Create wrote a channel: %d channels, were %d", after, before)
				}
			})
		}
		if len(created) != 3 {
			t.Fatalf("created %d channels, want 3", len(created))
		}
		if _, err := m.Create(ctx, org.System, input(func(in *exchange.ChannelInput) { in.Source.NodeID = "node-1" })); !strings.Contains(err.Error(), "node") {
			t.Errorf("node-hosted source: %v, want an error naming the node", err)
		}
		ch := created[0]

		// Who sees what.
		seen := []struct {
			user string
			n    int
		}{{org.AdminUsername, 3}, {"xzsp.approver", 3}, {"gaj.cataloger", 3}, {"scj.consumer", 3}, {"bdc.cataloger", 0}, {"auditor", 0}}
		for _, s := range seen {
			_, n, err := m.Channels(ctx, login(s.user), exchange.ChannelFilter{})
			if err != nil || n != s.n {
				t.Errorf("%s sees %d channels (%v), want %d", s.user, n, err, s.n)
			}
			_, err = m.Channel(ctx, login(s.user), ch.ID)
			if (err == nil) != (s.n > 0) {
				t.Errorf("%s: Channel = %v, want visible %v", s.user, err, s.n > 0)
			}
		}
		if _, n, _ := m.Channels(ctx, login(org.AdminUsername), exchange.ChannelFilter{Query: "gaj_pop", State: exchange.ChannelActive}); n != 3 {
			t.Errorf("query by table: %d, want 3", n)
		}
		if _, n, _ := m.Channels(ctx, login(org.AdminUsername), exchange.ChannelFilter{Department: ids["bdc"]}); n != 0 {
			t.Errorf("filter by department: %d, want 0", n)
		}

		// Operations and their states.
		ops := []struct {
			name string
			user string
			op   func(p org.Principal) (exchange.ChannelInfo, error)
			code string
			want string
		}{
			{"cataloger pauses", "gaj.cataloger", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Pause(ctx, p, ch.ID, "") }, errs.Forbidden, ""},
			{"other department pauses", "bdc.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Pause(ctx, p, ch.ID, "") }, errs.NotFound, ""},
			{"system admin runs (moves no data)", org.AdminUsername, func(p org.Principal) (exchange.ChannelInfo, error) { return m.Run(ctx, p, ch.ID) }, errs.Forbidden, ""},
			{"system admin pauses (stops a flow)", org.AdminUsername, func(p org.Principal) (exchange.ChannelInfo, error) { return m.Pause(ctx, p, ch.ID, "事件处置") }, "", exchange.ChannelPaused},
			{"system admin resumes", org.AdminUsername, func(p org.Principal) (exchange.ChannelInfo, error) { return m.Resume(ctx, p, ch.ID) }, errs.Forbidden, ""},
			{"resume after the admin's pause", "gaj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Resume(ctx, p, ch.ID) }, "", exchange.ChannelActive},
			{"resume an active channel", "gaj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Resume(ctx, p, ch.ID) }, errs.Conflict, ""},
			{"run", "scj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Run(ctx, p, ch.ID) }, "", exchange.ChannelActive},
			{"pause", "scj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Pause(ctx, p, ch.ID, "目标库维护") }, "", exchange.ChannelPaused},
			{"run a paused channel", "gaj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Run(ctx, p, ch.ID) }, errs.Conflict, ""},
			{"resume", "gaj.node", func(p org.Principal) (exchange.ChannelInfo, error) { return m.Resume(ctx, p, ch.ID) }, "", exchange.ChannelActive},
			{"a missing channel", org.AdminUsername, func(p org.Principal) (exchange.ChannelInfo, error) { return m.Run(ctx, p, "ch-000000000000") }, errs.NotFound, ""},
		}
		for _, o := range ops {
			got, err := o.op(login(o.user))
			if o.code != "" {
				if errs.CodeOf(err) != o.code {
					t.Errorf("%s: %v, want %s", o.name, err, o.code)
				}
				continue
			}
			if err != nil || got.State != o.want {
				t.Errorf("%s: state %s, %v; want %s", o.name, got.State, err, o.want)
			}
		}
		if got, _ := m.Channel(ctx, login(org.AdminUsername), created[1].ID); got.State != exchange.ChannelActive {
			t.Errorf("another channel is %s", got.State)
		}

		// The sharing flow stops a grant's channel as the system.
		if err := m.Stop(ctx, org.System, ch.ID, "授权已撤销"); err != nil {
			t.Fatal(err)
		}
		if err := m.Stop(ctx, org.System, ch.ID, "again"); err != nil {
			t.Errorf("Stop twice: %v", err)
		}
		got, _ := m.Channel(ctx, login(org.AdminUsername), ch.ID)
		if got.State != exchange.ChannelRevoked || got.Reason != "授权已撤销" {
			t.Errorf("after Stop: %s %q, want revoked with the reason", got.State, got.Reason)
		}
		if _, err := m.Resume(ctx, login("gaj.node"), ch.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("resume a revoked channel: %v, want conflict", err)
		}
		grant := input(func(in *exchange.ChannelInput) { in.GrantID, in.MandateID = 42, 0; in.Target.Table = "grant_42" })
		g, err := m.Create(ctx, org.System, grant)
		if err != nil {
			t.Fatalf("Create as the system for a grant: %v", err)
		}
		if again, err := m.Create(ctx, org.System, grant); err != nil || again.ID != g.ID {
			t.Errorf("Create for the grant again = %s, %v; want the same channel %s", again.ID, err, g.ID)
		}
		if ids, err := m.ChannelsOfGrant(ctx, 42); err != nil || len(ids) != 1 || ids[0] != g.ID {
			t.Errorf("ChannelsOfGrant = %v, %v; want [%s]", ids, err, g.ID)
		}

		// Statistics start at zero and count every channel.
		st, err := m.Stats(ctx, login("bdc.cataloger"))
		if err != nil || st.City.Channels != 4 || st.City.Active != 3 || st.City.Deliveries != 0 || len(st.Departments) != 2 {
			t.Errorf("Stats = %+v, %v; want 4 channels, 3 active, 2 departments", st, err)
		}

		// Refusals and operations are in the audit log.
		for _, q := range []struct{ action, outcome string }{{"channel.create", audit.Denied}, {"channel.pause", audit.Denied}, {"channel.create", audit.Success},
			{"channel.pause", audit.Success}, {"channel.revoke", audit.Success}, {"channel.read", audit.Denied}} {
			if _, n, err := log.List(ctx, audit.Filter{Action: q.action, Outcome: q.outcome}); err != nil || n == 0 {
				t.Errorf("audit %s %s: %d entries, %v", q.action, q.outcome, n, err)
			}
		}
	})
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }

// TestManagerRuns starts the manager on SQLite and PostgreSQL platform
// state: a continuous channel and a cron channel run, their statistics are
// written, and pausing stops the continuous one.
func TestManagerRuns(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ms := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, exchange.Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := string(db.Dialect)
		e := exchange.New(b.JS, exchange.Options{Stream: "RUNS_" + d, Subject: "runs." + d, Bucket: "runs_" + d, Poll: 500 * time.Millisecond})
		m, _, ids, login := demoCity(t, db, e)
		admin, op := login(org.AdminUsername), login("gaj.node")
		mk := func(table, schedule string) exchange.ChannelInfo {
			c, err := m.Create(ctx, org.System, exchange.ChannelInput{MandateID: mandatePopulation, Name: table, ProviderID: ids["gaj"], ConsumerID: ids["scj"],
				Source: exchange.TableRef{Datasource: "gaj-业务库", Table: "population"}, Target: exchange.TableRef{Datasource: "scj-业务库", Table: table},
				Watermark: "updated_at", Mode: exchange.FullThenIncremental, Schedule: schedule, BatchSize: 50})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		cont, cron := mk("follow", exchange.Continuous), mk("nightly", "0 2 * * *")
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Shutdown()
		if _, err := m.Run(ctx, op, cron.ID); err != nil {
			t.Fatal(err)
		}
		wait := func(id, what string, cond func(exchange.ChannelInfo) bool) exchange.ChannelInfo {
			t.Helper()
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				c, err := m.Channel(ctx, admin, id)
				if err != nil {
					t.Fatal(err)
				}
				if cond(c) {
					return c
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never happened: %+v", what, c)
				}
			}
		}
		for _, id := range []string{cont.ID, cron.ID} {
			c := wait(id, "300 rows delivered", func(c exchange.ChannelInfo) bool {
				return c.Stats.Deliveries >= 300 && !c.Stats.LastSuccess.IsZero() && c.Stats.LagSeconds >= 0 && c.Stats.Batches >= 6
			})
			if c.State != exchange.ChannelActive || c.Stats.Bytes == 0 {
				t.Errorf("%s: %+v", c.Name, c)
			}
		}
		wait(cont.ID, "following", func(c exchange.ChannelInfo) bool { return c.Stats.Running && c.Stats.Progress == nil })
		if c := wait(cron.ID, "idle until its time", func(c exchange.ChannelInfo) bool { return !c.Stats.Running }); c.NextRun.IsZero() {
			t.Errorf("cron channel has no next run")
		}
		if _, err := m.Pause(ctx, admin, cont.ID, "维护"); err != nil {
			t.Fatal(err)
		}
		wait(cont.ID, "stopped", func(c exchange.ChannelInfo) bool { return !c.Stats.Running })
		samples, err := m.Samples(ctx, admin, cont.ID, time.Now().Add(-time.Hour))
		if err != nil || len(samples) == 0 || samples[len(samples)-1].Rows == 0 && len(samples) == 1 {
			t.Errorf("samples = %+v, %v", samples, err)
		}
		st, err := m.Stats(ctx, admin)
		if err != nil || st.City.Deliveries < 600 || st.City.Paused != 1 {
			t.Errorf("stats = %+v, %v", st.City, err)
		}
	})
}

// TestMigrationPausesChannelsWithoutBasis upgrades a database whose
// channels were created before every channel needed a basis: the one with
// no grant is paused with the reason "no basis" and cannot be resumed; the
// grant's channel keeps running.
func TestMigrationPausesChannelsWithoutBasis(t *testing.T) {
	old := map[string]bool{}
	for _, d := range []string{"sqlite", "postgres"} {
		old["sql/"+d+"/001_channels.sql"] = true
	}
	first := fstest.MapFS{}
	if err := fs.WalkDir(exchange.Migration.FS, "sql", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !old[path] {
			return err
		}
		b, err := fs.ReadFile(exchange.Migration.FS, path)
		first[path] = &fstest.MapFile{Data: b}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, {Domain: "exchange", FS: first}}
	storetest.Each(t, before, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, _, ids, login := demoCity(t, db)
		now := store.FormatTime(time.Now())
		for _, c := range []struct {
			id    string
			grant int64
		}{{"ch-000000000001", 0}, {"ch-000000000002", 42}} {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO exchange_channels (id, name, provider_id, consumer_id, source_datasource, source_table, target_datasource,
					target_table, mode, schedule, state, grant_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'gaj-业务库', 'population', 'ybj-业务库', 'population',
					'full', '0 2 * * *', 'active', ?, ?, ?)`, c.id, c.id, ids["gaj"], ids["ybj"], c.grant, now, now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx, exchange.Migration); err != nil {
			t.Fatal(err)
		}
		admin := login(org.AdminUsername)
		got, err := m.Channel(ctx, admin, "ch-000000000001")
		if err != nil || got.State != exchange.ChannelPaused || got.Reason != exchange.NoBasisReason {
			t.Errorf("a channel without a basis after the migration: %s %q, %v; want paused, no basis", got.State, got.Reason, err)
		}
		if _, err := m.Resume(ctx, org.System, got.ID); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("resume a channel without a basis: %v, want conflict", err)
		}
		if got, _ := m.Channel(ctx, admin, "ch-000000000002"); got.State != exchange.ChannelActive {
			t.Errorf("a grant's channel after the migration: %s, want active", got.State)
		}
	})
}
