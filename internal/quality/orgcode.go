package quality

import (
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// orgWeights are the GB 11714 weights of the eight body characters.
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// CheckOrgCode checks an organisation code (组织机构代码, GB 11714-1997):
// eight body characters from 0-9 and A-Z and a check character (0-9 or X),
// written with or without a dash before the check character
// ("59467239-9" or "594672399").
//
// When only the check character is wrong the error wraps ErrCheckCharacter.
func CheckOrgCode(s string) error {
	n := utf8.RuneCountInString(s)
	if n != 9 && n != 10 {
		return problem(msgOrgLength, orgWhat.With(), n)
	}
	dash := n == 10
	err := checkChars(orgWhat, s, n,
		func(i int, r rune) bool {
			switch {
			case i < 8:
				return isOrgBodyChar(r)
			case dash && i == 8:
				return r == '-'
			default:
				return isDigit(r) || r == 'X'
			}
		},
		func(i int) *errs.Msg {
			switch {
			case i < 8:
				return wantDigitUpper
			case dash && i == 8:
				return wantDashOrCheck
			default:
				return wantDigitOrX
			}
		})
	if err != nil {
		return err
	}
	want, _ := OrgCodeCheckChar(s[:8])
	if got := s[n-1]; got != want {
		return checkCharError(orgWhat, got, want)
	}
	return nil
}

// OrgCodeCheckChar returns the check character of an organisation code whose
// body is first8: C9 = 11 − (Σ value(cᵢ)·Wᵢ mod 11), with 0-9 worth 0-9,
// A-Z worth 10-35, W = 3 7 9 10 5 8 4 2, and 10 written X, 11 written 0.
// It returns an error if first8 is not eight characters from 0-9 and A-Z.
func OrgCodeCheckChar(first8 string) (byte, error) {
	err := checkChars(orgWhat, first8, 8,
		func(_ int, r rune) bool { return isOrgBodyChar(r) },
		func(int) *errs.Msg { return wantDigitUpper })
	if err != nil {
		return 0, err
	}
	sum := 0
	for i := range 8 {
		c := first8[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

func isOrgBodyChar(r rune) bool { return isDigit(r) || 'A' <= r && r <= 'Z' }
