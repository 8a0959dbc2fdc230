package catalog_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// world is a demo city with a catalog service.
type world struct {
	ctx       context.Context
	db        *store.DB
	org       *org.Service
	svc       *catalog.Service
	cataloger org.Principal // 公安局
	other     org.Principal // 市场监管局 cataloger
	approver  org.Principal // 行政审批服务局 (the data authority)
	consumer  org.Principal // 公安局 consumer
	outsider  org.Principal // 民政局 approver: not the authority
}

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	o := org.NewService(db, audit.New(db), division.Default())
	if err := demo.LoadOrg(ctx, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	w := &world{ctx: ctx, db: db, org: o, svc: catalog.NewService(db, audit.New(db), o, nil)}
	w.svc.SQLiteRoot = t.TempDir()
	w.svc.Hosts, _ = connector.ParseHosts("127.0.0.1") // the test servers
	login := func(user string) org.Principal {
		_, p, err := o.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	w.cataloger, w.other, w.approver, w.consumer, w.outsider = login("gaj.cataloger"), login("scj.cataloger"), login("xzsp.approver"), login("gaj.consumer"), login("mzj.approver")
	return w
}

func sampleEntry(name string) catalog.Entry {
	return catalog.Entry{
		Name: name, Summary: "户籍人口的基本信息，包括姓名、身份证号和户籍地址。", Category: "基础信息资源", CategoryItem: "01", CategorySubItem: "001",
		Format: "数据库", ShareType: "有条件共享", ShareCondition: "仅用于政务服务办理", OpenType: "不予开放", UpdateCycle: "每日",
		Keywords: []string{"户籍", "人口"},
		Items: []catalog.Item{
			{Name: "公民身份号码", Identifier: "id_number", DataType: "C", Length: 18, Key: true, Validator: "id_number", Masking: "id_number", Grade: "important"},
			{Name: "姓名", Identifier: "name", DataType: "字符型", Length: 50, Masking: "name"},
			{Name: "现住址", Identifier: "address", DataType: "string", Length: 200, ShareType: "none", Masking: "address"},
			{Name: "更新时间", Identifier: "updated_at", DataType: "T", Timestamp: true},
		},
		Grade: "important",
	}
}

func TestEntryLifecycle(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.ctx
		e, err := w.svc.Create(ctx, w.cataloger, sampleEntry("人口基本信息"))
		if err != nil {
			t.Fatal(err)
		}
		if e.Code != "101001/000001" || e.Version != 1 || e.Status != catalog.StatusDraft {
			t.Fatalf("created %s v%d %s", e.Code, e.Version, e.Status)
		}
		if e.Items[0].DataType != "string" || e.Items[3].DataType != "datetime" || e.ShareType != catalog.ShareConditional {
			t.Errorf("labels and letters not normalised: %+v", e.Items)
		}
		second, err := w.svc.Create(ctx, w.cataloger, sampleEntry("人口迁移信息"))
		if err != nil || second.Code != "101001/000002" {
			t.Fatalf("second code = %q, %v", second.Code, err)
		}
		steps := []struct {
			name       string
			p          org.Principal
			action     string
			reason     string
			wantStatus string
			wantCode   string
		}{
			{"approver cannot approve a draft", w.approver, catalog.ActionApprove, "", "", errs.Conflict},
			// A draft another department cannot read is not found, as reading it answers.
			{"another department cannot submit", w.other, catalog.ActionSubmit, "", "", errs.NotFound},
			{"cataloger submits", w.cataloger, catalog.ActionSubmit, "", catalog.StatusSubmitted, ""},
			{"a non-authority approver cannot approve", w.outsider, catalog.ActionApprove, "", "", errs.NotFound},
			{"the provider's consumer cannot approve", w.consumer, catalog.ActionApprove, "", "", errs.Forbidden},
			{"cataloger cannot approve", w.cataloger, catalog.ActionApprove, "", "", errs.Forbidden},
			{"return needs a reason", w.approver, catalog.ActionReturn, "", "", errs.Invalid},
			{"approver returns", w.approver, catalog.ActionReturn, "共享条件不明确", catalog.StatusReturned, ""},
			{"cataloger resubmits", w.cataloger, catalog.ActionSubmit, "", catalog.StatusSubmitted, ""},
			{"approver approves", w.approver, catalog.ActionApprove, "", catalog.StatusApproved, ""},
			{"approver publishes", w.approver, catalog.ActionPublish, "", catalog.StatusPublished, ""},
			{"publish twice", w.approver, catalog.ActionPublish, "", "", errs.Conflict},
		}
		for _, st := range steps {
			got, err := w.svc.Transition(ctx, st.p, e.Code, st.action, st.reason)
			if st.wantCode != "" {
				if !errs.Is(err, st.wantCode) {
					t.Fatalf("%s: err = %v, want %s", st.name, err, st.wantCode)
				}
				continue
			}
			if err != nil || got.Status != st.wantStatus {
				t.Fatalf("%s: status %q, err %v; want %s", st.name, got.Status, err, st.wantStatus)
			}
		}
		// A change makes version 2; version 1 stays in force.
		changed := sampleEntry("人口基本信息（2026版）")
		v2, err := w.svc.Update(ctx, w.cataloger, e.Code, changed)
		if err != nil || v2.Version != 2 || v2.Status != catalog.StatusDraft {
			t.Fatalf("update = v%d %s, %v", v2.Version, v2.Status, err)
		}
		seen, err := w.svc.Get(ctx, w.consumer, e.Code, false)
		if err != nil || seen.Version != 1 || seen.Name != "人口基本信息" {
			t.Fatalf("consumer sees v%d %q, %v; want the published v1", seen.Version, seen.Name, err)
		}
		if _, err := w.svc.Get(ctx, w.other, second.Code, false); !errs.Is(err, errs.NotFound) {
			t.Errorf("another department sees an unpublished draft: %v", err)
		}
		latest, err := w.svc.Get(ctx, w.cataloger, e.Code, true)
		if err != nil || latest.Version != 2 {
			t.Fatalf("cataloger's latest = v%d, %v", latest.Version, err)
		}
		if res, err := w.svc.Search(ctx, w.other, catalog.Query{Status: catalog.StatusDraft}); err != nil || res.Total != 0 {
			t.Errorf("another department learns of a pending change: %d, %v", res.Total, err)
		}
		if res, err := w.svc.Search(ctx, w.cataloger, catalog.Query{Status: catalog.StatusDraft}); err != nil || res.Total < 2 {
			t.Errorf("the provider does not see its pending change: %d, %v", res.Total, err)
		}
		// The same content again changes nothing.
		if again, err := w.svc.Update(ctx, w.cataloger, e.Code, changed); err != nil || again.Version != 2 {
			t.Fatalf("idempotent update = v%d, %v", again.Version, err)
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			p := w.approver
			if a == catalog.ActionSubmit {
				p = w.cataloger
			}
			if _, err := w.svc.Transition(ctx, p, e.Code, a, ""); err != nil {
				t.Fatalf("%s v2: %v", a, err)
			}
		}
		vs, hist, err := w.svc.Versions(ctx, w.cataloger, e.Code)
		if err != nil || len(vs) != 2 || vs[0].Status != catalog.StatusPublished || vs[1].Status != catalog.StatusSuperseded {
			t.Fatalf("versions = %+v, %v", vs, err)
		}
		if len(hist) < 8 {
			t.Errorf("history has %d events", len(hist))
		}
		v1, _ := w.svc.Version(ctx, w.consumer, e.Code, 1)
		v2, _ = w.svc.Version(ctx, w.consumer, e.Code, 2)
		diff := catalog.Diff(v1, v2)
		if len(diff) != 1 || diff[0].Field != "name" || diff[0].To != "人口基本信息（2026版）" {
			t.Errorf("diff = %+v", diff)
		}
		if _, err := w.svc.Transition(ctx, w.approver, e.Code, catalog.ActionWithdraw, "停止共享"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Get(ctx, w.other, e.Code, false); !errs.Is(err, errs.NotFound) {
			t.Errorf("withdrawn entry still visible to consumers: %v", err)
		}
		if n, err := audit.New(db).Verify(ctx); err != nil {
			t.Fatalf("audit chain: %d %v", n, err)
		}
	})
}

