package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed messages
var messageFS embed.FS

// Languages the console speaks, the first being the default.
var Languages = []string{"zh-CN", "en"}

// catalogs maps a language to its messages.
type catalogs map[string]map[string]string

// loadCatalogs reads messages/LANG/*.json; each area of the console keeps
// its own file, and a key may appear in only one file.
func loadCatalogs() (catalogs, error) {
	c := catalogs{}
	for _, lang := range Languages {
		files, err := fs.Glob(messageFS, path.Join("messages", lang, "*.json"))
		if err != nil {
			return nil, err
		}
		c[lang] = map[string]string{}
		for _, f := range files {
			b, err := messageFS.ReadFile(f)
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := c[lang][k]; dup {
					return nil, fmt.Errorf("%s: key %q is defined twice", f, k)
				}
				c[lang][k] = v
			}
		}
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
