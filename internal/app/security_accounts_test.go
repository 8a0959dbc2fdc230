package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/store"
)

// TestSecurityAccounts is the attack table of issue 9's "Accounts and the
// three officers": one row per finding, against one real demo platform
// started with --admin-password and --metrics-listen; the audit chain's row
// runs last, on the stopped platform's database.
func TestSecurityAccounts(t *testing.T) {
	dir := t.TempDir()
	const adminPW = "Own-Admin-Pw-2026"
	p := start(t, "--demo", "--data-dir", dir, "--admin-password", adminPW, "--metrics-listen", "127.0.0.1:0")

	userID := func(c *client, name string) int64 {
		t.Helper()
		status, body := c.do("GET", "/api/v1/users?q="+name, nil)
		if status != 200 {
			t.Fatalf("users?q=%s = %d %v", name, status, body)
		}
		for _, it := range body["items"].([]any) {
			if u := it.(map[string]any); u["username"] == name {
				return int64(u["id"].(float64))
			}
		}
		t.Fatalf("no user %s", name)
		return 0
	}

	t.Run("officer accounts are managed by the security admin alone, never one's own", func(t *testing.T) {
		admin := login(t, p.URL, "admin", adminPW)
		sec := login(t, p.URL, "secadmin", demo.Password)
		aud := login(t, p.URL, "auditor", demo.Password)
		ids := map[string]int64{"admin": userID(sec, "admin"), "secadmin": userID(sec, "secadmin"), "auditor": userID(sec, "auditor")}
		deniedBefore := func() int {
			_, body := aud.do("GET", "/api/v1/audit?action=user.&outcome=denied", nil)
			return int(body["total"].(float64))
		}
		before := deniedBefore()
		refused := []struct {
			who    *client
			name   string
			action string
			target string
		}{
			{admin, "system admin", "disable", "auditor"},
			{admin, "system admin", "disable", "secadmin"},
			{admin, "system admin", "unlock", "auditor"},
			{admin, "system admin", "disable", "admin"},
			{sec, "security admin", "disable", "secadmin"},
			{sec, "security admin", "unlock", "secadmin"},
			{aud, "auditor", "disable", "auditor"},
			{aud, "auditor", "disable", "admin"},
		}
		for _, r := range refused {
			status, body := r.who.do("POST", fmt.Sprintf("/api/v1/users/%d/%s", ids[r.target], r.action), nil)
			if status != http.StatusForbidden || body["message"] == "" {
				t.Errorf("%s: %s %s = %d %v, want 403 with a message", r.name, r.action, r.target, status, body)
			}
		}
		if status, body := sec.do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", ids["secadmin"]), map[string]any{"roles": []string{"auditor"}}); status != http.StatusForbidden {
			t.Errorf("security admin changes own roles = %d %v, want 403", status, body)
		}
		if got, want := deniedBefore()-before, len(refused)+1; got != want {
			t.Errorf("%d new denied user.* audit entries, want %d", got, want)
		}
		if status, _ := aud.do("GET", "/api/v1/me", nil); status != 200 {
			t.Errorf("auditor's session after the system admin's attempts = %d, want 200", status)
		}
		// The message is said in the caller's language.
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/users/%d/disable", p.URL, ids["auditor"]), nil)
		req.Header.Set("Authorization", "Bearer "+admin.token)
		req.Header.Set("Accept-Language", "zh-CN")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 403 || !strings.Contains(string(b), "安全管理员") {
				t.Errorf("zh-CN refusal = %d %s, want 403 in Chinese", resp.StatusCode, b)
			}
		}
		for _, action := range []string{"disable", "enable", "unlock"} {
			if status, body := sec.do("POST", fmt.Sprintf("/api/v1/users/%d/%s", ids["auditor"], action), nil); status != 200 {
				t.Errorf("security admin %s auditor = %d %v, want 200", action, status, body)
			}
		}
		// Changing one's own password through the account stays allowed.
		aud = login(t, p.URL, "auditor", demo.Password)
		if status, body := aud.do("PUT", "/api/v1/me/password", map[string]string{"old_password": demo.Password, "new_password": "Auditor-Pw-2026x"}); status != 204 {
			t.Errorf("auditor changes own password = %d %v, want 204", status, body)
		}
	})

	t.Run("the console shows and refuses by the same rule", func(t *testing.T) {
		console := func(user, pw string) *http.Client {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.PostForm(p.URL+"/login", url.Values{"username": {user}, "password": {pw}})
			if err != nil || resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("console login %s: %v %v", user, err, resp)
			}
			resp.Body.Close()
			return c
		}
		page := func(c *http.Client, method, path string) (int, string) {
			req, _ := http.NewRequest(method, p.URL+path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		sec := login(t, p.URL, "secadmin", demo.Password)
		audID := userID(sec, "auditor")
		admin := console("admin", adminPW)
		disableForm := fmt.Sprintf(`action="/users/%d/disable"`, audID)
		if _, body := page(admin, "GET", fmt.Sprintf("/users/%d", audID)); strings.Contains(body, disableForm) {
			t.Errorf("the system admin is offered to disable the auditor")
		}
		if status, body := page(admin, "POST", fmt.Sprintf("/users/%d/disable", audID)); status != http.StatusForbidden || !strings.Contains(body, "只有安全管理员") {
			t.Errorf("console: system admin disables the auditor = %d, want 403 with the Chinese refusal", status)
		}
		if _, body := page(console("secadmin", demo.Password), "GET", fmt.Sprintf("/users/%d", audID)); !strings.Contains(body, disableForm) {
			t.Errorf("the security admin is not offered to disable the auditor")
		}
	})

	t.Run("every failed login answers the same, and nothing locks", func(t *testing.T) {
		anon := &client{t: t, base: p.URL}
		try := func(user, pw string) (int, string) {
			status, raw := anon.raw("POST", "/api/v1/session", map[string]string{"username": user, "password": pw})
			return status, string(raw)
		}
		wantStatus, wantBody := try("no.such.user", "Wrong-Passw0rd")
		if wantStatus != http.StatusUnauthorized {
			t.Fatalf("unknown user = %d %s, want 401", wantStatus, wantBody)
		}
		for i := range 6 {
			if status, body := try("admin", "Wrong-Passw0rd"); status != wantStatus || body != wantBody {
				t.Errorf("known user, wrong password %d = %d %s, want %d %s", i+1, status, body, wantStatus, wantBody)
			}
		}
		throttled := time.Now()
		if status, body := try("admin", adminPW); status != wantStatus || body != wantBody {
			t.Errorf("right password while throttled = %d %s, want %d %s", status, body, wantStatus, wantBody)
		}
		for i := range 3 {
			if status, body := try("nobody.else", "Wrong-Passw0rd"); status != wantStatus || body != wantBody {
				t.Errorf("another unknown user %d = %d %s, want the same answer", i+1, status, body)
			}
		}
		time.Sleep(time.Until(throttled.Add(1200 * time.Millisecond)))
		login(t, p.URL, "admin", adminPW) // no hard lock: the admin logs in after the delay

		// The security admin lifts an officer's delay at once.
		for range 6 {
			try("admin", "Wrong-Passw0rd")
		}
		if status, _ := try("admin", adminPW); status != wantStatus {
			t.Fatalf("admin throttled again = %d, want %d", status, wantStatus)
		}
		sec := login(t, p.URL, "secadmin", demo.Password)
		id := userID(sec, "admin")
		if status, body := sec.do("GET", fmt.Sprintf("/api/v1/users/%d", id), nil); status != 200 || body["locked_until"] == nil {
			t.Errorf("the throttled admin's account = %d %v, want locked_until", status, body)
		}
		if status, body := sec.do("POST", fmt.Sprintf("/api/v1/users/%d/unlock", id), nil); status != 200 || body["locked_until"] != nil {
			t.Fatalf("security admin unlocks admin = %d %v, want 200 without locked_until", status, body)
		}
		login(t, p.URL, "admin", adminPW)
	})

	t.Run("next after login stays on the platform", func(t *testing.T) {
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for _, next := range []string{"/\t/evil.example", "//evil.example", "/\\evil.example", "\\/evil.example", "https://evil.example/",
			"/\n/evil.example", "/%2F/evil.example", "javascript:alert(1)", "/\u00a0/evil.example"} {
			form := url.Values{"username": {"xzsp.approver"}, "password": {demo.Password}, "next": {next}}
			resp, err := noRedirect.PostForm(p.URL+"/login", form)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
				t.Errorf("login with next=%q = %d to %q, want 303 to /", next, resp.StatusCode, loc)
			}
		}
		resp, err := http.Get(p.URL + "/login?next=/%09/evil.example")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "evil.example") {
			t.Errorf("GET /login?next=/%%09/evil.example carries the target into the form")
		}
		form := url.Values{"username": {"xzsp.approver"}, "password": {demo.Password}, "next": {"/catalog?q=population"}}
		if resp, err := noRedirect.PostForm(p.URL+"/login", form); err != nil || resp.Header.Get("Location") != "/catalog?q=population" {
			t.Errorf("login with a path of the platform: %v %v, want kept", err, resp.Header.Get("Location"))
		}
	})

	t.Run("metrics only on their own listener", func(t *testing.T) {
		resp, err := http.Get(p.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(b), "govshare_http_requests_total") {
			t.Errorf("GET /metrics on the console port = %d, want no metrics", resp.StatusCode)
		}
		m := regexp.MustCompile(`metrics: (http://\S+/metrics)`).FindStringSubmatch(p.Stdout.String())
		if m == nil {
			t.Fatalf("no metrics address in:\n%s", p.Stdout)
		}
		resp, err = http.Get(m[1])
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "govshare_http_requests_total") {
			t.Errorf("GET %s = %d, want the metrics", m[1], resp.StatusCode)
		}
	})

	t.Run("--demo --admin-password takes effect", func(t *testing.T) {
		anon := &client{t: t, base: p.URL}
		if status, _ := anon.do("POST", "/api/v1/session", map[string]string{"username": "admin", "password": demo.Password}); status != 401 {
			t.Errorf("admin with the demo password = %d, want 401", status)
		}
		login(t, p.URL, "admin", adminPW)
		if !strings.Contains(p.Stdout.String(), "--admin-password") {
			t.Errorf("start-up output does not say the admin's password is the given one:\n%s", p.Stdout)
		}
	})

	t.Run("a rebuilt audit chain is not the platform's", func(t *testing.T) {
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		verify := func() error {
			return Run(context.Background(), []string{"audit", "verify", "--data-dir", dir}, env(nil), io.Discard, io.Discard)
		}
		if err := verify(); err != nil {
			t.Fatalf("verify the untouched chain: %v", err)
		}
		ctx := context.Background()
		db, err := store.Open(ctx, filepath.Join(dir, "govshare.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// Whoever can write the database removes the entries from 20 on and
		// writes their own, chained as the public code chains: plain SM3.
		const from = 20
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			var prev string
			if err := tx.QueryRow(ctx, "SELECT hash FROM audit_log WHERE seq = ?", from-1).Scan(&prev); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM audit_log WHERE seq >= ?", from); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", from-1, prev)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := audit.New(db).Record(ctx, audit.Entry{Actor: "admin", Action: "session.create", Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
		err = verify()
		if err == nil || !strings.Contains(err.Error(), "not this platform's") || !strings.Contains(err.Error(), fmt.Sprint(from)) {
			t.Errorf("verify the rebuilt chain = %v, want it named not the platform's from entry %d", err, from)
		}
		// Without the key, verify refuses rather than check a chain it cannot.
		var out bytes.Buffer
		if err := Run(ctx, []string{"audit", "verify", "--data-dir", dir, "--audit-key", filepath.Join(t.TempDir(), "none.key")}, env(nil), &out, io.Discard); err == nil {
			t.Errorf("verify without the key succeeded: %s", out.String())
		}
	})
}

// TestStartFlagsNotIgnored: a flag given takes effect or the platform says
// it does not.
func TestStartFlagsNotIgnored(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--data-dir", dir, "--admin-password", testPassword)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p = start(t, "--data-dir", dir, "--admin-password", "Another-Pw-2026x")
	if !strings.Contains(p.Stdout.String(), "--admin-password not applied") {
		t.Errorf("second start with --admin-password says nothing:\n%s", p.Stdout)
	}
	login(t, p.URL, "admin", testPassword)
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	// The demo does not load into a platform that is not the demo city.
	err := Run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--demo"}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not the demo city") {
		t.Errorf("serve --demo on a platform with accounts = %v, want a refusal", err)
	}
	// A password the policy refuses stops the start with the setting's name.
	empty := filepath.Join(t.TempDir(), "data")
	err = Run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", empty, "--demo", "--admin-password", "weak"}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "admin-password") {
		t.Errorf("serve --demo --admin-password weak = %v, want a refusal naming admin-password", err)
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused start left %s behind (%v)", empty, err)
	}
}