func TestCreateRejects(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		mod := func(f func(e *catalog.Entry)) catalog.Entry {
			e := sampleEntry("测试资源")
			f(&e)
			return e
		}
		tests := []struct {
			name  string
			p     org.Principal
			e     catalog.Entry
			field string
			code  string
		}{
			{"conditional without condition", w.cataloger, mod(func(e *catalog.Entry) { e.ShareCondition = "" }), "share_condition", errs.Invalid},
			{"not shared without basis", w.cataloger, mod(func(e *catalog.Entry) { e.ShareType = "none"; e.OpenType = "closed" }), "share_basis", errs.Invalid},
			{"closed item cannot be open", w.cataloger, mod(func(e *catalog.Entry) { e.OpenType = "open"; e.Items[2].OpenType = "open" }), "items[2].open_type", errs.Invalid},
			{"two timestamps", w.cataloger, mod(func(e *catalog.Entry) { e.Items[1].Timestamp = true; e.Items[1].DataType = "datetime" }), "items[3].timestamp", errs.Invalid},
			{"item wider than entry", w.cataloger, mod(func(e *catalog.Entry) { e.Items[1].ShareType = "unconditional" }), "items[1].share_type", errs.Invalid},
			{"grade below its items", w.cataloger, mod(func(e *catalog.Entry) { e.Grade = "general" }), "grade", errs.Invalid},
			{"unknown data type", w.cataloger, mod(func(e *catalog.Entry) { e.Items[0].DataType = "Q" }), "items[0].data_type", errs.Invalid},
			{"bad regex", w.cataloger, mod(func(e *catalog.Entry) { e.Items[1].Validator = "regex"; e.Items[1].ValidatorParam = "([" }), "items[1].validator_param", errs.Invalid},
			{"code that does not parse", w.cataloger, mod(func(e *catalog.Entry) { e.Code = "1010010000001" }), "code", errs.Invalid},
			{"code of another category", w.cataloger, mod(func(e *catalog.Entry) { e.Code = "301001/000009" }), "code", errs.Invalid},
			{"unknown related entry", w.cataloger, mod(func(e *catalog.Entry) { e.Related = []string{"101001/009999"} }), "related", errs.Invalid},
			{"consumer cannot catalogue", w.consumer, sampleEntry("x"), "", errs.Forbidden},
			{"other department's provider", w.other, mod(func(e *catalog.Entry) { e.ProviderID = w.cataloger.DepartmentID }), "", errs.Forbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.svc.Create(w.ctx, tt.p, tt.e)
				if !errs.Is(err, tt.code) {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				if tt.field != "" {
					if _, _, fields := errs.Public(err); fields[tt.field] == "" {
						t.Errorf("fields = %v, want a problem with %s", fields, tt.field)
					}
				}
			})
		}
		// An imported code is kept, and generated codes never collide with it.
		e, err := w.svc.Create(w.ctx, w.cataloger, mod(func(e *catalog.Entry) { e.Code = "101001/000007" }))
		if err != nil || e.Code != "101001/000007" {
			t.Fatalf("import code = %q, %v", e.Code, err)
		}
		next, err := w.svc.Create(w.ctx, w.cataloger, sampleEntry("下一个"))
		if err != nil || next.Code != "101001/000008" {
			t.Fatalf("next generated code = %q, %v", next.Code, err)
		}
		if _, err := w.svc.Create(w.ctx, w.cataloger, mod(func(e *catalog.Entry) { e.Code = "101001/000007" })); !errs.Is(err, errs.Conflict) {
			t.Errorf("reused code: %v", err)
		}
	})
}

