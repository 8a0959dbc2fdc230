package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// The application's page offers 打印申请表 (Print the application form in
// English); the link opens the form as a PDF with the reader's session,
// and the link's text stays on one line.
func TestApplicationFormLinkInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	status, body := rsj.do("GET", "/api/v1/applications?box=mine", nil)
	items, _ := body["items"].([]any)
	if status != 200 || len(items) == 0 {
		t.Fatalf("the demo's applications: %d %v", status, body)
	}
	id := int64(items[0].(map[string]any)["id"].(float64))

	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "rsj.consumer")
	must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/sharing/applications/%d", p.URL, id)), chromedp.WaitVisible(chromedp.CSS("#application-print"))),
		"open the application")
	screenshot(t, ctx, "application-print-link")
	for _, lang := range []struct{ name, text string }{{"zh-CN", "打印申请表"}, {"en", "Print the application form"}} {
		if lang.name == "en" {
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch")), chromedp.WaitVisible(chromedp.CSS("#application-print"))), "switch to English")
		}
		if got := strings.TrimSpace(textOf(t, ctx, "#application-print")); got != lang.text {
			t.Errorf("%s: the link reads %q, want %q", lang.name, got, lang.text)
		}
		lines, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => { const r = document.createRange();
			r.selectNodeContents(document.querySelector("#application-print")); return new Set([...r.getClientRects()].map(c => Math.round(c.top))).size; })()`))
		must(t, err, "measure the link")
		if lines > 1 {
			t.Errorf("%s: the link wraps over %d lines", lang.name, lines)
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("#application-print").href).then(async r =>
			r.status + " " + r.headers.get("content-type") + " " + new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)))`, chromedp.EvalAwaitPromise))
		must(t, err, "fetch the form")
		if got != "200 application/pdf %PDF-" {
			t.Errorf("%s: the link's form answers %q, want a PDF", lang.name, got)
		}
	}
}
