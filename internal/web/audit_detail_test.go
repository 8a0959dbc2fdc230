package web

import (
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

var testDetail = errs.Define("web.test.audit_detail", "%s → %s, %d rows", "%s → %s，%d 行")

// A keyed detail is said in the page's language with what users wrote
// marked (and escaped) as user data; a plain one is shown as it is.
func TestDetailHTML(t *testing.T) {
	for _, c := range []struct {
		name, detail, lang, want string
	}{
		{"keyed in Chinese", audit.Keyed(testDetail, "a<b", audit.List(), 3), "zh-CN", `<span class="user-data">a&lt;b</span> → 无，3 行`},
		{"keyed in English", audit.Keyed(testDetail, "x", "y&z", 1), "en", `<span class="user-data">x</span> → <span class="user-data">y&amp;z</span>, 1 rows`},
		{"a marker in user data", audit.Keyed(testDetail, "\ue0000\ue001", "b", 0), "en", "\ue0000\ue001 → b, 0 rows"},
		{"plain text as it was stored", "version 1 <ok>", "zh-CN", "version 1 &lt;ok&gt;"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := string(detailHTML(c.detail, c.lang)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
