package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestServicesInChromium: the human resources bureau, once granted the
// population register by API, finds the service under 数据服务, reads its
// description, calls it from the try-it panel and sees masked rows, then
// registers an app and sees its secret once.
func TestServicesInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	grantPopulation(t, p.URL)

	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "rsj.consumer")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.side a[href="/services"]`)), chromedp.WaitVisible(chromedp.CSS("#services-calls"))), "open 数据服务")
	waitText(t, ctx, "main h1", "数据服务")
	waitText(t, ctx, "#services-calls", "户籍人口基本信息")
	waitText(t, ctx, "#services-calls", "株洲市公安局")

	// The service's page: items with their parameters and masking, the signature, the JSON description.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//table[@id="services-calls"]//a[contains(., "户籍人口基本信息")]`)),
		chromedp.WaitVisible(chromedp.CSS("#service-items"))), "open the service")
	waitText(t, ctx, "#service-items", "gender.prefix")
	waitText(t, ctx, "#service-items", "不可筛选：已脱敏") // name: masked, and no lookup key
	waitText(t, ctx, "#service-items", "姓名")
	waitText(t, ctx, "#service-signing", "X-Gs-Signature")
	screenshot(t, ctx, "service")
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#service-doc-download").getAttribute("href")`)); err != nil || !strings.HasPrefix(href, "/services/service/openapi.json?code=") {
		t.Errorf("OpenAPI download link %q, %v", href, err)
	}
	if got := textOf(t, ctx, "#service-items"); strings.Contains(got, "户籍地址") {
		t.Errorf("the description lists an item outside the grant: %s", got)
	}

	// Try it: names and ID numbers of women, five to a page, masked.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#try-form input[name=fields][value=name]`)),
		chromedp.Click(chromedp.CSS(`#try-form input[name=fields][value=id_number]`)),
		chromedp.SendKeys(chromedp.CSS(`#try-form input[name="value.gender"]`), "女"),
		chromedp.SetValue(chromedp.CSS(`#try-form input[name=page_size]`), "5"),
		chromedp.Click(chromedp.CSS("#try-submit")),
		chromedp.WaitVisible(chromedp.CSS("#try-rows")),
	), "try the service")
	waitText(t, ctx, "#try-request", "gender=")
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#try-rows tbody tr")).map(r => r.innerText)`))
	must(t, err, "read the rows")
	if len(rows) != 5 {
		t.Fatalf("try-it shows %d rows, want 5: %q", len(rows), rows)
	}
	for _, r := range rows {
		if !strings.Contains(r, "**") || !strings.Contains(r, "********") || strings.Contains(r, "演示") {
			t.Errorf("row %q: want a masked name like 王** and a masked ID number", r)
		}
	}
	screenshot(t, ctx, "service-try")
	// An item outside the grant gets the refusal.
	must(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const b = document.querySelector("#try-form input[name=fields][value=name]"); b.value = "address"; })()`),
		chromedp.Click(chromedp.CSS("#try-submit")),
		chromedp.WaitVisible(chromedp.CSS("#try-error")),
	), "try an item outside the grant")
	waitText(t, ctx, "#try-error", "address")
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#chart-service-usage[data-rendered] canvas")), chromedp.ScrollIntoView(chromedp.CSS("#service-usage"))), "usage chart")
	screenshot(t, ctx, "service-usage")

	// Apps: the app the approval issued waits for its secret to be read; a new one shows its secret once.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//nav[contains(@class, "tabs")]//a[contains(., "应用与凭证")]`)),
		chromedp.WaitVisible(chromedp.CSS("#app-form"))), "open 应用与凭证")
	waitText(t, ctx, "#apps", "查看密钥（仅一次）")
	waitText(t, ctx, "#apps", "就业登记系统")
	// Reveal it (the form posted as a person would after confirming): shown once, and the button is gone.
	must(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector("[id^=reveal-]").closest("form").submit()`),
		chromedp.WaitVisible(chromedp.CSS("#app-secret")),
	), "reveal the issued app's secret")
	waitText(t, ctx, "#app-secret", "只显示这一次")
	waitText(t, ctx, "#app-secret", "授权")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("[id^=reveal-]").length`)); err != nil || n != 0 {
		t.Errorf("%d reveal buttons after the reveal, %v; want none", n, err)
	}
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#chart-app-usage[data-rendered] canvas")), chromedp.ScrollIntoView(chromedp.CSS("#apps-usage"))), "usage per app chart")
	screenshot(t, ctx, "apps-usage")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#app-name"), "失业登记系统"),
		chromedp.SetValue(chromedp.CSS("#app-sign-method"), "HMAC-SM3"),
		chromedp.Click(chromedp.CSS("#app-submit")),
		chromedp.WaitVisible(chromedp.CSS("#app-secret")),
	), "register an app")
	waitText(t, ctx, "#app-secret", "失业登记系统") // not the revealed secret's page any more
	waitText(t, ctx, "#app-secret", "只显示这一次")
	secret := strings.TrimSpace(textOf(t, ctx, "#secret-value"))
	if len(secret) < 32 {
		t.Fatalf("secret %q is too short", secret)
	}
	waitText(t, ctx, "#apps", "失业登记系统")
	screenshot(t, ctx, "service-app-secret")
	// Shown once: the page opened again has it no more.
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/services/apps"), chromedp.WaitVisible(chromedp.CSS("#apps"))), "open the apps again")
	waitText(t, ctx, "#apps", "HMAC-SM3")
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	must(t, err, "read the page")
	if strings.Contains(html, secret) || strings.Contains(html, `id="app-secret"`) {
		t.Error("the secret is shown again")
	}

	// English.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("#apps"))), "switch language")
	waitText(t, ctx, "main h1", "Apps & credentials")
	waitText(t, ctx, "#apps", "Rotate secret")
}
