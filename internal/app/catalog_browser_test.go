package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitText polls until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	js := `(() => { const e = document.querySelector(` + jsString(sel) + `); return !!e && e.innerText.includes(` + jsString(want) + `); })()`
	if !pollTrue(ctx, js) {
		got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s never showed %q\npage: %.1500s", sel, want, got)
	}
}

// changed fires the change event that a person's edit would, for htmx.
func changed(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + jsString(sel) + `).dispatchEvent(new Event("change", {bubbles: true}))`)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func TestCatalogInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())

	t.Run("cataloger", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "gaj.cataloger")
		// A two-character search finds the population register.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog"), chromedp.WaitVisible(chromedp.CSS("#catalog-search")),
			chromedp.SendKeys(chromedp.CSS("#catalog-search"), "户籍")), "search")
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#catalog-entries tbody tr").length === 1 && location.search.includes("q=")`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("the search for 户籍 did not narrow the list to one entry: %v", err)
		}
		waitText(t, ctx, "#catalog-entries", "户籍人口基本信息")
		waitText(t, ctx, "#catalog-facets", "株洲市公安局")
		screenshot(t, ctx, "catalog")

		// A new entry: live validation first, then a saved draft.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog/new"), chromedp.WaitVisible(chromedp.CSS("#catalog-form")),
			chromedp.SendKeys(chromedp.CSS("#entry-name-input"), "机动车驾驶人信息"),
			chromedp.SetValue(chromedp.CSS("select[name=share_type]"), "conditional"),
		), "start a new entry")
		must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("input[name=category_item]"), "03"), changed("#catalog-form")), "change a field")
		waitText(t, ctx, "#validation", "共享条件")
		must(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("select[name=category]"), "base"),
			chromedp.SendKeys(chromedp.CSS("input[name=category_sub_item]"), "001"),
			chromedp.SetValue(chromedp.CSS("select[name=format]"), "database"),
			chromedp.SendKeys(chromedp.CSS("textarea[name=share_condition], input[name=share_condition]"), "仅用于交通管理"),
			chromedp.SetValue(chromedp.CSS("select[name=open_type]"), "closed"),
			chromedp.SetValue(chromedp.CSS("select[name=update_cycle]"), "daily"),
		), "fill the entry")
		rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#items-body tr").length`))
		must(t, err, "count item rows")
		if rows == 0 {
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#item-add"))), "add an item row")
		}
		must(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#items-body input[name="items.0.name"]`), "驾驶证号"),
			chromedp.SendKeys(chromedp.CSS(`#items-body input[name="items.0.identifier"]`), "licence_no"),
			chromedp.SetValue(chromedp.CSS(`#items-body select[name="items.0.data_type"]`), "string"),
			chromedp.Click(chromedp.CSS("#catalog-save")),
			chromedp.WaitVisible(chromedp.CSS("#entry-name")),
		), "save the entry")
		waitText(t, ctx, "#entry-name", "机动车驾驶人信息")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wf-submit")), chromedp.WaitVisible(chromedp.CSS("#entry-status"))), "submit")
		waitText(t, ctx, "#entry-status", "待审核")

		// Mounting a table reports the columns that do not match.
		must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#mount-source"))), "mount form")
		opt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#mount-source option[value]:not([value=''])").value`))
		must(t, err, "a datasource")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#mount-source"), opt), changed("#mount-source")), "choose the datasource")
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector("#mount-table option[value=population]")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("tables never loaded: %v", err)
		}
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#mount-table"), "population"), chromedp.Click(chromedp.CSS("#mount-table-submit"))), "mount")
		waitText(t, ctx, "#mounts", "population")
	})

	t.Run("approver", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "xzsp.approver")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog/review"), chromedp.WaitVisible(chromedp.CSS("#review-queue"))), "review queue")
		waitText(t, ctx, "#review-queue", "机动车驾驶人信息")
		waitText(t, ctx, "#review-queue", "医疗保险参保信息")
		// Approve and publish the new entry.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//a[contains(., "机动车驾驶人信息")]`)), chromedp.WaitVisible(chromedp.CSS("#wf-approve")),
			chromedp.Click(chromedp.CSS("#wf-approve")), chromedp.WaitVisible(chromedp.CSS("#wf-publish"))), "approve")
		waitText(t, ctx, "#entry-status", "已审核")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#wf-publish")), chromedp.WaitVisible(chromedp.CSS("#entry-status"))), "publish")
		waitText(t, ctx, "#entry-status", "已发布")
		// Return another with a reason.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog/review"), chromedp.WaitVisible(chromedp.CSS("#review-queue")),
			chromedp.Click(chromedp.Search(`//a[contains(., "医疗保险参保信息")]`)), chromedp.WaitVisible(chromedp.CSS("#return-form")),
			chromedp.SendKeys(chromedp.CSS("#return-form textarea[name=reason]"), "缺少参保状态的取值说明"),
			chromedp.Click(chromedp.CSS("#wf-return")), chromedp.WaitVisible(chromedp.CSS("#entry-status"))), "return")
		waitText(t, ctx, "#entry-status", "已退回")
		// The pending change of the population register, field by field.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog?q="+url.QueryEscape("户籍人口")), chromedp.WaitVisible(chromedp.CSS("#catalog-entries")),
			chromedp.Click(chromedp.Search(`//a[contains(., "户籍人口基本信息")]`)), chromedp.WaitVisible(chromedp.CSS("#version-notice"))), "open the population register")
		waitText(t, ctx, "#version-notice", "2")
		must(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#diff-from"), "1"), chromedp.SetValue(chromedp.CSS("#diff-to"), "2"), changed("#diff-to")), "diff")
		waitText(t, ctx, "#diff-result", "迁移")
		screenshot(t, ctx, "catalog-diff")
		// Statistics.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog/stats"), chromedp.WaitVisible(chromedp.CSS("#stats-departments"))), "stats")
		waitText(t, ctx, "#stats-departments", "株洲市公安局")
		must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#chart-departments[data-rendered] canvas"))), "chart")
	})
}
