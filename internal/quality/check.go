package quality

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrCheckCharacter is wrapped by the errors of CheckCreditCode, CheckOrgCode
// and CheckIDNumber when the code is well formed in every other respect but
// its check character does not match the one computed from the rest.
var ErrCheckCharacter = errors.New("check character does not match")

// checkCharError reports a check character mismatch; it unwraps to
// ErrCheckCharacter.
type checkCharError struct {
	what      string // "credit code"
	got, want byte
}

func (e *checkCharError) Error() string {
	return fmt.Sprintf("%s: check character is %q, want %q", e.what, string(rune(e.got)), string(rune(e.want)))
}

func (e *checkCharError) Unwrap() error { return ErrCheckCharacter }

// lengthError reports s having the wrong number of characters (not bytes).
func lengthError(what, s string, want int) error {
	return fmt.Errorf("%s: must be %d characters, got %d", what, want, utf8.RuneCountInString(s))
}

// charError reports the character r at the 1-based position pos, which is
// not one of the characters described by want. A lower-case letter whose
// upper-case form would be accepted gets a hint.
func charError(what string, pos int, r rune, want string, accepts func(rune) bool) error {
	if r == utf8.RuneError {
		return fmt.Errorf("%s: character %d is not valid text, want %s", what, pos, want)
	}
	if u := unicode.ToUpper(r); u != r && u < utf8.RuneSelf && accepts(u) {
		return fmt.Errorf("%s: character %d is %q, want upper case %q", what, pos, string(r), string(u))
	}
	return fmt.Errorf("%s: character %d is %q, want %s", what, pos, string(r), want)
}

// checkChars checks that s has exactly n characters, each ASCII and accepted
// by accepts for its 0-based position i; want(i) describes what is accepted
// there, for the error.
func checkChars(what, s string, n int, accepts func(i int, r rune) bool, want func(i int) string) error {
	if utf8.RuneCountInString(s) != n {
		return lengthError(what, s, n)
	}
	i := 0
	for _, r := range s {
		if r >= utf8.RuneSelf || !accepts(i, r) {
			return charError(what, i+1, r, want(i), func(r rune) bool { return accepts(i, r) })
		}
		i++
	}
	return nil
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }
