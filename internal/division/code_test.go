package division

import "testing"

func TestLevelParent(t *testing.T) {
	tests := []struct {
		code       string
		wantLevel  int
		wantParent string
	}{
		{"430000", 1, ""},
		{"430200", 2, "430000"},
		{"430202", 3, "430200"},
		{"430221", 3, "430200"}, // retired, but well formed
		{"110101", 3, "110100"},
		{"419001", 3, "419000"},
		{"000000", 0, ""},
		{"000100", 0, ""},
		{"430021", 0, ""},
		{"4302", 0, ""},
		{"43020a", 0, ""},
		{"4302021", 0, ""},
		{"", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := Level(tt.code); got != tt.wantLevel {
				t.Errorf("Level(%q) = %d, want %d", tt.code, got, tt.wantLevel)
			}
			if got := Parent(tt.code); got != tt.wantParent {
				t.Errorf("Parent(%q) = %q, want %q", tt.code, got, tt.wantParent)
			}
		})
	}
}
