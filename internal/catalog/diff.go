package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Change is one field that differs between two versions.
type Change struct {
	Field string `json:"field"` // e.g. name, items[2].share_type
	From  string `json:"from"`
	To    string `json:"to"`
}

// Diff lists the fields that differ between versions a and b, field by
// field (items by position), ignoring workflow state.
func Diff(a, b Entry) []Change {
	fa, fb := flatten(a), flatten(b)
	keys := map[string]bool{}
	for k := range fa {
		keys[k] = true
	}
	for k := range fb {
		keys[k] = true
	}
	var out []Change
	for k := range keys {
		if fa[k] != fb[k] {
			out = append(out, Change{Field: k, From: fa[k], To: fb[k]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// flatten renders an entry's content as field path → text.
func flatten(e Entry) map[string]string {
	e.Code, e.Version, e.Status, e.ProviderName, e.Mounted = "", 0, "", "", false
	var m map[string]any
	b, _ := json.Marshal(e)
	json.Unmarshal(b, &m)
	delete(m, "published_at")
	delete(m, "updated_at")
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, y)
			}
		case []any:
			if prefix == "items" {
				for i, y := range x {
					walk(fmt.Sprintf("items[%d]", i), y)
				}
				return
			}
			b, _ := json.Marshal(x)
			out[prefix] = string(b)
		case string:
			out[prefix] = x
		case nil:
		default:
			out[prefix] = fmt.Sprint(x)
		}
	}
	walk("", m)
	return out
}
