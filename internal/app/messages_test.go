package app

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

// Every message a domain defines is said in both languages, with the same
// arguments: each verb of one text appears in the other.
func TestMessagesInBothLanguages(t *testing.T) {
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	ms := errs.Messages()
	if len(ms) == 0 {
		t.Fatal("no messages are defined")
	}
	for _, m := range ms {
		if strings.TrimSpace(m.En) == "" || strings.TrimSpace(m.Zh) == "" {
			t.Errorf("%s: a text is empty (en %q, zh %q)", m.Key, m.En, m.Zh)
			continue
		}
		if m.Zh == m.En && regexp.MustCompile(`[A-Za-z]{3}`).MatchString(verb.ReplaceAllString(m.Zh, "")) {
			t.Errorf("%s: the Chinese text is the English one: %q", m.Key, m.Zh)
		}
		if got, want := argsOf(verb, m.Zh), argsOf(verb, m.En); !slices.Equal(got, want) {
			t.Errorf("%s: arguments differ: zh %v (%q), en %v (%q)", m.Key, got, m.Zh, want, m.En)
		}
		args := make([]any, 8)
		for i := range args {
			args[i] = fmt.Sprintf("<%d>", i)
		}
		for _, lang := range errs.Languages {
			if s := m.With(args[:len(argsOf(verb, m.En))]...).In(lang); strings.Contains(s, "MISSING") || strings.Contains(s, "%!(EXTRA") {
				t.Errorf("%s in %s renders badly: %q", m.Key, lang, s)
			}
		}
	}
}

// argsOf lists which argument each verb of format takes, sorted: indexed
// verbs let a language say them in its own order.
func argsOf(verb *regexp.Regexp, format string) []int {
	var out []int
	next := 1
	for _, v := range verb.FindAllStringSubmatch(format, -1) {
		if v[0] == "%%" {
			continue
		}
		n := next
		if v[1] != "" {
			fmt.Sscanf(v[1], "[%d]", &n)
		}
		out = append(out, n)
		next = n + 1
	}
	slices.Sort(out)
	return out
}
