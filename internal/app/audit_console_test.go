package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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

// The auditor reads every action of the demo city in words, filters by
// choices, follows targets to their records and exports to Excel.
func TestAuditInWords(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	auditor := login(t, p.URL, "auditor", demo.Password)
	seen := map[string]bool{}
	for page := 1; ; page++ {
		status, body := auditor.do("GET", fmt.Sprintf("/api/v1/audit?page=%d&page_size=200", page), nil)
		if status != 200 {
			t.Fatalf("audit list: %d %v", status, body)
		}
		items, _ := body["items"].([]any)
		for _, it := range items {
			e := it.(map[string]any)
			if a := e["action"].(string); !seen[a] && e["action_text"] == a {
				t.Errorf("action %s has no words", a)
				seen[a] = true
			}
		}
		if len(items) < 200 {
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
