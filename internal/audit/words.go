package audit

import (
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

// Words are an action's or a kind's code, English and Chinese.
type Words [3]string

// DefineActions names each of a domain's actions (DefineAction).
func DefineActions(ws ...Words) {
	for _, w := range ws {
		DefineAction(w[0], w[1], w[2])
	}
}

// DefineTargets names each of a domain's kinds of target (DefineTarget).
func DefineTargets(ws ...Words) {
	for _, w := range ws {
		DefineTarget(w[0], w[1], w[2])
	}
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

// ParseTarget splits "user:3" into its kind and id; a target that is a kind
// alone ("audit") has no id, and any other text is an id of no kind.
func ParseTarget(s string) Target {
	kind, id, ok := strings.Cut(s, ":")
	if !ok {
		wordsMu.Lock()
		_, known := targets[s]
		wordsMu.Unlock()
		if known { // a whole kind: "audit", "catalog"
			return Target{Kind: s}
		}
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

// Keyed writes a detail as a defined message and its arguments (see
// errs.Encode), so the auditor reads it in their language.
func Keyed(m *errs.Msg, args ...any) string { return errs.Encode(m.With(args...)) }

// ReasonDetail is the detail of a step for which a reason was given (a
// return, a revocation, a refusal), none when none was.
func ReasonDetail(reason string) string {
	if reason = strings.TrimSpace(reason); reason != "" {
		return Keyed(msgReason, reason)
	}
	return ""
}

var (
	msgList        = errs.Define("audit.list", "%s, %s", "%s、%s")
	msgReason      = errs.Define("audit.reason", "reason: %s", "理由：%s")
	msgNone        = errs.Define("audit.none", "none", "无")
	msgRekeyed     = errs.Define("audit.rekeyed", "entries 1-%d verified as a plain SM3 chain and re-hashed with HMAC-SM3 under the platform's audit key", "第 1-%d 条记录经校验为 SM3 链，已用平台审计密钥以 HMAC-SM3 重新计算")
	msgExported    = errs.Define("audit.exported", "%d entries, filtered by %s", "%d 条记录，筛选条件 %s")
	msgExportedAll = errs.Define("audit.exported_all", "%d entries, unfiltered", "%d 条记录，未筛选")
)

// ExportDetail says an export of the audit log: the rows it held and the
// filters (a query string) that chose them.
func ExportDetail(filters string, rows int) string {
	if filters == "" {
		return Keyed(msgExportedAll, rows)
	}
	return Keyed(msgExported, rows, filters)
}

// List says texts one after another as one argument of a keyed detail
// (roles, items): each keeps its own key, so each language says its words.
func List(texts ...errs.Text) errs.Text {
	switch len(texts) {
	case 0:
		return msgNone.With()
	case 1:
		return texts[0]
	}
	return msgList.With(texts[0], List(texts[1:]...))
}

// Codes are the words of a domain's codes (states, kinds, roles) that its
// keyed details name, each a message of its own so that a stored detail
// says it in the reader's language.
type Codes map[string]*errs.Msg

// DefineCodes defines the words of codes under prefix ("sharing.state").
func DefineCodes(prefix string, ws ...Words) Codes {
	c := make(Codes, len(ws))
	for _, w := range ws {
		c[w[0]] = errs.Define(prefix+"."+w[0], w[1], w[2])
	}
	return c
}

// Text says code in words; a code without words is said as it is.
func (c Codes) Text(code string) errs.Text {
	if m, ok := c[code]; ok {
		return m.With()
	}
	return errs.Raw(code)
}

// DetailText reads a detail: a keyed one as its message, any other as the
// text it is.
func DetailText(detail string) errs.Text { return errs.Decode(detail) }

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
