package app

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
)

// signedGet calls a data service as an application holding key and secret.
func signedGet(t *testing.T, base, pathAndQuery, key, secret string) (int, []byte, *http.Request, *http.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := gateway.SignRequest(req, key, secret, gateway.HMACSHA256, time.Now(), strings.ToLower(rand.Text())); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", pathAndQuery, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw, req, resp
}

// consolePost submits an empty console form as the holder of a session token.
func consolePost(t *testing.T, base, token, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, nil)
	req.AddCookie(&http.Cookie{Name: "gs_session", Value: token})
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// entryCode finds a published entry's resource code by its name.
func entryCode(t *testing.T, c *client, name string) string {
	t.Helper()
	status, body := c.do("GET", "/api/v1/catalog/entries?q="+url.QueryEscape(name), nil)
	if status != http.StatusOK {
		t.Fatalf("search %s = %d %v", name, status, body)
	}
	items, _ := body["items"].([]any)
	for _, it := range items {
		if m, _ := it.(map[string]any); m["name"] == name {
			return m["code"].(string)
		}
	}
	t.Fatalf("no entry %s in %v", name, body)
	return ""
}

// grantPopulation has the human resources bureau apply for the police's
// population register by API, and both approvers approve; it returns the
// entry's code and the application as approved.
func grantPopulation(t *testing.T, base string) (string, map[string]any) {
	t.Helper()
	rsj := login(t, base, "rsj.consumer", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	status, app := rsj.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"id_number", "name", "gender", "birth_date"},
		"purpose": "就业登记时核验劳动者身份", "basis": "《中华人民共和国就业促进法》第三十五条", "scenario": "公共就业服务：就业登记", "delivery": "api"})
	if status != http.StatusCreated || app["state"] != "pending_provider" {
		t.Fatalf("apply = %d %v, want 201 pending_provider", status, app)
	}
	id := fmt.Sprint(app["id"])
	for _, step := range []struct{ user, want string }{{"gaj.approver", "pending_authority"}, {"xzsp.approver", "approved"}} {
		c := login(t, base, step.user, demo.Password)
		status, app = c.do("POST", "/api/v1/applications/"+id+"/approve", map[string]any{"note": "同意"})
		if status != http.StatusOK || app["state"] != step.want {
			t.Fatalf("%s approves = %d %v, want 200 %s", step.user, status, app, step.want)
		}
	}
	return code, app
}

