package lists_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var testMigrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration}

// world is the demo city with a catalog whose publishing consults the lists,
// and a clock the test moves.
type world struct {
	t    *testing.T
	ctx  context.Context
	db   *store.DB
	log  *audit.Log
	org  *org.Service
	cat  *catalog.Service
	svc  *lists.Service
	now  time.Time
	dept map[string]int64 // demo key → department ID

	authority org.Principal // 行政审批服务局 approver: the data authority
	outsider  org.Principal // 民政局 approver: reviews, but not for the authority
	consumer  org.Principal // 公安局 consumer
	gaj       org.Principal // 公安局 cataloger
	scj       org.Principal // 市场监管局 cataloger
	auditor   org.Principal // platform auditor: no department
}

// monday is 2026-03-02 10:00 China Standard Time, a Monday.
var monday = time.Date(2026, 3, 2, 10, 0, 0, 0, lists.Beijing)

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(db, log, o, nil)
	w := &world{t: t, ctx: ctx, db: db, log: log, org: o, cat: cat, now: monday, dept: map[string]int64{}}
	w.svc = lists.NewService(db, log, o, cat)
	w.svc.SetClock(func() time.Time { return w.now })
	cat.Negative = w.svc
	login := func(user string) org.Principal {
		_, p, err := o.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	w.authority, w.outsider, w.consumer = login("xzsp.approver"), login("mzj.approver"), login("gaj.consumer")
	w.gaj, w.scj, w.auditor = login("gaj.cataloger"), login("scj.cataloger"), login("auditor")
	ds, _, err := o.Departments(ctx, org.DepartmentFilter{PageSize: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		for _, dd := range demo.Departments {
			if dd.Name == d.Name {
				w.dept[dd.Key] = d.ID
			}
		}
	}
	t.Cleanup(func() {
		if n, err := log.Verify(context.Background()); err != nil {
			t.Errorf("audit chain after %d entries: %v", n, err)
		}
	})
	return w
}

// entityItems are the items of an entry about legal entities.
var entityItems = []catalog.Item{
	{Name: "统一社会信用代码", Identifier: "credit_code", DataType: "string", Length: 18, Key: true},
	{Name: "名称", Identifier: "name", DataType: "string", Length: 100},
	{Name: "法定代表人身份证号", Identifier: "legal_id_number", DataType: "string", Length: 18},
}

// personItems are the items of an entry about people.
var personItems = []catalog.Item{
	{Name: "公民身份号码", Identifier: "id_number", DataType: "string", Length: 18, Key: true},
	{Name: "姓名", Identifier: "name", DataType: "string", Length: 50},
	{Name: "户籍地址", Identifier: "address", DataType: "string", Length: 200},
}

// entry registers a draft entry of p's department and returns its code; its
// items are entityItems unless others are given.
func (w *world) entry(p org.Principal, name, share string, category string, items ...catalog.Item) string {
	w.t.Helper()
	if items == nil {
		items = entityItems
	}
	items = slices.Clone(items) // Create normalises the items in place
	e := catalog.Entry{
		Name: name, Summary: "演示资源：" + name, Category: category, CategoryItem: "01", CategorySubItem: "001",
		Format: "database", ShareType: share, OpenType: "closed", UpdateCycle: "daily", Items: items,
	}
	switch share {
	case catalog.ShareConditional:
		e.ShareCondition = "仅用于政务服务办理"
	case catalog.ShareNone:
		e.ShareBasis = "《中华人民共和国个人信息保护法》"
	}
	created, err := w.cat.Create(w.ctx, p, e)
	if err != nil {
		w.t.Fatalf("create entry %s: %v", name, err)
	}
	return created.Code
}

// approve takes an entry through submit and approve.
func (w *world) approve(p org.Principal, code string) {
	w.t.Helper()
	if _, err := w.cat.Transition(w.ctx, p, code, catalog.ActionSubmit, ""); err != nil {
		w.t.Fatalf("submit %s: %v", code, err)
	}
	if _, err := w.cat.Transition(w.ctx, w.authority, code, catalog.ActionApprove, ""); err != nil {
		w.t.Fatalf("approve %s: %v", code, err)
	}
}

func (w *world) transition(code, action string) {
	w.t.Helper()
	if _, err := w.cat.Transition(w.ctx, w.authority, code, action, "测试"); err != nil {
		w.t.Fatalf("%s %s: %v", action, code, err)
	}
}

// published registers, approves and publishes an entry of p's department.
func (w *world) published(p org.Principal, name, share, category string, items ...catalog.Item) string {
	w.t.Helper()
	code := w.entry(p, name, share, category, items...)
	w.approve(p, code)
	w.transition(code, catalog.ActionPublish)
	return code
}

func (w *world) mount(p org.Principal, code string) {
	w.t.Helper()
	if _, err := w.cat.AddMount(w.ctx, p, code, catalog.Mount{Kind: catalog.MountFile, Paths: []string{"/srv/exchange/" + strings.ReplaceAll(code, "/", "_") + ".csv"}}); err != nil {
		w.t.Fatalf("mount %s: %v", code, err)
	}
}

// denials counts the denied audit entries of an action.
func (w *world) denials(action string) int {
	w.t.Helper()
	_, n, err := w.log.List(w.ctx, audit.Filter{Action: action, Outcome: audit.Denied, PageSize: 1})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// check compares an error with the wanted code and, for invalid input, the
// field it names.
func check(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return
	}
	if !errs.Is(err, code) {
		t.Fatalf("%s: err = %v, want %s", name, err, code)
	}
	if field != "" {
		if _, _, fields := errs.Public(err); fields[field] == "" {
			t.Fatalf("%s: fields = %v, want a problem with %s", name, fields, field)
		}
	}
}

func TestLists(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		// Stats runs first: it counts everything in the world.
		t.Run("stats", func(t *testing.T) { testStats(t, w) })
		t.Run("demand lifecycle", func(t *testing.T) { testDemandLifecycle(t, w) })
		t.Run("demand overdue", func(t *testing.T) { testDemandOverdue(t, w) })
		t.Run("suggestions", func(t *testing.T) { testSuggest(t, w) })
		t.Run("negative list blocks publishing", func(t *testing.T) { testNegative(t, w) })
		t.Run("duty fulfilment", func(t *testing.T) { testDuty(t, w) })
		t.Run("denials", func(t *testing.T) { testDenials(t, w) })
	})
}

