package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// consoleUser drives the console as one demo account.
type consoleUser struct {
	t     *testing.T
	h     http.Handler
	token string
	lang  string
}

func (u *consoleUser) do(method, path string, form url.Values) (int, string, http.Header) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: u.token})
	if u.lang != "" {
		req.AddCookie(&http.Cookie{Name: langCookie, Value: u.lang})
	}
	rec := httptest.NewRecorder()
	u.h.ServeHTTP(rec, req)
	b := rec.Body.String()
	if i := strings.Index(b, "%!"); i >= 0 {
		u.t.Errorf("%s %s shows a bad format: %s", method, path, b[max(0, i-40):min(len(b), i+40)])
	}
	if strings.Contains(b, "!lists.") {
		u.t.Errorf("%s %s shows a missing message: %s", method, path, regexp.MustCompile(`!lists\.[a-z_.]+`).FindString(b))
	}
	return rec.Code, b, rec.Header()
}

func TestListsConsole(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration})
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(db, log, o, nil)
	ls := lists.NewService(db, log, o, cat)
	cat.Negative = ls
	s, err := newServer(Deps{Org: o, Audit: log, Lists: ls, Logger: slog.Default()})
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
	consumer, authority, cataloger := as("gaj.consumer", ""), as("xzsp.approver", ""), as("scj.cataloger", "en")
	catalogerP := func() org.Principal { _, p, _ := o.Login(ctx, "scj.cataloger", demo.Password, "127.0.0.1"); return p }()
	_, authorityP, _ := o.Login(ctx, "xzsp.approver", demo.Password, "127.0.0.1")
	e, err := cat.Create(ctx, catalogerP, catalog.Entry{Name: "营业执照信息", Category: "base", CategoryItem: "02", CategorySubItem: "001", Format: "database",
		ShareType: "conditional", ShareCondition: "政务服务", OpenType: "closed", UpdateCycle: "daily",
		Items: []catalog.Item{{Name: "统一社会信用代码", Identifier: "credit_code", DataType: "string"}, {Name: "法定代表人", Identifier: "legal_person", DataType: "string"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Transition(ctx, catalogerP, e.Code, catalog.ActionSubmit, ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{catalog.ActionApprove, catalog.ActionPublish} {
		if _, err := cat.Transition(ctx, authorityP, e.Code, a, ""); err != nil {
			t.Fatal(err)
		}
	}

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
		{"/lists goes to the demands", consumer, "GET", "/lists", nil, 303, nil, nil},
		{"demand list with its form", consumer, "GET", "/lists/demands", nil, 200, []string{`id="demand-form"`, "需求清单", "10 个工作日"}, nil},
		{"a demand without basis", consumer, "POST", "/lists/demands", url.Values{"title": {"企业营业执照信息"}, "description": {"统一社会信用代码、法定代表人"}, "scenario": {"企业开办"}},
			400, []string{`class="field-error"`, "企业营业执照信息"}, nil},
		{"a demand", consumer, "POST", "/lists/demands", url.Values{"title": {"企业营业执照信息"}, "description": {"统一社会信用代码、法定代表人"}, "scenario": {"企业开办"}, "basis": {"《优化营商环境条例》"}},
			303, nil, nil},
		{"the requester sees no authority forms", consumer, "GET", "/lists/demands/1", nil, 200, []string{"企业营业执照信息", e.Code, "由提供部门答复"}, []string{`id="assign-form"`, `id="close-form"`}},
		{"the authority sees the forms and suggestions", authority, "GET", "/lists/demands/1", nil, 200, []string{`id="assign-form"`, `id="close-form"`, `id="reject-form"`, "以此资源办结", "株洲市市场监督管理局"}, nil},
		{"assign without a department", authority, "POST", "/lists/demands/1/assign", url.Values{"provider_id": {""}}, 400, []string{`class="field-error"`}, nil},
		{"the requester cannot assign", consumer, "POST", "/lists/demands/1/assign", url.Values{"provider_id": {"4"}}, 403, []string{"data authority"}, nil},
		{"assign", authority, "POST", "/lists/demands/1/assign", url.Values{"provider_id": {"4"}, "note": {"请编目"}}, 303, nil, nil},
		{"close with an unknown entry", authority, "POST", "/lists/demands/1/close", url.Values{"entry_code": {"101001/999999"}}, 400, []string{"is not a catalog entry"}, nil},
		{"close", authority, "POST", "/lists/demands/1/close", url.Values{"entry_code": {e.Code}}, 303, nil, nil},
		{"a closed demand", consumer, "GET", "/lists/demands?state=closed", nil, 200, []string{"已办结 · 已满足"}, nil},
		{"duties: the authority's form", authority, "GET", "/lists/duties", nil, 200, []string{`id="duty-form"`, "株洲市公安局"}, nil},
		{"duties: no form for a consumer", consumer, "GET", "/lists/duties", nil, 200, nil, []string{`id="duty-form"`}},
		{"a duty with a bad date", authority, "POST", "/lists/duties", url.Values{"title": {"发布营业执照信息"}, "provider_id": {"4"}, "deadline": {"明年"}}, 400, []string{"YYYY-MM-DD"}, nil},
		{"a duty", authority, "POST", "/lists/duties", url.Values{"title": {"发布营业执照信息"}, "provider_id": {"4"}, "deadline": {"2099-12-31"}, "category": {"base"}}, 303, nil, nil},
		{"the provider's cataloger sees the link form", cataloger, "GET", "/lists/duties", nil, 200, []string{"fulfil-form", "Base", "Unfulfilled"}, nil},
		{"linking an unmounted entry", cataloger, "POST", "/lists/duties/1/fulfil", url.Values{"entry_code": {e.Code}}, 400, []string{"not mounted", `value="` + e.Code + `"`}, nil},
		{"negatives: the cataloger's form", cataloger, "GET", "/lists/negatives", nil, 200, []string{`id="negative-form"`, "Negative list"}, nil},
		{"a listing without basis", cataloger, "POST", "/lists/negatives", url.Values{"entry_code": {e.Code}, "items": {"legal_person"}}, 400, []string{`class="field-error"`}, nil},
		{"a listing of an item", cataloger, "POST", "/lists/negatives", url.Values{"entry_code": {e.Code}, "items": {"legal_person"}, "basis": {"《个人信息保护法》"}}, 303, nil, nil},
		{"the authority sees review buttons", authority, "GET", "/lists/negatives?state=proposed", nil, 200, []string{"确认", "驳回", "legal_person", "不影响发布"}, nil},
		{"rejecting needs a reason", authority, "POST", "/lists/negatives/1/reject", url.Values{"reason": {""}}, 400, []string{`class="field-error"`}, nil},
		{"confirm", authority, "POST", "/lists/negatives/1/confirm", nil, 303, nil, nil},
		{"the cataloger cannot confirm", cataloger, "POST", "/lists/negatives/1/confirm", nil, 403, nil, nil},
		{"stats", consumer, "GET", "/lists/stats", nil, 200, []string{`id="chart-demands"`, `data-chart="{&#34;labels&#34;:[&#34;待分派&#34;`, "100.0%", "有条件共享", "株洲市公安局"}, nil},
		{"stats in English", cataloger, "GET", "/lists/stats", nil, 200, []string{"Demand fulfilment rate", "Conditional"}, nil},
		{"an unknown demand", consumer, "GET", "/lists/demands/99", nil, 404, nil, nil},
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
	for _, lang := range Languages {
		u := as("xzsp.approver", lang)
		for _, p := range []string{"/lists/demands", "/lists/demands/1", "/lists/duties", "/lists/negatives", "/lists/stats", "/lists/demands?overdue=on&scope=assigned"} {
			if status, _, _ := u.do("GET", p, nil); status != 200 {
				t.Errorf("%s GET %s = %d", lang, p, status)
			}
		}
	}
}
