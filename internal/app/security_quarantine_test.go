package app

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
)

// consoleDo calls a console page as the holder of a session token, with a
// form body when form is not nil, as htmx when hx is set.
func consoleDo(t *testing.T, base, token, method, path string, form url.Values, hx bool) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	req.Header.Set("Accept-Language", "en")
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

// TestSecurityQuarantine is the table of attacks on the quarantine and the
// data previews (issue 9), on the real server with the demo city: a grant
// of the police's population register to the market regulator (市场监管局)
// masks the name in full, leaves out the birth date and the address and
// keeps only men; two rows at the source fail their ID number's check
// character, one inside the row filter and one outside.
func TestSecurityQuarantine(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	admin := login(t, p.URL, "admin", demo.Password)
	scjConsumer := login(t, p.URL, "scj.consumer", demo.Password)
	scjNode := login(t, p.URL, "scj.node", demo.Password)
	gajNode := login(t, p.URL, "gaj.node", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)

	// The rows that fail, with values the consumer must never see.
	const (
		inName, inBirth, inAddr = "秘名甲乙", "1901-02-03", "保密路一号"
		outName                 = "隐名丙丁"
	)
	inID := withCheckDigit("43020219010203111")
	inID = inID[:17] + string("0123456789"[(strings.IndexByte("0123456789X", inID[17])+1)%10])
	outID := withCheckDigit("43020219020304222")
	outID = outID[:17] + string("0123456789"[(strings.IndexByte("0123456789X", outID[17])+1)%10])
	gaj, err := sql.Open("sqlite", "file:"+demo.DatabasePath(filepath.Join(dir, "datasources"), "gaj")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer gaj.Close()
	now := time.Now().UTC().Format(time.RFC3339)
	for _, r := range [][]any{{inID, inName, "男", inBirth, inAddr, now}, {outID, outName, "女", "1902-03-04", "保密路二号", now}} {
		if _, err := gaj.Exec(`INSERT INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, ?, ?, ?, ?)`, r...); err != nil {
			t.Fatal(err)
		}
	}

	// The grant: applied for by the housing fund centre, narrowed by the
	// police's approver, approved by the data authority.
	code := entryCode(t, scjConsumer, "户籍人口基本信息")
	status, app := scjConsumer.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"id_number", "name", "gender"},
		"purpose": "企业登记时核验法定代表人身份", "basis": "《中华人民共和国市场主体登记管理条例》第十四条（演示）", "scenario": "企业设立登记",
		"delivery": "table", "target": map[string]string{"datasource": "scj-业务库", "table": "gaj_population"}})
	if status != http.StatusCreated {
		t.Fatalf("apply = %d %v", status, app)
	}
	appID := fmt.Sprint(app["id"])
	for _, step := range []struct {
		user string
		body map[string]any
	}{
		{"gaj.approver", map[string]any{"note": "同意，姓名完全遮盖，仅限男性（测试）", "terms": map[string]any{"items": []string{"id_number", "name", "gender"},
			"valid_until": time.Now().AddDate(1, 0, 0).Format(time.DateOnly), "masking": map[string]string{"name": "full"},
			"row_filter": []map[string]any{{"item": "gender", "op": "eq", "values": []string{"男"}}}}}},
		{"xzsp.approver", map[string]any{"note": "同意"}},
	} {
		c := login(t, p.URL, step.user, demo.Password)
		if status, app = c.do("POST", "/api/v1/applications/"+appID+"/approve", step.body); status != http.StatusOK {
			t.Fatalf("%s approves = %d %v", step.user, status, app)
		}
	}
	grantID := fmt.Sprint(app["grant_id"])
	var chID string
	deadline := time.Now().Add(30 * time.Second)
	for chID == "" {
		_, list := scjNode.do("GET", "/api/v1/channels?page_size=100", nil)
		for _, it := range list["items"].([]any) {
			if ch := it.(map[string]any); fmt.Sprint(ch["grant_id"]) == grantID {
				chID = ch["id"].(string)
			}
		}
		if chID == "" && time.Now().After(deadline) {
			t.Fatalf("no channel for grant %s: %v", grantID, list)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var consumerRaw string
	for {
		status, raw := scjNode.raw("GET", "/api/v1/channels/"+chID+"/quarantine?state=open", nil)
		consumerRaw = string(raw)
		if status == http.StatusOK && strings.Contains(consumerRaw, `"open":1`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the grant's channel set no row aside: %d %s", status, raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, consumerHTML := consoleDo(t, p.URL, scjNode.token, "GET", "/exchange/channels/"+chID, nil, false)
	_, consumerFragment := consoleDo(t, p.URL, scjNode.token, "GET", "/exchange/channels/"+chID+"/quarantine?state=all", nil, true)
	providerStatus, providerRaw := gajNode.raw("GET", "/api/v1/channels/"+chID+"/quarantine", nil)

	// What the consumer's views must not hold, and what they must.
	secrets := []struct{ what, value string }{
		{"the full-masked name", inName},
		{"the ungranted birth date", inBirth},
		{"the ungranted address", inAddr},
		{"the ungranted item's name", "birth_date"},
		{"the row outside the filter", outName},
		{"the key of the row outside the filter", outID[:14]},
		{"the failing ID number in clear", inID},
		{"the check character quoted by the reason", "check character"},
		{"the check character quoted by the reason, in Chinese", "校验码"},
	}
	for _, view := range []struct{ name, body string }{{"API", consumerRaw}, {"console page", consumerHTML}, {"console fragment", consumerFragment}} {
		for _, s := range secrets {
			if strings.Contains(view.body, s.value) {
				t.Errorf("the consumer's %s holds %s (%q)", view.name, s.what, s.value)
			}
		}
		if !strings.Contains(view.body, "******") {
			t.Errorf("the consumer's %s does not show the masked name: %.2000s", view.name, view.body)
		}
	}
	if !strings.Contains(consumerRaw, `"view":"delivered"`) {
		t.Errorf("the consumer's API view is not marked delivered: %s", consumerRaw)
	}
	if providerStatus != http.StatusOK || !strings.Contains(string(providerRaw), `"view":"source"`) || !strings.Contains(string(providerRaw), inBirth) ||
		!strings.Contains(string(providerRaw), "check character") || !strings.Contains(string(providerRaw), `"address"`) {
		t.Errorf("the provider does not see its raw row: %d %s", providerStatus, providerRaw)
	}
	if strings.Contains(string(providerRaw), outName) {
		t.Errorf("a row outside the grant's row filter was set aside for the grant's channel: %s", providerRaw)
	}

	// The system admin moves no business data: no quarantine rows, no previews.
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"list", "GET", "/api/v1/channels/" + chID + "/quarantine", nil},
		{"retry", "POST", "/api/v1/channels/" + chID + "/quarantine/retry", map[string]any{}},
		{"skip", "POST", "/api/v1/channels/" + chID + "/quarantine/skip", map[string]any{"ids": []int{1}}},
	} {
		status, raw := admin.raw(c.method, c.path, c.body)
		if status != http.StatusForbidden || !strings.Contains(string(raw), "system admin") || strings.Contains(string(raw), inBirth) {
			t.Errorf("system admin %s of the quarantine: %d %s, want 403 naming the rule", c.name, status, raw)
		}
	}
	if status, body := consoleDo(t, p.URL, admin.token, "GET", "/exchange/channels/"+chID+"/quarantine", nil, true); status != http.StatusForbidden || strings.Contains(body, "******") {
		t.Errorf("system admin's console quarantine: %d, want 403", status)
	}
	if status, body := consoleDo(t, p.URL, admin.token, "GET", "/exchange/channels/"+chID, nil, false); status != http.StatusOK || strings.Contains(body, `id="channel-quarantine"`) {
		t.Errorf("system admin's channel page: %d, want it without the quarantine section", status)
	}
	status, body := consoleDo(t, p.URL, admin.token, "POST", "/services/service/try", url.Values{"code": {code}}, true)
	if !strings.Contains(body, "不接触业务数据") && !strings.Contains(body, "reads no business data") || strings.Contains(body, inName) {
		t.Errorf("system admin's try-it preview: %d %.1500s, want the refusal", status, body)
	}
	for _, action := range []string{"channel.quarantine.read", "channel.quarantine.retry", "channel.quarantine.skip", "service.call"} {
		status, raw := auditor.raw("GET", "/api/v1/audit?outcome=denied&actor=admin&action="+action, nil)
		if status != http.StatusOK || !strings.Contains(string(raw), action) {
			t.Errorf("the system admin's refused %s is not audited: %d %s", action, status, raw)
		}
	}
}
