package app

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// layoutProbe runs in a console page: it lists table cells squeezed to one
// character a line, and, in the Chinese console, words of English outside
// codes, identifiers and what users typed.
const layoutProbe = `(() => {
  const out = {squeezed: [], english: [], error: !!document.querySelector("#error-page, .error-page")};
  for (const c of document.querySelectorAll("td, th")) {
    const text = c.innerText.trim();
    if ([...text].length < 2 || c.offsetParent === null) continue;
    const st = getComputedStyle(c);
    const fs = parseFloat(st.fontSize) || 14;
    const lh = parseFloat(st.lineHeight) || fs * 1.4;
    const w = c.getBoundingClientRect().width - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    if (w < fs * 1.6 && c.getBoundingClientRect().height > lh * 2.5) out.squeezed.push(text.slice(0, 20));
  }
  if (document.documentElement.lang.startsWith("zh")) {
    const allowed = /^(API|APIs|SQL|CSV|XLSX|JSON|HTTP|HTTPS|URL|ID|DSN|CA|SM2|SM3|SM4|HMAC|SHA|PDF|TLS|NATS|JetStream|PostgreSQL|MySQL|MariaDB|SQLite|Excel|DCAT|JSON-LD|OpenAPI|cron|govshare|KB|MB|GB|TB|B|IP|CIDR|AppKey|Secret|GET|POST|Bearer|HMAC-SHA256|HMAC-SM3|UTC|CST|OK|AppKey|allowAllFiles|sslkey|passfile|xlsx|json|csv)$/i;
    const walker = document.createTreeWalker(document.querySelector("main") || document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest("script, style, code, pre, kbd, .mono, [translate=no], input, textarea, option[value], .user-data, .tag, datalist") || el.offsetParent === null) continue;
      for (const w of n.textContent.match(/[A-Za-z][A-Za-z0-9_.:\/-]*/g) || []) {
        if (/[0-9_.:\/-]/.test(w) || allowed.test(w) || w.length < 2) continue;
        out.english.push(w);
      }
    }
  }
  return out;
})()`

type layoutResult struct {
	Squeezed []string `json:"squeezed"`
	English  []string `json:"english"`
	Error    bool     `json:"error"`
}

// Every console page, for every role, in both languages at 1440 px: no table
// cell is squeezed to one character a line, and the Chinese console shows
// no English outside codes, identifiers and user data.
func TestConsoleLayoutAndLanguage(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	pages := []string{"/", "/regions", "/departments", "/users", "/users/1", "/roles", "/audit", "/account",
		"/catalog", "/catalog?class=101", "/catalog?provider=2&class=2", "/catalog/entry?code=102001/000001", "/catalog/entry?code=101001/000001", "/catalog/new", "/catalog/review", "/catalog/import", "/catalog/datasources", "/catalog/stats",
		"/lists/demands", "/lists/duties", "/lists/negatives", "/lists/stats",
		"/sharing/applications?box=all", "/sharing/applications?box=review", "/sharing/applications/1", "/sharing/grants", "/sharing/grants/1",
		"/exchange", "/exchange/channels", "/exchange/nodes", "/exchange/mandates", "/services", "/services/apps", "/notices", "/ledger",
		"/basedb", "/basedb/population", "/basedb/disputes"}
	for _, user := range []string{"admin", "auditor", "xzsp.approver", "gaj.cataloger", "rsj.consumer", "gaj.node"} {
		t.Run(user, func(t *testing.T) {
			ctx := browser(t)
			must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)), "viewport")
			consoleLogin(t, ctx, p.URL, user)
			for _, lang := range []string{"en", "zh-CN"} {
				must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/lang/"+lang)), "language")
				for _, page := range pages {
					must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+page), chromedp.WaitReady(chromedp.CSS("body"))), "open "+page)
					// Parts loaded after the page (an entry's sample rows) are part of it.
					if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector("[data-loading]")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
						t.Errorf("%s %s: still loading: %v", lang, page, err)
					}
					res, err := chromedp.Run(ctx, chromedp.Evaluate[layoutResult](layoutProbe))
					must(t, err, "probe "+page)
					if len(res.Squeezed) > 0 {
						t.Errorf("%s %s: cells wrap one character a line: %q", lang, page, res.Squeezed)
					}
					if len(res.English) > 0 {
						t.Errorf("%s %s: English in the Chinese console: %s", lang, page, summary(res.English))
					}
				}
			}
		})
	}
}

// summary lists distinct words with their counts.
func summary(words []string) string {
	n := map[string]int{}
	for _, w := range words {
		n[w]++
	}
	keys := make([]string, 0, len(n))
	for w := range n {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, w := range keys {
		fmt.Fprintf(&b, "%s×%d ", w, n[w])
	}
	return b.String()
}
