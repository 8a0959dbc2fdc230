package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/store/storetest"
)

const testPassword = "Test-Password-2026"

func TestFirstStartPrintsOneTimePassword(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--data-dir", dir)
	m := regexp.MustCompile(`one-time password (\S+)`).FindStringSubmatch(p.Stdout.String())
	if m == nil {
		t.Fatalf("no one-time password in:\n%s", p.Stdout)
	}
	c := login(t, p.URL, "admin", m[1])
	if status, body := c.do("GET", "/api/v1/me", nil); status != 200 || !strings.Contains(body["roles"].([]any)[0].(string), "system_admin") {
		t.Fatalf("me = %d %v", status, body)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// A second start keeps the account and prints no new password.
	p2 := start(t, "--data-dir", dir)
	if strings.Contains(p2.Stdout.String(), "one-time password") {
		t.Errorf("second start printed a new password:\n%s", p2.Stdout)
	}
	login(t, p2.URL, "admin", m[1])
}

func TestHealth(t *testing.T) {
	p := start(t, "--data-dir", t.TempDir(), "--admin-password", testPassword)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": `"nats":"ok"`} {
		resp, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, want 200 containing %q", path, resp.StatusCode, want)
		}
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--data-dir", dir, "--admin-password", testPassword)
	login(t, p.URL, "admin", testPassword)
	p.stop()
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"audit", "verify", "--data-dir", dir}, env(nil), &out, io.Discard); err != nil {
		t.Fatalf("verify intact chain: %v", err)
	}
	// The node CA's creation, the first admin, the seal CA's creation, the
	// login, and as many of last month's first reports (assess.generate) as
	// the schedule made before the stop.
	var n int
	if _, err := fmt.Sscanf(out.String(), "audit chain holds: %d entries", &n); err != nil || n < 4 || n > 7 {
		t.Errorf("output %q, want 4 to 7 entries", out.String())
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "govshare.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = Run(context.Background(), []string{"audit", "verify", "--data-dir", dir}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("verify tampered chain = %v, want an error naming entry 2", err)
	}
	if err := Run(context.Background(), []string{"audit", "verify", "--data-dir", t.TempDir()}, env(nil), io.Discard, io.Discard); err == nil {
		t.Error("verify of an empty data directory succeeded")
	}
}