// TestDataServicesEndToEnd follows an API grant from the application to
// the revocation: approval issues an app whose secret its department reads
// once, a signed call answers masked rows, and after the revocation the
// next call is refused within a second.
func TestDataServicesEndToEnd(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	code, app := grantPopulation(t, p.URL)
	grantID := fmt.Sprint(app["grant_id"])
	if grantID == "" || grantID == "0" || grantID == "<nil>" {
		t.Fatalf("approved application has no grant: %v", app)
	}

	// The approval issued an app whose secret waits to be read.
	var issued map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for issued == nil {
		status, raw := rsj.raw("GET", "/api/v1/apps", nil)
		if status != http.StatusOK {
			t.Fatalf("GET /api/v1/apps = %d %s", status, raw)
		}
		var apps []map[string]any
		if err := json.Unmarshal(raw, &apps); err != nil {
			t.Fatalf("decode apps %s: %v", raw, err)
		}
		for _, a := range apps {
			if fmt.Sprint(a["grant_id"]) == grantID {
				issued = a
			}
		}
		if issued == nil && time.Now().After(deadline) {
			t.Fatalf("no app issued for grant %s in %s", grantID, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if issued["secret_pending"] != true {
		t.Errorf("issued app %v: secret_pending is not true", issued)
	}
	appID, key := fmt.Sprint(issued["id"]), issued["app_key"].(string)

	// Its secret is shown once.
	status, revealed := rsj.do("POST", "/api/v1/apps/"+appID+"/reveal", nil)
	secret, _ := revealed["secret"].(string)
	if status != http.StatusOK || len(secret) < 32 || revealed["secret_pending"] != false {
		t.Fatalf("reveal = %d %v, want 200 with the secret", status, revealed)
	}
	if status, again := rsj.do("POST", "/api/v1/apps/"+appID+"/reveal", nil); status != http.StatusConflict || again["secret"] != nil {
		t.Fatalf("second reveal = %d %v, want 409 without the secret", status, again)
	}
	// Another department can neither read it nor rotate it, by the API or the console.
	gjj := login(t, p.URL, "gjj.consumer", demo.Password)
	if status, _ := gjj.do("POST", "/api/v1/apps/"+appID+"/reveal", nil); status != http.StatusNotFound {
		t.Errorf("another department's reveal = %d, want 404", status)
	}
	for _, action := range []string{"reveal", "rotate", "disable"} {
		if status, body := consolePost(t, p.URL, gjj.token, "/services/apps/"+appID+"/"+action); status != http.StatusNotFound || strings.Contains(body, secret) {
			t.Errorf("another department's console %s = %d, want 404", action, status)
		}
	}

	// A signed call answers masked names only.
	svcPath := gateway.Prefix + code + "?fields=name&page_size=5"
	status, raw, req, resp := signedGet(t, p.URL, svcPath, key, secret)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d %s", svcPath, status, raw)
	}
	var res struct {
		Total int64            `json:"total"`
		Rows  []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if len(res.Rows) != 5 || res.Total < 5 {
		t.Fatalf("answer has %d rows of %d, want 5: %s", len(res.Rows), res.Total, raw)
	}
	for _, row := range res.Rows {
		name, _ := row["name"].(string)
		if len(row) != 1 || !strings.HasSuffix(name, "**") || strings.Contains(name, "演示") || len([]rune(name)) != 3 {
			t.Errorf("row %v: want only a masked name like 王**", row)
		}
	}
	// The answer conforms to the service's own OpenAPI description, as the
	// console hands it out.
	docReq, _ := http.NewRequest("GET", p.URL+"/services/service/openapi.json?code="+url.QueryEscape(code), nil)
	docReq.AddCookie(&http.Cookie{Name: "gs_session", Value: rsj.token})
	docResp, err := http.DefaultClient.Do(docReq)
	if err != nil {
		t.Fatal(err)
	}
	docRaw, _ := io.ReadAll(docResp.Body)
	docResp.Body.Close()
	if docResp.StatusCode != http.StatusOK || !strings.Contains(string(docRaw), `"`+gateway.Prefix+code+`"`) {
		t.Fatalf("service description = %d %.300s", docResp.StatusCode, docRaw)
	}
	doc, err := libopenapi.NewDocument(docRaw)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(raw)))
	if ok, problems := openAPIValidator(t, doc).ValidateHttpResponse(req, resp); !ok {
		for _, pr := range problems {
			t.Errorf("GET %s: the answer does not match the service's description: %s %s", svcPath, pr.Message, pr.Reason)
		}
	}

	// An item outside the grant is refused by name.
	if status, raw, _, _ := signedGet(t, p.URL, gateway.Prefix+code+"?fields=address", key, secret); status != http.StatusForbidden || !strings.Contains(string(raw), "address") {
		t.Errorf("asking for address = %d %s, want 403 naming it", status, raw)
	}

	// The REST answers conform to /openapi.json.
	_, apiDoc := openAPIDocument(t, p.URL)
	checkResponses(t, openAPIValidator(t, apiDoc), p.URL, rsj.token, "/api/v1/apps", "/api/v1/apps/"+appID, "/api/v1/grants?delivery=api",
		"/api/v1/grants/"+grantID, "/api/v1/applications/"+fmt.Sprint(app["id"]), "/api/v1/services/usage?entry_code="+url.QueryEscape(code))

	// The calls are metered for the app.
	status, raw = rsj.raw("GET", "/api/v1/services/usage?entry_code="+url.QueryEscape(code), nil)
	var usage []gateway.Usage
	if err := json.Unmarshal(raw, &usage); status != http.StatusOK || err != nil {
		t.Fatalf("usage = %d %s %v", status, raw, err)
	}
	var calls, errors int64
	for _, u := range usage {
		if fmt.Sprint(u.AppID) == appID {
			calls, errors = calls+u.Calls, errors+u.Errors
		}
	}
	if calls != 2 || errors != 1 { // the masked names and the refused address
		t.Errorf("usage of app %s: %d calls, %d errors, want 2 and 1: %s", appID, calls, errors, raw)
	}

	// A disabled app is refused; the security admin may disable it from the console.
	sec := login(t, p.URL, "secadmin", demo.Password)
	if status, _ := consolePost(t, p.URL, sec.token, "/services/apps/"+appID+"/disable"); status != http.StatusSeeOther {
		t.Fatalf("console disable = %d, want 303", status)
	}
	waitStatus := func(want int) {
		t.Helper()
		start := time.Now()
		for {
			status, raw, _, _ := signedGet(t, p.URL, svcPath, key, secret)
			if status == want {
				return
			}
			if time.Since(start) > time.Second {
				t.Fatalf("a call %s later answered %d %s, want %d", time.Since(start), status, raw, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitStatus(http.StatusUnauthorized)
	if status, a := rsj.do("POST", "/api/v1/apps/"+appID+"/enable", nil); status != http.StatusOK || a["state"] != "active" {
		t.Fatalf("enable = %d %v", status, a)
	}
	waitStatus(http.StatusOK)

	// Revoking the grant stops the calls within a second.
	authority := login(t, p.URL, "xzsp.approver", demo.Password)
	if status, g := authority.do("POST", "/api/v1/grants/"+grantID+"/revoke", map[string]any{"reason": "就业登记系统停用"}); status != http.StatusOK || g["state"] != "revoked" {
		t.Fatalf("revoke = %d %v", status, g)
	}
	revoked := time.Now()
	for {
		status, raw, _, _ := signedGet(t, p.URL, svcPath, key, secret)
		if status == http.StatusForbidden {
			if !strings.Contains(string(raw), "revoked") {
				t.Errorf("refusal %s does not say the grant was revoked", raw)
			}
			break
		}
		if time.Since(revoked) > time.Second {
			t.Fatalf("a call %s after the revocation answered %d %s", time.Since(revoked), status, raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
