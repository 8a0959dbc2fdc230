package sharing_test

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo/demotest"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var testMigrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration}

// world is the demo city with the sharing service and a clock the test
// moves (w.Now).
type world struct{ *demotest.City }

func newWorld(t *testing.T, db *store.DB) *world { return &world{demotest.New(t, db)} }

// wantCode fails unless err carries code (or is nil when code is "").
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	switch {
	case code == "" && err != nil:
		t.Fatalf("%s: %v", what, err)
	case code != "" && !errs.Is(err, code):
		t.Fatalf("%s: got %v, want a %s error", what, err, code)
	}
}

func (w *world) denials(action string) int {
	w.T.Helper()
	_, n, err := w.Log.List(w.Ctx, audit.Filter{Action: action, Outcome: audit.Denied})
	if err != nil {
		w.T.Fatal(err)
	}
	return n
}

// apply files a conditional application of rsj for the population register.
func (w *world) apply(delivery string, items ...string) sharing.Application {
	w.T.Helper()
	in := sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: items,
		Purpose: "核验参保人员身份", Basis: "《社会保险法》第五十七条（测试）", Scenario: "社保参保登记", Delivery: delivery}
	if delivery == sharing.DeliveryTable {
		in.Target = &sharing.Target{Datasource: "rsj-业务库", Table: "人口信息"}
	}
	a, err := w.Sharing.Apply(w.Ctx, w.User("rsj.consumer"), in)
	if err != nil {
		w.T.Fatalf("apply: %v", err)
	}
	return a
}

// grantPopulation takes an application for the population register through
// both approvals.
func (w *world) grantPopulation(delivery string, items ...string) sharing.Grant {
	w.T.Helper()
	a := w.apply(delivery, items...)
	if _, err := w.Sharing.Approve(w.Ctx, w.User("gaj.approver"), a.ID, nil, "同意"); err != nil {
		w.T.Fatal(err)
	}
	a, err := w.Sharing.Approve(w.Ctx, w.User("xzsp.approver"), a.ID, nil, "同意")
	if err != nil {
		w.T.Fatal(err)
	}
	g, err := w.Sharing.Grant(w.Ctx, w.User("rsj.consumer"), a.GrantID)
	if err != nil {
		w.T.Fatal(err)
	}
	return g
}

