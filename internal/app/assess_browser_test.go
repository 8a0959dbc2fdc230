package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The report pages in Chromium: the ranking chart draws, a department's
// figures open onto the records they counted.
func TestAssessConsoleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "xzsp.approver")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(p.URL+"/assessments"),
		chromedp.WaitVisible(`#assess-chart[data-rendered="true"]`),
	), "assessment chart")
	screenshot(t, ctx, "assessments")
	if got := textOf(t, ctx, "#assess-ranking tbody tr:first-child td:first-child"); got != "1" {
		t.Errorf("first rank = %q, want 1", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(`#assess-ranking tbody tr:first-child a`),
		chromedp.WaitVisible(`#unit-trend[data-rendered="true"]`),
		chromedp.Click(`#figure-catalog_compiled summary`),
		chromedp.WaitVisible(`#figure-catalog_compiled table.records`),
	), "a department's figures")
	screenshot(t, ctx, "assessment_unit")
	if got := textOf(t, ctx, "#figure-catalog_compiled table.records tbody"); !strings.Contains(got, "entry:") {
		t.Errorf("drill-down = %q, want the entries counted", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/sharing-results"), chromedp.WaitVisible(`#results-chart[data-rendered="true"]`)), "sharing results")
	screenshot(t, ctx, "sharing_results")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/projects/1"), chromedp.WaitVisible(`#verdict`)), "acceptance")
	screenshot(t, ctx, "project_check")
}
