package portal_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// The demo's public datasets: three open, one open on conditions.
var (
	wantOpen        = []string{"环境空气质量日报", "公共停车场信息", "城市公园名录"}
	wantConditional = []string{"特种设备使用登记信息"}
)

// TestOnlyOpenEntriesArePublic walks every public path as an anonymous
// client (the portal's pages and every link on them, the CKAN API, the
// DCAT feeds and documents, the downloads) against the demo city, whose
// catalog holds closed, conditionally open and open entries, plus an open
// entry still in draft, a closed entry with a pending version that would
// open it, and an open entry withdrawn. Nothing of an entry that is not
// public appears anywhere; of a conditionally open entry, nothing but its
// metadata; of a closed item of an open entry, nothing at all.
func TestOnlyOpenEntriesArePublic(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		ctx := p.ctx
		gaj, approver := p.login(t, "gaj.cataloger"), p.login(t, "xzsp.approver")
		// An open entry left in draft.
		draft := catalog.Entry{Name: "草稿中的开放数据集", Summary: "尚未发布", Category: "departmental", CategoryItem: "08", CategorySubItem: "001", Format: "database",
			ShareType: catalog.ShareUnconditional, OpenType: catalog.OpenUnconditional, UpdateCycle: "daily",
			Items: []catalog.Item{{Name: "编号", Identifier: "id", DataType: "string", Length: 10, Key: true}}}
		if _, err := p.catalog.Create(ctx, gaj, draft); err != nil {
			t.Fatal(err)
		}
		// An open entry published, then withdrawn.
		gone := draft
		gone.Name = "已撤销的开放数据集"
		e, err := p.catalog.Create(ctx, gaj, gone)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish, catalog.ActionWithdraw} {
			who := approver
			if a == catalog.ActionSubmit {
				who = gaj
			}
			if _, err := p.catalog.Transition(ctx, who, e.Code, a, "测试"); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		// A closed entry in force with a version under review that would open it.
		scj := p.login(t, "scj.cataloger")
		res, err := p.catalog.Search(ctx, scj, catalog.Query{Q: "企业登记注册信息"})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("find 企业登记注册信息: %v %+v", err, res)
		}
		ent, err := p.catalog.Get(ctx, scj, res.Items[0].Code, false)
		if err != nil {
			t.Fatal(err)
		}
		ent.OpenType = catalog.OpenUnconditional
		for i := range ent.Items {
			ent.Items[i].OpenType = ""
		}
		if _, err := p.catalog.Update(ctx, scj, ent.Code, ent); err != nil {
			t.Fatal(err)
		}
		if _, err := p.catalog.Transition(ctx, scj, ent.Code, catalog.ActionSubmit, ""); err != nil {
			t.Fatal(err)
		}

		// Every entry, as the auditor sees them.
		all, err := p.catalog.Search(ctx, p.login(t, "auditor"), catalog.Query{PageSize: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total < 15 {
			t.Fatalf("the demo has %d entries, want at least 15", all.Total)
		}
		public := map[string]string{} // code → name
		var forbidden []string
		for _, h := range all.Items {
			if slices.Contains(wantOpen, h.Name) || slices.Contains(wantConditional, h.Name) {
				public[h.Code] = h.Name
				continue
			}
			forbidden = append(forbidden, h.Code, opendata.Slug(h.Code), h.Name)
		}
		if len(public) != len(wantOpen)+len(wantConditional) {
			t.Fatalf("found public entries %v, want %v and %v", public, wantOpen, wantConditional)
		}
		// What a conditionally open entry's table and an open entry's closed item hold.
		forbidden = append(forbidden, "TZS-430200", "物业公司", "管理人联系电话", "manager_phone")
		check := func(where, body string) {
			t.Helper()
			for _, f := range forbidden {
				if strings.Contains(body, f) {
					t.Errorf("%s shows %q, which is not public", where, f)
				}
			}
		}

		// Crawl the pages from /open/, following every link of the portal.
		seen := map[string]bool{}
		queue := []string{"/open/", "/open/terms", "/catalog.jsonld", "/catalog.ttl", "/catalog.rdf"}
		href := regexp.MustCompile(`href="([^"]+)"`)
		pages := 0
		downloads := map[string]int{}
		for len(queue) > 0 && pages < 400 {
			u := queue[0]
			queue = queue[1:]
			if seen[u] {
				continue
			}
			seen[u] = true
			pages++
			status, h, body := get(t, p.url+u)
			if status >= 500 {
				t.Errorf("GET %s = %d", u, status)
			}
			if strings.Contains(u, "/download.") {
				downloads[u] = status
			}
			if strings.HasSuffix(u, ".xlsx") {
				body = xlsxText(t, body)
			}
			check("GET "+u, body)
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				continue
			}
			for _, m := range href.FindAllStringSubmatch(body, -1) {
				l := strings.ReplaceAll(m[1], "&amp;", "&")
				if strings.HasPrefix(l, "/open/") || strings.HasPrefix(l, "/api/3/") || strings.HasPrefix(l, "/catalog.") {
					queue = append(queue, l)
				}
			}
		}
		ok := 0
		for u, status := range downloads {
			if status == 200 {
				ok++
			} else {
				t.Errorf("the portal links to %s, which answers %d", u, status)
			}
		}
		if ok != 6 {
			t.Errorf("crawled %d downloads, want CSV, XLSX and JSON of the 2 open datasets with tables", ok)
		}
		if pages < 20 {
			t.Errorf("crawled %d pages, want the portal's pages, datasets, downloads and documents", pages)
		}
		for code := range public {
			if !seen["/open/dataset/"+opendata.Slug(code)] {
				t.Errorf("no link leads to public dataset %s", code)
			}
		}

		// The CKAN API, every action.
		api := func(action, query string) string {
			t.Helper()
			status, _, body := get(t, p.url+"/api/3/action/"+action+"?"+query)
			if status >= 500 {
				t.Errorf("%s?%s = %d", action, query, status)
			}
			check(action+"?"+query, body)
			return body
		}
		var list struct{ Result []string }
		json.Unmarshal([]byte(api("package_list", "")), &list)
		if len(list.Result) != len(public) {
			t.Errorf("package_list = %v, want the %d public datasets", list.Result, len(public))
		}
		api("package_search", "rows=1000")
		api("package_search", "q=*:*&rows=1000&facet.field=%5B%22organization%22,%22groups%22,%22res_format%22,%22license_id%22%5D")
		api("current_package_list_with_resources", "limit=1000")
		var orgs struct{ Result []string }
		json.Unmarshal([]byte(api("organization_list", "")), &orgs)
		api("organization_list", "all_fields=true")
		for _, o := range orgs.Result {
			api("organization_show", "include_datasets=true&id="+url.QueryEscape(o))
		}
		api("group_list", "all_fields=true")
		api("tag_list", "")
		api("status_show", "")
		for code := range public {
			for _, r := range []string{"csv", "xlsx", "json", "apply"} {
				api("resource_show", "id="+url.QueryEscape(opendata.Slug(code)+"-"+r))
			}
		}

		// Every entry that is not public, asked for by name on every path.
		for _, h := range all.Items {
			if _, ok := public[h.Code]; ok {
				continue
			}
			slug := opendata.Slug(h.Code)
			for _, path := range []string{"/open/dataset/" + slug, "/open/dataset/" + slug + ".ttl", "/open/dataset/" + slug + ".jsonld", "/open/dataset/" + slug + ".rdf",
				"/open/dataset/" + slug + "/download.csv", "/open/dataset/" + slug + "/download.xlsx", "/open/dataset/" + slug + "/download.json",
				"/api/3/action/package_show?id=" + slug, "/api/3/action/resource_show?id=" + slug + "-csv"} {
				status, _, body := get(t, p.url+path)
				if status != 404 {
					t.Errorf("GET %s (%s, not public) = %d, want 404", path, h.Name, status)
				}
				if strings.Contains(body, h.Name) {
					t.Errorf("GET %s shows the name of %s, which is not public", path, h.Name)
				}
			}
		}
		// A conditionally open entry has no downloads and no sample.
		for code, name := range public {
			if !slices.Contains(wantConditional, name) {
				continue
			}
			for _, f := range opendata.Formats {
				if status, _, _ := get(t, p.url+"/open/dataset/"+opendata.Slug(code)+"/download."+f); status != 403 {
					t.Errorf("download %s of conditionally open %s = %d, want 403", f, name, status)
				}
			}
			_, _, body := get(t, p.url+"/open/dataset/"+opendata.Slug(code))
			if strings.Contains(body, `id="sample"`) || !strings.Contains(body, `id="apply"`) {
				t.Errorf("the page of conditionally open %s shows a sample or no way to apply", name)
			}
		}
	})
}

// xlsxText returns the cells of every sheet of a workbook, for checking.
func xlsxText(t *testing.T, body string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		return body // not a workbook: an error page, checked as text
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}
