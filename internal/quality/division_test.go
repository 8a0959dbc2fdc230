package quality

import (
	"strings"
	"testing"
)

func TestCheckDivisionCodeFormat(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		wantErr string
	}{
		{name: "province", code: "430000"},
		{name: "prefecture", code: "430200"},
		{name: "county", code: "430202"},
		{name: "retired county still has the shape", code: "430221"},
		{name: "municipality districts", code: "110101"},
		{name: "province-administered county", code: "429004"},
		{name: "prefecture 70", code: "457000"},
		{name: "Hong Kong", code: "810000"},
		{name: "Taiwan", code: "710000"},
		{name: "Chongqing 50", code: "500101"},
		{name: "short", code: "4302", wantErr: "division code: must be 6 characters, got 4"},
		{name: "letter", code: "43020a", wantErr: `division code: character 6 is "a", want a digit`},
		{name: "province 00", code: "000000", wantErr: `division code: "00" is not a province code`},
		{name: "province 16", code: "160000", wantErr: `division code: "16" is not a province code`},
		{name: "province 83", code: "830000", wantErr: `division code: "83" is not a province code`},
		{name: "prefecture 71", code: "437100", wantErr: `division code: prefecture part "71" is not 01-70 or 90`},
		{name: "prefecture 99", code: "439901", wantErr: `division code: prefecture part "99" is not 01-70 or 90`},
		{name: "county without prefecture", code: "430021", wantErr: `division code: county part "21" without a prefecture part`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDivisionCodeFormat(tt.code)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckDivisionCodeFormat(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckDivisionCodeFormat(%q) = %v, want error containing %q", tt.code, err, tt.wantErr)
			}
		})
	}
}

func TestIsProvince(t *testing.T) {
	want := map[string]bool{}
	for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}, {71, 71}, {81, 82}} {
		for p := r[0]; p <= r[1]; p++ {
			want[string(rune('0'+p/10))+string(rune('0'+p%10))] = true
		}
	}
	for p := range 100 {
		s := string(rune('0'+p/10)) + string(rune('0'+p%10))
		if got := isProvince(s); got != want[s] {
			t.Errorf("isProvince(%q) = %v, want %v", s, got, want[s])
		}
	}
}