func TestApplicationWorkflow(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx, rsj := w.Ctx, w.User("rsj.consumer")
		in := func(code string, items ...string) sharing.ApplicationInput {
			return sharing.ApplicationInput{EntryCode: code, Items: items, Purpose: "核验", Basis: "依据（测试）", Scenario: "场景", Delivery: sharing.DeliveryAPI}
		}

		// Refusals: negative-listed item, unshared entry, own entry, no consumer role.
		before := w.denials("application.create")
		_, err := w.Sharing.Apply(ctx, rsj, in(w.Code["gaj"], "id_number", "address"))
		wantCode(t, "a negative-listed item", err, errs.Forbidden)
		if !strings.Contains(err.Error(), "负面清单") {
			t.Errorf("the refusal should give the negative list's basis: %v", err)
		}
		_, err = w.Sharing.Apply(ctx, rsj, in(w.Code["cl"]))
		wantCode(t, "an unshared entry", err, errs.Forbidden)
		_, err = w.Sharing.Apply(ctx, w.User("gaj.approver"), in(w.Code["scj"]))
		wantCode(t, "an approver without the consumer role", err, errs.Forbidden)
		if got := w.denials("application.create") - before; got != 3 {
			t.Errorf("%d refusals audited, want 3", got)
		}
		_, err = w.Sharing.Apply(ctx, rsj, in(w.Code["gaj"], "no_such_item"))
		wantCode(t, "an unknown item", err, errs.Invalid)
		_, err = w.Sharing.Apply(ctx, rsj, sharing.ApplicationInput{EntryCode: w.Code["gaj"], Delivery: sharing.DeliveryAPI})
		wantCode(t, "no purpose, basis or scenario", err, errs.Invalid)

		// Unconditional: granted at once.
		a, err := w.Sharing.Apply(ctx, rsj, in(w.Code["scj"]))
		wantCode(t, "an unconditional entry", err, "")
		if a.State != sharing.StateApproved || a.GrantID == 0 {
			t.Fatalf("unconditional application is %s with grant %d; want approved with a grant", a.State, a.GrantID)
		}

		// Conditional: provider, then authority; each may only narrow.
		a = w.apply(sharing.DeliveryAPI, "id_number", "name", "gender")
		if a.State != sharing.StateProvider || a.StageDue == "" || !strings.Contains(a.Waiting, "公安局") {
			t.Fatalf("conditional application: state %s, due %q, waiting %q", a.State, a.StageDue, a.Waiting)
		}
		// Another department's approver cannot see the application: acting on
		// it answers 404, as reading it does, and the attempt is audited.
		for _, act := range []struct {
			name, action string
			do           func() error
		}{
			{"approve", "application.approve", func() error { _, err := w.Sharing.Approve(ctx, w.User("mzj.approver"), a.ID, nil, ""); return err }},
			{"return", "application.return", func() error { _, err := w.Sharing.Return(ctx, w.User("mzj.approver"), a.ID, "退回"); return err }},
			{"withdraw", "application.withdraw", func() error { _, err := w.Sharing.Withdraw(ctx, w.User("ybj.consumer"), a.ID, "撤回"); return err }},
			{"read", "", func() error { _, err := w.Sharing.Application(ctx, w.User("mzj.approver"), a.ID); return err }},
		} {
			before := 0
			if act.action != "" {
				before = w.denials(act.action)
			}
			err := act.do()
			wantCode(t, "another department's "+act.name, err, errs.NotFound)
			if act.action != "" && w.denials(act.action) != before+1 {
				t.Errorf("another department's %s was not audited", act.name)
			}
		}
		_, err = w.Sharing.Withdraw(ctx, w.User("gaj.approver"), a.ID, "撤回")
		wantCode(t, "the provider's approver withdrawing", err, errs.Forbidden)
		_, err = w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, nil, "")
		wantCode(t, "the authority before the provider", err, errs.Forbidden)
		_, err = w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Items: []string{"id_number", "birth_date"}}, "")
		wantCode(t, "widening the items", err, errs.Invalid)
		_, err = w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Masking: map[string]string{"id_number": "none"}}, "")
		wantCode(t, "weakening the masking", err, errs.Invalid)
		a, err = w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Items: []string{"id_number", "name"}, Masking: map[string]string{"name": "full"},
			Filter: sharing.RowFilter{{Item: "gender", Op: sharing.OpEq, Values: []string{"女"}}}}, "仅限女性（测试）")
		wantCode(t, "the provider narrows", err, "")
		if a.State != sharing.StateAuthority {
			t.Fatalf("after the provider: %s, want %s", a.State, sharing.StateAuthority)
		}
		_, err = w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, &sharing.Terms{Filter: sharing.RowFilter{}}, "")
		wantCode(t, "dropping the provider's row filter", err, errs.Invalid)
		until := w.Now.In(lists.Beijing).AddDate(0, 6, 0).Format(lists.DateFormat)
		a, err = w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, &sharing.Terms{ValidUntil: until}, "同意")
		wantCode(t, "the authority approves", err, "")
		g, err := w.Sharing.Grant(ctx, rsj, a.GrantID)
		wantCode(t, "read the grant", err, "")
		if g.State != sharing.GrantActive || !slices.Equal(g.Items, []string{"id_number", "name"}) || g.Masking["name"] != "full" ||
			g.Masking["id_number"] != "id_number" || len(g.Filter) != 1 || g.ExpiresAt.In(lists.Beijing).Format(lists.DateFormat) != w.Now.In(lists.Beijing).AddDate(0, 6, 1).Format(lists.DateFormat) {
			t.Errorf("grant %+v", g)
		}
		if n := len(a.Steps); n != 3 || a.Steps[1].Terms == nil || a.Steps[2].Actor != "xzsp.approver" {
			t.Errorf("steps: %+v", a.Steps)
		}
		if _, err := w.Sharing.Grant(ctx, w.User("mzj.approver"), g.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("an unrelated department reads the grant: %v", err)
		}

		// Return needs a reason; withdraw only while pending and only by the applicant.
		r := w.apply(sharing.DeliveryFile)
		_, err = w.Sharing.Return(ctx, w.User("gaj.approver"), r.ID, " ")
		wantCode(t, "return without a reason", err, errs.Invalid)
		r, err = w.Sharing.Return(ctx, w.User("gaj.approver"), r.ID, "用途不明确")
		wantCode(t, "return", err, "")
		if r.State != sharing.StateReturned || r.Reason != "用途不明确" {
			t.Errorf("returned: %s %q", r.State, r.Reason)
		}
		_, err = w.Sharing.Withdraw(ctx, rsj, r.ID, "")
		wantCode(t, "withdraw a returned application", err, errs.Conflict)
		wd := w.apply(sharing.DeliveryFile)
		_, err = w.Sharing.Withdraw(ctx, w.User("ybj.consumer"), wd.ID, "")
		wantCode(t, "withdraw another department's application", err, errs.NotFound)
		wd, err = w.Sharing.Withdraw(ctx, rsj, wd.ID, "不再需要")
		wantCode(t, "withdraw", err, "")
		if wd.State != sharing.StateWithdrawn {
			t.Errorf("withdrawn: %s", wd.State)
		}

		// Renewal extends the same grant after both approvals.
		later := w.Now.In(lists.Beijing).AddDate(1, 0, 0).Format(lists.DateFormat)
		rn, err := w.Sharing.Renew(ctx, rsj, a.ID, later)
		wantCode(t, "renew", err, "")
		if rn.State != sharing.StateProvider || rn.RenewOf != a.ID {
			t.Fatalf("renewal: %s of %d", rn.State, rn.RenewOf)
		}
		w.Sharing.Approve(ctx, w.User("gaj.approver"), rn.ID, nil, "")
		rn, err = w.Sharing.Approve(ctx, w.User("xzsp.approver"), rn.ID, nil, "")
		wantCode(t, "approve the renewal", err, "")
		g2, _ := w.Sharing.Grant(ctx, rsj, rn.GrantID)
		if g2.ID != g.ID || !g2.ExpiresAt.After(g.ExpiresAt) || len(g2.Filter) != 1 {
			t.Errorf("renewed grant %d until %v (was %d until %v), filter %v", g2.ID, g2.ExpiresAt, g.ID, g.ExpiresAt, g2.Filter)
		}

		// Overdue steps are counted for the dashboard, in the queue of the
		// approver who acts on them.
		w.apply(sharing.DeliveryFile)
		overdue := func() int {
			_, n, err := w.Sharing.Applications(ctx, w.User("gaj.approver"), sharing.ApplicationFilter{Box: "review", Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := overdue(); n != 0 {
			t.Errorf("%d overdue today", n)
		}
		w.Now = w.Now.AddDate(0, 0, 10)
		if n := overdue(); n != 1 {
			t.Errorf("%d overdue ten days later, want 1", n)
		}
		mine, total, err := w.Sharing.Applications(ctx, rsj, sharing.ApplicationFilter{Box: "mine"})
		if err != nil || total != len(mine) || total < 5 {
			t.Errorf("my applications: %d of %d, %v", len(mine), total, err)
		}
		queue, _, _ := w.Sharing.Applications(ctx, w.User("gaj.approver"), sharing.ApplicationFilter{Box: "review"})
		if len(queue) != 1 || !queue[0].Overdue {
			t.Errorf("gaj's review queue: %+v", queue)
		}
	})
}

// TestPolicyCheck decides one access per case; every refusal is audited.
func TestPolicyCheck(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		api := w.grantPopulation(sharing.DeliveryAPI, "id_number", "name", "gender")
		table := w.grantPopulation(sharing.DeliveryTable, "id_number", "name")
		rsj, ybj := w.User("rsj.consumer"), w.User("ybj.consumer")
		gaj := w.Code["gaj"]
		access := func(path string, dept int64, items ...string) sharing.Access {
			return sharing.Access{Path: path, Department: dept, Actor: "test", Code: gaj, Items: items}
		}
		cases := []struct {
			name      string
			setup     func()
			access    sharing.Access
			wantErr   string
			wantItems []string
			contains  string
		}{
			{name: "every granted item", access: access(sharing.PathService, rsj.DepartmentID), wantItems: []string{"id_number", "name", "gender"}},
			{name: "items asked for by name", access: access(sharing.PathService, rsj.DepartmentID, "name"), wantItems: []string{"name"}},
			{name: "an item outside the grant", access: access(sharing.PathService, rsj.DepartmentID, "birth_date"), wantErr: errs.Forbidden, contains: "birth_date"},
			{name: "a negative-listed item", access: access(sharing.PathService, rsj.DepartmentID, "address"), wantErr: errs.Forbidden},
			{name: "another department", access: access(sharing.PathService, ybj.DepartmentID), wantErr: errs.Forbidden, contains: "no grant"},
			{name: "another department naming the grant", access: sharing.Access{Path: sharing.PathService, Department: ybj.DepartmentID, Code: gaj, GrantID: api.ID},
				wantErr: errs.Forbidden, contains: "not your department"},
			{name: "an entry without a grant", access: sharing.Access{Path: sharing.PathService, Department: rsj.DepartmentID, Code: w.Code["mzj"]}, wantErr: errs.Forbidden},
			{name: "download without a file grant", access: access(sharing.PathDownload, rsj.DepartmentID), wantErr: errs.Forbidden},
			{name: "exchange under the table grant", access: sharing.Access{Path: sharing.PathExchange, Department: rsj.DepartmentID, Code: gaj, GrantID: table.ID},
				wantItems: []string{"id_number", "name"}},
			{name: "exchange under the API grant", access: sharing.Access{Path: sharing.PathExchange, Department: rsj.DepartmentID, Code: gaj, GrantID: api.ID},
				wantErr: errs.Forbidden, contains: "delivers by api"},
			{name: "preview under the latest grant", access: access(sharing.PathPreview, rsj.DepartmentID), wantItems: []string{"id_number", "name"}},
			{name: "revoked", setup: func() {
				if _, err := w.Sharing.Revoke(ctx, w.User("gaj.approver"), table.ID, "停止共享（测试）"); err != nil {
					t.Fatal(err)
				}
			}, access: sharing.Access{Path: sharing.PathExchange, Department: rsj.DepartmentID, Code: gaj, GrantID: table.ID}, wantErr: errs.Forbidden, contains: "revoked"},
			{name: "expired", setup: func() { w.Now = w.Now.AddDate(1, 0, 2) }, access: access(sharing.PathService, rsj.DepartmentID), wantErr: errs.Forbidden, contains: "expired"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.setup != nil {
					c.setup()
				}
				before := w.denials("policy.deny")
				d, err := w.Sharing.Check(ctx, c.access)
				wantCode(t, c.name, err, c.wantErr)
				if c.wantErr != "" {
					if !strings.Contains(err.Error(), c.contains) {
						t.Errorf("error %q does not say %q", err, c.contains)
					}
					if w.denials("policy.deny") != before+1 {
						t.Errorf("the refusal was not audited")
					}
					return
				}
				if !slices.Equal(d.Items, c.wantItems) {
					t.Errorf("items %v, want %v", d.Items, c.wantItems)
				}
				for _, id := range d.Items {
					if want := map[string]string{"id_number": "id_number", "name": "name", "gender": "none"}[id]; d.Masking[id] != want {
						t.Errorf("masking of %s: %q, want the catalog default %q", id, d.Masking[id], want)
					}
				}
			})
		}

		// Withdrawing the entry from the catalog stops every grant of it.
		w.Now = time.Now()
		g := w.grantPopulation(sharing.DeliveryFile, "id_number")
		if _, err := w.Sharing.Check(ctx, sharing.Access{Path: sharing.PathDownload, Department: rsj.DepartmentID, Code: gaj}); err != nil {
			t.Fatalf("download under grant %d: %v", g.ID, err)
		}
		if _, err := w.Cat.Transition(ctx, w.User("xzsp.approver"), gaj, catalog.ActionWithdraw, "撤回（测试）"); err != nil {
			t.Fatal(err)
		}
		// Catalog changes reach the check within a second (it caches for 500 ms).
		withdrawn := time.Now()
		for {
			_, err := w.Sharing.Check(ctx, sharing.Access{Path: sharing.PathDownload, Department: rsj.DepartmentID, Code: gaj})
			if errs.Is(err, errs.Forbidden) {
				break
			}
			if err != nil || time.Since(withdrawn) > time.Second {
				t.Fatalf("a withdrawn entry is still served after %s: %v", time.Since(withdrawn), err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestPolicyCheckRevokedUnderLoad revokes a grant while checks of it run
// concurrently (those that miss the cache together share one read): no
// check begun after the revocation returned may allow the access.
func TestPolicyCheckRevokedUnderLoad(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		api := w.grantPopulation(sharing.DeliveryAPI, "id_number", "name")
		a := sharing.Access{Path: sharing.PathService, Department: w.User("rsj.consumer").DepartmentID, Actor: "test", Code: w.Code["gaj"]}
		var revoked atomic.Bool
		var allowed, allowedAfter atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				after := 0
				for after < 5 {
					was := revoked.Load()
					_, err := w.Sharing.Check(ctx, a)
					switch {
					case err == nil && was:
						allowedAfter.Add(1)
					case err == nil:
						allowed.Add(1)
					case !errs.Is(err, errs.Forbidden): // a check overlapping Revoke may be refused
						t.Errorf("check (revoked before: %v): %v", was, err)
						return
					}
					if was {
						after++
					}
				}
			})
		}
		for allowed.Load() < 50 {
			time.Sleep(time.Millisecond)
		}
		if _, err := w.Sharing.Revoke(ctx, w.User("gaj.approver"), api.ID, "停止共享（测试）"); err != nil {
			t.Fatal(err)
		}
		revoked.Store(true)
		wg.Wait()
		if n := allowedAfter.Load(); n > 0 {
			t.Errorf("%d checks begun after the revocation allowed the access", n)
		}
	})
}

// TestRevokeUnseen: revoking a grant the caller cannot see answers 404, as
// reading it does; one the caller sees but may not revoke answers 403.
func TestRevokeUnseen(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		g := w.grantPopulation(sharing.DeliveryAPI, "id_number")
		_, err := w.Sharing.Grant(w.Ctx, w.User("mzj.approver"), g.ID)
		wantCode(t, "another department reading the grant", err, errs.NotFound)
		before := w.denials("grant.revoke")
		_, err = w.Sharing.Revoke(w.Ctx, w.User("mzj.approver"), g.ID, "撤销（测试）")
		wantCode(t, "another department revoking the grant", err, errs.NotFound)
		if strings.Contains(errs.Message(err), "公安局") {
			t.Errorf("the refusal names the provider: %v", err)
		}
		if w.denials("grant.revoke") != before+1 {
			t.Error("the attempt was not audited")
		}
		_, err = w.Sharing.Revoke(w.Ctx, w.User("rsj.consumer"), g.ID, "撤销（测试）")
		wantCode(t, "the consumer revoking its own grant", err, errs.Forbidden)
	})
}
