package web

import (
	"net/url"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
)

// FuzzCatalogQuery reads browse addresses: whatever the query, the filters
// that reach the domain are allowed values or empty.
func FuzzCatalogQuery(f *testing.F) {
	for _, s := range []string{"class=101&region=430200", "class=4", "class=1010011", "region=4302%00", "provider=-3&class=2&q=户籍", "class=101&class=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q := catalogQuery(v)
		if q.Class != "" && !catalog.ValidClass(q.Class) {
			t.Errorf("class %q passed", q.Class)
		}
		if q.Region != "" && !catalog.ValidRegion(q.Region) {
			t.Errorf("region %q passed", q.Region)
		}
		if len([]rune(q.Q)) > 100 {
			t.Errorf("q of %d characters passed", len([]rune(q.Q)))
		}
	})
}

func TestCatalogQueryTree(t *testing.T) {
	tests := []struct {
		raw, class, region string
	}{
		{"class=1", "1", ""},
		{"class=101", "101", ""},
		{"class=101001", "101001", ""},
		{"class=10", "", ""},
		{"class=4", "", ""},
		{"class=1010011", "", ""},
		{"region=430200", "", "430200"},
		{"region=4302", "", ""},
		{"region=430200'--", "", ""},
	}
	for _, tt := range tests {
		v, _ := url.ParseQuery(tt.raw)
		q := catalogQuery(v)
		if q.Class != tt.class || q.Region != tt.region {
			t.Errorf("%s: class %q region %q, want %q %q", tt.raw, q.Class, q.Region, tt.class, tt.region)
		}
	}
}
