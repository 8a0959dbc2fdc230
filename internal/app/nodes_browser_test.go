package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestNodesConsoleInChromium adds a node in the console, reads its one-time
// token and command, and revokes it.
func TestNodesConsoleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--leaf-listen", "127.0.0.1:0")
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "gaj.node")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/nodes"), chromedp.WaitVisible(chromedp.CSS("#nodes"))), "open the nodes page")
	if got := textOf(t, ctx, "nav.side"); !strings.Contains(got, "前置机") {
		t.Errorf("navigation lacks 前置机: %q", got)
	}
	if got := textOf(t, ctx, "#nodes"); !strings.Contains(got, "还没有前置机") {
		t.Errorf("empty list shows %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#node-name"), "公安局前置机-1"),
		chromedp.Click(chromedp.CSS("#node-submit")),
		chromedp.WaitVisible(chromedp.CSS("#node-token-value"))), "add a node")
	token := textOf(t, ctx, "#node-token-value")
	if !strings.HasPrefix(token, "gsn_") {
		t.Errorf("token shows %q", token)
	}
	if cmd := strings.Join(strings.Fields(strings.ReplaceAll(textOf(t, ctx, "#node-command"), "\\", "")), " "); !strings.Contains(cmd, "govshare node --platform "+p.URL+" --token "+token) {
		t.Errorf("command shows %q", cmd)
	}
	if got := textOf(t, ctx, "#nodes tbody"); !strings.Contains(got, "公安局前置机-1") || !strings.Contains(got, "待接入") {
		t.Errorf("list after adding shows %q", got)
	}
	screenshot(t, ctx, "nodes-token")

	// Revoke the pending node (the page asks for confirmation; accept it).
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(window.confirm = function () { return true; }, true)`, chromedp.WithPollingTimeout(5*time.Second)))
	must(t, err, "accept confirmations")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#nodes .node-revoke input[name=reason]"), "填错了"),
		chromedp.Click(chromedp.CSS("#nodes .node-revoke button")),
		chromedp.WaitNotPresent(chromedp.CSS("#node-token")), chromedp.WaitVisible(chromedp.CSS(".flash"))), "revoke")
	if got := textOf(t, ctx, "#nodes tbody"); !strings.Contains(got, "已吊销") || !strings.Contains(got, "填错了") {
		t.Errorf("list after revoking shows %q", got)
	}
	if got := textOf(t, ctx, ".flash"); !strings.Contains(got, "已吊销") {
		t.Errorf("flash shows %q", got)
	}
}
