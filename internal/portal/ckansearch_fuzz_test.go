package portal

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

// FuzzCKANQuery feeds q, fq and a POSTed body as any client may send them:
// each is accepted as plain words and field:value clauses free of Solr's
// syntax, or refused with a validation error naming the parameter; never a
// panic.
func FuzzCKANQuery(f *testing.F) {
	for _, s := range []string{"", "*:*", "停车 场", "title:x", "a AND b", `"quoted"`, "x*", "[NOW TO *]", "-neg", "+organization:abc groups:\"thematic\"",
		"organization:", `tags:"unterminated`, "AND organization:x", `{"q": "停车", "rows": 5}`, `{"facet.field": ["groups"]}`, "\x00\xff", "fq:a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := parseQ(s)
		if err != nil {
			if code, _, fields := errs.PublicIn(err, "en"); code != errs.Invalid || fields["q"] == "" {
				t.Fatalf("parseQ(%q) = %v, want a validation error naming q", s, err)
			}
		} else if strings.ContainsAny(q, solrSpecial) {
			t.Fatalf("parseQ(%q) accepted %q", s, q)
		}
		clauses, err := fqClauses(s)
		if err != nil {
			if code, _, fields := errs.PublicIn(err, "en"); code != errs.Invalid || fields["fq"] == "" {
				t.Fatalf("fqClauses(%q) = %v, want a validation error naming fq", s, err)
			}
		}
		for _, c := range clauses {
			if c[0] == "" || c[1] == "" || strings.ContainsAny(c[1], solrSpecial) {
				t.Fatalf("fqClauses(%q) accepted %q", s, c)
			}
		}
		r := httptest.NewRequest("POST", "/api/3/action/package_search", strings.NewReader(s))
		if _, err := readParams(r); err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("readParams(%q) = %v", s, err)
		}
	})
}
