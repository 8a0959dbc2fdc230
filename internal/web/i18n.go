package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
)

//go:embed messages/*.json
var messageFS embed.FS

// Languages the console speaks, the first being the default.
var Languages = []string{"zh-CN", "en"}

// catalogs maps a language to its messages.
type catalogs map[string]map[string]string

func loadCatalogs() (catalogs, error) {
	c := catalogs{}
	for _, lang := range Languages {
		b, err := messageFS.ReadFile(path.Join("messages", lang+".json"))
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("messages/%s.json: %w", lang, err)
		}
		c[lang] = m
	}
	return c, nil
}

// T returns the message key in lang, formatted with args. A missing key
// shows as !key so it is noticed (and a test fails).
func (c catalogs) T(lang, key string, args ...any) string {
	msg, ok := c[lang][key]
	if !ok {
		if msg, ok = c[Languages[0]][key]; !ok {
			return "!" + key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

const langCookie = "gs_lang"

func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if strings.EqualFold(c.Value, l) {
				return l
			}
		}
	}
	return Languages[0]
}
