package web

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestSharingConsole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storetest.Open(t, filepath.Join(dir, "govshare.db"), []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration})
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	cat := catalog.NewService(db, log, o, nil)
	cat.SQLiteRoot = filepath.Join(dir, "datasources")
	ls := lists.NewService(db, log, o, cat)
	cat.Negative = ls
	sh := sharing.NewService(db, log, o, cat, ls)
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: ls, Sharing: sh}, filepath.Join(dir, "datasources"), io.Discard); err != nil {
		t.Fatal(err)
	}
	s, err := newServer(Deps{Org: o, Audit: log, Catalog: cat, Lists: ls, Sharing: sh, Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	s.routes(r)
	as := func(user, lang string) *consoleUser {
		sess, _, err := o.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return &consoleUser{t: t, h: r, token: sess.Token, lang: lang}
	}
	code := func(name string) string {
		res, err := cat.Search(ctx, org.System, catalog.Query{Q: name, PageSize: 5})
		if err != nil || len(res.Items) == 0 {
			t.Fatalf("no entry %s: %v", name, err)
		}
		return res.Items[0].Code
	}
	population, enterprises, disabled := code("户籍人口基本信息"), code("企业登记注册信息"), code("残疾人证持证人员信息")
	entry := "/catalog/entry?code=" + url.QueryEscape(population)
	apply := "/sharing/apply?code=" + url.QueryEscape(population)
	consumer, provider, authority := as("rsj.consumer", ""), as("gaj.approver", ""), as("xzsp.approver", "")
	cataloger, enConsumer := as("gaj.cataloger", ""), as("rsj.consumer", "en")
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	good := form("code", population, "items", "id_number", "items", "name", "items", "gender", "purpose", "就业登记时核验身份", "basis", "《中华人民共和国就业促进法》",
		"scenario", "就业登记", "delivery", "table", "target_datasource", "rsj-业务库", "target_table", "gaj_population", "mask.name", "full",
		"filter.0.item", "gender", "filter.0.op", "eq", "filter.0.value", "男", "lookup", "id_number")
	// The demo filed applications 1 to 5; this test's is 6.
	steps := []struct {
		name       string
		u          *consoleUser
		method     string
		path       string
		form       url.Values
		wantStatus int
		wantText   []string
		wantNot    []string
	}{
		{"the navigation has the sharing area", consumer, "GET", "/", nil, 200, []string{`href="/sharing/applications"`, "数据共享"}, []string{`id="stat-queue"`, `id="stat-overdue-approvals"`}},
		{"an approver's dashboard links to their queue", provider, "GET", "/", nil, 200,
			[]string{`id="stat-queue"`, `href="/sharing/applications?box=review"`, `id="stat-overdue-approvals"`, `href="/sharing/applications?box=review&amp;overdue=1"`}, nil},
		{"an approver's dashboard counts the queue", provider, "GET", "/", nil, 200, []string{`id="stat-queue">1<`, "待我审批的共享申请"}, nil},
		{"/sharing goes to the applications", consumer, "GET", "/sharing", nil, 303, nil, nil},
		{"a consumer sees the apply button", consumer, "GET", entry, nil, 200, []string{`id="apply"`, "需经提供部门和数据主管部门审批"}, nil},
		{"the provider's own staff see none", cataloger, "GET", entry, nil, 200, nil, []string{`id="apply"`}},
		{"an approver without the consumer role sees none", authority, "GET", entry, nil, 200, nil, []string{`id="apply"`}},
		{"an unconditional entry is granted at once", consumer, "GET", "/catalog/entry?code=" + url.QueryEscape(enterprises), nil, 200, []string{`id="apply-at-once"`, "将立即授权"}, nil},
		{"an unshared entry shows why", consumer, "GET", "/catalog/entry?code=" + url.QueryEscape(disabled), nil, 200, []string{`id="apply-refused"`, "不予共享", "个人信息保护法"}, []string{`id="apply"`}},
		{"the form disables the negative-listed item with its basis", consumer, "GET", apply, nil, 200,
			[]string{`value="address" aria-label="户籍地址" disabled`, `name="lookup" value="id_number"`, `id="lookup-hint"`, "负面清单，不予共享。依据：户籍地址属于敏感个人信息", `value="id_number" aria-label="公民身份号码" checked`, "rsj-业务库"},
			[]string{`<option value="none">`}},
		{"an approver cannot apply", authority, "GET", apply, nil, 403, nil, nil},
		{"missing fields are shown beside them", consumer, "POST", "/sharing/apply", form("code", population, "items", "id_number", "delivery", "table"), 400,
			[]string{`class="field-error">必填`, "表同步需选择目标数据源"}, nil},
		// The sharing domain words its refusals in both languages; the console says them in the page's.
		{"a bad date and filter item are said in Chinese", consumer, "POST", "/sharing/apply", form("code", population, "items", "name", "purpose", "x", "basis", "y", "scenario", "z", "delivery", "file",
			"valid_until", "2026-13-45", "filter.0.item", "bogus", "filter.0.op", "eq", "filter.0.value", "1"), 400,
			[]string{"“2026-13-45”不是日期（YYYY-MM-DD）", "第 1 个条件：“bogus”不是该资源的信息项"}, []string{"is not a date", "is not an item"}},
		{"and in English on an English page", enConsumer, "POST", "/sharing/apply", form("code", population, "items", "name", "purpose", "x", "basis", "y", "scenario", "z", "delivery", "file",
			"valid_until", "2026-13-45"), 400,
			[]string{"&#34;2026-13-45&#34; is not a date (YYYY-MM-DD)"}, []string{"不是日期"}},
		{"no item ticked", consumer, "POST", "/sharing/apply", form("code", population, "purpose", "x", "basis", "y", "scenario", "z", "delivery", "file"), 400,
			[]string{"请至少勾选一个信息项"}, nil},
		{"weaker masking is refused", consumer, "POST", "/sharing/apply", form("code", population, "items", "name", "mask.name", "none", "purpose", "x", "basis", "y", "scenario", "z", "delivery", "file"), 400,
			[]string{"弱于目录默认"}, nil},
		{"a negative-listed item is refused with the basis", consumer, "POST", "/sharing/apply", form("code", population, "items", "id_number", "items", "address", "purpose", "x", "basis", "y", "scenario", "z", "delivery", "file"), 403,
			[]string{"信息项 address 已列入负面清单，不予共享。依据：户籍地址属于敏感个人信息", `id="apply-refused-hint"`}, nil},
		{"the application", consumer, "POST", "/sharing/apply", good, 303, nil, nil},
		{"it waits for the provider", consumer, "GET", "/sharing/applications?box=mine", nil, 200, []string{`id="application-6"`, "待提供部门审批", "株洲市公安局审核员"}, nil},
		{"its page", consumer, "GET", "/sharing/applications/6", nil, 200, []string{"当前等待：株洲市公安局审核员", `id="withdraw-form"`, "性别 等于 男", "姓名 · 脱敏：全部遮盖", `<span class="lookup-key">查询条件</span>`},
			[]string{`id="approve-form"`, `id="renew-form"`}},
		{"the provider's queue", provider, "GET", "/sharing/applications?box=review", nil, 200, []string{`id="application-6"`, "就业登记时核验身份", "《中华人民共和国就业促进法》", "公民身份号码、姓名、性别"},
			[]string{`id="application-3"`}},
		{"the authority cannot approve the provider's step", authority, "POST", "/sharing/applications/6/approve", form("approve", "1", "items", "id_number"), 403,
			[]string{"正等待 株洲市公安局 的审核员审批"}, nil},
		{"unticking every item", provider, "POST", "/sharing/applications/6/approve", form("approve", "1"), 400, []string{"至少保留一个信息项"}, nil},
		{"returning needs a reason", provider, "POST", "/sharing/applications/6/return", form("reason", " "), 400, []string{"请填写退回理由"}, nil},
		{"the provider approves without gender", provider, "POST", "/sharing/applications/6/approve",
			form("approve", "1", "items", "id_number", "items", "name", "mask.id_number", "id_number", "mask.name", "full", "lookup", "id_number", "note", "性别不在用途范围内"), 303, nil, nil},
		{"it waits for the authority", consumer, "GET", "/sharing/applications/6", nil, 200, []string{"数据主管部门审核员", "性别不在用途范围内", "收窄为：", "gaj.approver（株洲市公安局）"}, nil},
		{"the authority's queue", authority, "GET", "/sharing/applications?box=review", nil, 200, []string{`id="application-6"`, `id="application-3"`, "已超期"}, nil},
		{"a later end is refused", authority, "POST", "/sharing/applications/6/approve", form("approve", "1", "items", "id_number", "items", "name", "valid_until", "2099-01-01"), 400,
			[]string{"只能提前"}, nil},
		// A row filter on a masked item would make an oracle of the grant: refused, in the page's language.
		{"a prefix row filter on a masked item is refused", authority, "POST", "/sharing/applications/6/approve",
			form("approve", "1", "items", "id_number", "items", "name", "filter.0.item", "id_number", "filter.0.op", "prefix", "filter.0.value", "4302"), 400,
			[]string{"查询条件"}, nil},
		{"the authority approves with a row filter", authority, "POST", "/sharing/applications/6/approve",
			form("approve", "1", "items", "id_number", "items", "name", "lookup", "id_number", "filter.0.item", "gender", "filter.0.op", "eq", "filter.0.value", "女"), 303, nil, nil},
		{"approved with a grant", consumer, "GET", "/sharing/applications/6", nil, 200, []string{"已批准", `id="application-grant"`, `id="renew-form"`, "性别 等于 女"}, []string{`id="withdraw-form"`}},
		{"the consumer's grants", consumer, "GET", "/sharing/grants", nil, 200, []string{"户籍人口基本信息", "公民身份号码、姓名", "表同步", "rsj-业务库 · gaj_population", "生效中"}, []string{"性别"}},
		{"the consumer may not revoke", consumer, "GET", "/sharing/grants/3", nil, 200, []string{"户籍人口基本信息", `<span class="lookup-key">查询条件</span>`}, []string{`id="revoke-form"`}},
		{"the provider's grants", provider, "GET", "/sharing/grants?role=provider", nil, 200, []string{"株洲市人力资源和社会保障局"}, nil},
		{"revoking needs a reason", provider, "POST", "/sharing/grants/3/revoke", form("reason", ""), 400, []string{"请填写撤销理由"}, nil},
		{"the provider revokes", provider, "POST", "/sharing/grants/3/revoke", form("reason", "用途已变更"), 303, nil, nil},
		{"the revoked grant", consumer, "GET", "/sharing/grants/3", nil, 200, []string{"已撤销", "用途已变更", "gaj.approver"}, nil},
		{"the consumer withdraws a pending one", as("ybj.consumer", ""), "POST", "/sharing/applications/2/withdraw", form("reason", "改用其他渠道"), 303, nil, nil},
		{"a withdrawn application cannot be approved", provider, "POST", "/sharing/applications/2/approve", form("approve", "1", "items", "id_number"), 409, nil, nil},
		{"an approved application offers renewal", as("gjj.consumer", ""), "GET", "/sharing/applications/1", nil, 200, []string{`id="renew-form"`, `name="renew_until"`}, nil},
		{"a renewal must run past the current end", as("gjj.consumer", ""), "POST", "/sharing/applications/1/renew", form("renew_until", time.Now().Format("2006-01-02")), 400,
			[]string{"续期后的截止日须晚于当前截止日"}, nil},
		{"a renewal", as("gjj.consumer", ""), "POST", "/sharing/applications/1/renew", form("renew_until", time.Now().AddDate(2, 0, 0).Format("2006-01-02")), 303, nil, nil},
		{"the renewal waits for the provider", as("gjj.consumer", ""), "GET", "/sharing/applications/7", nil, 200, []string{"申请续期", "株洲市民政局审核员", "续期自"}, nil},
		{"another department's application is hidden", consumer, "GET", "/sharing/applications/4", nil, 404, nil, nil},
		{"the returned demo application shows the reason", as("cl.consumer", ""), "GET", "/sharing/applications/4", nil, 200, []string{"已退回。理由：依据不足"}, nil},
		{"English", enConsumer, "GET", "/sharing/applications/6", nil, 200, []string{"Approved", "Steps", "see grant #3"}, []string{"待提供部门审批"}},
	}
	for _, st := range steps {
		status, body, h := st.u.do(st.method, st.path, st.form)
		if status != st.wantStatus {
			t.Fatalf("%s: %s %s = %d, want %d\n%s", st.name, st.method, st.path, status, st.wantStatus, body)
		}
		for _, w := range st.wantText {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", st.name, w)
			}
		}
		for _, w := range st.wantNot {
			if strings.Contains(body, w) {
				t.Errorf("%s: page shows %q", st.name, w)
			}
		}
		if status == 303 && h.Get("Location") == "" {
			t.Errorf("%s: redirect without a location", st.name)
		}
	}
	// Every page in both languages shows no missing message.
	missing := regexp.MustCompile(`!(sharing|dashboard|nav)\.[a-z_.]+`)
	for _, lang := range Languages {
		for _, user := range []string{"xzsp.approver", "rsj.consumer", "secadmin"} {
			u := as(user, lang)
			for _, p := range []string{"/", "/sharing/applications", "/sharing/applications?box=all", "/sharing/applications?box=review", "/sharing/applications/1",
				"/sharing/applications/3", "/sharing/applications/6", "/sharing/grants", "/sharing/grants?role=all&state=revoked", "/sharing/grants/1", entry} {
				status, body, _ := u.do("GET", p, nil)
				if status != 200 && status != 404 {
					t.Errorf("%s %s GET %s = %d", user, lang, p, status)
				}
				if m := missing.FindString(body); m != "" {
					t.Errorf("%s %s GET %s shows a missing message %s", user, lang, p, m)
				}
			}
		}
	}
}

