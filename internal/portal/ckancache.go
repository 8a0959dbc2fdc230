package portal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// cachedActions are the CKAN actions whose answers the portal keeps while
// the catalog does not change (opendata.Service.Generation), for at most
// answerTTL: a search is asked again and again by harvesters and pages
// alike, and encoding twenty datasets costs more than finding them.
// Actions that count a dataset's use (package_show, resource_show) are
// answered each time.
var cachedActions = map[string]bool{"package_search": true, "package_list": true, "organization_list": true, "group_list": true}

const (
	answerTTL      = 30 * time.Second
	maxAnswers     = 2048
	maxAnswerBytes = 1 << 20
)

type answerCache struct {
	mu sync.Mutex
	m  map[string]cachedAnswer
}

type cachedAnswer struct {
	gen  int64
	at   time.Time
	body []byte
}

func answerKey(name string, p params) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteString("\x00" + k + "\x01" + p[k])
	}
	return b.String()
}

func (c *answerCache) get(key string, gen int64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[key]
	if !ok || a.gen != gen || time.Since(a.at) > answerTTL {
		return nil, false
	}
	return a.body, true
}

func (c *answerCache) put(key string, gen int64, body []byte) {
	if len(body) > maxAnswerBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxAnswers {
		c.m = map[string]cachedAnswer{}
	}
	c.m[key] = cachedAnswer{gen: gen, at: time.Now(), body: body}
}

// encodeJSON is writeJSON's encoding, into bytes.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeBody(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