func TestSearch(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		names := []string{"户籍人口基本信息", "社保缴费记录", "不动产登记证明", "营业执照信息", "社会保障卡信息"}
		for _, n := range names {
			e := sampleEntry(n)
			e.Keywords = nil
			e.Summary = "演示资源：" + n
			created, err := w.svc.Create(w.ctx, w.cataloger, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
				p := w.approver
				if a == catalog.ActionSubmit {
					p = w.cataloger
				}
				if _, err := w.svc.Transition(w.ctx, p, created.Code, a, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		draft := sampleEntry("户籍变更草稿")
		if _, err := w.svc.Create(w.ctx, w.cataloger, draft); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			p     org.Principal
			q     catalog.Query
			want  []string
			total int
		}{
			{"two characters 户籍", w.other, catalog.Query{Q: "户籍"}, []string{"户籍人口基本信息"}, 1},
			{"two characters 社保", w.other, catalog.Query{Q: "社保"}, []string{"社保缴费记录"}, 1},
			{"own drafts are found", w.cataloger, catalog.Query{Q: "户籍"}, nil, 2},
			{"one character", w.other, catalog.Query{Q: "证"}, []string{"不动产登记证明"}, 1},
			{"three characters", w.other, catalog.Query{Q: "不动产"}, []string{"不动产登记证明"}, 1},
			{"item names", w.other, catalog.Query{Q: "身份号码"}, nil, 5},
			{"no match", w.other, catalog.Query{Q: "气象"}, nil, 0},
			{"two phrases", w.other, catalog.Query{Q: "社会 保障"}, []string{"社会保障卡信息"}, 1},
			{"punctuation only", w.other, catalog.Query{Q: "\"*()"}, nil, 5},
			{"filter status", w.approver, catalog.Query{Status: catalog.StatusDraft}, []string{"户籍变更草稿"}, 1},
			{"sort by name", w.other, catalog.Query{Sort: "name", PageSize: 2}, []string{"不动产登记证明", "户籍人口基本信息"}, 5},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.Facets = true
				res, err := w.svc.Search(w.ctx, tt.p, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != tt.total {
					t.Errorf("total = %d, want %d (%v)", res.Total, tt.total, hitNames(res))
				}
				if tt.want != nil && fmt.Sprint(hitNames(res)) != fmt.Sprint(tt.want) {
					t.Errorf("hits = %v, want %v", hitNames(res), tt.want)
				}
				sum := 0
				for _, f := range res.Facets["share_type"] {
					sum += f.Count
				}
				if sum != res.Total {
					t.Errorf("share_type facet counts sum to %d, total %d", sum, res.Total)
				}
			})
		}
	})
}

