package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/demo"
)

// TestWorkInChromium clicks through the pages an approver and the auditor
// work from, in both languages: the approver's dashboard tile 待我审批 leads
// to their queue, where two ticked applications are approved at once and
// leave it; the auditor filters the audit log by an action and an outcome
// and downloads the filtered log as a workbook.
func TestWorkInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	var ids []int64 // two to approve in each language
	for i := range 4 {
		status, body := rsj.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"name"},
			"purpose": fmt.Sprintf("浏览器批量审批 %d", i), "basis": "《测试依据》", "scenario": "测试场景", "delivery": "file"})
		if status != http.StatusCreated {
			t.Fatalf("apply: %d %v", status, body)
		}
		ids = append(ids, int64(body["id"].(float64)))
	}
	langs := []struct {
		lang, queue, approved, action, success string
	}{
		{"zh-CN", "待我审批", "已同意 2 件申请", "审批通过申请", "成功"},
		{"en", "awaiting my approval", "2 applications approved", "approve an application", "success"},
	}

	t.Run("the approver's dashboard and batch approval", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "gaj.approver")
		gaj := login(t, p.URL, "gaj.approver", demo.Password)
		for i, l := range langs {
			mine := ids[2*i : 2*i+2]
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/lang/"+l.lang), chromedp.Navigate(p.URL+"/"),
				chromedp.WaitVisible(chromedp.CSS("#todo-approvals"))), l.lang+": the dashboard")
			waitText(t, ctx, "#todo-approvals", l.queue)
			queued := queueCount(t, ctx)
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#todo-approvals")), chromedp.WaitVisible(chromedp.CSS("#batch-approve"))),
				l.lang+": follow the tile")
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "box=review") {
				t.Errorf("%s: the tile leads to %s, want the review queue", l.lang, loc)
			}
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#applications tbody tr[id^=application-]").length`))
			must(t, err, "count the queue")
			if rows > queued || rows < len(ids)-2*i {
				t.Errorf("%s: the queue shows %d applications, the tile counts %d (%d filed by the test wait)", l.lang, rows, queued, len(ids)-2*i)
			}
			screenshot(t, ctx, "queue-"+l.lang)

			// Tick two and approve them at once.
			for _, id := range mine {
				must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#application-%d input[name=ids]", id)))), "tick "+strconv.FormatInt(id, 10))
			}
			must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#batch-approve input[name=note]"), "同意（批量）"),
				chromedp.Click(chromedp.CSS("#batch-approve-submit"))), l.lang+": approve the ticked")
			waitText(t, ctx, ".flash", l.approved)
			for _, id := range mine {
				gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`!document.getElementById("application-%d")`, id)))
				must(t, err, "look for an approved application")
				if !gone {
					t.Errorf("%s: application %d stays in the queue after its approval", l.lang, id)
				}
				if status, body := gaj.do("GET", fmt.Sprintf("/api/v1/applications/%d", id), nil); status != 200 || body["state"] != "pending_authority" {
					t.Errorf("%s: application %d is %v after the batch, want pending_authority", l.lang, id, body["state"])
				}
			}
			for _, id := range ids[2*i+2:] {
				waitText(t, ctx, fmt.Sprintf("#application-%d", id), "浏览器批量审批")
			}
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#todo-approvals"))), "the dashboard again")
			if got := queueCount(t, ctx); got != queued-2 {
				t.Errorf("%s: after the batch the tile counts %d, want %d", l.lang, got, queued-2)
			}
		}
	})

	t.Run("the auditor filters and exports", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "auditor")
		dir := t.TempDir()
		enabled := true
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &enabled})
		must(t, err, "allow downloads")
		for _, l := range langs {
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/lang/"+l.lang), chromedp.Navigate(p.URL+"/audit"),
				chromedp.WaitVisible(chromedp.CSS("#audit"))), l.lang+": the audit log")
			// Choosing in the selects filters at once (htmx), the export link
			// with it; the search button asks the same.
			must(t, chromedp.Do(ctx,
				chromedp.SetValue(chromedp.CSS("#audit-action"), "application.approve"), changed("#audit-action"),
				chromedp.SetValue(chromedp.CSS("select[name=outcome]"), "success"), changed("select[name=outcome]")), l.lang+": choose the filters")
			waitAttr(t, ctx, "#audit-export", "href", "outcome=success")
			// The search swaps the results (the export link with them): mark the
			// old ones and wait for new ones, so that nothing below reads or
			// clicks what the swap is about to remove.
			_, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#audit-export").dataset.old = "1"`))
			must(t, err, l.lang+": mark the results")
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("form.filters button[type=submit]"))), l.lang+": search")
			waitTrue(t, ctx, `!!document.querySelector("#audit-export:not([data-old])") && !document.querySelector(".htmx-request, .htmx-settling, .htmx-swapping")`)
			waitAttr(t, ctx, "#audit-export", "href", "action=application.approve")
			type row struct{ Code, Action, Outcome string }
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]row](`[...document.querySelectorAll("#audit tbody tr")].map(r => ({
				code: r.cells[4] ? r.cells[4].title : "", action: r.cells[4] ? r.cells[4].innerText.trim() : r.innerText,
				outcome: r.cells[6] ? r.cells[6].className : ""}))`))
			must(t, err, "read the rows")
			if len(rows) < 4 {
				t.Fatalf("%s: %d rows of approvals, want the demo's and the batch's", l.lang, len(rows))
			}
			for _, r := range rows {
				if r.Code != "application.approve" || r.Action != l.action || !strings.Contains(r.Outcome, "outcome-success") {
					t.Fatalf("%s: a row of the filtered log: %+v", l.lang, r)
				}
			}
			screenshot(t, ctx, "audit-"+l.lang)

			// The export link downloads the filtered log.
			xlsx := download(t, ctx, dir, "#audit-export")
			x, err := excelize.OpenFile(xlsx)
			must(t, err, "open the export")
			got, err := x.GetRows(x.GetSheetList()[0])
			must(t, err, "read the export")
			x.Close()
			if len(got) < len(rows)+1 {
				t.Fatalf("%s: the export holds %d rows, the page shows %d", l.lang, len(got)-1, len(rows))
			}
			for _, r := range got[1:] {
				if len(r) < 8 || r[4] != l.action || r[7] != l.success {
					t.Fatalf("%s: a row of the export: %q", l.lang, r)
				}
			}
		}
	})
}

