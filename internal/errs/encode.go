package errs

import (
	"encoding/json"
	"strings"
)

// encodedPrefix marks a text written by Encode.
const encodedPrefix = "§"

type encoded struct {
	Key  string `json:"k"`
	Args []any  `json:"a,omitempty"`
}

// Encode writes a text so that it can be stored and read back with Decode
// in any language: a keyed text as its key and arguments (arguments that are
// keyed Texts keep their keys; other Localizers are written in English), a
// raw text as it is.
func Encode(t Text) string {
	if t.Msg == nil {
		return t.Raw
	}
	b, err := json.Marshal(encodeText(t))
	if err != nil {
		return t.String()
	}
	return encodedPrefix + string(b)
}

func encodeText(t Text) encoded {
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		switch x := a.(type) {
		case Text:
			if x.Msg != nil {
				a = encodeText(x)
			} else {
				a = x.Raw
			}
		case Localizer:
			a = x.In("en")
		}
		args[i] = a
	}
	return encoded{Key: t.Msg.Key, Args: args}
}

// Decode reads a text written by Encode; any other string, or one whose key
// is no longer defined, is a raw text as it is.
func Decode(s string) Text {
	raw, ok := strings.CutPrefix(s, encodedPrefix)
	if !ok {
		return Raw(s)
	}
	var e encoded
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return Raw(s)
	}
	t, ok := decodeText(e)
	if !ok {
		return Raw(s)
	}
	return t
}

func decodeText(e encoded) (Text, bool) {
	m, ok := Lookup(e.Key)
	if !ok {
		return Text{}, false
	}
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if obj, ok := a.(map[string]any); ok {
			if key, ok := obj["k"].(string); ok {
				nested := encoded{Key: key}
				nested.Args, _ = obj["a"].([]any)
				if t, ok := decodeText(nested); ok {
					a = t
				}
			}
		}
		if f, ok := a.(float64); ok && f == float64(int64(f)) {
			a = int64(f)
		}
		args[i] = a
	}
	return m.With(args...), true
}

// MapArgs returns t with f applied to each argument that is a string,
// nested keyed texts included (to mask a value a message quotes); a raw
// text is passed to f whole.
func (t Text) MapArgs(f func(string) string) Text {
	if t.Msg == nil {
		t.Raw = f(t.Raw)
		return t
	}
	args := make([]any, len(t.Args))
	for i, a := range t.Args {
		switch x := a.(type) {
		case string:
			a = f(x)
		case Text:
			a = x.MapArgs(f)
		}
		args[i] = a
	}
	t.Args = args
	return t
}
