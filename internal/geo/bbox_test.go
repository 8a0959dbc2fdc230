package geo_test

import (
	"testing"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/geo"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in   string
		want *geo.Bound // nil with ok: no box
		ok   bool
	}{
		{"", nil, true},
		{"113,27,113.5,27.5", &geo.Bound{113, 27, 113.5, 27.5}, true},
		{" 113 , 27 ,113.5, 27.5", &geo.Bound{113, 27, 113.5, 27.5}, true},
		{"113,27,0,113.5,27.5,100", &geo.Bound{113, 27, 113.5, 27.5}, true},
		{"-180,-90,180,90", &geo.Bound{-180, -90, 180, 90}, true},
		{"113,27,113.5", nil, false},
		{"113,27,113.5,27.5,1", nil, false},
		{"a,27,113.5,27.5", nil, false},
		{"NaN,27,113.5,27.5", nil, false},
		{"113,27,Inf,27.5", nil, false},
		{"113.5,27,113,27.5", nil, false}, // across the antimeridian
		{"113,27.5,113.5,27", nil, false},
		{"-181,27,113.5,27.5", nil, false},
		{"113,-91,113.5,27.5", nil, false},
		{"113,27,113.5,91", nil, false},
		{"0x10,27,113.5,27.5", nil, false},
	}
	for _, tt := range tests {
		b, err := geo.ParseBBox(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseBBox(%q) error %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("ParseBBox(%q) code %s, want invalid", tt.in, errs.CodeOf(err))
			}
			continue
		}
		if (b == nil) != (tt.want == nil) || (b != nil && (geo.Bound{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}) != *tt.want) {
			t.Errorf("ParseBBox(%q) = %v, want %v", tt.in, b, tt.want)
		}
	}
}

func TestParseLimitOffset(t *testing.T) {
	for _, tt := range []struct {
		in    string
		limit int
		ok    bool
	}{{"", geo.DefaultLimit, true}, {"1", 1, true}, {"10000", 10000, true}, {"0", 0, false}, {"10001", 0, false}, {"-1", 0, false}, {"1e3", 0, false}, {"x", 0, false}} {
		n, err := geo.ParseLimit(tt.in)
		if (err == nil) != tt.ok || n != tt.limit {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d ok %v", tt.in, n, err, tt.limit, tt.ok)
		}
	}
	if _, err := geo.ParseOffset("-5"); err == nil {
		t.Error("ParseOffset(-5) accepted")
	}
	if n, err := geo.ParseOffset("20"); err != nil || n != 20 {
		t.Errorf("ParseOffset(20) = %d, %v", n, err)
	}
}

func FuzzParseBBox(f *testing.F) {
	for _, s := range []string{"", "113,27,113.5,27.5", "113,27,0,113.5,27.5,9", "-180,-90,180,90", "a,b,c,d", "1,2,3", ",,,", "1e308,1,1e309,2", "NaN,0,0,0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := geo.ParseBBox(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("ParseBBox(%q): code %s, want invalid", s, errs.CodeOf(err))
			}
			return
		}
		if b == nil {
			if s != "" {
				t.Fatalf("ParseBBox(%q) = nil without error", s)
			}
			return
		}
		if b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
			t.Fatalf("ParseBBox(%q) = %v: not a valid box", s, b)
		}
	})
}