func demandInput(title string) lists.DemandInput {
	return lists.DemandInput{Title: title, Description: "需要企业的统一社会信用代码、名称和法定代表人", Scenario: "企业开办一件事：核验申请人提交的营业执照信息",
		Basis: "《优化营商环境条例》第三十五条"}
}

func testDemandLifecycle(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	d, err := w.svc.CreateDemand(ctx, w.consumer, demandInput("企业营业执照信息"))
	if err != nil {
		t.Fatal(err)
	}
	if d.State != lists.StateOpen || d.RequesterID != w.dept["gaj"] || d.RequesterName != "株洲市公安局" || d.CreatedBy != "gaj.consumer" {
		t.Fatalf("created %+v", d)
	}
	if d.Due != "2026-03-16" || d.WorkingDays != 0 || d.Overdue {
		t.Errorf("due %s, %d working days, overdue %v; want 2026-03-16, 0, false", d.Due, d.WorkingDays, d.Overdue)
	}
	unpublished := w.entry(w.scj, "市场主体登记信息（草稿）", catalog.ShareConditional, "base")
	creates := []struct {
		name        string
		p           org.Principal
		in          lists.DemandInput
		code, field string
	}{
		{"a cataloger states a demand for its department", w.scj, demandInput("食品经营许可信息"), "", ""},
		{"the legal basis is required", w.consumer, lists.DemandInput{Title: "x", Description: "y", Scenario: "z"}, errs.Invalid, "basis"},
		{"the title is required", w.consumer, lists.DemandInput{Description: "y", Scenario: "z", Basis: "b"}, errs.Invalid, "title"},
		{"the title is at most 100 characters", w.consumer, lists.DemandInput{Title: strings.Repeat("长", 101), Description: "y", Scenario: "z", Basis: "b"}, errs.Invalid, "title"},
		{"the wanted entry must exist", w.consumer, lists.DemandInput{Title: "x", Description: "y", Scenario: "z", Basis: "b", WantedCode: "101001/999999"}, errs.Invalid, "wanted_code"},
		{"another department's draft is not visible", w.consumer, lists.DemandInput{Title: "x", Description: "y", Scenario: "z", Basis: "b", WantedCode: unpublished}, errs.Invalid, "wanted_code"},
		{"an approver does not state demands", w.outsider, demandInput("x"), errs.Forbidden, ""},
		{"an officer has no department", w.auditor, demandInput("x"), errs.Forbidden, ""},
	}
	for _, tt := range creates {
		_, err := w.svc.CreateDemand(ctx, tt.p, tt.in)
		check(t, tt.name, err, tt.code, tt.field)
	}

	w.now = monday.Add(26 * time.Hour) // Tuesday
	steps := []struct {
		name        string
		do          func() (lists.Demand, error)
		code, field string
		state, res  string
	}{
		{"the requester cannot assign", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.consumer, d.ID, w.dept["scj"], "") }, errs.Forbidden, "", "", ""},
		{"a non-authority approver cannot assign", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.outsider, d.ID, w.dept["scj"], "") }, errs.Forbidden, "", "", ""},
		{"assigning needs a provider", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.authority, d.ID, 0, "") }, errs.Invalid, "provider_id", "", ""},
		{"assigning to an unknown department", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.authority, d.ID, 99999, "") }, errs.Invalid, "provider_id", "", ""},
		{"an unknown demand", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.authority, 99999, w.dept["scj"], "") }, errs.NotFound, "", "", ""},
		{"the authority assigns", func() (lists.Demand, error) {
			return w.svc.AssignDemand(ctx, w.authority, d.ID, w.dept["scj"], "请市场监管局编目并发布")
		}, "", "", lists.StateAssigned, ""},
		{"another provider's cataloger cannot close", func() (lists.Demand, error) { return w.svc.CloseDemand(ctx, w.gaj, d.ID, unpublished) }, errs.Forbidden, "", "", ""},
		{"the requester cannot close", func() (lists.Demand, error) { return w.svc.CloseDemand(ctx, w.consumer, d.ID, unpublished) }, errs.Forbidden, "", "", ""},
		{"closing needs an entry code", func() (lists.Demand, error) { return w.svc.CloseDemand(ctx, w.scj, d.ID, " ") }, errs.Invalid, "entry_code", "", ""},
		{"closing needs an existing entry", func() (lists.Demand, error) { return w.svc.CloseDemand(ctx, w.scj, d.ID, "101001/999999") }, errs.Invalid, "entry_code", "", ""},
		{"closing needs a published entry", func() (lists.Demand, error) { return w.svc.CloseDemand(ctx, w.scj, d.ID, unpublished) }, errs.Invalid, "entry_code", "", ""},
		{"the assigned provider closes with its published entry", func() (lists.Demand, error) {
			w.approve(w.scj, unpublished)
			w.transition(unpublished, catalog.ActionPublish)
			return w.svc.CloseDemand(ctx, w.scj, d.ID, unpublished)
		}, "", "", lists.StateClosed, lists.Satisfied},
		{"a closed demand cannot be rejected", func() (lists.Demand, error) { return w.svc.RejectDemand(ctx, w.authority, d.ID, "重复") }, errs.Conflict, "", "", ""},
		{"a closed demand cannot be assigned", func() (lists.Demand, error) { return w.svc.AssignDemand(ctx, w.authority, d.ID, w.dept["gaj"], "") }, errs.Conflict, "", "", ""},
	}
	for _, st := range steps {
		got, err := st.do()
		check(t, st.name, err, st.code, st.field)
		if st.code == "" && (got.State != st.state || got.Resolution != st.res) {
			t.Fatalf("%s: state %s/%s, want %s/%s", st.name, got.State, got.Resolution, st.state, st.res)
		}
	}
	got, err := w.svc.Demand(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProviderName != "株洲市市场监督管理局" || got.AssignNote != "请市场监管局编目并发布" || got.EntryCode != unpublished || got.EntryName != "市场主体登记信息（草稿）" ||
		got.ClosedAt.IsZero() || got.WorkingDays != 1 || got.Overdue {
		t.Errorf("closed demand = %+v", got)
	}
	w.now = monday.AddDate(0, 1, 0) // long after: a closed demand is never overdue and its age stops
	if got, _ := w.svc.Demand(ctx, d.ID); got.Overdue || got.WorkingDays != 1 {
		t.Errorf("a month later: overdue %v, %d working days; want false, 1", got.Overdue, got.WorkingDays)
	}

	// The authority rejects a demand straight from open, with a reason.
	w.now = monday
	r, err := w.svc.CreateDemand(ctx, w.consumer, demandInput("全市人口全量数据"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.RejectDemand(ctx, w.authority, r.ID, "  ")
	check(t, "rejecting needs a reason", err, errs.Invalid, "reason")
	_, err = w.svc.RejectDemand(ctx, w.outsider, r.ID, "超出履职需要")
	check(t, "a non-authority approver cannot reject", err, errs.Forbidden, "")
	r, err = w.svc.RejectDemand(ctx, w.authority, r.ID, "超出履职需要，请按最小必要原则重新提出")
	if err != nil || r.State != lists.StateClosed || r.Resolution != lists.Rejected || r.Reason == "" {
		t.Fatalf("reject = %+v, %v", r, err)
	}

	// Filters: the world holds other subtests' demands too, so each case
	// checks that its demand is found and that everything found matches.
	filters := []struct {
		name  string
		f     lists.DemandFilter
		want  int64
		match func(lists.Demand) bool
	}{
		{"satisfied", lists.DemandFilter{State: lists.StateClosed, Resolution: lists.Satisfied}, d.ID, func(x lists.Demand) bool { return x.Resolution == lists.Satisfied }},
		{"rejected", lists.DemandFilter{Resolution: lists.Rejected}, r.ID, func(x lists.Demand) bool { return x.Resolution == lists.Rejected }},
		{"assigned to 市场监管局", lists.DemandFilter{ProviderID: w.dept["scj"]}, d.ID, func(x lists.Demand) bool { return x.ProviderID == w.dept["scj"] }},
		{"requested by 公安局", lists.DemandFilter{RequesterID: w.dept["gaj"], PageSize: 200}, r.ID, func(x lists.Demand) bool { return x.RequesterID == w.dept["gaj"] }},
	}
	for _, tt := range filters {
		ds, total, err := w.svc.Demands(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range ds {
			found = found || x.ID == tt.want
			if !tt.match(x) {
				t.Errorf("%s: demand %d does not match: %+v", tt.name, x.ID, x)
			}
		}
		if !found || total < len(ds) {
			t.Errorf("%s: %v (total %d), want it to hold %d", tt.name, ids(ds), total, tt.want)
		}
	}
	if others, total, err := w.svc.Demands(ctx, lists.DemandFilter{RequesterID: w.dept["scj"]}); err != nil || total != 1 || others[0].Title != "食品经营许可信息" {
		t.Errorf("demands of 市场监管局 = %+v (%d), %v", others, total, err)
	}
	entries, _, err := w.log.List(ctx, audit.Filter{Action: "list.demand.", Outcome: audit.Success, Q: fmt.Sprintf("demand:%d", d.ID), PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if fmt.Sprint(actions) != "[list.demand.close list.demand.assign list.demand.create]" {
		t.Errorf("audited actions of demand %d: %v", d.ID, actions)
	}
}

// ids lists the IDs of demands, duties or negative listings.
func ids[T lists.Demand | lists.Duty | lists.Negative](xs []T) []int64 {
	out := []int64{}
	for _, x := range xs {
		switch v := any(x).(type) {
		case lists.Demand:
			out = append(out, v.ID)
		case lists.Duty:
			out = append(out, v.ID)
		case lists.Negative:
			out = append(out, v.ID)
		}
	}
	return out
}

func testDemandOverdue(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	d, err := w.svc.CreateDemand(ctx, w.consumer, demandInput("不动产登记信息"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		now         time.Time
		workingDays int
		overdue     bool
	}{
		{"the same day", monday.Add(5 * time.Hour), 0, false},
		{"Saturday of the first week", time.Date(2026, 3, 7, 12, 0, 0, 0, lists.Beijing), 4, false},
		{"the due day, late evening", time.Date(2026, 3, 16, 23, 59, 0, 0, lists.Beijing), 10, false},
		{"the day after the due day", time.Date(2026, 3, 17, 0, 1, 0, 0, lists.Beijing), 11, true},
		{"the day after, in UTC still the due day", time.Date(2026, 3, 16, 16, 30, 0, 0, time.UTC), 11, true},
	}
	for _, tt := range tests {
		w.now = tt.now
		got, err := w.svc.Demand(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.WorkingDays != tt.workingDays || got.Overdue != tt.overdue {
			t.Errorf("%s: %d working days, overdue %v; want %d, %v", tt.name, got.WorkingDays, got.Overdue, tt.workingDays, tt.overdue)
		}
		over, _, err := w.svc.Demands(ctx, lists.DemandFilter{Overdue: true, PageSize: 200})
		if err != nil {
			t.Fatal(err)
		}
		listed := false
		for _, o := range over {
			listed = listed || o.ID == d.ID
			if !o.Overdue {
				t.Errorf("%s: demand %d is listed as overdue but is not", tt.name, o.ID)
			}
		}
		if listed != tt.overdue {
			t.Errorf("%s: listed among the overdue = %v, want %v", tt.name, listed, tt.overdue)
		}
	}
	// A holiday week (e.g. the Qingming break) moves the due day.
	w.svc.Workday = func(d time.Time) bool {
		return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !(d.Month() == 3 && d.Day() >= 9 && d.Day() <= 13)
	}
	defer func() { w.svc.Workday = nil }()
	w.now = time.Date(2026, 3, 17, 9, 0, 0, 0, lists.Beijing)
	if got, _ := w.svc.Demand(ctx, d.ID); got.Due != "2026-03-23" || got.Overdue || got.WorkingDays != 6 {
		t.Errorf("with a holiday week: due %s, overdue %v, %d working days; want 2026-03-23, false, 6", got.Due, got.Overdue, got.WorkingDays)
	}
	if _, err := w.svc.RejectDemand(ctx, w.authority, d.ID, "测试完毕"); err != nil {
		t.Fatal(err)
	}
}

func TestDue(t *testing.T) {
	s := &lists.Service{DemandDays: 10}
	tests := []struct {
		name    string
		created time.Time
		due     string
	}{
		{"Monday", monday, "2026-03-16"},
		{"Friday evening", time.Date(2026, 3, 6, 18, 0, 0, 0, lists.Beijing), "2026-03-20"},
		{"Saturday", time.Date(2026, 3, 7, 9, 0, 0, 0, lists.Beijing), "2026-03-20"},
		{"late Sunday in UTC is Monday in lists.Beijing", time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC), "2026-03-16"},
	}
	for _, tt := range tests {
		if got := s.Due(tt.created).Format(lists.DateFormat); got != tt.due {
			t.Errorf("%s: Due = %s, want %s", tt.name, got, tt.due)
		}
		// The cut-off agrees with Due on every day around it.
		for h := 0; h < 24*30; h += 7 {
			now := tt.created.Add(time.Duration(h) * time.Hour)
			byDue := lists.Day(now).After(s.Due(tt.created))
			byCutoff := tt.created.Before(s.OverdueCutoff(now))
			if byDue != byCutoff {
				t.Fatalf("%s at %s: overdue by due day %v, by cut-off %v", tt.name, now, byDue, byCutoff)
			}
		}
	}
	never := &lists.Service{DemandDays: 10, Workday: func(time.Time) bool { return false }}
	if got := never.WorkingDays(monday, monday.AddDate(0, 1, 0)); got != 0 {
		t.Errorf("no working days: WorkingDays = %d", got)
	}
	never.Due(monday) // returns rather than loops
	never.OverdueCutoff(monday)
}

func TestMatchQueries(t *testing.T) {
	texts := lists.MatchQueries("企业营业执照信息", "需要统一社会信用代码、企业名称和法定代表人的信息")
	want := "[企业营业执照信息:8 企业营业执照:4 统一社会信用代码:2 企业名称:2 法定代表人:2 企业:1 业营:1 营业:1 业执:1 执照:1]"
	if fmt.Sprint(texts) != want {
		t.Errorf("MatchQueries = %v\nwant %s", texts, want)
	}
}

func testSuggest(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	licence := w.published(w.scj, "营业执照信息", catalog.ShareConditional, "base")
	w.published(w.gaj, "户籍人口基本信息", catalog.ShareUnconditional, "base", personItems...)
	food := w.published(w.scj, "食品经营许可证信息", catalog.ShareUnconditional, "base")
	d, err := w.svc.CreateDemand(ctx, w.consumer, demandInput("企业营业执照信息"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.Suggest(ctx, w.consumer, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].Code != licence || got[0].Route != lists.RouteReply {
		t.Fatalf("suggestions = %+v; want %s first, to be replied to by the provider", got, licence)
	}
	for _, s := range got {
		if s.Name == "户籍人口基本信息" {
			t.Errorf("an unrelated entry is suggested: %+v", s)
		}
	}
	// The wanted entry comes first; an entry on the negative list is refused with its basis.
	in := demandInput("食品经营许可")
	in.WantedCode = food
	d2, err := w.svc.CreateDemand(ctx, w.consumer, in)
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.svc.ProposeNegative(ctx, w.scj, lists.NegativeInput{EntryCode: food, Basis: "《食品安全法》第一百一十八条"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ConfirmNegative(ctx, w.authority, n.ID); err != nil {
		t.Fatal(err)
	}
	got, err = w.svc.Suggest(ctx, w.consumer, d2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].Code != food || !got[0].Wanted || got[0].Route != lists.RouteRefuse || got[0].Basis != "《食品安全法》第一百一十八条" {
		t.Fatalf("suggestions = %+v; want %s first, refused with its basis", got, food)
	}
	if _, err := w.svc.RejectNegative(ctx, w.authority, n.ID, "测试完毕"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Suggest(ctx, w.consumer, 99999); !errs.Is(err, errs.NotFound) {
		t.Errorf("suggestions for an unknown demand: %v", err)
	}
}

func testNegative(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	code := w.entry(w.gaj, "在逃人员信息", catalog.ShareConditional, "departmental")
	w.approve(w.gaj, code)
	const basis = "《中华人民共和国反恐怖主义法》第四十八条"
	proposals := []struct {
		name        string
		p           org.Principal
		in          lists.NegativeInput
		code, field string
	}{
		{"another department's cataloger cannot propose", w.scj, lists.NegativeInput{EntryCode: code, Basis: basis}, errs.Forbidden, ""},
		{"a consumer cannot propose", w.consumer, lists.NegativeInput{EntryCode: code, Basis: basis}, errs.Forbidden, ""},
		{"the basis is required", w.gaj, lists.NegativeInput{EntryCode: code, Basis: "  "}, errs.Invalid, "basis"},
		{"the entry must exist", w.gaj, lists.NegativeInput{EntryCode: "301001/999999", Basis: basis}, errs.Invalid, "entry_code"},
		{"items must be the entry's", w.gaj, lists.NegativeInput{EntryCode: code, Items: []string{"name", "blood_type"}, Basis: basis}, errs.Invalid, "items"},
	}
	for _, tt := range proposals {
		_, err := w.svc.ProposeNegative(ctx, tt.p, tt.in)
		check(t, tt.name, err, tt.code, tt.field)
	}
	whole, err := w.svc.ProposeNegative(ctx, w.gaj, lists.NegativeInput{EntryCode: code, Basis: basis})
	if err != nil || whole.State != lists.NegativeProposed || !whole.WholeEntry() || whole.ProviderName != "株洲市公安局" {
		t.Fatalf("propose = %+v, %v", whole, err)
	}
	_, err = w.svc.ProposeNegative(ctx, w.gaj, lists.NegativeInput{EntryCode: code, Basis: basis})
	check(t, "the same listing twice", err, errs.Conflict, "")
	items, err := w.svc.ProposeNegative(ctx, w.gaj, lists.NegativeInput{EntryCode: code, Items: []string{"legal_id_number", " name", "name"}, Basis: "《个人信息保护法》"})
	if err != nil || fmt.Sprint(items.Items) != "[legal_id_number name]" || items.WholeEntry() {
		t.Fatalf("propose items = %+v, %v", items, err)
	}
	if _, blocked, _ := w.svc.Blocked(ctx, code); blocked {
		t.Fatal("a proposal blocks publishing before it is confirmed")
	}
	steps := []struct {
		name string
		do   func() (lists.Negative, error)
		code string
		want string
	}{
		{"a non-authority approver cannot confirm", func() (lists.Negative, error) { return w.svc.ConfirmNegative(ctx, w.outsider, whole.ID) }, errs.Forbidden, ""},
		{"the proposer cannot confirm", func() (lists.Negative, error) { return w.svc.ConfirmNegative(ctx, w.gaj, whole.ID) }, errs.Forbidden, ""},
		{"the authority confirms", func() (lists.Negative, error) { return w.svc.ConfirmNegative(ctx, w.authority, whole.ID) }, "", lists.NegativeActive},
		{"confirming twice", func() (lists.Negative, error) { return w.svc.ConfirmNegative(ctx, w.authority, whole.ID) }, errs.Conflict, ""},
		{"the authority confirms the item listing", func() (lists.Negative, error) { return w.svc.ConfirmNegative(ctx, w.authority, items.ID) }, "", lists.NegativeActive},
	}
	for _, st := range steps {
		got, err := st.do()
		check(t, st.name, err, st.code, "")
		if st.code == "" && got.State != st.want {
			t.Fatalf("%s: state %s, want %s", st.name, got.State, st.want)
		}
	}
	if b, blocked, err := w.svc.Blocked(ctx, code); err != nil || !blocked || b != basis {
		t.Fatalf("Blocked = %q, %v, %v", b, blocked, err)
	}
	if m, err := w.svc.Items(ctx, code); err != nil || fmt.Sprint(m) != "map[legal_id_number:《个人信息保护法》 name:《个人信息保护法》]" {
		t.Fatalf("Items = %v, %v", m, err)
	}
	_, err = w.cat.Transition(ctx, w.authority, code, catalog.ActionPublish, "")
	if !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), basis) {
		t.Fatalf("publishing a listed entry: %v; want a conflict citing %s", err, basis)
	}
	_, err = w.svc.RejectNegative(ctx, w.authority, whole.ID, "")
	check(t, "lifting needs a reason", err, errs.Invalid, "reason")
	lifted, err := w.svc.RejectNegative(ctx, w.authority, whole.ID, "经复核，可按有条件共享提供")
	if err != nil || lifted.State != lists.NegativeRejected || lifted.ReviewedBy != "xzsp.approver" {
		t.Fatalf("lift = %+v, %v", lifted, err)
	}
	if _, blocked, _ := w.svc.Blocked(ctx, code); blocked {
		t.Fatal("a lifted listing still blocks")
	}
	// Item-level listings are reported but do not block.
	if _, err := w.cat.Transition(ctx, w.authority, code, catalog.ActionPublish, ""); err != nil {
		t.Fatalf("publishing after the listing is lifted: %v", err)
	}
	_, err = w.svc.RejectNegative(ctx, w.authority, whole.ID, "再次")
	check(t, "rejecting a rejected listing", err, errs.Conflict, "")
	ns, total, err := w.svc.Negatives(ctx, lists.NegativeFilter{EntryCode: code})
	if err != nil || total != 2 || fmt.Sprint(ids(ns)) != fmt.Sprint([]int64{items.ID, whole.ID}) {
		t.Errorf("Negatives(code) = %v (%d), %v", ids(ns), total, err)
	}
	if ns, _, _ := w.svc.Negatives(ctx, lists.NegativeFilter{State: lists.NegativeActive, ProviderID: w.dept["gaj"]}); fmt.Sprint(ids(ns)) != fmt.Sprint([]int64{items.ID}) {
		t.Errorf("active listings of 公安局 = %v", ids(ns))
	}
	// A proposal rejected outright.
	scjCode := w.entry(w.scj, "抽检不合格企业名单", catalog.ShareUnconditional, "thematic")
	p, err := w.svc.ProposeNegative(ctx, w.scj, lists.NegativeInput{EntryCode: scjCode, Basis: "内部规定"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := w.svc.RejectNegative(ctx, w.authority, p.ID, "内部规定不是法律、行政法规依据"); err != nil || r.State != lists.NegativeRejected {
		t.Fatalf("reject proposal = %+v, %v", r, err)
	}
}

func testDuty(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	creates := []struct {
		name        string
		p           org.Principal
		in          lists.DutyInput
		code, field string
	}{
		{"a cataloger cannot record duties", w.gaj, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "2026-04-01"}, errs.Forbidden, ""},
		{"a non-authority approver cannot", w.outsider, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "2026-04-01"}, errs.Forbidden, ""},
		{"the deadline is a date", w.authority, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "下月底"}, errs.Invalid, "deadline"},
		{"the deadline is not past", w.authority, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "2026-03-01"}, errs.Invalid, "deadline"},
		{"the category is one of three", w.authority, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "2026-04-01", Category: "other"}, errs.Invalid, "category"},
		{"the provider exists", w.authority, lists.DutyInput{Title: "x", ProviderID: 99999, Deadline: "2026-04-01"}, errs.Invalid, "provider_id"},
		{"the title is required", w.authority, lists.DutyInput{ProviderID: w.dept["gaj"], Deadline: "2026-04-01"}, errs.Invalid, "title"},
	}
	for _, tt := range creates {
		_, err := w.svc.CreateDuty(ctx, tt.p, tt.in)
		check(t, tt.name, err, tt.code, tt.field)
	}
	d, err := w.svc.CreateDuty(ctx, w.authority, lists.DutyInput{Title: "编目并发布户籍人口信息", Description: "全市户籍人口基础信息，按日更新", Category: "基础信息资源",
		ProviderID: w.dept["gaj"], Deadline: "2026-03-31"})
	if err != nil || d.Category != "base" || d.Fulfilled || d.Overdue || d.ProviderName != "株洲市公安局" {
		t.Fatalf("create duty = %+v, %v", d, err)
	}
	draft := w.entry(w.gaj, "户籍人口信息", catalog.ShareConditional, "base")
	thematic := w.published(w.gaj, "治安重点场所信息", catalog.ShareConditional, "thematic")
	other := w.published(w.scj, "企业年报信息", catalog.ShareUnconditional, "base")
	links := []struct {
		name        string
		p           org.Principal
		code        string
		wantCode    string
		field       string
		setUp       func()
		wantFulfils bool
	}{
		{"another department's cataloger cannot link", w.scj, other, errs.Forbidden, "", nil, false},
		{"a consumer cannot link", w.consumer, draft, errs.Forbidden, "", nil, false},
		{"an unknown entry", w.gaj, "101001/999999", errs.Invalid, "entry_code", nil, false},
		{"another department's entry", w.authority, other, errs.Invalid, "entry_code", nil, false},
		{"an entry of another category", w.gaj, thematic, errs.Invalid, "entry_code", nil, false},
		{"an unpublished entry", w.gaj, draft, errs.Invalid, "entry_code", nil, false},
		{"a published entry that is not mounted", w.gaj, draft, errs.Invalid, "entry_code", func() {
			w.approve(w.gaj, draft)
			w.transition(draft, catalog.ActionPublish)
		}, false},
		{"the provider's cataloger links its published, mounted entry", w.gaj, draft, "", "", func() { w.mount(w.gaj, draft) }, true},
	}
	for _, tt := range links {
		if tt.setUp != nil {
			tt.setUp()
		}
		got, err := w.svc.FulfilDuty(ctx, tt.p, d.ID, tt.code)
		check(t, tt.name, err, tt.wantCode, tt.field)
		if err == nil && got.Fulfilled != tt.wantFulfils {
			t.Fatalf("%s: fulfilled = %v", tt.name, got.Fulfilled)
		}
	}
	late, err := w.svc.CreateDuty(ctx, w.authority, lists.DutyInput{Title: "发布出入境证件信息", ProviderID: w.dept["gaj"], Deadline: "2026-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	states := []struct {
		name      string
		do        func()
		now       time.Time
		fulfilled bool
		overdue   []int64
	}{
		{"fulfilled, nothing overdue yet", nil, monday, true, nil},
		{"after the late duty's deadline", nil, time.Date(2026, 3, 11, 9, 0, 0, 0, lists.Beijing), true, []int64{late.ID}},
		{"the entry is withdrawn", func() { w.transition(draft, catalog.ActionWithdraw) }, time.Date(2026, 3, 11, 9, 0, 0, 0, lists.Beijing), false, []int64{late.ID}},
		{"after the first deadline too", nil, time.Date(2026, 4, 1, 9, 0, 0, 0, lists.Beijing), false, []int64{late.ID, d.ID}},
		{"changed and published again", func() {
			e, err := w.cat.Get(ctx, w.gaj, draft, true)
			if err != nil {
				t.Fatal(err)
			}
			e.Summary += "（修订）"
			if _, err := w.cat.Update(ctx, w.gaj, draft, e); err != nil {
				t.Fatal(err)
			}
			w.approve(w.gaj, draft)
			w.transition(draft, catalog.ActionPublish)
		}, time.Date(2026, 4, 1, 9, 0, 0, 0, lists.Beijing), true, []int64{late.ID}},
	}
	for _, st := range states {
		if st.do != nil {
			st.do()
		}
		w.now = st.now
		got, err := w.svc.Duty(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fulfilled != st.fulfilled || got.EntryCode != draft {
			t.Errorf("%s: fulfilled = %v (entry %s), want %v", st.name, got.Fulfilled, got.EntryCode, st.fulfilled)
		}
		over, err := w.svc.Overdue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var mine []lists.Duty
		for _, o := range over {
			if o.ProviderID == w.dept["gaj"] {
				mine = append(mine, o)
			}
		}
		if fmt.Sprint(ids(mine)) != fmt.Sprint(nonNil(st.overdue)) {
			t.Errorf("%s: overdue = %v, want %v", st.name, ids(mine), st.overdue)
		}
		fulfilled, _, err := w.svc.Duties(ctx, lists.DutyFilter{State: lists.DutyFulfilled, ProviderID: w.dept["gaj"]})
		if err != nil {
			t.Fatal(err)
		}
		if (len(fulfilled) == 1) != st.fulfilled {
			t.Errorf("%s: fulfilled duties = %v", st.name, ids(fulfilled))
		}
	}
	if _, _, err := w.svc.Duties(ctx, lists.DutyFilter{State: "late"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("an unknown state: %v", err)
	}
}

func nonNil(xs []int64) []int64 {
	if xs == nil {
		return []int64{}
	}
	return xs
}

// testDenials checks that every refused change is audited as denied.
func testDenials(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	d, err := w.svc.CreateDemand(ctx, w.consumer, demandInput("医保参保信息"))
	if err != nil {
		t.Fatal(err)
	}
	code := w.entry(w.gaj, "出入境证件信息", catalog.ShareConditional, "departmental")
	n, err := w.svc.ProposeNegative(ctx, w.gaj, lists.NegativeInput{EntryCode: code, Basis: "《出境入境管理法》"})
	if err != nil {
		t.Fatal(err)
	}
	duty, err := w.svc.CreateDuty(ctx, w.authority, lists.DutyInput{Title: "发布出入境证件信息", ProviderID: w.dept["gaj"], Deadline: "2026-06-30"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, action string
		do           func() error
	}{
		{"an officer states a demand", "list.demand.create", func() error { _, err := w.svc.CreateDemand(ctx, w.auditor, demandInput("x")); return err }},
		{"a consumer assigns", "list.demand.assign", func() error { _, err := w.svc.AssignDemand(ctx, w.consumer, d.ID, w.dept["gaj"], ""); return err }},
		{"a cataloger closes an open demand", "list.demand.close", func() error { _, err := w.svc.CloseDemand(ctx, w.gaj, d.ID, code); return err }},
		{"an outsider rejects", "list.demand.reject", func() error { _, err := w.svc.RejectDemand(ctx, w.outsider, d.ID, "x"); return err }},
		{"a cataloger records a duty", "list.duty.create", func() error {
			_, err := w.svc.CreateDuty(ctx, w.gaj, lists.DutyInput{Title: "x", ProviderID: w.dept["gaj"], Deadline: "2026-06-30"})
			return err
		}},
		{"another department links a duty", "list.duty.fulfil", func() error { _, err := w.svc.FulfilDuty(ctx, w.scj, duty.ID, code); return err }},
		{"another department proposes", "list.negative.propose", func() error {
			_, err := w.svc.ProposeNegative(ctx, w.scj, lists.NegativeInput{EntryCode: code, Basis: "x"})
			return err
		}},
		{"the proposer confirms", "list.negative.confirm", func() error { _, err := w.svc.ConfirmNegative(ctx, w.gaj, n.ID); return err }},
		{"the auditor rejects a listing", "list.negative.reject", func() error { _, err := w.svc.RejectNegative(ctx, w.auditor, n.ID, "x"); return err }},
	}
	for _, tt := range tests {
		before := w.denials(tt.action)
		if err := tt.do(); !errs.Is(err, errs.Forbidden) {
			t.Errorf("%s: err = %v, want forbidden", tt.name, err)
			continue
		}
		if after := w.denials(tt.action); after != before+1 {
			t.Errorf("%s: %d denied %s entries, want %d", tt.name, after, tt.action, before+1)
		}
	}
	entries, _, err := w.log.List(ctx, audit.Filter{Action: "list.demand.assign", Outcome: audit.Denied, Actor: "gaj.consumer", PageSize: 1})
	if err != nil || len(entries) != 1 || entries[0].Target != fmt.Sprintf("demand:%d", d.ID) || entries[0].Department != "株洲市公安局" {
		t.Errorf("denied assignment = %+v, %v", entries, err)
	}
}

func testStats(t *testing.T, w *world) {
	w.t = t
	ctx := w.ctx
	w.now = monday
	st, err := w.svc.Stats(ctx)
	if err != nil || st.Demands.Total != 0 || st.Demands.Rate != 0 || len(st.Duties) != 0 || len(st.ShareTypes) != 3 {
		t.Fatalf("empty stats = %+v, %v", st, err)
	}
	// Demands: two satisfied, one rejected, one assigned, one open; the open one overdue.
	entry := w.published(w.scj, "个体工商户登记信息", catalog.ShareUnconditional, "base")
	w.published(w.scj, "行政处罚信息", catalog.ShareConditional, "thematic")
	w.published(w.gaj, "涉密案件信息", catalog.ShareNone, "departmental")
	w.entry(w.gaj, "未发布的资源", catalog.ShareUnconditional, "departmental")
	var ds []lists.Demand
	for i := 0; i < 5; i++ {
		d, err := w.svc.CreateDemand(ctx, w.consumer, demandInput(fmt.Sprintf("统计用需求%c", 'A'+i)))
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, err := range []error{
		second(w.svc.CloseDemand(ctx, w.authority, ds[0].ID, entry)),
		second(w.svc.CloseDemand(ctx, w.authority, ds[1].ID, entry)),
		second(w.svc.RejectDemand(ctx, w.authority, ds[2].ID, "不符合")),
		second(w.svc.AssignDemand(ctx, w.authority, ds[3].ID, w.dept["scj"], "")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Duties: 市场监管局 has two, one fulfilled and one overdue; 公安局 one, not yet due.
	for _, in := range []lists.DutyInput{
		{Title: "发布个体工商户登记信息", ProviderID: w.dept["scj"], Deadline: "2026-03-05"},
		{Title: "发布双随机抽查结果", ProviderID: w.dept["scj"], Deadline: "2026-03-05"},
		{Title: "发布户籍人口信息", ProviderID: w.dept["gaj"], Deadline: "2026-12-31"},
	} {
		if _, err := w.svc.CreateDuty(ctx, w.authority, in); err != nil {
			t.Fatal(err)
		}
	}
	duties, _, err := w.svc.Duties(ctx, lists.DutyFilter{ProviderID: w.dept["scj"]})
	if err != nil {
		t.Fatal(err)
	}
	w.mount(w.scj, entry)
	if _, err := w.svc.FulfilDuty(ctx, w.scj, duties[0].ID, entry); err != nil {
		t.Fatal(err)
	}
	w.now = time.Date(2026, 3, 20, 9, 0, 0, 0, lists.Beijing) // after the demands' due day and the duties' deadline
	st, err = w.svc.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Demands, (lists.DemandStats{Total: 5, Open: 1, Assigned: 1, Satisfied: 2, Rejected: 1, Overdue: 2, Rate: 0.4}); got != want {
		t.Errorf("demand stats = %+v, want %+v", got, want)
	}
	if got, want := fmt.Sprint(st.Duties), fmt.Sprintf("[{%d 株洲市公安局 1 0 0 0} {%d 株洲市市场监督管理局 2 1 1 0.5}]", w.dept["gaj"], w.dept["scj"]); got != want {
		t.Errorf("duty stats = %s, want %s", got, want)
	}
	if got, want := st.DutyTotal, (lists.DutyCount{Department: "合计", Total: 3, Fulfilled: 1, Overdue: 1, Rate: 1.0 / 3}); got != want {
		t.Errorf("duty total = %+v, want %+v", got, want)
	}
	if got, want := fmt.Sprint(st.ShareTypes), "[{unconditional 1} {conditional 1} {none 1}]"; got != want {
		t.Errorf("share types = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(st.Negatives), "map[active:0 proposed:0 rejected:0]"; got != want {
		t.Errorf("negatives = %s, want %s", got, want)
	}
	// Close the remaining demands so the subtests that follow start clean.
	for _, d := range ds[3:] {
		if _, err := w.svc.RejectDemand(ctx, w.authority, d.ID, "测试完毕"); err != nil {
			t.Fatal(err)
		}
	}
}

func second[T any](_ T, err error) error { return err }
