package app

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

func upload(t *testing.T, c *client, name string, data []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("file", name)
	part.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/api/v1/catalog/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func TestCatalogAPI(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	cat := login(t, p.URL, "scj.cataloger", demo.Password)
	approver := login(t, p.URL, "xzsp.approver", demo.Password)
	reader := login(t, p.URL, "gjj.consumer", demo.Password)
	entry := map[string]any{
		"name": "食品经营许可信息", "summary": "食品经营许可证的发放记录", "category": "部门信息资源", "category_item": "03", "category_sub_item": "002",
		"format": "数据库", "share_type": "无条件共享", "open_type": "有条件开放", "open_condition": "实名申请", "update_cycle": "每日",
		"keywords": []string{"食品", "许可"},
		"items": []map[string]any{
			{"name": "许可证编号", "identifier": "permit_no", "data_type": "C", "length": 20, "key": true},
			{"name": "经营者名称", "identifier": "operator", "data_type": "字符型", "length": 100},
		},
	}
	status, created := cat.do("POST", "/api/v1/catalog/entries", entry)
	if status != 201 {
		t.Fatalf("create = %d %v", status, created)
	}
	code := created["code"].(string)
	esc := url.PathEscape(code)
	steps := []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		want   int
		text   string
	}{
		{"another department cannot see the draft", reader, "GET", "/api/v1/catalog/entries/" + esc, nil, 404, "not_found"},
		{"invalid item", cat, "POST", "/api/v1/catalog/entries", map[string]any{"name": "x", "category": "base", "category_item": "01", "category_sub_item": "001",
			"format": "database", "share_type": "conditional", "open_type": "closed", "update_cycle": "daily",
			"items": []map[string]any{{"name": "a", "identifier": "A b", "data_type": "Q"}}}, 400, `"items[0].data_type"`},
		{"submit", cat, "POST", "/api/v1/catalog/entries/" + esc + "/submit", nil, 200, `"status":"submitted"`},
		{"return without a reason", approver, "POST", "/api/v1/catalog/entries/" + esc + "/return", map[string]string{}, 400, "reason"},
		{"approve", approver, "POST", "/api/v1/catalog/entries/" + esc + "/approve", nil, 200, `"status":"approved"`},
		{"publish", approver, "POST", "/api/v1/catalog/entries/" + esc + "/publish", nil, 200, `"status":"published"`},
		{"published is visible", reader, "GET", "/api/v1/catalog/entries/" + esc, nil, 200, "食品经营许可信息"},
		{"change makes version 2", cat, "PUT", "/api/v1/catalog/entries/" + esc, withName(entry, "食品经营许可信息（含小作坊）"), 200, `"version":2`},
		{"readers still see version 1", reader, "GET", "/api/v1/catalog/entries/" + esc, nil, 200, `"version":1`},
		{"diff", cat, "GET", "/api/v1/catalog/entries/" + esc + "/diff?from=1&to=2", nil, 200, "含小作坊"},
		{"versions", cat, "GET", "/api/v1/catalog/entries/" + esc + "/versions", nil, 200, `"action":"publish"`},
		{"search by two characters", reader, "GET", "/api/v1/catalog/entries?q=" + url.QueryEscape("食品") + "&facets=true", nil, 200, code},
		{"counts", reader, "GET", "/api/v1/catalog/counts", nil, 200, "株洲市市场监督管理局"},
		{"enums", reader, "GET", "/api/v1/catalog/enums", nil, 200, "有条件共享"},
		{"withdraw needs an approver", cat, "POST", "/api/v1/catalog/entries/" + esc + "/withdraw", nil, 403, "forbidden"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.c.t = t
			status, raw := st.c.raw(st.method, st.path, st.body)
			if status != st.want || !strings.Contains(string(raw), st.text) {
				t.Fatalf("%s %s = %d %s; want %d with %q", st.method, st.path, status, raw, st.want, st.text)
			}
		})
	}

	// A refusal of the catalog answers in the caller's language (Accept-Language).
	langs := []struct {
		name, accept string
		path         string
		body         any
		want         int
		text, not    string
	}{
		{"validation in Chinese", "zh-CN,zh;q=0.9", "/api/v1/catalog/entries", withName(entry, ""), 400, "必填", "is required"},
		{"validation in English", "en", "/api/v1/catalog/entries", withName(entry, ""), 400, "is required", "必填"},
		{"workflow in Chinese", "zh-CN", "/api/v1/catalog/entries/" + esc + "/withdraw", nil, 403, "只有数据主管部门的审核员可以执行“撤销发布”", "only an approver"},
		{"workflow in English", "en-US,en;q=0.8", "/api/v1/catalog/entries/" + esc + "/withdraw", nil, 403, "only an approver of the data authority may withdraw an entry", "审核员"},
	}
	for _, l := range langs {
		t.Run(l.name, func(t *testing.T) {
			var body io.Reader
			if l.body != nil {
				j, _ := json.Marshal(l.body)
				body = bytes.NewReader(j)
			}
			req, _ := http.NewRequest(http.MethodPost, p.URL+l.path, body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+cat.token)
			req.Header.Set("Accept-Language", l.accept)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != l.want || !strings.Contains(string(raw), l.text) || strings.Contains(string(raw), l.not) {
				t.Errorf("%s = %d %s; want %d with %q, without %q", l.path, resp.StatusCode, raw, l.want, l.text, l.not)
			}
		})
	}

	// Export as the Excel template and import it again: nothing changes.
	cat.t = t
	status, xlsx := cat.raw("GET", "/api/v1/catalog/export?format=xlsx&q="+url.QueryEscape("食品"), nil)
	if status != 200 || !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Fatalf("export xlsx = %d, %d bytes", status, len(xlsx))
	}
	if status, body := upload(t, cat, "catalog.xlsx", xlsx); status != 200 || !strings.Contains(body, `"created":0,"updated":0,`) || strings.Contains(body, `"unchanged":0`) {
		t.Fatalf("re-import = %d %s", status, body)
	}
	for _, bad := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"not a spreadsheet", "catalog.xlsx", []byte("this is not a zip file at all"), "xlsx"},
		{"unknown kind", "catalog.csv", []byte("a,b"), "format"},
		{"json with problems", "catalog.json", []byte(`{"entries":[{"name":"","category":"base"}]}`), `"problems"`},
	} {
		if status, body := upload(t, cat, bad.file, bad.data); status != 400 || !strings.Contains(body, bad.want) {
			t.Errorf("%s: import = %d %s, want 400 mentioning %s", bad.name, status, body, bad.want)
		}
	}
	status, tmpl := cat.raw("GET", "/api/v1/catalog/template", nil)
	if status != 200 || !bytes.HasPrefix(tmpl, []byte("PK")) {
		t.Errorf("template = %d", status)
	}
	draft := withName(entry, "开放草稿不得出现在DCAT中")
	draft["open_type"] = "open"
	if status, body := cat.do("POST", "/api/v1/catalog/entries", draft); status != 201 {
		t.Fatalf("draft: %d %v", status, body)
	}
	approver.t = t
	if status, dc := approver.raw("GET", "/api/v1/catalog/export?format=dcat", nil); status != 200 || strings.Contains(string(dc), "开放草稿") {
		t.Errorf("the DCAT feed lists a draft (%d)", status)
	}
	status, dcat := reader.raw("GET", "/api/v1/catalog/export?format=dcat", nil)
	if status != 200 || !strings.Contains(string(dcat), "dcat:Dataset") || strings.Contains(string(dcat), "户籍人口基本信息") {
		t.Errorf("dcat = %d; it must list only open entries:\n%s", status, dcat)
	}
}

func withName(e map[string]any, name string) map[string]any {
	out := map[string]any{}
	for k, v := range e {
		out[k] = v
	}
	out["name"] = name
	return out
}
