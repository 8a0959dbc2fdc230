package app

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"

	"github.com/govshare/govshare/internal/demo"
)

func TestAPIOnDemoCity(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	admin := login(t, p.URL, "admin", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)
	sec := login(t, p.URL, "secadmin", demo.Password)
	cataloger := login(t, p.URL, "gaj.cataloger", demo.Password)
	anon := &client{t: t, base: p.URL}

	tests := []struct {
		name       string
		c          *client
		method     string
		path       string
		body       any
		wantStatus int
		wantCode   string // error code, for errors
		wantDetail string // a key of details, for invalid input
		wantText   string // text the body contains
	}{
		{"regions of the demo city", admin, "GET", "/api/v1/regions", nil, 200, "", "", "渌口区"},
		{"departments in pinyin order", admin, "GET", "/api/v1/departments?page_size=2", nil, 200, "", "", "国网株洲供电公司"},
		{"department search", cataloger, "GET", "/api/v1/departments?q=%E5%85%AC%E5%AE%89", nil, 200, "", "", "株洲市公安局"},
		{"create department", admin, "POST", "/api/v1/departments", map[string]any{"name": "株洲市统计局", "credit_code": demo.CreditCode(90, demo.Department{Region: "430200"}), "region_code": "430200"}, 201, "", "", "株洲市统计局"},
		{"duplicate department", admin, "POST", "/api/v1/departments", map[string]any{"name": "株洲市公安局", "credit_code": demo.CreditCode(91, demo.Department{Region: "430200"}), "region_code": "430200"}, 409, "conflict", "", ""},
		{"bad credit code", admin, "POST", "/api/v1/departments", map[string]any{"name": "某局", "credit_code": "91350100M0001TGQXM", "region_code": "430200"}, 400, "invalid", "credit_code", "credit_code_override"},
		{"pilot code with override", admin, "POST", "/api/v1/departments", map[string]any{"name": "某试点局", "credit_code": "91350100M0001TGQXM", "credit_code_override": true, "region_code": "430200"}, 201, "", "", "warnings"},
		{"unknown region", admin, "POST", "/api/v1/departments", map[string]any{"name": "某局", "credit_code": demo.CreditCode(92, demo.Department{Region: "430200"}), "region_code": "110101"}, 400, "invalid", "region_code", ""},
		{"unknown field", admin, "POST", "/api/v1/departments", map[string]any{"name": "某局", "credit_code": "x", "region_code": "430200", "colour": "red"}, 400, "invalid", "colour", ""},
		{"malformed JSON", admin, "POST", "/api/v1/departments", `{"name":`, 400, "invalid", "body", ""},
		{"oversized body", admin, "POST", "/api/v1/departments", `{"name":"` + strings.Repeat("a", 70000) + `"}`, 413, "too_large", "", ""},
		{"cataloger cannot create departments", cataloger, "POST", "/api/v1/departments", map[string]any{"name": "某局", "credit_code": demo.CreditCode(93, demo.Department{Region: "430200"}), "region_code": "430200"}, 403, "forbidden", "", ""},
		{"no token", anon, "GET", "/api/v1/departments", nil, 401, "unauthorized", "", ""},
		{"bad token", &client{t: t, base: p.URL, token: "gss_forged"}, "GET", "/api/v1/users", nil, 401, "unauthorized", "", ""},
		{"unknown division", admin, "POST", "/api/v1/regions", map[string]any{"code": "430221"}, 400, "invalid", "code", "GB/T 2260"},
		{"region exists", admin, "POST", "/api/v1/regions", map[string]any{"code": "430202"}, 409, "conflict", "", ""},
		{"division lookup", cataloger, "GET", "/api/v1/divisions/430200", nil, 200, "", "", "醴陵市"},
		{"division not found", cataloger, "GET", "/api/v1/divisions/430221", nil, 404, "not_found", "", ""},
		{"system admin cannot grant roles", admin, "PUT", "/api/v1/users/4/roles", map[string]any{"roles": []string{"cataloger"}}, 403, "forbidden", "", "security admin"},
		{"officer role is held alone", sec, "PUT", "/api/v1/users/4/roles", map[string]any{"roles": []string{"auditor", "cataloger"}}, 400, "invalid", "roles", ""},
		{"auditor reads the audit log", auditor, "GET", "/api/v1/audit?action=department.create", nil, 200, "", "", "株洲市统计局"},
		{"auditor cannot act", auditor, "POST", "/api/v1/departments", map[string]any{"name": "某局", "credit_code": demo.CreditCode(94, demo.Department{Region: "430200"}), "region_code": "430200"}, 403, "forbidden", "", ""},
		{"admin cannot read the audit log", admin, "GET", "/api/v1/audit", nil, 403, "forbidden", "", ""},
		{"denials are audited", auditor, "GET", "/api/v1/audit?outcome=denied&actor=admin", nil, 200, "", "", "audit.read"},
		{"failed auth is audited", auditor, "GET", "/api/v1/audit?action=auth.check", nil, 200, "", "", "GET /api/v1/departments"},
		{"chain verifies", auditor, "POST", "/api/v1/audit/verify", nil, 200, "", "", `"ok":true`},
		{"bad page", admin, "GET", "/api/v1/users?page=0", nil, 400, "invalid", "page", ""},
		{"roles catalogue", cataloger, "GET", "/api/v1/roles", nil, 200, "", "", "安全审计员"},
		{"me", cataloger, "GET", "/api/v1/me", nil, 200, "", "", "株洲市公安局"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.t = t
			status, raw := tt.c.raw(tt.method, tt.path, tt.body)
			body := string(raw)
			if status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, status, body, tt.wantStatus)
			}
			if tt.wantCode != "" && !strings.Contains(body, fmt.Sprintf(`"code":%q`, tt.wantCode)) {
				t.Errorf("body %s lacks code %q", body, tt.wantCode)
			}
			if tt.wantDetail != "" && !strings.Contains(body, fmt.Sprintf(`"details":{`)) || tt.wantDetail != "" && !strings.Contains(body, `"`+tt.wantDetail+`"`) {
				t.Errorf("body %s lacks detail %q", body, tt.wantDetail)
			}
			if !strings.Contains(body, tt.wantText) {
				t.Errorf("body %s lacks %q", body, tt.wantText)
			}
		})
	}
}

