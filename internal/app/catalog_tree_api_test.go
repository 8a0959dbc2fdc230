package app

import (
	"net/url"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// The catalog trees and an entry's sample rows through the API: as the
// OpenAPI document says, with the trees' counts and masked values.
func TestCatalogTreesAndSampleAPI(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	c := login(t, p.URL, "rsj.consumer", demo.Password)
	enterprises, population := "/api/v1/catalog/entries/"+url.PathEscape("102001/000001"), "/api/v1/catalog/entries/"+url.PathEscape("101001/000001")
	tests := []struct {
		name, path   string
		status       int
		want, refuse []string
	}{
		{"trees", "/api/v1/catalog/entries?trees=true&page_size=1", 200, []string{`"trees":`, `"kind":"department"`, `"name_en":"01 Population"`}, nil},
		{"a class filters", "/api/v1/catalog/entries?class=101", 200, []string{"户籍人口基本信息", `"total":1`}, []string{"企业登记注册信息"}},
		{"a bad class", "/api/v1/catalog/entries?class=9", 422, nil, nil},
		{"masked sample", enterprises + "/sample", 200, []string{`"state":"rows"`, `"masking":"name"`, `**"`}, nil},
		{"conditional: columns only", population + "/sample", 200, []string{`"state":"columns"`, `"withheld":true`, `"id_number"`}, []string{`"rows"`, `"address"`}},
		{"no entry", "/api/v1/catalog/entries/" + url.PathEscape("101001/999999") + "/sample", 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			status, raw := c.raw("GET", tt.path, nil)
			body := string(raw)
			if status != tt.status && !(tt.status == 422 && status == 400) {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, status, body, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s: %.600s", w, body)
				}
			}
			for _, r := range tt.refuse {
				if strings.Contains(body, r) {
					t.Errorf("body holds %s: %.600s", r, body)
				}
			}
		})
	}
	_, doc := openAPIDocument(t, p.URL)
	checkResponses(t, openAPIValidator(t, doc), p.URL, c.token, "/api/v1/catalog/entries?trees=true&facets=true", enterprises+"/sample", population+"/sample")
}
