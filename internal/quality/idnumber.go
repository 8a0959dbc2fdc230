package quality

import (
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// idWeights[i] = 2^(17-i) mod 11, the weight of the (i+1)th digit.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps Σ(dᵢ·Wᵢ) mod 11 to the check character.
const idCheckChars = "10X98765432"

// minBirthYear is the earliest birth year accepted.
const minBirthYear = 1800

// CheckIDNumber checks an 18-character citizen ID number (公民身份号码,
// GB 11643-1999): a six-digit address code whose province is valid (see
// CheckDivisionCodeFormat; 83 is also accepted, for Taiwan residents'
// residence permits), an eight-digit birth date YYYYMMDD that is a real
// calendar date in or after 1800, a three-digit sequence and an ISO 7064
// MOD 11-2 check character (0-9 or X; a lower-case x is accepted).
//
// When only the check character is wrong the error wraps ErrCheckCharacter.
// CheckIDNumber does not require the address code to exist in the current
// GB/T 2260 edition, and does not compare the birth date with today.
// Legacy 15-digit numbers fail; convert them with NormalizeIDNumber.
func CheckIDNumber(s string) error {
	if len(s) == 15 && isDigits(s) {
		return problem(msgLegacy15, idWhat.With())
	}
	err := checkChars(idWhat, s, 18,
		func(i int, r rune) bool { return isDigit(r) || i == 17 && (r == 'X' || r == 'x') },
		func(i int) *errs.Msg {
			if i == 17 {
				return wantDigitOrX
			}
			return wantDigit
		})
	if err != nil {
		return err
	}
	if err := checkAddressCode(idWhat, s); err != nil {
		return err
	}
	if err := checkBirthDate(s[6:14]); err != nil {
		return err
	}
	want := idCheckChar(s[:17])
	if got := s[17]; got != want && !(got == 'x' && want == 'X') {
		return checkCharError(idWhat, got, want)
	}
	return nil
}

// NormalizeIDNumber returns the canonical form of the ID number s: surrounding
// white space removed, a lower-case check character x made upper case, and a
// legacy 15-digit number (address code, YYMMDD, sequence) converted to 18
// characters by inserting 19 before the year and appending the check
// character. The result is checked as by CheckIDNumber; on failure the error
// is returned with an empty string.
func NormalizeIDNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) == 15 && isDigits(s) {
		s = s[:6] + "19" + s[6:]
		s += string(idCheckChar(s))
	}
	if err := CheckIDNumber(s); err != nil {
		return "", err
	}
	if s[17] == 'x' {
		s = s[:17] + "X"
	}
	return s, nil
}

// idCheckChar returns the check character of an ID number whose first 17
// characters, all digits, are first17.
func idCheckChar(first17 string) byte {
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// checkBirthDate checks the eight digits YYYYMMDD of a birth date.
func checkBirthDate(d string) error {
	y, m, day := atoi(d[:4]), atoi(d[4:6]), atoi(d[6:])
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if y < minBirthYear {
		return problem(msgBirthYear, idWhat.With(), y, minBirthYear)
	}
	if m < 1 || m > 12 || t.Day() != day || int(t.Month()) != m {
		return problem(msgBirthDate, idWhat.With(), d)
	}
	return nil
}

// atoi converts ASCII digits to a number.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(rune(s[i])) {
			return false
		}
	}
	return s != ""
}
