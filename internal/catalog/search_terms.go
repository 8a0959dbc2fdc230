package catalog

import (
	"strings"
	"unicode"
)

// Terms splits text into search terms: runs of Han characters become
// overlapping bigrams followed by their last character, and other letters and
// digits become lower-case words. A query matches when its terms occur
// consecutively, which makes a Chinese query of two or more characters a
// substring match (the trigram index would miss 1–2 character queries).
func Terms(text string) []string {
	var out []string
	var han []rune
	var word strings.Builder
	flushHan := func() {
		switch len(han) {
		case 0:
			return
		case 1:
			out = append(out, string(han))
		default:
			for i := 0; i+1 < len(han); i++ {
				out = append(out, string(han[i:i+2]))
			}
			out = append(out, string(han[len(han)-1]))
		}
		han = han[:0]
	}
	flushWord := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushHan()
			word.WriteRune(unicode.ToLower(r))
		default:
			flushHan()
			flushWord()
		}
	}
	flushHan()
	flushWord()
	return out
}

// queryPhrases splits a query into phrases, one per run of letters and
// digits; each phrase is the run's terms without the trailing single
// character that Terms adds after its last Han run, so it matches wherever the run occurs in the
// text. A phrase of one Han character matches as a prefix of a term.
func queryPhrases(q string) [][]string {
	phrases, _ := queryParts(q)
	return phrases
}

// queryParts returns the phrases of q and the lower-case runs they come from.
func queryParts(q string) (phrases [][]string, runs []string) {
	for _, part := range strings.FieldsFunc(q, func(r rune) bool {
		return !(unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r))
	}) {
		ts := Terms(part)
		var kept []string
		for i, t := range ts {
			r := []rune(t)
			if len(r) == 1 && i > 0 && i == len(ts)-1 && unicode.Is(unicode.Han, r[0]) {
				if prev := []rune(ts[i-1]); len(prev) == 2 && prev[1] == r[0] {
					continue
				}
			}
			kept = append(kept, t)
		}
		phrases, runs = append(phrases, kept), append(runs, strings.ToLower(part))
	}
	return phrases, runs
}