// TestAuditKeyUpgrade: a database whose chain was written before the
// platform had an audit key is verified and re-hashed at the first start
// with a key; one whose plain chain does not hold is not laundered.
func TestAuditKeyUpgrade(t *testing.T) {
	ctx := context.Background()
	legacy := func(t *testing.T, tamper bool) string {
		dir := t.TempDir()
		db, err := store.Open(ctx, filepath.Join(dir, "govshare.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx, migrations()...); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := audit.New(db).Record(ctx, audit.Entry{Actor: "system", Action: "region.create", Outcome: audit.Success}); err != nil {
				t.Fatal(err)
			}
		}
		if tamper {
			if err := db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE audit_log SET detail = 'edited' WHERE seq = 2")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dir := legacy(t, false)
	p := start(t, "--data-dir", dir, "--admin-password", testPassword)
	if !strings.Contains(p.Stdout.String(), "3 entries verified and re-hashed") {
		t.Errorf("first start with a key says nothing of the re-hashed chain:\n%s", p.Stdout)
	}
	p.stop()
	var out bytes.Buffer
	if err := Run(ctx, []string{"audit", "verify", "--data-dir", dir}, env(nil), &out, io.Discard); err != nil {
		t.Fatalf("verify after the upgrade: %v", err)
	}
	dir = legacy(t, true)
	err := Run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dir, "--admin-password", testPassword}, env(nil), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Errorf("serve on a tampered plain chain = %v, want a refusal naming entry 2", err)
	}
	for _, f := range []string{"audit.key", "audit.key.new"} {
		if _, err := os.Stat(filepath.Join(dir, "keys", f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after the refusal keys/%s exists (%v), want none", f, err)
		}
	}
}