func hitNames(r catalog.Result) []string {
	var out []string
	for _, h := range r.Items {
		out = append(out, h.Name)
	}
	return out
}

var _ = strings.Contains

// TestConcurrentReview races a return against a publish of the same
// version: exactly one may win, on every dialect.
func TestConcurrentReview(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for round := 0; round < 5; round++ {
			e, err := w.svc.Create(w.ctx, w.cataloger, sampleEntry(fmt.Sprintf("并发审核%d", round)))
			if err != nil {
				t.Fatal(err)
			}
			w.svc.Transition(w.ctx, w.cataloger, e.Code, catalog.ActionSubmit, "")
			if _, err := w.svc.Transition(w.ctx, w.approver, e.Code, catalog.ActionApprove, ""); err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 2)
			go func() { _, err := w.svc.Transition(w.ctx, w.approver, e.Code, catalog.ActionPublish, ""); errc <- err }()
			go func() {
				_, err := w.svc.Transition(w.ctx, w.approver, e.Code, catalog.ActionReturn, "字段不全")
				errc <- err
			}()
			e1, e2 := <-errc, <-errc
			if (e1 == nil) == (e2 == nil) {
				t.Fatalf("publish and return both %v / %v; want exactly one to win", e1, e2)
			}
			for _, err := range []error{e1, e2} {
				if err != nil && !errs.Is(err, errs.Conflict) {
					t.Fatalf("the loser failed with %v, want a conflict", err)
				}
			}
			got, err := w.svc.Get(w.ctx, w.approver, e.Code, true)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == catalog.StatusReturned && got.PublishedAt.IsZero() == false {
				t.Errorf("returned but published at %v", got.PublishedAt)
			}
		}
	})
}
