package portal

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/opendata"
)

// search is a package_search request read into the opendata domain's query.
type search struct {
	q      opendata.Query
	start  int
	rows   int
	facets []string
	limit  int // facet.limit
	min    int // facet.mincount
	sort   string
}

// facetFields are the facet.field values package_search counts.
var facetFields = map[string]bool{"organization": true, "groups": true, "res_format": true, "license_id": true}

var defaultFacets = []string{"organization", "groups", "res_format", "license_id"}

// sorts maps CKAN sort strings to the domain's orders.
var sorts = map[string]string{
	"score desc, metadata_modified desc": "relevance", "score desc": "relevance", "relevance asc": "relevance",
	"metadata_modified desc": "date", "metadata_created desc": "date",
	"name asc": "name", "title_string asc": "name",
}

// solrSpecial are characters of Solr's query syntax beyond plain words.
const solrSpecial = `:*?~^"()[]{}\!/+`

// parseQ reads q: plain words (any language) that must all occur; "*:*"
// and empty match everything. Anything of Solr's syntax beyond that is
// refused, naming q.
func parseQ(q string) (string, error) {
	q = strings.TrimSpace(q)
	if q == "" || q == "*:*" || q == "*" {
		return "", nil
	}
	if len([]rune(q)) > opendata.MaxQuery {
		return "", errs.FieldMsg("q", msgTooLong, opendata.MaxQuery)
	}
	if strings.ContainsAny(q, solrSpecial) || strings.Contains(q, "&&") || strings.Contains(q, "||") {
		return "", errs.FieldMsg("q", msgSolrSyntax)
	}
	for _, w := range strings.Fields(q) {
		if w == "AND" || w == "OR" || w == "NOT" || strings.HasPrefix(w, "-") {
			return "", errs.FieldMsg("q", msgSolrSyntax)
		}
	}
	return q, nil
}

// fqClauses splits fq into field:value clauses: space-separated, each
// optionally prefixed by "+", a value optionally in double quotes; "AND"
// between clauses is allowed.
func fqClauses(fq string) ([][2]string, error) {
	var out [][2]string
	rest := strings.TrimSpace(fq)
	for rest != "" {
		if after, ok := strings.CutPrefix(rest, "AND "); ok {
			rest = strings.TrimSpace(after)
			continue
		}
		rest = strings.TrimPrefix(rest, "+")
		field, after, ok := strings.Cut(rest, ":")
		if !ok || field == "" || strings.IndexFunc(field, func(r rune) bool { return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) }) >= 0 {
			return nil, errs.FieldMsg("fq", msgFQSyntax)
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				return nil, errs.FieldMsg("fq", msgFQSyntax)
			}
			value, rest = after[1:end+1], strings.TrimSpace(after[end+2:])
		} else {
			value, rest, _ = strings.Cut(after, " ")
			rest = strings.TrimSpace(rest)
		}
		if value == "" || strings.ContainsAny(value, solrSpecial) {
			return nil, errs.FieldMsg("fq", msgFQSyntax)
		}
		out = append(out, [2]string{field, value})
	}
	return out, nil
}