func TestSharingNarrower(t *testing.T) {
	have := sharing.Terms{Items: []string{"a", "b"}, Masking: map[string]string{"a": "none", "b": "name"}, ValidUntil: "2027-01-01",
		Filter: sharing.RowFilter{{Item: "a", Op: sharing.OpEq, Values: []string{"1"}}}}
	tests := []struct {
		name string
		form url.Values
		want *sharing.Terms
	}{
		{"nothing changed", url.Values{"items": {"a", "b"}, "mask.a": {"none"}, "mask.b": {"name"}, "valid_until": {"2027-01-01"}}, nil},
		{"an item removed", url.Values{"items": {"b"}}, &sharing.Terms{Items: []string{"b"}, Masking: map[string]string{}}},
		{"stricter masking", url.Values{"items": {"a", "b"}, "mask.b": {"full"}}, &sharing.Terms{Items: []string{"a", "b"}, Masking: map[string]string{"b": "full"}}},
		{"a condition added keeps the old", url.Values{"items": {"a", "b"}, "filter.0.item": {"b"}, "filter.0.op": {"in"}, "filter.0.value": {"x，y"}},
			&sharing.Terms{Items: []string{"a", "b"}, Masking: map[string]string{}, Filter: sharing.RowFilter{have.Filter[0], {Item: "b", Op: "in", Values: []string{"x", "y"}}}}},
		{"an earlier end", url.Values{"items": {"a", "b"}, "valid_until": {"2026-12-01"}}, &sharing.Terms{Items: []string{"a", "b"}, Masking: map[string]string{}, ValidUntil: "2026-12-01"}},
	}
	for _, tt := range tests {
		got := sharingNarrower(tt.form, have)
		switch {
		case tt.want == nil && got != nil:
			t.Errorf("%s: sharingNarrower = %+v, want nil", tt.name, *got)
		case tt.want != nil && got == nil:
			t.Errorf("%s: sharingNarrower = nil, want %+v", tt.name, *tt.want)
		case tt.want != nil && !reflectEqual(*got, *tt.want):
			t.Errorf("%s: sharingNarrower = %+v, want %+v", tt.name, *got, *tt.want)
		}
	}
}

func reflectEqual(a, b sharing.Terms) bool {
	return strings.Join(a.Items, ",") == strings.Join(b.Items, ",") && a.ValidUntil == b.ValidUntil && a.Filter.String() == b.Filter.String() &&
		len(a.Masking) == len(b.Masking) && func() bool {
		for k, v := range a.Masking {
			if b.Masking[k] != v {
				return false
			}
		}
		return true
	}()
}
