package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/govshare/govshare/internal/errs"
)

// The words the auditor reads: each domain names its actions and the kinds
// of record its targets are ("user:3" is a user), in both languages, with
// DefineAction and DefineTarget at package initialisation; details it
// writes with Keyed are said in the reader's language.

var (
	wordsMu sync.Mutex
	actions = map[string]*errs.Msg{}
	targets = map[string]*errs.Msg{}
)

// DefineAction names an audited action ("application.approve").
func DefineAction(action, en, zh string) {
	m := errs.Define("audit.action."+action, en, zh)
	wordsMu.Lock()
	actions[action] = m
	wordsMu.Unlock()
}

// DefineTarget names a kind of target ("user" in "user:3"), as a noun.
func DefineTarget(kind, en, zh string) {
	m := errs.Define("audit.target."+kind, en, zh)
	wordsMu.Lock()
	targets[kind] = m
	wordsMu.Unlock()
}

// Actions returns every defined action, sorted.
func Actions() []string {
	wordsMu.Lock()
	defer wordsMu.Unlock()
	out := make([]string, 0, len(actions))
	for a := range actions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// ActionText says an action in words; an action no domain defined is said
// as its code.
func ActionText(action string) errs.Text {
	wordsMu.Lock()
	m, ok := actions[action]
	wordsMu.Unlock()
	if !ok {
		return errs.Raw(action)
	}
	return m.With()
}

// Target is an entry's target split into its kind and its record's id.
type Target struct {
	Kind string
	ID   string
}

// ParseTarget splits "user:3" into its kind and id; a target of no known
// kind has the whole text as its ID.
func ParseTarget(s string) Target {
	kind, id, ok := strings.Cut(s, ":")
	if !ok {
		return Target{ID: s}
	}
	return Target{Kind: kind, ID: id}
}

// KindText says a target's kind as a noun ("用户"); unknown kinds as they are.
func KindText(kind string) errs.Text {
	wordsMu.Lock()
	m, ok := targets[kind]
	wordsMu.Unlock()
	if !ok {
		return errs.Raw(kind)
	}
	return m.With()
}

// keyedPrefix marks a detail written by Keyed.
const keyedPrefix = "§"

type keyedDetail struct {
	Key  string `json:"k"`
	Args []any  `json:"a,omitempty"`
}

// Keyed writes a detail as a defined message and its arguments, so the
// auditor reads it in their language. Arguments that are errs.Texts of
// defined messages (a state's label) keep their keys.
func Keyed(m *errs.Msg, args ...any) string {
	enc := make([]any, len(args))
	for i, a := range args {
		if t, ok := a.(errs.Text); ok && t.Msg != nil {
			a = keyedDetail{Key: t.Msg.Key, Args: t.Args}
		}
		enc[i] = a
	}
	b, err := json.Marshal(keyedDetail{Key: m.Key, Args: enc})
	if err != nil {
		return m.With(args...).String()
	}
	return keyedPrefix + string(b)
}

// DetailText reads a detail: a keyed one as its message, any other as the
// text it is.
func DetailText(detail string) errs.Text {
	raw, ok := strings.CutPrefix(detail, keyedPrefix)
	if !ok {
		return errs.Raw(detail)
	}
	var k keyedDetail
	if err := json.Unmarshal([]byte(raw), &k); err != nil {
		return errs.Raw(detail)
	}
	return decodeKeyed(k)
}

func decodeKeyed(k keyedDetail) errs.Text {
	m, ok := errs.Lookup(k.Key)
	if !ok {
		return errs.Raw(k.Key)
	}
	args := make([]any, len(k.Args))
	for i, a := range k.Args {
		if obj, ok := a.(map[string]any); ok {
			if key, ok := obj["k"].(string); ok {
				nested := keyedDetail{Key: key}
				nested.Args, _ = obj["a"].([]any)
				a = decodeKeyed(nested)
			}
		}
		if f, ok := a.(float64); ok && f == float64(int64(f)) {
			a = int64(f)
		}
		args[i] = a
	}
	return m.With(args...)
}

// Words returns the entry with its action and detail also said in lang, for
// readers; Detail stays as the chain holds it.
func (e Entry) Words(lang string) Entry {
	e.ActionText, e.DetailText = ActionText(e.Action).In(lang), DetailText(e.Detail).In(lang)
	return e
}

func init() {
	DefineAction("audit.read", "read the audit log", "查阅审计日志")
	DefineAction("audit.verify", "verify the audit chain", "校验审计链")
	DefineAction("audit.export", "export the audit log", "导出审计日志")
	DefineAction("audit.rekey", "key the audit chain", "审计链改用密钥")
	DefineTarget("audit", "audit log", "审计日志")
}