// queueCount reads the dashboard's count of applications awaiting me.
func queueCount(t *testing.T, ctx context.Context) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(textOf(t, ctx, "#stat-queue"), ",", ""))
	must(t, err, "the queue's count")
	return n
}

// waitAttr waits until the element's attribute holds want.
func waitAttr(t *testing.T, ctx context.Context, sel, attr, want string) {
	t.Helper()
	js := `(() => { const e = document.querySelector(` + jsString(sel) + `); return !!e && (e.getAttribute(` + jsString(attr) + `) || "").includes(` + jsString(want) + `); })()`
	if !pollTrue(ctx, js) {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(sel)+`) || {getAttribute: () => "(none)"}).getAttribute(`+jsString(attr)+`)`))
		t.Fatalf("%s's %s never held %q: %q", sel, attr, want, got)
	}
}

// waitTrue waits until js is true, across page loads.
func waitTrue(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if !pollTrue(ctx, js) {
		t.Fatalf("never true: %s", js)
	}
}

// pollTrue polls js for up to 15 s; a page that navigates meanwhile ends a
// poll early, and it polls again.
func pollTrue(ctx context.Context, js string) bool {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(3*time.Second))); err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// download clicks the link sel and returns the file the browser saved.
func download(t *testing.T, ctx context.Context, dir, sel string) string {
	t.Helper()
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.Events(wait, cdpbrowser.DownloadProgress)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))), "click "+sel)
	for ev, err := range progress {
		must(t, err, "download from "+sel)
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatalf("the download from %s was cancelled", sel)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			path := filepath.Join(dir, ev.GUID)
			if _, err := os.Stat(path); err != nil {
				t.Fatal(err)
			}
			return path
		}
	}
	t.Fatalf("no download from %s", sel)
	return ""
}
