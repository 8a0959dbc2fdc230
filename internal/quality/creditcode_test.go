package quality

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckCreditCode(t *testing.T) {
	tests := []struct {
		name      string
		code      string
		wantErr   string // substring of the error; "" for valid
		wantCheck bool   // the error wraps ErrCheckCharacter
	}{
		{name: "enterprise Shenzhen", code: "914403001922038216"},
		{name: "central organ", code: "11100000000013338W"},
		{name: "Hunan organ", code: "11430000006122244L"},
		{name: "pilot code fails only the check", code: "91350100M0001TGQXM",
			wantErr: `credit code: check character is "M", want "1"`, wantCheck: true},
		{name: "wrong check character", code: "914403001922038217",
			wantErr: `credit code: check character is "7", want "6"`, wantCheck: true},
		{name: "too short", code: "91440300192203821", wantErr: "credit code: must be 18 characters, got 17"},
		{name: "too long", code: "9144030019220382160", wantErr: "credit code: must be 18 characters, got 19"},
		{name: "empty", code: "", wantErr: "credit code: must be 18 characters, got 0"},
		{name: "letter O not in charset", code: "91440300O92203821X", wantErr: `credit code: character 9 is "O", want a digit or a letter`},
		{name: "lower case", code: "11430000006122244l", wantErr: `credit code: character 18 is "l", want upper case "L"`},
		{name: "letter in division part", code: "9144A3001922038216", wantErr: `credit code: character 5 is "A", want a digit (characters 3-8`},
		{name: "full-width digit", code: "91440300192203821６", wantErr: `credit code: character 18 is "６", want a digit or a letter`},
		{name: "invalid UTF-8", code: "91440300192203821\xff", wantErr: "credit code: character 18 is not valid text"},
		{name: "space", code: " 14403001922038216", wantErr: `credit code: character 1 is " "`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCreditCode(tt.code)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckCreditCode(%q) = %v, want nil", tt.code, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckCreditCode(%q) = nil, want error containing %q", tt.code, tt.wantErr)
			}
			if got := err.Error(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("CheckCreditCode(%q) = %q, want it to contain %q", tt.code, got, tt.wantErr)
			}
			if got := errors.Is(err, ErrCheckCharacter); got != tt.wantCheck {
				t.Errorf("errors.Is(CheckCreditCode(%q), ErrCheckCharacter) = %v, want %v", tt.code, got, tt.wantCheck)
			}
		})
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	tests := []struct {
		name    string
		first17 string
		want    byte
		wantErr string
	}{
		{name: "enterprise", first17: "91440300192203821", want: '6'},
		{name: "check W", first17: "11100000000013338", want: 'W'},
		{name: "check L", first17: "11430000006122244", want: 'L'},
		{name: "pilot body", first17: "91350100M0001TGQX", want: '1'},
		{name: "sum multiple of 31 gives 0", first17: "00000000000000000", want: '0'},
		{name: "18 characters", first17: "914403001922038216", wantErr: "credit code: must be 17 characters, got 18"},
		{name: "bad character", first17: "9144030019220382I", wantErr: `credit code: character 17 is "I"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CreditCodeCheckChar(tt.first17)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CreditCodeCheckChar(%q) error = %v, want one containing %q", tt.first17, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CreditCodeCheckChar(%q) error = %v", tt.first17, err)
			}
			if got != tt.want {
				t.Errorf("CreditCodeCheckChar(%q) = %q, want %q", tt.first17, got, tt.want)
			}
		})
	}
}

func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{
		"914403001922038216", "11100000000013338W", "11430000006122244L", "91350100M0001TGQXM",
		"", "9144030019220382", "91440300192203821６", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCreditCode(s)
		if err == nil && len(s) != 18 {
			t.Fatalf("CheckCreditCode(%q) = nil for %d bytes", s, len(s))
		}
		if err != nil && err.Error() == "" {
			t.Fatalf("CheckCreditCode(%q) returned an empty message", s)
		}
		if len(s) < 17 {
			return
		}
		// Whatever the 18th character, the first 17 with their computed check
		// character pass exactly when the first 17 are acceptable.
		first17 := s[:17]
		c, err := CreditCodeCheckChar(first17)
		if err != nil {
			return
		}
		code := first17 + string(rune(c))
		if err := CheckCreditCode(code); err != nil {
			t.Fatalf("CheckCreditCode(%q) = %v for a code built with CreditCodeCheckChar", code, err)
		}
		// Every other check character is reported as a mismatch.
		for i := range len(creditCharset) {
			if o := creditCharset[i]; o != c {
				if err := CheckCreditCode(first17 + string(rune(o))); !errors.Is(err, ErrCheckCharacter) {
					t.Fatalf("CheckCreditCode(%q) = %v, want ErrCheckCharacter", first17+string(rune(o)), err)
				}
			}
		}
	})
}
