package app

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// The platform serves the open data portal without login, the CKAN API and
// the DCAT feeds with IRIs under --public-url, and the login page links to
// the portal.
func TestPortalServed(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--public-url", "https://data.zhuzhou.example/")
	anon := &client{t: t, base: p.URL}
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/open/", []string{"政务数据开放平台", "共 4 个数据集", "环境空气质量日报", "公共停车场信息", "特种设备使用登记信息"}},
		{"/api/3/action/status_show", []string{`"success":true`, `"site_url":"https://data.zhuzhou.example"`}},
		{"/api/3/action/package_search?q=%E5%81%9C%E8%BD%A6", []string{`"count":1`, "https://data.zhuzhou.example/open/dataset/"}},
		{"/catalog.ttl", []string{"<https://data.zhuzhou.example/open/catalog>", "a dcat:Catalog"}},
		{"/catalog.jsonld", []string{`"@id": "https://data.zhuzhou.example/open/catalog"`}},
		{"/catalog.rdf", []string{`rdf:about="https://data.zhuzhou.example/open/catalog"`}},
		{"/login", []string{`href="/open/" id="portal-link"`}},
	} {
		status, body := anon.raw("GET", c.path, nil)
		if status != 200 {
			t.Errorf("GET %s = %d", c.path, status)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(body), w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
		if strings.Contains(string(body), "http:///") {
			t.Errorf("GET %s has an IRI without a host", c.path)
		}
	}
	if status, _ := anon.raw("GET", "/open/dataset/101001_000001", nil); status != 404 {
		t.Errorf("the closed 户籍人口基本信息 at /open/ = %d, want 404", status)
	}
	// The providing department's approver sees the demo's public user's
	// approved application in the console; the auditor is refused.
	for _, c := range []struct {
		user   string
		status int
		want   string
	}{{"scj.approver", 200, `class="app-state state-approved"`}, {"auditor", 403, ""}} {
		token := login(t, p.URL, c.user, demo.Password).token
		req, _ := http.NewRequest("GET", p.URL+"/sharing/public", nil)
		req.AddCookie(&http.Cookie{Name: "gs_session", Value: token})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || !strings.Contains(string(body), c.want) || c.want != "" && !strings.Contains(string(body), "de***@example.com") {
			t.Errorf("%s: /sharing/public = %d, want %d with %q", c.user, resp.StatusCode, c.status, c.want)
		}
	}
}
