package web

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestMandatesConsole walks a mandate through the console page 数据交换 →
// 归集任务: the authority's approver creates it (refusals beside the
// fields), the provider's approver confirms it, and the channel shows its
// basis; nobody finds a form that creates a channel directly.
func TestMandatesConsole(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storetest.Open(t, filepath.Join(dir, "govshare.db"), []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration,
		exchange.Migration, aggregation.Migration})
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	cat := catalog.NewService(db, log, o, nil)
	cat.SQLiteRoot = filepath.Join(dir, "datasources")
	ls := lists.NewService(db, log, o, cat)
	cat.Negative = ls
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: ls}, filepath.Join(dir, "datasources"), io.Discard); err != nil {
		t.Fatal(err)
	}
	agg := aggregation.NewService(db, log, o, cat, ls)
	mgr := exchange.NewManager(db, log, o, exchange.PlatformResolver(cat), nil, exchange.ManagerOptions{Mandate: agg.Shape})
	agg.SetChannels(mgr)
	s, err := newServer(Deps{Org: o, Audit: log, Catalog: cat, Lists: ls, Exchange: mgr, Aggregation: agg, Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	s.routes(r)
	as := func(user, lang string) *consoleUser {
		sess, p, err := o.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if user == "xzsp.node" { // the authority's shared store
			path := demo.DatabasePath(filepath.Join(dir, "datasources"), "xzsp")
			os.MkdirAll(filepath.Dir(path), 0o700)
			sdb, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			sdb.Exec("PRAGMA user_version = 1")
			sdb.Close()
			if _, err := cat.CreateDatasource(ctx, p, catalog.Datasource{Name: "xzsp-共享库", Driver: "sqlite", DSN: path}); err != nil {
				t.Fatal(err)
			}
		}
		return &consoleUser{t: t, h: r, token: sess.Token, lang: lang}
	}
	node := as("xzsp.node", "")
	res, err := cat.Search(ctx, org.System, catalog.Query{Q: "户籍人口基本信息", PageSize: 5})
	if err != nil || len(res.Items) == 0 {
		t.Fatalf("no population entry: %v", err)
	}
	population := res.Items[0].Code
	authority, provider, admin, enAuthority := as("xzsp.approver", ""), as("gaj.approver", ""), as(org.AdminUsername, ""), as("xzsp.approver", "en")
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	good := form("name", "户籍人口归集", "entry_code", population, "items", "name, gender", "target_datasource", "xzsp-共享库", "target_table", "gaj_population",
		"mode", "full", "schedule", "0 2 * * *", "basis", "《政务数据归集规定》（测试）")
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
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
		{"the exchange area has the mandates tab", authority, "GET", "/exchange/channels", nil, 200, []string{`href="/exchange/mandates"`, "归集任务"}, []string{`href="/exchange/channels/new"`}},
		{"the authority's approver sees the form", authority, "GET", "/exchange/mandates", nil, 200, []string{`id="mandate-form"`, "发起归集任务"}, nil},
		{"in English too", enAuthority, "GET", "/exchange/mandates", nil, 200, []string{"New aggregation mandate"}, []string{"!aggregation."}},
		{"the system admin sees neither mandates nor the form", admin, "GET", "/exchange/mandates", nil, 200, []string{"暂无数据"}, []string{`id="mandate-form"`}},
		{"the node operator sees no form", node, "GET", "/exchange/mandates", nil, 200, nil, []string{`id="mandate-form"`}},
		{"no channel form remains", admin, "POST", "/exchange/channels", good, 405, nil, nil},
		{"missing fields are shown beside them", authority, "POST", "/exchange/mandates", form("entry_code", population, "mode", "full", "schedule", "0 2 * * *"), 400,
			[]string{`class="field-error">必填`}, nil},
		{"a target of another department", authority, "POST", "/exchange/mandates", with("target_datasource", "gaj-业务库"), 400, []string{"field-error"}, nil},
		{"a negative-listed item is refused with the basis", authority, "POST", "/exchange/mandates", with("items", "name,address"), 403,
			[]string{"数据项 address 列入负面清单", "户籍地址属于敏感个人信息"}, nil},
		{"the system admin cannot create one", admin, "POST", "/exchange/mandates", good, 403, []string{"只有数据主管部门的审核员可以发起归集任务"}, nil},
		{"the mandate", authority, "POST", "/exchange/mandates", good, 303, nil, nil},
		{"it waits for the provider", provider, "GET", "/exchange/mandates", nil, 200, []string{`id="mandate-1"`, "待确认", "户籍人口归集", "/exchange/mandates/1/confirm"}, nil},
		{"the authority cannot confirm", authority, "POST", "/exchange/mandates/1/confirm", nil, 403, []string{"只有提供部门的审核员可以确认或拒绝归集任务"}, nil},
		{"refusing needs a reason", provider, "POST", "/exchange/mandates/1/refuse", form("reason", " "), 400, []string{"请填写原因"}, nil},
		{"the provider confirms", provider, "POST", "/exchange/mandates/1/confirm", nil, 303, nil, nil},
		{"confirmed, with its channel", authority, "GET", "/exchange/mandates", nil, 200, []string{"已确认", `href="/exchange/channels/ch-`}, []string{"/exchange/mandates/1/confirm"}},
		{"the authority revokes", authority, "POST", "/exchange/mandates/1/revoke", form("reason", "归集方式调整"), 303, nil, nil},
		{"revoked", provider, "GET", "/exchange/mandates", nil, 200, []string{"已撤销", "归集方式调整"}, []string{"/exchange/mandates/1/revoke"}},
	}
	for _, st := range steps {
		status, body, _ := st.u.do(st.method, st.path, st.form)
		if status != st.wantStatus {
			t.Errorf("%s: %s %s = %d, want %d\n%s", st.name, st.method, st.path, status, st.wantStatus, excerpt(body))
			continue
		}
		for _, w := range st.wantText {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page lacks %q\n%s", st.name, w, excerpt(body))
			}
		}
		for _, w := range st.wantNot {
			if strings.Contains(body, w) {
				t.Errorf("%s: the page shows %q", st.name, w)
			}
		}
	}
	// The channel's page names its basis.
	_, ap, err := o.Login(ctx, "xzsp.approver", demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ms, _, err := agg.Mandates(ctx, ap, aggregation.Filter{})
	if err != nil || len(ms) != 1 {
		t.Fatalf("mandates: %v, %v", ms, err)
	}
	for _, m := range ms {
		status, body, _ := as("gaj.cataloger", "").do("GET", "/exchange/channels/"+m.ChannelID, nil)
		if status != 200 || !strings.Contains(body, "归集任务 1") || !strings.Contains(body, `id="channel-basis"`) {
			t.Errorf("channel page: %d, want its basis, mandate 1\n%s", status, excerpt(body))
		}
	}
}

// excerpt shortens a page for a failure message.
func excerpt(b string) string {
	if i := strings.Index(b, "<main"); i >= 0 {
		b = b[i:]
	}
	return b[:min(len(b), 1500)]
}
