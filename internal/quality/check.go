package quality

import (
	"errors"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// ErrCheckCharacter is wrapped by the errors of CheckCreditCode, CheckOrgCode
// and CheckIDNumber when the code is well formed in every other respect but
// its check character does not match the one computed from the rest.
var ErrCheckCharacter = errors.New("check character does not match")

// checkCharError reports a check character mismatch; it unwraps to
// ErrCheckCharacter.
func checkCharError(what *errs.Msg, got, want byte) *Problem {
	p := problem(msgCheckChar, what.With(), string(rune(got)), string(rune(want)))
	p.err = ErrCheckCharacter
	return p
}

// lengthError reports s having the wrong number of characters (not bytes).
func lengthError(what *errs.Msg, s string, want int) error {
	return problem(msgLength, what.With(), want, utf8.RuneCountInString(s))
}

// charError reports the character r at the 1-based position pos, which is
// not one of the characters described by want. A lower-case letter whose
// upper-case form would be accepted gets a hint.
func charError(what *errs.Msg, pos int, r rune, want *errs.Msg, accepts func(rune) bool) error {
	if r == utf8.RuneError {
		return problem(msgNotText, what.With(), pos, want.With())
	}
	if u := unicode.ToUpper(r); u != r && u < utf8.RuneSelf && accepts(u) {
		return problem(msgUpperCase, what.With(), pos, string(r), string(u))
	}
	return problem(msgChar, what.With(), pos, string(r), want.With())
}

// checkChars checks that s has exactly n characters, each ASCII and accepted
// by accepts for its 0-based position i; want(i) describes what is accepted
// there, for the error.
func checkChars(what *errs.Msg, s string, n int, accepts func(i int, r rune) bool, want func(i int) *errs.Msg) error {
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