func TestPostgresAndExternalNATS(t *testing.T) {
	natsURL := storetest.Require(t, "GOVSHARE_TEST_NATS", "nats://127.0.0.1:4222")
	dsn := storetest.PostgresSchema(t)
	ctx := context.Background()
	err := Run(ctx, []string{"serve", "--database", dsn, "--nats", natsURL, "--data-dir", t.TempDir()}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "schema is behind") {
		t.Fatalf("serve on an empty schema = %v, want a refusal", err)
	}
	var out bytes.Buffer
	if err := Run(ctx, []string{"migrate", "--database", dsn}, env(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	p := start(t, "--database", dsn, "--nats", natsURL, "--data-dir", dataDir, "--admin-password", testPassword)
	if !strings.Contains(p.Stdout.String(), "PostgreSQL") || !strings.Contains(p.Stdout.String(), natsURL) {
		t.Errorf("startup banner does not name PostgreSQL and %s:\n%s", natsURL, p.Stdout)
	}
	c := login(t, p.URL, "admin", testPassword)
	if status, body := c.do("POST", "/api/v1/regions", map[string]string{"code": "430200"}); status != 201 {
		t.Fatalf("create region = %d %v", status, body)
	}
	p.stop()
	if err := Run(ctx, []string{"audit", "verify", "--database", dsn, "--audit-key", filepath.Join(dataDir, "keys", "audit.key")}, env(nil), io.Discard, io.Discard); err != nil {
		t.Fatalf("audit verify on PostgreSQL: %v", err)
	}
	// The demo loads on PostgreSQL too.
	dsn2 := storetest.PostgresSchema(t)
	p2 := start(t, "--database", dsn2, "--migrate", "--nats", natsURL, "--data-dir", t.TempDir(), "--demo")
	c2 := login(t, p2.URL, "gaj.cataloger", "Demo@2026-zz")
	if status, body := c2.do("GET", "/api/v1/departments?q=公安", nil); status != 200 || body["total"].(float64) != 1 {
		t.Fatalf("departments on PostgreSQL = %d %v", status, body)
	}
}

// TestRestartKeepsSealedCredentials restarts a demo platform: the
// datasource credentials sealed with the key file still open.
func TestRestartKeepsSealedCredentials(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p = start(t, "--data-dir", dir)
	c := login(t, p.URL, "gaj.cataloger", "Demo@2026-zz")
	code := "101001%2F000001"
	status, raw := c.raw("GET", "/api/v1/catalog/entries/"+code+"/mounts", nil)
	if status != 200 || !strings.Contains(string(raw), `"ok":true`) {
		t.Fatalf("mounts = %d %s", status, raw)
	}
	id := regexp.MustCompile(`"id":(\d+)`).FindStringSubmatch(string(raw))[1]
	if status, raw := c.raw("POST", "/api/v1/catalog/entries/"+code+"/mounts/"+id+"/check", nil); status != 200 || !strings.Contains(string(raw), `"ok":true`) {
		t.Fatalf("recheck after restart = %d %s", status, raw)
	}
}

// demoAPIURL finds the demo API's address in serve --demo's output.
func demoAPIURL(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`proxies (http://\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "node.yaml") {
		t.Fatalf("serve --demo does not say where its API is and how production differs:\n%s", out)
	}
	return m[1]
}

// TestDemoAPIServiceAcrossRestart: serve --demo runs its department API, and
// 市医保局's app calls the entry mounted to it through the platform, masked;
// restarted while the old port is taken, the API and its mount move.
func TestDemoAPIServiceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	apiURL := demoAPIURL(t, p.Stdout.String())
	ybj := login(t, p.URL, "ybj.consumer", demo.Password)
	code := entryCode(t, ybj, demo.APIEntryName)
	status, raw := ybj.raw("GET", "/api/v1/apps", nil)
	var apps []map[string]any
	if status != http.StatusOK || json.Unmarshal(raw, &apps) != nil || len(apps) != 1 {
		t.Fatalf("ybj's apps = %d %s; want the demo's one", status, raw)
	}
	status, rotated := ybj.do("POST", fmt.Sprintf("/api/v1/apps/%v/rotate", apps[0]["id"]), nil)
	key, secret := fmt.Sprint(rotated["app_key"]), fmt.Sprint(rotated["secret"])
	if status != http.StatusOK || len(secret) < 32 {
		t.Fatalf("rotate = %d %v", status, rotated)
	}
	call := func(base string) {
		t.Helper()
		status, body, _, _ := signedGet(t, base, gateway.Prefix+url.PathEscape(code)+"?district="+url.QueryEscape("荷塘区"), key, secret)
		var res gateway.Result
		if status != http.StatusOK || json.Unmarshal(body, &res) != nil || len(res.Rows) == 0 {
			t.Fatalf("signed call = %d %s", status, body)
		}
		for _, row := range res.Rows {
			if name, _ := row["name"].(string); !strings.HasSuffix(name, "**") || row["amount"] != nil {
				t.Fatalf("row %v: want granted items only, the name masked", row)
			}
		}
	}
	call(p.URL)
	// The console's try-it panel takes the same proxied path.
	status, body := consoleDo(t, p.URL, ybj.token, "POST", "/services/service/try",
		url.Values{"code": {code}, "value.district": {"荷塘区"}, "page_size": {"5"}}, true)
	if status != http.StatusOK || strings.Contains(body, `id="try-error"`) || !strings.Contains(body, `id="try-rows"`) || !strings.Contains(body, "**") {
		t.Errorf("try-it panel on the API-mounted service = %d %.1500s; want masked rows", status, body)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(apiURL)
	if ln, err := net.Listen("tcp", u.Host); err == nil { // else someone else holds it: the API moves all the same
		defer ln.Close()
	}
	p = start(t, "--demo", "--data-dir", dir)
	if moved := demoAPIURL(t, p.Stdout.String()); moved == apiURL {
		t.Fatalf("the restarted demo API claims the taken address %s", moved)
	}
	call(p.URL)
}
