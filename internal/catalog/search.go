package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Query selects catalog entries.
type Query struct {
	Q           string
	ProviderID  int64
	Category    string
	ShareType   string
	OpenType    string
	UpdateCycle string
	Status      string
	Grade       string
	Mounted     *bool
	Published   *bool
	Sort        string // relevance (default with Q), name, date
	Page        int
	PageSize    int
	Facets      bool
}

// Hit is one entry in a result list.
type Hit struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	ProviderID   int64     `json:"provider_id"`
	ProviderName string    `json:"provider_name"`
	Category     string    `json:"category"`
	Format       string    `json:"format"`
	ShareType    string    `json:"share_type"`
	OpenType     string    `json:"open_type"`
	UpdateCycle  string    `json:"update_cycle"`
	Grade        string    `json:"grade"`
	Status       string    `json:"status"`
	Version      int       `json:"version"`
	Published    bool      `json:"published"`
	Mounted      bool      `json:"mounted"`
	PublishedAt  time.Time `json:"published_at,omitzero"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// FacetCount is the number of matching entries with one value.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Result is one page of a search with its facet counts.
type Result struct {
	Items  []Hit                   `json:"items"`
	Total  int                     `json:"total"`
	Page   int                     `json:"page"`
	Size   int                     `json:"page_size"`
	Facets map[string][]FacetCount `json:"facets,omitempty"`
}

// FacetNames are the dimensions facet counts are given for.
var FacetNames = []string{"provider", "category", "share_type", "open_type", "update_cycle", "status", "mounted", "grade"}

// Search finds entries p may see: published ones, and drafts of p's own
// department (all drafts for the authority's approvers and the auditor).
func (s *Service) Search(ctx context.Context, p org.Principal, q Query) (Result, error) {
	if len([]rune(q.Q)) > 100 {
		return Result{}, errs.Field("q", "must be at most 100 characters")
	}
	where, args, rank, err := s.searchWhere(ctx, p, q)
	if err != nil {
		return Result{}, err
	}
	page, size := store.Page(q.Page, q.PageSize)
	res := Result{Page: page, Size: size, Items: []Hit{}}
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM catalog_entries e"+where, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search count: %w", err)
	}
	order := "e.updated_at DESC, e.id DESC"
	switch {
	case q.Sort == "name":
		order = "e.name_key, e.id"
	case q.Sort == "date":
		order = "e.published_at DESC, e.updated_at DESC, e.id DESC"
	case rank != "" && q.Sort != "date":
		order = rank
	}
	rows, err := s.db.Query(ctx, `SELECT e.code, e.name, e.provider_id, d.name, e.category, e.format, e.share_type, e.open_type, e.update_cycle, e.grade,
		e.status, COALESCE(e.current_version, e.latest_version), e.published, e.mounted, e.published_at, e.updated_at
		FROM catalog_entries e JOIN departments d ON d.id = e.provider_id`+where+" ORDER BY "+order+" LIMIT ? OFFSET ?",
		append(args, size, (page-1)*size)...)
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h Hit
		var pub, upd string
		if err := rows.Scan(&h.Code, &h.Name, &h.ProviderID, &h.ProviderName, &h.Category, &h.Format, &h.ShareType, &h.OpenType, &h.UpdateCycle,
			&h.Grade, &h.Status, &h.Version, &h.Published, &h.Mounted, &pub, &upd); err != nil {
			return res, err
		}
		h.PublishedAt, _ = store.ParseTime(pub)
		h.UpdatedAt, _ = store.ParseTime(upd)
		res.Items = append(res.Items, h)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	if q.Facets {
		res.Facets, err = s.facets(ctx, where, args)
	}
	return res, err
}

func (s *Service) searchWhere(ctx context.Context, p org.Principal, q Query) (string, []any, string, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	reviewer, err := s.isAuthorityReviewer(ctx, p)
	if err != nil {
		return "", nil, "", err
	}
	if !reviewer && !p.Can(org.ReadAudit) {
		add("(e.published OR e.provider_id = ?)", p.DepartmentID)
	}
	for _, f := range []struct {
		col, v string
	}{{"e.category", q.Category}, {"e.share_type", q.ShareType}, {"e.open_type", q.OpenType}, {"e.update_cycle", q.UpdateCycle}, {"e.status", q.Status}, {"e.grade", q.Grade}} {
		if f.v != "" {
			add(f.col+" = ?", f.v)
		}
	}
	if q.ProviderID != 0 {
		add("e.provider_id = ?", q.ProviderID)
	}
	if q.Mounted != nil {
		add("e.mounted = ?", *q.Mounted)
	}
	if q.Published != nil {
		add("e.published = ?", *q.Published)
	}
	rank := ""
	phrases, runs := queryParts(q.Q)
	if len(phrases) > 0 {
		if s.db.Dialect == store.Postgres {
			var all []string
			for _, ph := range phrases {
				if len(ph) > 1 || len([]rune(ph[0])) > 1 {
					all = append(all, ph...)
				}
			}
			if len(all) > 0 {
				add("e.search_terms @> ?", uniq(all))
			}
			for _, r := range runs {
				add("strpos(lower(e.search_text), ?) > 0", r)
			}
			rank = "CASE WHEN strpos(lower(e.name), ?) > 0 THEN 0 ELSE 1 END, e.name_key, e.id"
		} else {
			add("e.id IN (SELECT rowid FROM catalog_fts WHERE catalog_fts MATCH ?)", ftsQuery(phrases))
			rank = "CASE WHEN instr(lower(e.name), ?) > 0 THEN 0 ELSE 1 END, e.name_key, e.id"
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if rank != "" {
		// The rank expression's parameter is bound last, after the filters.
		rank = strings.Replace(rank, "?", quoteLiteral(runs[0]), 1)
	}
	return cond, args, rank, nil
}

// quoteLiteral renders s as an SQL string literal (used only for the
// ORDER BY of a search, whose text went through queryParts).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ftsQuery builds an FTS5 query: each phrase quoted, phrases ANDed; a lone
// Han character is a prefix query.
func ftsQuery(phrases [][]string) string {
	var parts []string
	for _, ph := range phrases {
		if len(ph) == 1 && len([]rune(ph[0])) == 1 {
			parts = append(parts, `"`+ph[0]+`"*`)
			continue
		}
		parts = append(parts, `"`+strings.Join(ph, " ")+`"`)
	}
	return strings.Join(parts, " AND ")
}

func (s *Service) facets(ctx context.Context, where string, args []any) (map[string][]FacetCount, error) {
	rows, err := s.db.Query(ctx, `SELECT e.provider_id, e.category, e.share_type, e.open_type, e.update_cycle, e.status, e.mounted, e.grade, count(*)
		FROM catalog_entries e`+where+` GROUP BY e.provider_id, e.category, e.share_type, e.open_type, e.update_cycle, e.status, e.mounted, e.grade`, args...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	defer rows.Close()
	counts := map[string]map[string]int{}
	for _, n := range FacetNames {
		counts[n] = map[string]int{}
	}
	for rows.Next() {
		var provider int64
		var cat, share, open, cycle, status, grade string
		var mounted bool
		var n int
		if err := rows.Scan(&provider, &cat, &share, &open, &cycle, &status, &mounted, &grade, &n); err != nil {
			return nil, err
		}
		counts["provider"][fmt.Sprint(provider)] += n
		counts["category"][cat] += n
		counts["share_type"][share] += n
		counts["open_type"][open] += n
		counts["update_cycle"][cycle] += n
		counts["status"][status] += n
		counts["mounted"][fmt.Sprint(mounted)] += n
		counts["grade"][grade] += n
	}
	out := map[string][]FacetCount{}
	for name, m := range counts {
		fc := make([]FacetCount, 0, len(m))
		for v, n := range m {
			fc = append(fc, FacetCount{Value: v, Count: n})
		}
		sort.Slice(fc, func(i, j int) bool {
			if fc[i].Count != fc[j].Count {
				return fc[i].Count > fc[j].Count
			}
			return fc[i].Value < fc[j].Value
		})
		out[name] = fc
	}
	return out, rows.Err()
}
