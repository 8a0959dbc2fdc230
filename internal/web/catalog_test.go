package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestCatalogParseForm(t *testing.T) {
	c, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"name": {"人口信息"}, "keywords": {"户籍，人口; 身份证、 ,"}, "related": {"101001/000001;101001/000002"}, "records": {"12x"},
		// Rows numbered out of order and with a gap: the order of the numbers decides.
		"items.7.name": {"第二"}, "items.7.identifier": {"second"}, "items.7.length": {"-1"},
		"items.2.name": {"第一"}, "items.2.identifier": {"first"}, "items.2.length": {"18"}, "items.2.key": {"on"},
		"items.x.name": {"ignored"},
	}
	r := httptest.NewRequest(http.MethodPost, "/catalog/new", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ParseForm()
	e, f, problems := catalogParseForm(r, "zh-CN", c)
	if got, want := e.Keywords, []string{"户籍", "人口", "身份证"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keywords = %q, want %q", got, want)
	}
	if got, want := e.Related, []string{"101001/000001", "101001/000002"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Related = %q, want %q", got, want)
	}
	if len(e.Items) != 2 || e.Items[0].Name != "第一" || e.Items[1].Name != "第二" {
		t.Fatalf("Items = %+v, want 第一 then 第二", e.Items)
	}
	if !e.Items[0].Key || e.Items[0].Length != 18 {
		t.Errorf("first item = %+v, want key with length 18", e.Items[0])
	}
	if f.Records != "12x" || f.Items[1].Length != "-1" {
		t.Errorf("the form as typed was not kept: records %q, length %q", f.Records, f.Items[1].Length)
	}
	for _, field := range []string{"records", "items[1].length"} {
		if problems[field] == "" {
			t.Errorf("no problem for %s in %v", field, problems)
		}
	}

	// More rows than an entry may hold are refused, not parsed without bound.
	many := url.Values{}
	for i := range catalogMaxItems + 5 {
		many.Set("items."+strconv.Itoa(i)+".name", "x")
	}
	r = httptest.NewRequest(http.MethodPost, "/catalog/new", strings.NewReader(many.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.ParseForm()
	e, _, problems = catalogParseForm(r, "zh-CN", c)
	if len(e.Items) != catalogMaxItems || problems["items"] == "" {
		t.Errorf("%d items parsed, problems %v; want %d and a problem", len(e.Items), problems, catalogMaxItems)
	}
}

func TestCatalogFieldLabels(t *testing.T) {
	s, err := newServer(Deps{Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	labels := []struct{ field, want string }{
		{"items[2].share_type", "第3项 · 共享类型"},
		{"share_condition", "共享条件"},
		{"params[0].name", "params[0].name"},
	}
	for _, tt := range labels {
		if got := s.catalogFieldLabel("zh-CN", tt.field); got != tt.want {
			t.Errorf("catalogFieldLabel(%q) = %q, want %q", tt.field, got, tt.want)
		}
	}
}

// TestCatalogRuntimeKeys checks the message keys the catalog pages build at
// run time, which TestMessagesComplete cannot see.
func TestCatalogRuntimeKeys(t *testing.T) {
	c, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	jsonNames := func(v any) []string {
		var out []string
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			if n, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
				out = append(out, n)
			}
		}
		return out
	}
	for _, n := range jsonNames(catalog.Entry{}) {
		keys["catalog.field."+n] = true
	}
	for _, n := range jsonNames(catalog.Item{}) {
		keys["catalog.item."+n] = true
	}
	for _, n := range catalog.FacetNames {
		keys["catalog.field."+n] = true
	}
	for _, a := range []string{"create", "update", catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionReturn, catalog.ActionPublish, catalog.ActionWithdraw} {
		keys["catalog.action."+a] = true
	}
	for _, k := range []string{catalog.MountTable, catalog.MountAPI, catalog.MountFile} {
		keys["catalog.mount.kind."+k] = true
	}
	for _, d := range []string{"postgres", "mysql", "sqlite"} {
		keys["catalog.datasource.driver."+d] = true
	}
	for _, tab := range []string{"browse", "review", "import", "datasources", "stats"} {
		keys["catalog.tab."+tab] = true
	}
	for k := range keys {
		for _, lang := range Languages {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
	}
}

// catalogWorld is the console over a real store with the demo organisations.
type catalogWorld struct {
	t       *testing.T
	handler http.Handler
	org     *org.Service
	svc     *catalog.Service
	cookies map[string]*http.Cookie
}

func newCatalogWorld(t *testing.T) *catalogWorld {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), []store.Migration{audit.Migration, org.Migration, catalog.Migration})
	o := org.NewService(db, audit.New(db), division.Default())
	if err := demo.LoadOrg(ctx, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	svc := catalog.NewService(db, audit.New(db), o, nil)
	svc.SQLiteRoot = t.TempDir()
	r := chi.NewRouter()
	Register(r, Deps{Org: o, Audit: audit.New(db), Catalog: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"})
	return &catalogWorld{t: t, handler: r, org: o, svc: svc, cookies: map[string]*http.Cookie{}}
}

func (w *catalogWorld) principal(user string) org.Principal {
	w.t.Helper()
	sess, p, err := w.org.Login(context.Background(), user, demo.Password, "127.0.0.1")
	if err != nil {
		w.t.Fatalf("login %s: %v", user, err)
	}
	w.cookies[user] = &http.Cookie{Name: sessionCookie, Value: sess.Token}
	return p
}

func (w *catalogWorld) do(user, method, target string, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, target, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return w.send(user, r)
}

// send sends r as user (logging them in the first time).
func (w *catalogWorld) send(user string, r *http.Request) *httptest.ResponseRecorder {
	w.t.Helper()
	if c, ok := w.cookies[user]; ok {
		r.AddCookie(c)
	} else {
		w.principal(user)
		r.AddCookie(w.cookies[user])
	}
	rec := httptest.NewRecorder()
	w.handler.ServeHTTP(rec, r)
	return rec
}

func TestCatalogPages(t *testing.T) {
	w := newCatalogWorld(t)
	cataloger := w.principal("gaj.cataloger")
	w.principal("xzsp.approver")
	entryForm := url.Values{
		"name": {"户籍人口基本信息"}, "summary": {"测试"}, "category": {"base"}, "category_item": {"01"}, "category_sub_item": {"001"},
		"format": {"database"}, "share_type": {"conditional"}, "share_condition": {"仅用于政务服务"}, "share_mode": {"platform"},
		"open_type": {"closed"}, "update_cycle": {"daily"}, "grade": {"general"}, "keywords": {"户籍，人口"},
		"items.0.name": {"公民身份号码"}, "items.0.identifier": {"id_number"}, "items.0.data_type": {"string"}, "items.0.length": {"18"},
		"items.0.key": {"on"}, "items.0.grade": {"general"}, "items.0.masking": {"id_number"},
	}

	// Live validation: problems are listed with Chinese item numbers; nothing is saved.
	bad := url.Values{}
	for k, v := range entryForm {
		bad[k] = v
	}
	bad.Set("items.0.identifier", "ID")
	bad.Set("share_condition", "")
	rec := w.do("gaj.cataloger", http.MethodPost, "/catalog/validate", bad)
	if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, "第1项 · 标识符") || !strings.Contains(body, "有条件共享时必须填写共享条件") {
		t.Fatalf("validate: %d\n%s", rec.Code, body)
	}
	// A bad entry is shown again with the messages beside the fields.
	rec = w.do("gaj.cataloger", http.MethodPost, "/catalog/new", bad)
	if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, `class="field-error"`) || !strings.Contains(body, `value="ID"`) {
		t.Fatalf("create a bad entry: %d\n%s", rec.Code, body)
	}
	if res, _ := w.svc.Search(context.Background(), cataloger, catalog.Query{}); res.Total != 0 {
		t.Fatalf("a bad entry was saved: %d entries", res.Total)
	}
	// A good one is created and the browser sent to it.
	rec = w.do("gaj.cataloger", http.MethodPost, "/catalog/new", entryForm)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/catalog/entry?code=") {
		t.Fatalf("create: %d %s\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	code := loc.Query().Get("code")
	entry := "/catalog/entry?code=" + url.QueryEscape(code)

	pages := []struct {
		user, path string
		status     int
		want       string
	}{
		{"gaj.cataloger", "/catalog", 200, "户籍人口基本信息"},
		{"gaj.cataloger", "/catalog?q=户籍&share_type=conditional", 200, "户籍人口基本信息"},
		{"gaj.cataloger", "/catalog?share_type=none", 200, "没有符合条件的目录"},
		{"gaj.cataloger", entry, 200, "提交审核"},
		{"gaj.cataloger", "/catalog/edit?code=" + url.QueryEscape(code), 200, `value="公民身份号码"`},
		{"gaj.cataloger", "/catalog/new", 200, "添加信息项"},
		{"gaj.cataloger", "/catalog/import", 200, "下载 Excel 导入模板"},
		{"gaj.cataloger", "/catalog/datasources", 200, "登记数据源"},
		{"gaj.cataloger", "/catalog/stats", 200, "chart-share"},
		{"gaj.cataloger", "/catalog/review", 403, "只有数据主管部门的审核员可以审核目录"},
		{"gaj.consumer", "/catalog/new", 403, ""},
		{"xzsp.approver", "/catalog/review", 200, "队列为空"},
		{"xzsp.approver", "/catalog/edit?code=" + url.QueryEscape(code), 403, ""},
		{"mzj.approver", "/catalog/review", 403, ""},
		{"mzj.approver", entry, 404, ""},
		{"gaj.cataloger", "/catalog/entry?code=nope", 404, ""},
	}
	for _, pg := range pages {
		rec := w.do(pg.user, http.MethodGet, pg.path, nil)
		if rec.Code != pg.status || !strings.Contains(rec.Body.String(), pg.want) {
			t.Errorf("%s GET %s: %d, want %d with %q\n%.2000s", pg.user, pg.path, rec.Code, pg.status, pg.want, rec.Body.String())
		}
	}

	// The workflow by role: submit, approve, publish.
	steps := []struct{ user, action, want string }{
		{"gaj.cataloger", "submit", catalog.StatusSubmitted},
		{"xzsp.approver", "approve", catalog.StatusApproved},
		{"xzsp.approver", "publish", catalog.StatusPublished},
	}
	for _, st := range steps {
		rec := w.do(st.user, http.MethodPost, "/catalog/workflow", url.Values{"code": {code}, "action": {st.action}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("%s %s: %d\n%s", st.user, st.action, rec.Code, rec.Body.String())
		}
		e, err := w.svc.Get(context.Background(), cataloger, code, true)
		if err != nil || e.Status != st.want {
			t.Fatalf("after %s: status %q (%v), want %q", st.action, e.Status, err, st.want)
		}
	}
	// A cataloger cannot publish; the refusal is shown on the entry's page.
	rec = w.do("gaj.cataloger", http.MethodPost, "/catalog/workflow", url.Values{"code": {code}, "action": {"withdraw"}})
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "只有数据主管部门的审核员") {
		t.Errorf("cataloger withdraws: %d\n%.2000s", rec.Code, rec.Body.String())
	}
	// Returning needs a reason, shown beside the field.
	edited := url.Values{}
	for k, v := range entryForm {
		edited[k] = v
	}
	edited.Set("summary", "测试，第二版")
	if rec := w.do("gaj.cataloger", http.MethodPost, "/catalog/edit?code="+url.QueryEscape(code), edited); rec.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", rec.Code, rec.Body.String())
	}
	w.do("gaj.cataloger", http.MethodPost, "/catalog/workflow", url.Values{"code": {code}, "action": {"submit"}})
	rec = w.do("xzsp.approver", http.MethodPost, "/catalog/workflow", url.Values{"code": {code}, "action": {"return"}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "请填写退回理由") {
		t.Errorf("return without a reason: %d\n%.2000s", rec.Code, rec.Body.String())
	}
	// The approver sees version 1 in force and version 2 pending, and the diff.
	rec = w.do("xzsp.approver", http.MethodGet, entry+"&latest=true", nil)
	if body := rec.Body.String(); !strings.Contains(body, "第 1 版现行有效，第 2 版待发布") || !strings.Contains(body, "测试，第二版") {
		t.Errorf("entry with a pending version:\n%.3000s", body)
	}
	r := httptest.NewRequest(http.MethodGet, "/catalog/diff?code="+url.QueryEscape(code)+"&from=1&to=2", nil)
	r.Header.Set("HX-Request", "true")
	r.AddCookie(w.cookies["xzsp.approver"])
	rec = httptest.NewRecorder()
	w.handler.ServeHTTP(rec, r)
	if body := rec.Body.String(); !strings.Contains(body, "资源摘要") || !strings.Contains(body, "测试，第二版") || strings.Contains(body, "<html") {
		t.Errorf("diff fragment:\n%s", body)
	}
	if rec := w.do("xzsp.approver", http.MethodGet, "/catalog/review", nil); !strings.Contains(rec.Body.String(), "第 2 版") {
		t.Errorf("review queue lacks the pending version:\n%.3000s", rec.Body.String())
	}

	// Export in each format, and the template.
	for _, f := range []struct{ path, ctype string }{
		{"/catalog/export?format=xlsx", catalogXLSX}, {"/catalog/export?format=json", "application/json"},
		{"/catalog/export?format=dcat", "application/ld+json"}, {"/catalog/template.xlsx", catalogXLSX},
	} {
		rec := w.do("gaj.cataloger", http.MethodGet, f.path, nil)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != f.ctype || rec.Body.Len() == 0 || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("GET %s: %d %s (%d bytes)", f.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
		}
	}
}
