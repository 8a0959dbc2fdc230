package pdfdoc

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Run is a stretch of text drawn in one font of a chain.
type Run struct {
	Font int // index in the chain
	Text string
}

// invisible reports whether r is drawn as nothing and the fonts cannot
// shape it: a format character (zero-width joiners and spaces, the
// byte-order mark, the soft hyphen, direction marks) or a variation
// selector. They are left out.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF || r >= 0x180B && r <= 0x180D
}

// mark reports whether r is a combining mark, drawn over the character
// before it.
func mark(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) }

// clean returns r as it is printed: a tab as a space, other control and
// invisible format characters as nothing (ok false), and an invalid
// encoding as Missing.
func clean(r rune) (rune, bool) {
	switch {
	case r == '\t':
		return ' ', true
	case r == utf8.RuneError:
		return Missing, true
	case unicode.IsControl(r), invisible(r), unicode.Is(unicode.Cs, r):
		return 0, false
	}
	return r, true
}

// SplitRuns cuts one line of text s into runs for a chain of n fonts, has
// telling whether font i has a character's glyph. Each character goes to
// the first font that has it, except that a combining mark stays in the
// run before it when that font has it. A character no font has becomes
// Missing, in the first font that has Missing (font 0 if none does).
// Tabs become spaces; line breaks, other control characters and invisible
// format characters (variation selectors, zero-width joiners) are left
// out. Adjacent runs have different fonts; no run is empty.
func SplitRuns(s string, n int, has func(font int, r rune) bool) []Run {
	if n <= 0 {
		return nil
	}
	first := func(r rune) int {
		for i := 0; i < n; i++ {
			if has(i, r) {
				return i
			}
		}
		return -1
	}
	missingFont := -2 // not looked up yet
	var out []Run
	var b strings.Builder
	cur := -1
	for _, r := range s {
		r, ok := clean(r)
		if !ok {
			continue
		}
		font := -1
		if cur >= 0 && mark(r) && has(cur, r) {
			font = cur
		} else {
			font = first(r)
		}
		if font < 0 {
			if missingFont == -2 {
				if missingFont = first(Missing); missingFont < 0 {
					missingFont = 0
				}
			}
			r, font = Missing, missingFont
		}
		if font != cur && b.Len() > 0 {
			out = append(out, Run{Font: cur, Text: b.String()})
			b.Reset()
		}
		cur = font
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		out = append(out, Run{Font: cur, Text: b.String()})
	}
	return out
}

// wide reports whether a line may break before or after r, as between
// any two Chinese characters.
func wide(r rune) bool { return r >= 0x2E80 && !(r >= 0xFE00 && r <= 0xFE0F) && r != 0xFEFF }

// noStart are the characters a line must not begin with (避头): closing
// punctuation.
const noStart = "，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%"

// noEnd are the characters a line must not end with (避尾): opening
// punctuation, which goes down with the character after it.
const noEnd = "（《「『【〔〈“‘([{"

// breakable reports whether a line may break between a and b.
func breakable(a, b rune) bool {
	switch {
	case strings.ContainsRune(noStart, b), strings.ContainsRune(noEnd, a):
		return false
	case a == ' ':
		return b != ' '
	case b == ' ':
		return false
	}
	return wide(a) || wide(b)
}

// Wrap breaks text into lines no wider than width, each character as wide
// as adv says: at line breaks in the text, between Chinese characters, at
// spaces between words (the spaces at a break are dropped) and, where a
// word is wider than a line, inside it. Closing punctuation does not begin
// a line nor opening punctuation end one: the character next to it moves
// down with it (推出). No line is wider than width unless it holds one
// character. A blank line of the text stays a blank line; the text's
// trailing line breaks are dropped; empty text is no lines. Characters
// clean leaves out are left out.
func Wrap(text string, width float64, adv func(r rune) float64) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimRight(strings.ReplaceAll(text, "\r", "\n"), "\n")
	if text == "" {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, wrapLine(para, width, adv)...)
	}
	return lines
}

func wrapLine(s string, width float64, adv func(r rune) float64) []string {
	var rs []rune
	for _, r := range s {
		if r, ok := clean(r); ok {
			rs = append(rs, r)
		}
	}
	var lines []string
	var line []rune
	w := 0.0
	emit := func(n int) {
		lines = append(lines, strings.TrimRight(string(line[:n]), " "))
		line = append([]rune(nil), line[n:]...)
		for len(line) > 0 && line[0] == ' ' {
			line = line[1:]
		}
		w = 0
		for _, c := range line {
			w += adv(c)
		}
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		a := adv(r)
		switch {
		case len(line) == 0 && r == ' ' && len(lines) > 0:
			// a space at a break is dropped
		case len(line) == 0 || w+a <= width:
			line, w = append(line, r), w+a
		case r == ' ':
			emit(len(line))
		default:
			// r does not fit: break before it if the line may break
			// there, else at the last place it may, else (a word wider
			// than the line) before it all the same; then place r again.
			at := len(line)
			if !breakable(line[len(line)-1], r) {
				if j := lastBreak(line); j > 0 {
					at = j
				}
			}
			emit(at)
			i--
		}
	}
	if len(line) > 0 || len(lines) == 0 {
		emit(len(line))
	}
	return lines
}

// lastBreak is the last place line may break, 0 if none.
func lastBreak(line []rune) int {
	for j := len(line) - 1; j > 0; j-- {
		if breakable(line[j-1], line[j]) {
			return j
		}
	}
	return 0
}
