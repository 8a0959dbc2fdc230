package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
)

// grantWith has consumer apply for the population register with the given
// request body fields, and both approvers approve; it answers the grant's ID.
func grantWith(t *testing.T, base, consumer string, fields map[string]any) string {
	t.Helper()
	c := login(t, base, consumer, demo.Password)
	body := map[string]any{"entry_code": entryCode(t, c, "户籍人口基本信息"), "purpose": "核验身份（测试）", "basis": "《社会保险法》（测试）",
		"scenario": "登记（测试）"}
	for k, v := range fields {
		body[k] = v
	}
	status, a := c.do("POST", "/api/v1/applications", body)
	if status != http.StatusCreated {
		t.Fatalf("%s applies = %d %v", consumer, status, a)
	}
	id := fmt.Sprint(a["id"])
	for _, approver := range []string{"gaj.approver", "xzsp.approver"} {
		if status, a = login(t, base, approver, demo.Password).do("POST", "/api/v1/applications/"+id+"/approve", map[string]any{}); status != http.StatusOK {
			t.Fatalf("%s approves = %d %v", approver, status, a)
		}
	}
	return fmt.Sprint(a["grant_id"])
}

// issuedApp reads once the secret of the app issued for an API grant.
func issuedApp(t *testing.T, c *client, grantID string) (key, secret string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, raw := c.raw("GET", "/api/v1/apps", nil)
		var apps []map[string]any
		json.Unmarshal(raw, &apps)
		for _, a := range apps {
			if fmt.Sprint(a["grant_id"]) == grantID {
				_, revealed := c.do("POST", fmt.Sprintf("/api/v1/apps/%v/reveal", a["id"]), nil)
				return a["app_key"].(string), fmt.Sprint(revealed["secret"])
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no app issued for grant %s: %s", grantID, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rowsOf decodes a data-service answer.
func rowsOf(t *testing.T, raw []byte) []map[string]any {
	t.Helper()
	var res struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return res.Rows
}

// distinct is the sorted distinct values of item in rows.
func distinct(rows []map[string]any, item string) []string {
	var out []string
	for _, r := range rows {
		if v := fmt.Sprint(r[item]); !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// TestSecurityServices is the table of attacks on the data services (issue
// 9, "Data services", and "Accounts": another department's records), each
// against the real server.
func TestSecurityServices(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--lookup-quota", "3")
	rsj, ybj := login(t, p.URL, "rsj.consumer", demo.Password), login(t, p.URL, "ybj.consumer", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	svc := gateway.Prefix + code + "?"
	// Both consumers ask for gender hashed: two values a dictionary of two
	// words would reverse, were the hash plain.
	apiTerms := map[string]any{"items": []string{"id_number", "name", "gender"}, "delivery": "api", "lookup": []string{"id_number"},
		"masking": map[string]string{"gender": "hash"}}
	rsjGrant := grantWith(t, p.URL, "rsj.consumer", apiTerms)
	ybjGrant := grantWith(t, p.URL, "ybj.consumer", apiTerms)
	key, secret := issuedApp(t, rsj, rsjGrant)
	ybjKey, ybjSecret := issuedApp(t, ybj, ybjGrant)
	call := func(query string) (int, []byte) {
		status, raw, _, _ := signedGet(t, p.URL, svc+query, key, secret)
		return status, raw
	}
	auditor := login(t, p.URL, "auditor", demo.Password)
	audited := func(action string) []map[string]any {
		status, raw := auditor.raw("GET", "/api/v1/audit?page_size=200&action="+action, nil)
		var page struct {
			Items []map[string]any `json:"items"`
		}
		if err := json.Unmarshal(raw, &page); status != http.StatusOK || err != nil {
			t.Fatalf("audit %s = %d %s", action, status, raw)
		}
		return page.Items
	}

	t.Run("name oracle with in= is refused", func(t *testing.T) {
		denied := len(audited("policy.deny"))
		status, raw := call("name.in=" + url.QueryEscape("王演示") + "," + url.QueryEscape("李演示") + "&page_size=100")
		if status != http.StatusBadRequest || !strings.Contains(string(raw), "lookup key") || !strings.Contains(string(raw), `"name"`) || strings.Contains(string(raw), "rows") {
			t.Errorf("name.in = %d %s, want 400 naming the item and the rule", status, raw)
		}
		if got := len(audited("policy.deny")); got != denied+1 {
			t.Errorf("%d refusals audited, want %d", got, denied+1)
		}
	})
	t.Run("equality on a masked item without lookup is refused", func(t *testing.T) {
		if status, raw := call("name=" + url.QueryEscape("王演示")); status != http.StatusBadRequest || !strings.Contains(string(raw), "查询条件") {
			t.Errorf("name= %d %s, want 400", status, raw)
		}
	})
	t.Run("the refusal answers in the caller's language", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, p.URL+svc+"name="+url.QueryEscape("王演示"), nil)
		req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
		if err := gateway.SignRequest(req, key, secret, gateway.HMACSHA256, time.Now(), strings.ToLower(rand.Text())); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "只有授权列为查询条件的信息项才能筛选") {
			t.Errorf("zh-CN refusal = %d %s", resp.StatusCode, body)
		}
	})
	t.Run("a lookup key takes only equality on one value", func(t *testing.T) {
		for _, q := range []string{"id_number.prefix=4302", "id_number.in=430202199001010011,430202199001010012", "id_number.gte=4302"} {
			if status, raw := call(q); status != http.StatusBadRequest || !strings.Contains(string(raw), "only equality on one value") {
				t.Errorf("%s = %d %s, want 400", q, status, raw)
			}
		}
	})
	t.Run("lookup by equality, then the daily quota answers 429", func(t *testing.T) {
		const looked = "430202199001010011"
		for i := range 3 {
			if status, raw := call("id_number=" + looked); status != http.StatusOK {
				t.Fatalf("lookup %d = %d %s, want 200", i+1, status, raw)
			}
		}
		status, raw := call("id_number=" + looked)
		if status != http.StatusTooManyRequests || !strings.Contains(string(raw), "quota") {
			t.Errorf("lookup 4 = %d %s, want 429 naming the quota", status, raw)
		}
		var entries []map[string]any
		for _, e := range audited("policy.lookup") {
			if e["actor"] == key {
				entries = append(entries, e)
			}
		}
		if len(entries) != 3 {
			t.Fatalf("%d lookups audited, want 3", len(entries))
		}
		for _, e := range entries {
			if d := fmt.Sprint(e["detail"]); strings.Contains(d, looked) || !strings.Contains(d, "id_number=hmac-sm3:") {
				t.Errorf("lookup audited as %q: want the value hashed, never in clear", d)
			}
		}
		// A call without a lookup is not counted.
		if status, raw := call("gender.in=" + url.QueryEscape("男") + "," + url.QueryEscape("女")); status == http.StatusOK {
			t.Errorf("gender.in on the hashed gender = %d, want a refusal: %s", status, raw)
		}
		if status, raw := call("page_size=1"); status != http.StatusOK {
			t.Errorf("a call without filters after the quota = %d %s, want 200", status, raw)
		}
	})

	var rsjGenders []string
	t.Run("hash values are HMAC-SM3 per consumer: stable for one, different between two", func(t *testing.T) {
		status, raw := call("fields=gender&page_size=1000")
		if status != http.StatusOK {
			t.Fatalf("rsj = %d %s", status, raw)
		}
		rsjGenders = distinct(rowsOf(t, raw), "gender")
		_, again := call("fields=gender&page_size=1000")
		if got := distinct(rowsOf(t, again), "gender"); !slices.Equal(got, rsjGenders) {
			t.Errorf("rsj's hashes changed between calls: %v, then %v", rsjGenders, got)
		}
		status, raw, _, _ = signedGet(t, p.URL, svc+"fields=gender&page_size=1000", ybjKey, ybjSecret)
		if status != http.StatusOK {
			t.Fatalf("ybj = %d %s", status, raw)
		}
		ybjGenders := distinct(rowsOf(t, raw), "gender")
		if len(rsjGenders) != 2 || len(ybjGenders) != 2 {
			t.Fatalf("want two hashed genders each: rsj %v, ybj %v", rsjGenders, ybjGenders)
		}
		for _, h := range rsjGenders {
			if slices.Contains(ybjGenders, h) {
				t.Errorf("both consumers get %s", h)
			}
		}
		for _, word := range []string{"男", "女"} {
			plainSM3, plainSHA := sm3.Sum([]byte(word)), sha256.Sum256([]byte(word))
			for _, dictionary := range []string{hex.EncodeToString(plainSM3[:]), hex.EncodeToString(plainSHA[:])} {
				if slices.Contains(rsjGenders, dictionary) || slices.Contains(ybjGenders, dictionary) {
					t.Errorf("a hashed gender is the plain digest of %s: reversible by dictionary", word)
				}
			}
		}
	})
	t.Run("a download hashes as the data service does for the same consumer", func(t *testing.T) {
		fileGrant := grantWith(t, p.URL, "rsj.consumer", map[string]any{"items": []string{"id_number", "gender"}, "delivery": "file",
			"masking": map[string]string{"gender": "hash"}})
		status, raw := rsj.raw("GET", "/api/v1/grants/"+fileGrant+"/download", nil)
		if status != http.StatusOK {
			t.Fatalf("download = %d %.300s", status, raw)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\uFEFF"))).ReadAll()
		if err != nil || len(records) < 2 {
			t.Fatalf("csv: %v (%d records)", err, len(records))
		}
		col := slices.Index(records[0], "性别")
		var got []string
		for _, r := range records[1:] {
			if !slices.Contains(got, r[col]) {
				got = append(got, r[col])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, rsjGenders) {
			t.Errorf("the download hashes gender as %v, the data service as %v", got, rsjGenders)
		}
	})
	t.Run("A%2CB and A,B sign apart", func(t *testing.T) {
		two := "gender.in=" + url.QueryEscape("男") + "," + url.QueryEscape("女")
		one := "gender.in=" + url.QueryEscape("男") + "%2C" + url.QueryEscape("女")
		req, _ := http.NewRequest(http.MethodGet, p.URL+svc+"fields=id_number&"+two, nil)
		if err := gateway.SignRequest(req, ybjKey, ybjSecret, gateway.HMACSHA256, time.Now(), strings.ToLower(rand.Text())); err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = "fields=id_number&" + one // the same signature, another meaning
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "signature") {
			t.Errorf("a list re-encoded as one value under the old signature = %d %s, want 401", resp.StatusCode, body)
		}
	})
	t.Run("acting on another department's records answers 404, as reading them", func(t *testing.T) {
		mzj := login(t, p.URL, "mzj.approver", demo.Password)
		status, a := rsj.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"name"}, "purpose": "核验（测试）",
			"basis": "依据（测试）", "scenario": "场景（测试）", "delivery": "file"})
		if status != http.StatusCreated {
			t.Fatalf("apply = %d %v", status, a)
		}
		app := fmt.Sprint(a["id"])
		reason := map[string]any{"reason": "越权（测试）"}
		for _, tc := range []struct {
			name, method, path string
			body               any
		}{
			{"read the application", "GET", "/api/v1/applications/" + app, nil},
			{"approve the application", "POST", "/api/v1/applications/" + app + "/approve", map[string]any{"note": "越权（测试）"}},
			{"return the application", "POST", "/api/v1/applications/" + app + "/return", reason},
			{"read the grant", "GET", "/api/v1/grants/" + rsjGrant, nil},
			{"revoke the grant", "POST", "/api/v1/grants/" + rsjGrant + "/revoke", reason},
		} {
			status, body := mzj.do(tc.method, tc.path, tc.body)
			if status != http.StatusNotFound || body["code"] != "not_found" || strings.Contains(fmt.Sprint(body), "公安局") {
				t.Errorf("%s: %d %v, want 404 not_found without the provider's name", tc.name, status, body)
			}
		}
		if status, a := rsj.do("GET", "/api/v1/applications/"+app, nil); status != http.StatusOK || a["state"] != "pending_provider" {
			t.Errorf("the application after the attempts: %d %v, want it untouched", status, a)
		}
	})
}
