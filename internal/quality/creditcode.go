package quality

import (
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// creditCharset is the GB 32100 code character set: digits and upper-case
// letters without I, O, S, V and Z. A character's value is its index.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditWeights[i] = 3^i mod 31, the weight of the (i+1)th character.
var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode checks a unified social credit code (统一社会信用代码,
// GB 32100-2015): 18 characters from 0-9 and A-Y without I, O, S, V and Z;
// characters 3-8 (the registering authority's division code) digits; and
// the check character, computed as in CreditCodeCheckChar.
//
// When only the check character is wrong the error wraps ErrCheckCharacter.
// Some early pilot codes in real registries are like this (for example
// 91350100M0001TGQXM), so callers handling existing data should warn rather
// than reject.
//
// CheckCreditCode does not check the registration department (character 1)
// and category (character 2) against a table, as sources disagree on it; nor
// that the division code exists (central registrations use 100000, which is
// no province); nor the organisation code check character within characters
// 9-17 (use CheckOrgCode on s[8:17] for that).
func CheckCreditCode(s string) error {
	if err := checkCreditChars(s, 18); err != nil {
		return err
	}
	want, _ := CreditCodeCheckChar(s[:17])
	if s[17] != want {
		return checkCharError(creditWhat, s[17], want)
	}
	return nil
}

// CreditCodeCheckChar returns the check character (the 18th) of a unified
// social credit code whose first 17 characters are first17:
// C18 = 31 − (Σ value(cᵢ)·3^(i−1) mod 31), with 31 mapped to 0, as a
// character of the code character set. It returns an error if first17 is not
// 17 characters that CheckCreditCode accepts, so that first17 followed by
// the result always passes CheckCreditCode.
func CreditCodeCheckChar(first17 string) (byte, error) {
	if err := checkCreditChars(first17, 17); err != nil {
		return 0, err
	}
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(creditCharset, first17[i]) * creditWeights[i]
	}
	return creditCharset[(31-sum%31)%31], nil
}

// checkCreditChars checks the length of s and the characters allowed at each
// position.
func checkCreditChars(s string, n int) error {
	return checkChars(creditWhat, s, n,
		func(i int, r rune) bool {
			if 2 <= i && i <= 7 {
				return isDigit(r)
			}
			return strings.ContainsRune(creditCharset, r)
		},
		func(i int) *errs.Msg {
			if 2 <= i && i <= 7 {
				return wantDivision
			}
			return wantCreditChar
		})
}
