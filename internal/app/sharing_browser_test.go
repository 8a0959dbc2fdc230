package app

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSharingInChromium follows one application through the console: the
// human resources bureau applies for the police's population register from
// the entry's page, the police's approver approves it without one item, the
// data authority's approver approves it, and the grant appears for the
// bureau. A negative-listed item is refused with its basis on the way.
func TestSharingInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	var appURL string

	t.Run("consumer applies from the entry's page", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "rsj.consumer")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog?q="+url.QueryEscape("户籍人口")), chromedp.WaitVisible(chromedp.CSS("#catalog-entries")),
			chromedp.Click(chromedp.Search(`//a[contains(., "户籍人口基本信息")]`)), chromedp.WaitVisible(chromedp.CSS("#apply"))), "open the population register")
		waitText(t, ctx, "#apply-box", "需经提供部门和数据主管部门审批")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#apply")), chromedp.WaitVisible(chromedp.CSS("#apply-form"))), "open the application form")
		waitText(t, ctx, "#apply-route", "株洲市公安局")
		// The negative-listed item cannot be ticked, and says why.
		disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#apply-items input[value=address]").disabled`))
		must(t, err, "read the address checkbox")
		if !disabled {
			t.Error("the negative-listed item address can be ticked")
		}
		waitText(t, ctx, "#item-address", "户籍地址属于敏感个人信息")
		must(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("textarea[name=purpose]"), "就业登记时核验劳动者身份"),
			chromedp.SendKeys(chromedp.CSS("textarea[name=basis]"), "《中华人民共和国就业促进法》第三十五条"),
			chromedp.SendKeys(chromedp.CSS("textarea[name=scenario]"), "公共就业服务：就业登记"),
		), "fill the purpose")
		screenshot(t, ctx, "sharing-apply")

		// A request that asks for it anyway (the box enabled by hand) is
		// refused, and the refusal gives the basis.
		must(t, chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector("#apply-items input[value=address]"); b.disabled = false; b.checked = true; })()`),
			chromedp.Click(chromedp.CSS("#apply-submit")),
			chromedp.WaitVisible(chromedp.CSS("#apply-refused-hint")),
		), "apply for the negative-listed item")
		waitText(t, ctx, "main .error", "负面清单")
		waitText(t, ctx, "main .error", "户籍地址属于敏感个人信息")

		// Without it, and with a table to deliver to, the application is filed.
		must(t, chromedp.Do(ctx,
			chromedp.SetValue(chromedp.CSS("#target-datasource"), "rsj-业务库"),
			chromedp.SendKeys(chromedp.CSS("#target-table"), "gaj_population"),
			chromedp.Click(chromedp.CSS("#apply-submit")),
			chromedp.WaitVisible(chromedp.CSS("#application-state")),
		), "file the application")
		waitText(t, ctx, "#application-state", "待提供部门审批")
		waitText(t, ctx, "#application-waiting", "株洲市公安局审核员")
		waitText(t, ctx, ".flash", "已提交申请")
		loc, err := chromedp.Run(ctx, chromedp.Location())
		must(t, err, "location")
		if !strings.Contains(loc, "/sharing/applications/") {
			t.Fatalf("after applying the browser is at %s", loc)
		}
		appURL = loc
		id := loc[strings.LastIndex(loc, "/")+1:]

		// My applications: waiting for the police.
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//nav[contains(@class,"side")]//a[contains(., "数据共享")]`)),
			chromedp.WaitVisible(chromedp.CSS("#applications"))), "open my applications")
		waitText(t, ctx, "#application-"+id, "户籍人口基本信息")
		waitText(t, ctx, "#application-"+id, "株洲市公安局审核员")
		screenshot(t, ctx, "sharing-mine")
	})

	t.Run("the police approve without one item", func(t *testing.T) {
		if appURL == "" {
			t.Fatal("no application was filed")
		}
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "gaj.approver")
		// The dashboard counts the queue and links to it.
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#stat-queue"))), "dashboard")
		waitText(t, ctx, "#stat-queue", "2")
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#stat-queue")), chromedp.WaitVisible(chromedp.CSS("#applications"))), "open the queue")
		waitText(t, ctx, "#applications", "就业登记时核验劳动者身份")
		waitText(t, ctx, "#applications", "《中华人民共和国就业促进法》第三十五条")
		waitText(t, ctx, "#applications", "株洲市人力资源和社会保障局")
		must(t, chromedp.Do(ctx, chromedp.Navigate(appURL), chromedp.WaitVisible(chromedp.CSS("#approve-form")),
			chromedp.Click(chromedp.CSS("#approve-items input[value=gender]")),
			chromedp.SendKeys(chromedp.CSS("#approve-form input[name=note]"), "性别不在用途范围内"),
			chromedp.Click(chromedp.CSS("#approve-submit")),
			chromedp.WaitVisible(chromedp.CSS(".flash")),
		), "approve without gender")
		waitText(t, ctx, "#application-state", "待数据主管部门审批")
		waitText(t, ctx, "#application-steps", "性别不在用途范围内")
		waitText(t, ctx, "#application-steps", "收窄为")
		if items := textOf(t, ctx, "#terms-items"); strings.Contains(items, "性别") || !strings.Contains(items, "公民身份号码") {
			t.Errorf("terms after the provider's approval: %q", items)
		}
	})

	t.Run("the data authority approves and the grant appears", func(t *testing.T) {
		if appURL == "" {
			t.Fatal("no application was filed")
		}
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "xzsp.approver")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#stat-overdue-approvals"))), "dashboard")
		if n := textOf(t, ctx, "#stat-overdue-approvals"); n == "0" {
			t.Errorf("the dashboard shows %s overdue approvals; the demo has one", n)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/sharing/applications?box=review"), chromedp.WaitVisible(chromedp.CSS("#applications"))), "the queue")
		waitText(t, ctx, "#applications", "户籍人口基本信息")
		waitText(t, ctx, "#applications", "已超期")
		must(t, chromedp.Do(ctx, chromedp.Navigate(appURL), chromedp.WaitVisible(chromedp.CSS("#approve-form")),
			chromedp.Click(chromedp.CSS("#approve-submit")),
			chromedp.WaitVisible(chromedp.CSS("#application-grant")),
		), "approve")
		waitText(t, ctx, "#application-state", "已批准")
		screenshot(t, ctx, "sharing-approved")

		ctx = browser(t)
		consoleLogin(t, ctx, p.URL, "rsj.consumer")
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/sharing/grants"), chromedp.WaitVisible(chromedp.CSS("#grants"))), "grants")
		waitText(t, ctx, "#grants", "户籍人口基本信息")
		waitText(t, ctx, "#grants", "生效中")
		waitText(t, ctx, "#grants", "rsj-业务库 · gaj_population")
		if rows := textOf(t, ctx, "#grants tbody"); strings.Contains(rows, "性别") {
			t.Errorf("the grant carries the item the police removed: %q", rows)
		}
		screenshot(t, ctx, "sharing-grants")
	})
}