func TestAPITokensAndSessions(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	c := login(t, p.URL, "gaj.consumer", demo.Password)
	status, tok := c.do("POST", "/api/v1/tokens", map[string]any{"name": "nightly script", "expires_in_days": 30})
	if status != 201 || !strings.HasPrefix(fmt.Sprint(tok["token"]), "gst_") {
		t.Fatalf("create token = %d %v", status, tok)
	}
	script := &client{t: t, base: p.URL, token: tok["token"].(string)}
	if status, _ := script.do("GET", "/api/v1/me", nil); status != 200 {
		t.Fatalf("API token rejected: %d", status)
	}
	if status, body := c.do("POST", fmt.Sprintf("/api/v1/tokens/%v/revoke", tok["id"]), nil); status != 204 {
		t.Fatalf("revoke = %d %v", status, body)
	}
	if status, _ := script.do("GET", "/api/v1/me", nil); status != 401 {
		t.Fatalf("revoked token answered %d, want 401", status)
	}
	if status, _ := c.do("DELETE", "/api/v1/session", nil); status != 204 {
		t.Fatalf("logout = %d", status)
	}
	if status, _ := c.do("GET", "/api/v1/me", nil); status != 401 {
		t.Fatalf("token after logout answered %d, want 401", status)
	}
	bad := &client{t: t, base: p.URL}
	var failed map[string]any
	for i := 0; i < 6; i++ {
		_, failed = bad.do("POST", "/api/v1/session", map[string]string{"username": "gaj.approver", "password": "wrong password"})
	}
	// Past five failures the user name is throttled: even the right password
	// answers as a wrong one until the delay has passed.
	if status, body := bad.do("POST", "/api/v1/session", map[string]string{"username": "gaj.approver", "password": demo.Password}); status != 401 || fmt.Sprint(body) != fmt.Sprint(failed) {
		t.Fatalf("login after 6 failures = %d %v, want 401 %v", status, body, failed)
	}
}

func TestOpenAPIDocument(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	raw, doc := openAPIDocument(t, p.URL)
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("OpenAPI version %q, want 3.1.0", v)
	}
	if ok, problems := schema_validation.ValidateOpenAPIDocument(doc); !ok {
		for _, p := range problems {
			t.Errorf("OpenAPI document: %s: %s", p.Message, p.Reason)
		}
	}
	for _, path := range []string{"/api/v1/session", "/api/v1/regions", "/api/v1/departments", "/api/v1/users", "/api/v1/audit"} {
		if !strings.Contains(string(raw), `"`+path+`"`) {
			t.Errorf("document lacks %s", path)
		}
	}
	// Responses conform to the document.
	v := openAPIValidator(t, doc)
	c := login(t, p.URL, "admin", demo.Password)
	checkResponses(t, v, p.URL, c.token, "/api/v1/regions", "/api/v1/departments", "/api/v1/users?page_size=5", "/api/v1/me", "/api/v1/roles", "/api/v1/departments/1", "/api/v1/departments/999")
}

// openAPIDocument fetches the server's OpenAPI document and parses it.
func openAPIDocument(t *testing.T, base string) ([]byte, libopenapi.Document) {
	t.Helper()
	resp, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	return raw, doc
}

func openAPIValidator(t *testing.T, doc libopenapi.Document) validator.Validator {
	t.Helper()
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return v
}

// checkResponses GETs each path with the token and reports where the
// response does not match the OpenAPI document.
func checkResponses(t *testing.T, v validator.Validator, base, token string, paths ...string) {
	t.Helper()
	for _, path := range paths {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if ok, problems := v.ValidateHttpResponse(req, resp); !ok {
			for _, p := range problems {
				t.Errorf("GET %s: response does not match the document: %s %s", path, p.Message, p.Reason)
			}
		}
		resp.Body.Close()
	}
}

func TestConsoleRefusesCrossOriginPosts(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	c := login(t, p.URL, "admin", demo.Password)
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
		{"cross site", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := fmt.Sprintf("name=跨站测试局%d&credit_code=%s&region_code=430200", i, demo.CreditCode(200+i, demo.Department{Region: "430200"}))
			req, _ := http.NewRequest("POST", p.URL+"/departments", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "gs_session", Value: c.token})
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("POST /departments = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}