func (s *server) parseSearch(ctx context.Context, p params) (search, error) {
	var sr search
	var err error
	if sr.q.Q, err = parseQ(p["q"]); err != nil {
		return sr, err
	}
	clauses, err := fqClauses(p["fq"])
	if err != nil {
		return sr, err
	}
	var texts []string
	if sr.q.Q != "" {
		texts = append(texts, sr.q.Q)
	}
	for _, c := range clauses {
		switch c[0] {
		case "organization", "owner_org":
			d, err := s.OpenData.DepartmentByCreditCode(ctx, c[1])
			if err != nil {
				sr.q.Department = -1 // matches nothing, as Solr would
				continue
			}
			sr.q.Department = d.ID
		case "groups":
			if !catalog.Categories.Valid(c[1]) {
				sr.q.Category = "-"
				continue
			}
			sr.q.Category = c[1]
		case "res_format":
			switch strings.ToUpper(c[1]) {
			case "CSV", "XLSX":
				sr.q.OpenType = catalog.OpenUnconditional
			case "JSON":
			default:
				sr.q.Category = "-"
			}
		case "license_id":
			switch c[1] {
			case opendata.LicenceOpen.ID:
				sr.q.OpenType = catalog.OpenUnconditional
			case opendata.LicenceConditional.ID:
				sr.q.OpenType = catalog.OpenConditional
			default:
				sr.q.Category = "-"
			}
		case "tags":
			texts = append(texts, c[1]) // a keyword matches as text does
		default:
			return sr, errs.FieldMsg("fq", msgFQField, truncate(c[0], 40), "organization, groups, res_format, license_id, tags")
		}
	}
	sr.q.Q = strings.Join(texts, " ")
	if len([]rune(sr.q.Q)) > opendata.MaxQuery {
		return sr, errs.FieldMsg("fq", msgTooLong, opendata.MaxQuery)
	}
	if sr.rows, err = p.int("rows", 10, 0); err != nil {
		return sr, err
	}
	sr.rows = min(sr.rows, opendata.MaxRows) // CKAN caps rows at its ckan.search.rows_max
	if sr.start, err = p.int("start", 0, 0); err != nil {
		return sr, err
	}
	sr.sort = p["sort"]
	if sr.sort == "" {
		sr.sort = "score desc, metadata_modified desc"
	}
	order, ok := sorts[strings.Join(strings.Fields(strings.ToLower(sr.sort)), " ")]
	if !ok {
		return sr, errs.FieldMsg("sort", msgSort, "score desc, metadata_modified desc, metadata_created desc, name asc, title_string asc")
	}
	sr.q.Sort = order
	if order == "relevance" && sr.q.Q == "" {
		sr.q.Sort = "date"
	}
	sr.facets = defaultFacets
	if f, ok := p["facet.field"]; ok && f != "" {
		var list []string
		if err := json.Unmarshal([]byte(f), &list); err != nil {
			return sr, errs.FieldMsg("facet.field", msgFacetList)
		}
		for _, name := range list {
			if !facetFields[name] {
				return sr, errs.FieldMsg("facet.field", msgFacetField, truncate(name, 40), "organization, groups, res_format, license_id")
			}
		}
		sr.facets = list
	}
	if sr.limit, err = p.int("facet.limit", 50, -1); err != nil {
		return sr, err
	}
	if sr.min, err = p.int("facet.mincount", 1, 0); err != nil {
		return sr, err
	}
	return sr, nil
}

type facetItem struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Count       int    `json:"count"`
}

func (s *server) packageSearch(ctx context.Context, p params) (any, error) {
	sr, err := s.parseSearch(ctx, p)
	if err != nil {
		return nil, err
	}
	var res opendata.Result
	if sr.q.Department == -1 || sr.q.Category == "-" {
		res = opendata.Result{Items: []opendata.Summary{}}
	} else if res, err = s.OpenData.SearchRange(ctx, sr.q, sr.start, sr.rows); err != nil {
		return nil, err
	}
	results, err := s.dicts(ctx, res.Items)
	if err != nil {
		return nil, err
	}
	items := map[string][]facetItem{}
	for _, f := range res.Departments {
		items["organization"] = append(items["organization"], facetItem{orgName(f.Credit), f.Label, f.Count})
	}
	open, cond := 0, 0
	for _, f := range res.OpenTypes {
		switch f.Value {
		case catalog.OpenUnconditional:
			open = f.Count
		case catalog.OpenConditional:
			cond = f.Count
		}
	}
	for _, f := range res.Categories {
		items["groups"] = append(items["groups"], facetItem{f.Value, f.Label, f.Count})
	}
	items["res_format"] = []facetItem{{"JSON", "JSON", open + cond}, {"CSV", "CSV", open}, {"XLSX", "XLSX", open}}
	items["license_id"] = []facetItem{{opendata.LicenceOpen.ID, opendata.LicenceOpen.Title, open}, {opendata.LicenceConditional.ID, opendata.LicenceConditional.Title, cond}}
	facets := map[string]map[string]int{}
	searchFacets := map[string]any{}
	for _, name := range sr.facets {
		var kept []facetItem
		for _, it := range items[name] {
			if it.Count >= sr.min && (sr.limit < 0 || len(kept) < sr.limit) {
				kept = append(kept, it)
			}
		}
		m := map[string]int{}
		for _, it := range kept {
			m[it.Name] = it.Count
		}
		facets[name] = m
		if kept == nil {
			kept = []facetItem{}
		}
		searchFacets[name] = map[string]any{"title": name, "items": kept}
	}
	return map[string]any{"count": res.Total, "sort": sr.sort, "results": results, "facets": facets, "search_facets": searchFacets}, nil
}
