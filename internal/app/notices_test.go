package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// noticesOf lists a user's notices through the API.
func noticesOf(t *testing.T, c *client, query string) (items []map[string]any, total int) {
	t.Helper()
	status, body := c.do("GET", "/api/v1/notices?page_size=200"+query, nil)
	if status != http.StatusOK {
		t.Fatalf("list notices: %d %v", status, body)
	}
	for _, it := range body["items"].([]any) {
		items = append(items, it.(map[string]any))
	}
	return items, int(body["total"].(float64))
}

// about returns the notices linking to application id whose message contains text.
func about(items []map[string]any, id int64, text string) []map[string]any {
	var out []map[string]any
	for _, n := range items {
		if n["link"] == fmt.Sprintf("/sharing/applications/%d", id) && strings.Contains(n["message"].(string), text) {
			out = append(out, n)
		}
	}
	return out
}

// An application's moves reach the applicant and the next approvers, each
// through their own notices only; the reminder of an overdue step goes out
// once, however often the platform checks and across a restart; the
// system admin gets no notices.
func TestNoticesOfApplications(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir, "--notice-interval", "1s")
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	gaj := login(t, p.URL, "gaj.approver", demo.Password)
	xz := login(t, p.URL, "xzsp.approver", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	status, body := rsj.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"name"},
		"purpose": "站内信测试", "basis": "《测试依据》", "scenario": "测试场景", "delivery": "file"})
	if status != http.StatusCreated {
		t.Fatalf("apply: %d %v", status, body)
	}
	id := int64(body["id"].(float64))
	items, _ := noticesOf(t, gaj, "&unread=true")
	awaits := about(items, id, "awaits your approval")
	if len(awaits) != 1 {
		t.Fatalf("the police's approver has %d notices that application %d awaits them; want 1 (%v)", len(awaits), id, items)
	}
	if items, _ := noticesOf(t, xz, ""); len(about(items, id, "")) != 0 {
		t.Errorf("the authority's approver heard of application %d before its step", id)
	}
	if status, body := gaj.do("POST", fmt.Sprintf("/api/v1/applications/%d/approve", id), map[string]any{"note": "同意"}); status != http.StatusOK {
		t.Fatalf("approve: %d %v", status, body)
	}
	items, _ = noticesOf(t, rsj, "")
	if len(about(items, id, "was approved by 株洲市公安局 and waits for the data authority")) != 1 {
		t.Errorf("the applicant's notices: %v", items)
	}
	items, _ = noticesOf(t, xz, "")
	if len(about(items, id, "awaits your approval")) != 1 {
		t.Errorf("the authority's approver's notices: %v", items)
	}

	// Nobody reads or marks another's notices; the caller's language.
	nid := int64(awaits[0]["id"].(float64))
	if status, _ := rsj.do("POST", fmt.Sprintf("/api/v1/notices/%d/read", nid), nil); status != http.StatusNotFound {
		t.Errorf("the applicant marked the approver's notice: %d, want 404", status)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/notices/%d/read", p.URL, nid), nil)
	req.Header.Set("Authorization", "Bearer "+gaj.token)
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var read struct {
		Message string `json:"message"`
		ReadAt  string `json:"read_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&read); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("mark read: %d, %v", resp.StatusCode, err)
	}
	if !strings.Contains(read.Message, "待您审批") || read.ReadAt == "" {
		t.Errorf("mark read in Chinese: %+v", read)
	}
	if status, body := rsj.do("POST", "/api/v1/notices/read-all", nil); status != http.StatusOK || body["marked"].(float64) < 1 {
		t.Errorf("read all: %d %v", status, body)
	}
	if _, unread := noticesOf(t, rsj, "&unread=true"); unread != 0 {
		t.Errorf("%d unread after reading all", unread)
	}

	// The system admin takes no part in moving data and hears nothing of it.
	admin := login(t, p.URL, "admin", demo.Password)
	if items, total := noticesOf(t, admin, ""); total != 0 {
		t.Errorf("the system admin has notices: %v", items)
	}

	// The demo's overdue application: its approvers are reminded once.
	status, body = xz.do("GET", "/api/v1/applications?box=review&page_size=200", nil)
	if status != http.StatusOK {
		t.Fatalf("the authority's queue: %d %v", status, body)
	}
	var overdue int64
	for _, it := range body["items"].([]any) {
		if a := it.(map[string]any); a["overdue"] == true {
			overdue = int64(a["id"].(float64))
		}
	}
	if overdue == 0 {
		t.Fatalf("no overdue application in the authority's queue: %v", body)
	}
	reminders := func() int {
		items, _ := noticesOf(t, xz, "")
		return len(about(items, overdue, "is past its time limit"))
	}
	for deadline := time.Now().Add(20 * time.Second); reminders() == 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("application %d: no overdue reminder", overdue)
		}
	}
	time.Sleep(3500 * time.Millisecond) // three more checks
	if n := reminders(); n != 1 {
		t.Errorf("application %d: %d overdue reminders, want 1", overdue, n)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p = start(t, "--demo", "--data-dir", dir, "--notice-interval", "1s")
	xz = login(t, p.URL, "xzsp.approver", demo.Password)
	time.Sleep(3500 * time.Millisecond) // the check at start and three more
	if n := reminders(); n != 1 {
		t.Errorf("after a restart, application %d: %d overdue reminders, want 1", overdue, n)
	}
}

// The bell in the header counts the unread notices on every page, in both
// languages; the notices page opens a notice's record and marks it read.
func TestNoticesInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	for _, lang := range []struct{ code, user, bell, unread, read, record string }{
		{"zh-CN", "xzsp.approver", "站内信", "未读", "已读", "共享申请详情"},
		{"en", "mzj.approver", "Notices", "Unread", "Read", "Application"},
	} {
		t.Run(lang.code, func(t *testing.T) {
			ctx := browser(t)
			consoleLogin(t, ctx, p.URL, lang.user)
			if lang.code == "en" {
				must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/lang/en"), chromedp.WaitVisible(chromedp.CSS("#current-user"))), "switch to English")
			}
			xz := login(t, p.URL, lang.user, demo.Password)
			_, unread := noticesOf(t, xz, "&unread=true")
			if unread < 2 {
				t.Fatalf("the demo's %s has %d unread notices, want at least 2", lang.user, unread)
			}
			for _, page := range []string{"/", "/catalog", "/sharing/applications?box=review"} {
				must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+page), chromedp.WaitVisible(chromedp.CSS("#notice-bell"))), "open "+page)
				waitText(t, ctx, "#notice-bell", lang.bell)
				if got := textOf(t, ctx, "#notice-count"); got != fmt.Sprint(unread) {
					t.Errorf("%s: the bell counts %q, want %d", page, got, unread)
				}
			}
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#notice-bell")), chromedp.WaitVisible(chromedp.CSS("#notices"))), "open the notices")
			waitText(t, ctx, "#notices tbody tr:first-child", lang.unread)
			screenshot(t, ctx, "notices-"+lang.code)
			first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#notices tbody tr:first-child .notice-link").getAttribute("href")`))
			must(t, err, "read the first notice's link")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#notices tbody tr:first-child .notice-link")), chromedp.WaitVisible(chromedp.CSS("#application-state"))),
				"open the first notice")
			loc, err := chromedp.Run(ctx, chromedp.Location())
			must(t, err, "location")
			if !strings.Contains(loc, "/sharing/applications/") {
				t.Errorf("the notice opened %s, want its application", loc)
			}
			waitText(t, ctx, "main h1", lang.record)
			if _, n := noticesOf(t, xz, "&unread=true"); n != unread-1 {
				t.Errorf("after opening one, %d unread, want %d", n, unread-1)
			}
			if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("#notice-count") || {}).innerText || "0"`)); err != nil || got != fmt.Sprint(unread-1) {
				t.Errorf("after opening one, the bell counts %q (%v), want %d", got, err, unread-1)
			}
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/notices"), chromedp.WaitVisible(chromedp.CSS("#notices"))), "back to the notices")
			id := strings.TrimPrefix(first, "/notices/")
			waitText(t, ctx, "#notice-"+id, lang.read)
			// Read them all: the bell shows no count.
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#read-all")), chromedp.WaitVisible(chromedp.CSS(".flash"))), "read all")
			if _, n := noticesOf(t, xz, "&unread=true"); n != 0 {
				t.Errorf("%d unread after reading all", n)
			}
			if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#notice-count").length`)); err != nil || n != 0 {
				t.Errorf("the bell still counts after reading all (%d, %v)", n, err)
			}
		})
	}
}
