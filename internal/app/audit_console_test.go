package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/demo"
)

// consoleGet fetches a console page with a session of user.
func consoleGet(t *testing.T, base, user, path, lang string) (int, http.Header, []byte) {
	t.Helper()
	cl := login(t, base, user, demo.Password)
	req, _ := http.NewRequest("GET", base+path, nil)
	req.AddCookie(&http.Cookie{Name: "gs_session", Value: cl.token})
	if lang != "" {
		req.AddCookie(&http.Cookie{Name: "gs_lang", Value: lang})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// auditPage is one page of 200 audit entries, said in lang.
func auditPage(t *testing.T, c *client, page int, lang string) []audit.Entry {
	t.Helper()
	status, body := c.inLang("GET", fmt.Sprintf("/api/v1/audit?page=%d&page_size=200", page), lang, nil)
	var out struct{ Items []audit.Entry }
	if err := json.Unmarshal([]byte(body), &out); status != 200 || err != nil {
		t.Fatalf("audit list: %d %v %s", status, err, body)
	}
	return out.Items
}

// notEnglish are the words the Chinese console may show as they are (the
// allow-list of layoutProbe).
var notEnglish = regexp.MustCompile(`(?i)^(API|APIs|SQL|CSV|XLSX|JSON|HTTP|HTTPS|URL|ID|DSN|CA|SM2|SM3|SM4|HMAC|SHA|PDF|TLS|NATS|JetStream|PostgreSQL|MySQL|MariaDB|SQLite|Excel|DCAT|JSON-LD|OpenAPI|cron|govshare|KB|MB|GB|TB|B|IP|CIDR|AppKey|Secret|GET|POST|Bearer|HMAC-SHA256|HMAC-SM3|UTC|CST|OK|xlsx|json|csv)$`)

// englishWords are the words of English in s, as layoutProbe finds them.
func englishWords(s string) []string {
	var out []string
	for _, w := range regexp.MustCompile(`[A-Za-z][A-Za-z0-9_.:/-]*`).FindAllString(s, -1) {
		if strings.ContainsAny(w, "0123456789_.:/-") || notEnglish.MatchString(w) || len(w) < 2 {
			continue
		}
		out = append(out, w)
	}
	return out
}

// The auditor reads every action of the demo city in words, filters by
// choices, follows targets to their records and exports to Excel.
func TestAuditInWords(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	auditor := login(t, p.URL, "auditor", demo.Password)
	seen, said := map[string]bool{}, map[string]bool{}
	for page := 1; ; page++ {
		zh, en := auditPage(t, auditor, page, "zh-CN"), map[int64]string{}
		for _, e := range auditPage(t, auditor, page, "en") {
			en[e.Seq] = e.DetailText
		}
		for _, e := range zh {
			if a := e.Action; !seen[a] && e.ActionText == a {
				t.Errorf("action %s has no words", a)
				seen[a] = true
			}
			if e.Detail == "" || said[e.Action] {
				continue
			}
			// Every detail the demo city writes is a keyed message (or what a
			// user wrote, as it is): said in Chinese with no English outside
			// what users typed (its string arguments), and in English too.
			d := audit.DetailText(e.Detail)
			switch bare := d.MapArgs(func(string) string { return "" }).In("zh-CN"); {
			case d.Msg == nil && len(englishWords(e.Detail)) > 0:
				t.Errorf("%s #%d: detail %q is English, not keyed", e.Action, e.Seq, e.Detail)
			case d.Msg == nil: // a name or reason as the user wrote it
				continue
			case e.DetailText != d.In("zh-CN") || en[e.Seq] != d.In("en"):
				t.Errorf("%s #%d: detail_text %q / %q, want %q / %q", e.Action, e.Seq, e.DetailText, en[e.Seq], d.In("zh-CN"), d.In("en"))
			case len(englishWords(bare)) > 0:
				t.Errorf("%s #%d: English in the Chinese detail %q: %q", e.Action, e.Seq, e.DetailText, englishWords(bare))
			default:
				continue
			}
			said[e.Action] = true // one report an action
		}
		if len(zh) < 200 {
			break
		}
	}
	status, _, b := consoleGet(t, p.URL, "auditor", "/audit?action=application.approve", "zh-CN")
	if status != 200 {
		t.Fatalf("audit page: %d", status)
	}
	for _, want := range []string{"审批通过申请", `href="/sharing/applications/`, "共享申请 ", `<option value="application.approve" selected>`, `id="audit-department"`, `id="audit-users"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
	status, h, b := consoleGet(t, p.URL, "auditor", "/audit/export?outcome=success", "zh-CN")
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", status, h.Get("Content-Type"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("审计日志")
	if err != nil || len(rows) < 10 {
		t.Fatalf("export rows: %d, %v", len(rows), err)
	}
	if rows[0][4] != "操作" || rows[1][7] != "成功" {
		t.Errorf("export header %v, first row %v", rows[0], rows[1])
	}
	if status, _, _ := consoleGet(t, p.URL, "admin", "/audit/export", ""); status != 403 {
		t.Errorf("the system admin exports the audit log: %d, want 403", status)
	}
}
