package lists

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// Routes of a matched entry (供需对接, domain.md §2).
const (
	RouteGrant  = "grant"  // 无条件共享: the platform may grant it directly
	RouteReply  = "reply"  // 有条件共享: the provider replies to an application
	RouteRefuse = "refuse" // 不予共享, or on the negative list: refused, citing the basis
)

// Suggestion is a published catalog entry that may meet a demand.
type Suggestion struct {
	catalog.Hit
	Score         int               `json:"score" doc:"How well it matches the demand; higher is better"`
	Wanted        bool              `json:"wanted,omitempty" doc:"The entry the requester named"`
	Route         string            `json:"route" enum:"grant,reply,refuse" doc:"grant: unconditional; reply: the provider decides; refuse: not shared or on the negative list"`
	Basis         string            `json:"basis,omitempty" doc:"The legal basis, when the whole entry is on the negative list"`
	NegativeItems map[string]string `json:"negative_items,omitempty" doc:"Items on the negative list, with their legal basis"`
}

// MaxSuggestions bounds what Suggest returns.
const MaxSuggestions = 10

// Suggest finds published entries p can see that may meet the demand: the
// wanted entry, then entries matching the title, the phrases of the title
// and the description, and the title's two-character words, best first.
// Entries scoring less than half the best match are left out. Each comes
// with how it would be shared: granted, answered by the provider, or refused
// with the negative list's basis.
func (s *Service) Suggest(ctx context.Context, p org.Principal, demandID int64) ([]Suggestion, error) {
	d, err := s.Demand(ctx, demandID)
	if err != nil {
		return nil, err
	}
	published := true
	scores := map[string]int{} // earned by the searches
	hits := map[string]catalog.Hit{}
	for _, q := range matchQueries(d.Title, d.Description) {
		res, err := s.cat.Search(ctx, p, catalog.Query{Q: q.text, Published: &published, PageSize: 20})
		if err != nil {
			return nil, err
		}
		for _, h := range res.Items {
			hits[h.Code] = h
			w := q.weight
			if strings.Contains(strings.ToLower(h.Name), strings.ToLower(q.text)) {
				w *= 2 // a match in the name says more than one in the summary or items
			}
			scores[h.Code] += w
		}
	}
	best := 0
	for _, n := range scores {
		best = max(best, n)
	}
	var out []Suggestion
	for code, h := range hits {
		// Keep those that match at least half as well as the best; a single
		// shared two-character word is no match.
		if scores[code] >= 2 && scores[code]*2 >= best && code != d.WantedCode {
			out = append(out, Suggestion{Hit: h, Score: scores[code]})
		}
	}
	// The entry the requester named comes first when it is published.
	if d.WantedCode != "" {
		if e, ok, err := readEntry(ctx, s.db, d.WantedCode); err != nil {
			return nil, err
		} else if ok && e.published {
			got, err := s.cat.Get(ctx, p, d.WantedCode, false)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			if err == nil {
				out = append(out, Suggestion{Hit: hitOf(got, e), Score: scores[d.WantedCode], Wanted: true})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Wanted != out[j].Wanted {
			return out[i].Wanted
		}
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Code < out[j].Code
	})
	if len(out) > MaxSuggestions {
		out = out[:MaxSuggestions]
	}
	for i := range out {
		sg := &out[i]
		basis, blocked, err := s.Blocked(ctx, sg.Code)
		if err != nil {
			return nil, err
		}
		if sg.NegativeItems, err = s.Items(ctx, sg.Code); err != nil {
			return nil, err
		}
		switch {
		case blocked:
			sg.Route, sg.Basis = RouteRefuse, basis
		case sg.ShareType == catalog.ShareNone:
			sg.Route = RouteRefuse
		case sg.ShareType == catalog.ShareConditional:
			sg.Route = RouteReply
		default:
			sg.Route = RouteGrant
		}
	}
	if out == nil {
		out = []Suggestion{}
	}
	return out, nil
}

// hitOf describes the version in force of an entry as a search hit.
func hitOf(e catalog.Entry, row entryRow) catalog.Hit {
	return catalog.Hit{Code: e.Code, Name: e.Name, ProviderID: e.ProviderID, ProviderName: e.ProviderName, Category: e.Category, Format: e.Format,
		ShareType: e.ShareType, OpenType: e.OpenType, UpdateCycle: e.UpdateCycle, Grade: e.Grade, Status: e.Status, Version: e.Version,
		Published: row.published, Mounted: row.mount, PublishedAt: e.PublishedAt, UpdatedAt: e.UpdatedAt}
}

type matchQuery struct {
	text   string
	weight int
}

// generic words say nothing about which data is meant.
var generic = map[string]bool{"信息": true, "数据": true, "资料": true, "情况": true, "需要": true, "相关": true, "查询": true,
	"提供": true, "包括": true, "用于": true, "办理": true, "共享": true, "获取": true, "核验": true}

// pieces splits text into phrases at punctuation, spaces, joining words
// and generic words.
func pieces(text string) []string {
	for w := range generic {
		text = strings.ReplaceAll(text, w, " ")
	}
	return strings.FieldsFunc(text, func(r rune) bool {
		return !(unicode.Is(unicode.Han, r) || unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("的和与及或等", r)
	})
}

// matchQueries returns the searches a demand is matched with, each with the
// weight a hit earns: the whole title, its phrases, the phrases of the
// description, then the title's two-character words.
func matchQueries(title, description string) []matchQuery {
	const maxQueries = 16
	var out []matchQuery
	seen := map[string]bool{}
	add := func(q string, weight int) {
		q = strings.TrimSpace(q)
		n := utf8.RuneCountInString(q)
		if n < 2 || n > 100 || seen[strings.ToLower(q)] || generic[q] || len(out) >= maxQueries {
			return
		}
		seen[strings.ToLower(q)] = true
		out = append(out, matchQuery{q, weight})
	}
	add(title, 8)
	for _, p := range pieces(title) {
		add(p, 4)
	}
	described := 0
	for _, p := range pieces(description) {
		if n := utf8.RuneCountInString(p); n >= 2 && n <= 12 && described < 6 && !seen[strings.ToLower(p)] {
			add(p, 2)
			described++
		}
	}
	for _, p := range pieces(title) {
		var han []rune
		for _, r := range p + " " {
			if unicode.Is(unicode.Han, r) {
				han = append(han, r)
				continue
			}
			for i := 0; i+1 < len(han); i++ {
				add(string(han[i:i+2]), 1)
			}
			han = han[:0]
		}
	}
	return out
}
