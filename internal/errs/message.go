package errs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Languages messages are defined in; the first is the console's default.
var Languages = []string{"zh-CN", "en"}

// Msg is a text a domain says, defined once with its key.
type Msg struct {
	Key string
	En  string // fmt format in English
	Zh  string // fmt format in Chinese, with the same verbs in the same order
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Msg{}
)

// Define registers a message under its key at package initialisation; a key
// defined twice panics, so the clash shows at start-up.
func Define(key, en, zh string) *Msg {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[key]; dup {
		panic("errs: message " + key + " is defined twice")
	}
	m := &Msg{Key: key, En: en, Zh: zh}
	registry[key] = m
	return m
}

// Messages returns every defined message, sorted by key.
func Messages() []*Msg {
	registryMu.Lock()
	defer registryMu.Unlock()
	ms := make([]*Msg, 0, len(registry))
	for _, m := range registry {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *Msg) int { return strings.Compare(a.Key, b.Key) })
	return ms
}

// Lookup returns the message defined under key.
func Lookup(key string) (*Msg, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	m, ok := registry[key]
	return m, ok
}

// With binds the message's arguments.
func (m *Msg) With(args ...any) Text { return Text{Msg: m, Args: args} }

// Format returns the message's format in lang.
func (m *Msg) Format(lang string) string {
	if isZh(lang) {
		return m.Zh
	}
	return m.En
}

// Text is a message with its arguments, or a raw text a domain has not keyed.
type Text struct {
	Msg  *Msg
	Args []any
	Raw  string
}

// Raw wraps a text that has no key.
func Raw(s string) Text { return Text{Raw: s} }

// Localizer is an argument that says itself in a language (a Text, an
// enumeration's label).
type Localizer interface{ In(lang string) string }

// In renders the text in lang; arguments that are Localizers are rendered in
// lang too.
func (t Text) In(lang string) string {
	if t.Msg == nil {
		return t.Raw
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		if l, ok := a.(Localizer); ok {
			a = l.In(lang)
		}
		args[i] = a
	}
	return fmt.Sprintf(t.Msg.Format(lang), args...)
}

// String renders the text in English.
func (t Text) String() string { return t.In("en") }

// IsZero reports whether the text is empty.
func (t Text) IsZero() bool { return t.Msg == nil && t.Raw == "" }

func isZh(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }

// Lang picks the language of an Accept-Language header (or a console
// setting): zh-CN when Chinese comes first among the languages we speak,
// English when English does, def otherwise.
func Lang(accept, def string) string {
	for part := range strings.SplitSeq(accept, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if w, err := strconv.ParseFloat(q, 64); err == nil && w == 0 {
				continue // q=0: not acceptable
			}
		}
		switch {
		case isZh(tag):
			return "zh-CN"
		case strings.HasPrefix(strings.ToLower(tag), "en"):
			return "en"
		}
	}
	return def
}
