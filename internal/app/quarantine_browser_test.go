package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// TestQuarantineInChromium visits the quarantine (隔离区) of the demo's
// housing fund channel: the rows that failed validation with their reasons
// and masked values, then skips one and retries another (htmx).
func TestQuarantineInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "xzsp.node")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/channels?q=housing_fund"), chromedp.WaitVisible(chromedp.CSS("#channels tbody a")),
		chromedp.Click(chromedp.CSS("#channels tbody a")), chromedp.WaitVisible(chromedp.CSS("#quarantine-rows"))), "the housing fund channel's page")
	if got := textOf(t, ctx, "#quarantine-open"); got != "4" {
		t.Errorf("open count shows %q, want 4", got)
	}
	rows := textOf(t, ctx, "#quarantine-rows tbody")
	if strings.Count(rows, "校验码是") != demo.QuarantinedRows || !strings.Contains(rows, "id_number") || !strings.Contains(rows, "*") {
		t.Errorf("quarantined rows show:\n%s\nwant %d ID numbers failing their check character, masked", rows, demo.QuarantinedRows)
	}
	screenshot(t, ctx, "quarantine")

	// Skip the first row with a reason.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#quarantine-rows tbody tr:nth-child(1) input[name=ids]`)),
		chromedp.SendKeys(chromedp.CSS("#quarantine-skip-reason"), "已线下核实"),
		chromedp.Click(chromedp.CSS("#quarantine-skip")),
		chromedp.WaitVisible(chromedp.CSS("#quarantine-message"))), "skip a row")
	if got := textOf(t, ctx, "#quarantine-message"); !strings.Contains(got, "已跳过 1 行") {
		t.Errorf("after skip the message is %q", got)
	}
	if got := textOf(t, ctx, "#quarantine-open"); got != "3" {
		t.Errorf("after skip the open count shows %q, want 3", got)
	}
	// Retry another: nothing was fixed at the source, so it still fails.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#quarantine-rows tbody tr:nth-child(1) input[name=ids]`)),
		chromedp.Click(chromedp.CSS("#quarantine-retry"))), "retry a row")
	// A click landing before htmx has processed the swapped section posts
	// the form without htmx, and the page reloads with the same message:
	// ask again until one of the two has answered.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		answered, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("quarantine-message")||{textContent:""}).textContent.indexOf("1 行仍不合格") >= 0`))
		if err == nil && answered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retry does not answer that the row still fails (last error: %v)", err)
		}
	}
	// All entries, the skipped one among them.
	// (With htmx the section is swapped in place; a click before htmx has
	// processed the new section follows the link to the same view.)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#quarantine-tab-all")), chromedp.WaitVisible(chromedp.CSS("#quarantine-tab-all.active"))), "all entries")
	if got := textOf(t, ctx, "#quarantine-rows tbody"); !strings.Contains(got, "已跳过") || strings.Count(got, "校验码是") != demo.QuarantinedRows {
		t.Errorf("all entries show:\n%s", got)
	}
	// English.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("#channel-quarantine h2"))), "switch language")
	if got := textOf(t, ctx, "#channel-quarantine h2"); got != "Quarantine" {
		t.Errorf("English heading %q, want Quarantine", got)
	}
}
