package app

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/lists"
)

// The authority's reports on the demo: the first assessment, sharing
// results and a project's acceptance check, through the REST API and the
// console, with downloads, and refused to the officers who move no data.
func TestAssessReports(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	period := time.Now().In(lists.Beijing).Format("2006-01")
	authority := login(t, p.URL, "xzsp.approver", demo.Password)

	status, r := authority.do("GET", "/api/v1/assessments?period="+period+"&level=department", nil)
	if status != http.StatusOK || r["empty"] == true || len(r["rows"].([]any)) != len(demo.Departments) {
		t.Fatalf("assessment: %d %v", status, r)
	}
	first := r["rows"].([]any)[0].(map[string]any)
	unit := first["unit"].(string)
	status, one := authority.do("GET", "/api/v1/assessments/"+period+"/"+unit, nil)
	if status != http.StatusOK || one["records"] == nil {
		t.Fatalf("one department: %d %v", status, one)
	}
	for _, f := range []struct{ format, ctype, magic string }{{"pdf", "application/pdf", "%PDF"}, {"xlsx", "spreadsheetml", "PK"}} {
		status, body := authority.raw("GET", "/api/v1/assessments/"+period+"/"+unit+"?format="+f.format, nil)
		if status != http.StatusOK || !strings.HasPrefix(string(body), f.magic) {
			t.Errorf("%s export: %d %q", f.format, status, body[:min(len(body), 40)])
		}
	}
	if status, body := authority.do("GET", "/api/v1/assessments?period=2026-13", nil); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "period") {
		t.Errorf("bad period: %d %v", status, body)
	}
	if status, body := authority.do("GET", "/api/v1/sharing-results?period="+period, nil); status != http.StatusOK || body["results"] == nil {
		t.Errorf("sharing results: %d %v", status, body)
	}
	status, ind := authority.do("PUT", "/api/v1/assessments/indicators", map[string]any{"indicators": []map[string]any{{"key": "mount_rate", "weight": 20, "target": 0.85, "enabled": true}}})
	if status != http.StatusOK || len(ind["indicators"].([]any)) < 10 {
		t.Errorf("set indicators: %d %v", status, ind)
	}
	cat := login(t, p.URL, "gaj.cataloger", demo.Password)
	status, projects := cat.raw("GET", "/api/v1/projects", nil)
	if status != http.StatusOK || !strings.Contains(string(projects), "人口信息管理系统") {
		t.Fatalf("projects: %d %s", status, projects)
	}
	status, check := cat.do("GET", "/api/v1/projects/1/acceptance", nil)
	if status != http.StatusOK || check["pass"] == nil || len(check["reasons"].([]any)) == 0 {
		t.Errorf("acceptance: %d %v", status, check)
	}
	if status, body := cat.raw("GET", "/api/v1/projects/1/acceptance?format=pdf", nil); status != http.StatusOK || !strings.HasPrefix(string(body), "%PDF") {
		t.Errorf("printed acceptance: %d", status)
	}
	// The officers: the system and security administrators see nothing; the auditor reads.
	for user, want := range map[string]int{"admin": http.StatusForbidden, "secadmin": http.StatusForbidden, "auditor": http.StatusOK} {
		c := login(t, p.URL, user, demo.Password)
		if status, _ := c.raw("GET", "/api/v1/assessments?period="+period, nil); status != want {
			t.Errorf("%s reads the assessment: %d, want %d", user, status, want)
		}
		if status, _ := c.raw("POST", "/api/v1/assessments", map[string]string{"period": period}); status != http.StatusForbidden {
			t.Errorf("%s generates: %d, want 403", user, status)
		}
	}

	// The console: the pages, their charts and downloads, in Chinese.
	jar, _ := cookiejar.New(nil)
	web := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := web.PostForm(p.URL+"/login", url.Values{"username": {"xzsp.approver"}, "password": {demo.Password}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console login: %v %v", err, resp)
	}
	resp.Body.Close()
	for _, pg := range []struct{ path, want string }{
		{"/assessments", `id="assess-chart"`},
		{"/assessments/unit?unit=" + unit, `id="unit-trend"`},
		{"/sharing-results", `id="results-entries"`},
		{"/projects", "人口信息管理系统"},
		{"/projects/1", `id="verdict"`},
	} {
		resp, err := web.Get(p.URL + pg.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), pg.want) || !strings.Contains(string(b), `href="/assessments"`) {
			t.Errorf("%s: %d, want %q and the nav link", pg.path, resp.StatusCode, pg.want)
		}
	}
	// The forms: a bad weight is named beside its field; a project is registered.
	form := url.Values{}
	for _, key := range []string{"catalog_compiled", "mount_rate"} {
		form.Set(key+".weight", "10")
		form.Set(key+".target", "90")
		form.Set(key+".enabled", "1")
	}
	form.Set("catalog_compiled.weight", "500")
	resp, err = web.PostForm(p.URL+"/assessments/indicators", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "权重应在 0 到 100 之间") {
		t.Errorf("bad weight: %d", resp.StatusCode)
	}
	resp, err = web.PostForm(p.URL+"/projects", url.Values{"name": {"不动产登记系统"}, "entries": {"no/such"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "目录 no/such 不存在") {
		t.Errorf("bad project: %d", resp.StatusCode)
	}
	resp, err = web.PostForm(p.URL+"/projects", url.Values{"name": {"政务服务一网通办平台"}, "entries": {check["entries"].([]any)[0].(map[string]any)["code"].(string)}})
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/projects/") {
		t.Errorf("register a project: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = web.Get(p.URL + "/assessments/export?format=pdf&unit=" + unit)
	if err != nil || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("console download: %v %v", err, resp.Header)
	}
	resp.Body.Close()
}
