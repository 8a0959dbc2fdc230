package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLedgerConsoleInChromium opens the ledger page of the demo city, sees
// its checkpoint cosigned by the demo's witness and its newest records, and
// checks one record's inclusion proof in the proof viewer.
func TestLedgerConsoleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--ledger-interval", "100ms")
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "gaj.consumer")
	deadline := time.Now().Add(15 * time.Second)
	for {
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/ledger"), chromedp.WaitVisible(chromedp.CSS("#ledger-leaves"))), "open the ledger page")
		if strings.Contains(textOf(t, ctx, "#ledger-witnesses"), "witness.demo.govshare.local") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo witness's cosignature never showed: %q", textOf(t, ctx, "#ledger-checkpoint"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := textOf(t, ctx, "nav.side"); !strings.Contains(got, "存证账本") {
		t.Errorf("navigation lacks 存证账本: %q", got)
	}
	if got := textOf(t, ctx, "#ledger-leaves tbody"); !strings.Contains(got, "zhushima") || !strings.Contains(got, "permit") {
		t.Errorf("newest records show %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#ledger-leaves tbody tr:last-child a")), chromedp.WaitVisible(chromedp.CSS("#ledger-proof-result"))), "open a proof")
	if got := textOf(t, ctx, "#ledger-proof-result"); !strings.Contains(got, "已核验") || !strings.Contains(got, "govshare ledger verify") {
		t.Errorf("proof viewer shows %q", got)
	}
	screenshot(t, ctx, "ledger-proof")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/ledger?leaf=xyz"), chromedp.WaitVisible(chromedp.CSS("#ledger-proof-error"))), "a bad hash")
	if got := textOf(t, ctx, "#ledger-proof-error"); !strings.Contains(got, "64 位十六进制") {
		t.Errorf("bad hash shows %q", got)
	}
}
