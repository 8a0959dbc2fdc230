package quality

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckIDNumber(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		wantErr   string
		wantCheck bool
	}{
		{name: "GB 11643 example", id: "11010519491231002X"},
		{name: "lower-case x", id: "11010519491231002x"},
		{name: "Zhuzhou leap day", id: "430202200002290022"},
		{name: "retired address code", id: "430221199001011232"},
		{name: "Taiwan residence permit", id: "830000198001010018"},
		{name: "wrong check", id: "110105194912310021", wantErr: `ID number: check character is "1", want "X"`, wantCheck: true},
		{name: "legacy 15 digits", id: "110105491231002", wantErr: "ID number: must be 18 characters, got a legacy 15-digit number"},
		{name: "17 digits", id: "11010519491231002", wantErr: "ID number: must be 18 characters, got 17"},
		{name: "letter in body", id: "1101051949123100AX", wantErr: `ID number: character 17 is "A", want a digit`},
		{name: "X not last", id: "1101051949123100X2", wantErr: `ID number: character 17 is "X", want a digit`},
		{name: "bad province", id: "990105194912310021", wantErr: `ID number: "99" is not a province code`},
		{name: "no Feb 30", id: "430202199002300010", wantErr: "ID number: birth date 19900230 is not a calendar date"},
		{name: "not leap year", id: "430202190002290010", wantErr: "ID number: birth date 19000229 is not a calendar date"},
		{name: "month 13", id: "430202199013010010", wantErr: "ID number: birth date 19901301 is not a calendar date"},
		{name: "day 00", id: "430202199001000010", wantErr: "ID number: birth date 19900100 is not a calendar date"},
		{name: "too early", id: "430202179901010010", wantErr: "ID number: birth year 1799 is before 1800"},
		{name: "full-width", id: "１１０１０５１９４９１２３１００２Ｘ", wantErr: `ID number: character 1 is "１", want a digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckIDNumber(tt.id)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckIDNumber(%q) = %v, want nil", tt.id, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckIDNumber(%q) = nil, want error containing %q", tt.id, tt.wantErr)
			}
			if got := err.Error(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("CheckIDNumber(%q) = %q, want it to contain %q", tt.id, got, tt.wantErr)
			}
			if got := errors.Is(err, ErrCheckCharacter); got != tt.wantCheck {
				t.Errorf("errors.Is(CheckIDNumber(%q), ErrCheckCharacter) = %v, want %v", tt.id, got, tt.wantCheck)
			}
		})
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "canonical", in: "11010519491231002X", want: "11010519491231002X"},
		{name: "lower-case x", in: "11010519491231002x", want: "11010519491231002X"},
		{name: "surrounding space", in: " 11010519491231002X\n", want: "11010519491231002X"},
		{name: "legacy 15 digits", in: "110105491231002", want: "11010519491231002X"},
		{name: "legacy bad date", in: "430202900230001", wantErr: "ID number: birth date 19900230 is not a calendar date"},
		{name: "legacy bad province", in: "000000900101001", wantErr: `ID number: "00" is not a province code`},
		{name: "wrong check", in: "110105194912310021", wantErr: `ID number: check character is "1", want "X"`},
		{name: "16 digits", in: "1101051949123100", wantErr: "ID number: must be 18 characters, got 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIDNumber(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NormalizeIDNumber(%q) = %q, %v, want error containing %q", tt.in, got, err, tt.wantErr)
				}
				if got != "" {
					t.Errorf("NormalizeIDNumber(%q) = %q with an error, want \"\"", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("NormalizeIDNumber(%q) error = %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzCheckIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "110105491231002", "430202200002290022",
		"", "000000000000000000", "99999999999999999X", "１１０１０５１９４９１２３１００２Ｘ", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckIDNumber(s)
		if err == nil && len(s) != 18 {
			t.Fatalf("CheckIDNumber(%q) = nil for %d bytes", s, len(s))
		}
		n, nerr := NormalizeIDNumber(s)
		if nerr == nil {
			if err := CheckIDNumber(n); err != nil {
				t.Fatalf("CheckIDNumber(NormalizeIDNumber(%q) = %q) = %v", s, n, err)
			}
			if strings.ContainsRune(n, 'x') {
				t.Fatalf("NormalizeIDNumber(%q) = %q keeps a lower-case x", s, n)
			}
			if n2, err := NormalizeIDNumber(n); err != nil || n2 != n {
				t.Fatalf("NormalizeIDNumber is not idempotent: %q -> %q -> %q, %v", s, n, n2, err)
			}
		}
		if err == nil && nerr != nil {
			t.Fatalf("CheckIDNumber(%q) = nil but NormalizeIDNumber error = %v", s, nerr)
		}
		// A well-formed body with its computed check character passes.
		if len(s) >= 17 && isDigits(s[:17]) && checkAddressCode(idWhat, s) == nil && checkBirthDate(s[6:14]) == nil {
			id := s[:17] + string(rune(idCheckChar(s[:17])))
			if err := CheckIDNumber(id); err != nil {
				t.Fatalf("CheckIDNumber(%q) = %v for a number with its computed check character", id, err)
			}
		}
	})
}
