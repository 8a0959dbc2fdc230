package quality

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckOrgCode(t *testing.T) {
	tests := []struct {
		name      string
		code      string
		wantErr   string
		wantCheck bool
	}{
		{name: "with dash", code: "59467239-9"},
		{name: "without dash", code: "594672399"},
		{name: "check X", code: "00000006-X"},
		{name: "check 0 from 11", code: "000000000"},
		{name: "letters in body", code: "MA4L16JK-X"},
		{name: "segment of a credit code", code: "192203821"},
		{name: "wrong check", code: "59467239-8", wantErr: `organisation code: check character is "8", want "9"`, wantCheck: true},
		{name: "lower-case x", code: "00000006-x", wantErr: `organisation code: character 10 is "x", want upper case "X"`},
		{name: "letter check other than X", code: "59467239-A", wantErr: `organisation code: character 10 is "A", want a digit or X`},
		{name: "dash elsewhere", code: "5946723-99", wantErr: `organisation code: character 8 is "-"`},
		{name: "no dash but 10 characters", code: "5946723999", wantErr: `organisation code: character 9 is "9", want "-"`},
		{name: "too short", code: "5946723-9", wantErr: `organisation code: character 8 is "-"`},
		{name: "too long", code: "59467239--9", wantErr: "organisation code: must be 9 characters (10 with the dash), got 11"},
		{name: "empty", code: "", wantErr: "organisation code: must be 9 characters (10 with the dash), got 0"},
		{name: "Chinese", code: "组织机构代码五九六七", wantErr: `organisation code: character 1 is "组"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOrgCode(tt.code)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckOrgCode(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckOrgCode(%q) = nil, want error containing %q", tt.code, tt.wantErr)
			}
			if got := err.Error(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("CheckOrgCode(%q) = %q, want it to contain %q", tt.code, got, tt.wantErr)
			}
			if got := errors.Is(err, ErrCheckCharacter); got != tt.wantCheck {
				t.Errorf("errors.Is(CheckOrgCode(%q), ErrCheckCharacter) = %v, want %v", tt.code, got, tt.wantCheck)
			}
		})
	}
}

func TestOrgCodeCheckChar(t *testing.T) {
	tests := []struct {
		first8  string
		want    byte
		wantErr string
	}{
		{first8: "59467239", want: '9'},
		{first8: "00001333", want: '8'},
		{first8: "M0001TGQ", want: 'X'},
		{first8: "A0000000", want: '3'}, // A is worth 10, not 0
		{first8: "00000000", want: '0'},
		{first8: "5946723", wantErr: "organisation code: must be 8 characters, got 7"},
		{first8: "5946723a", wantErr: `organisation code: character 8 is "a", want upper case "A"`},
	}
	for _, tt := range tests {
		t.Run(tt.first8, func(t *testing.T) {
			got, err := OrgCodeCheckChar(tt.first8)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("OrgCodeCheckChar(%q) error = %v, want one containing %q", tt.first8, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("OrgCodeCheckChar(%q) error = %v", tt.first8, err)
			}
			if got != tt.want {
				t.Errorf("OrgCodeCheckChar(%q) = %q, want %q", tt.first8, got, tt.want)
			}
		})
	}
}

// TestCreditCodeOrgSegment checks that the organisation code embedded in the
// test credit codes (characters 9-17) passes GB 11714, as domain.md reports.
func TestCreditCodeOrgSegment(t *testing.T) {
	for _, code := range []string{"914403001922038216", "11100000000013338W", "11430000006122244L"} {
		if err := CheckOrgCode(code[8:17]); err != nil {
			t.Errorf("CheckOrgCode(%q) from %s = %v, want nil", code[8:17], code, err)
		}
	}
}

func FuzzCheckOrgCode(f *testing.F) {
	for _, s := range []string{"59467239-9", "594672399", "00000006-X", "", "-", "59467239-", "组织机构代码五九六七", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckOrgCode(s)
		if err == nil && len(s) != 9 && len(s) != 10 {
			t.Fatalf("CheckOrgCode(%q) = nil for %d bytes", s, len(s))
		}
		if len(s) < 8 {
			return
		}
		c, err := OrgCodeCheckChar(s[:8])
		if err != nil {
			return
		}
		for _, code := range []string{s[:8] + string(rune(c)), s[:8] + "-" + string(rune(c))} {
			if err := CheckOrgCode(code); err != nil {
				t.Fatalf("CheckOrgCode(%q) = %v for a code built with OrgCodeCheckChar", code, err)
			}
		}
	})
}
