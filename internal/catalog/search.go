package catalog

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Query selects catalog entries.
type Query struct {
	Q           string
	ProviderID  int64
	Region      string // entries of the departments of a region and the regions under it
	Class       string // a classification prefix: 类, 类项 or 类项目 (ValidClass)
	Category    string
	ShareType   string
	OpenType    string
	OpenTypes   []string // any of these open types (the open-data portal's rule)
	Format      string
	UpdateCycle string
	Status      string
	Grade       string
	Mounted     *bool
	Published   *bool
	Sort        string // relevance (default with Q), name, date
	Page        int
	PageSize    int
	Facets      bool
	Trees       bool // count the catalog trees (Result.Trees)
}

// Hit is one entry in a result list.
type Hit struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en,omitempty"`
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
	Trees  *Trees                  `json:"trees,omitempty"`
}

// FacetNames are the dimensions the console offers facets for; Result.Facets
// also counts "format".
var FacetNames = []string{"provider", "category", "share_type", "open_type", "update_cycle", "status", "mounted", "grade"}

// memIndex holds what search filters, counts and sorts on, for every entry,
// in memory: a few hundred bytes an entry. It follows the database through
// catalog_generation: each write bumps the generation and stamps the entries
// it changed, and a search first loads the entries stamped since it last
// looked, so every replica sees every committed change.
type memIndex struct {
	mu   sync.RWMutex
	gen  int64
	byID map[int64]int
	rows []memRow
}

type memRow struct {
	id                                                  int64
	provider                                            int64
	category, share, open, cycle, status, grade, format string
	published, mounted                                  bool
	nameKey, name, text                                 string // name and text lower-cased
	class                                               string // 类, 项 and 目 of the code (classKey)
	updated, publishedAt                                string
}

var intern sync.Map

func interned(s string) string {
	v, _ := intern.LoadOrStore(s, s)
	return v.(string)
}

// sync loads the entries changed since the index last looked.
func (s *Service) syncIndex(ctx context.Context) error {
	var gen int64
	if err := s.db.QueryRow(ctx, "SELECT gen FROM catalog_generation WHERE id = 1").Scan(&gen); err != nil {
		return fmt.Errorf("catalog generation: %w", err)
	}
	x := s.index
	x.mu.RLock()
	fresh := x.gen >= gen
	x.mu.RUnlock()
	if fresh {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.gen >= gen {
		return nil
	}
	rows, err := s.db.Query(ctx, `SELECT id, provider_id, category, share_type, open_type, update_cycle, status, grade, format, published, mounted,
		name_key, name, search_text, updated_at, published_at, change_seq, code FROM catalog_entries WHERE change_seq > ?`, x.gen)
	if err != nil {
		return fmt.Errorf("load search index: %w", err)
	}
	defer rows.Close()
	top := x.gen
	for rows.Next() {
		var r memRow
		var seq int64
		var code string
		if err := rows.Scan(&r.id, &r.provider, &r.category, &r.share, &r.open, &r.cycle, &r.status, &r.grade, &r.format, &r.published, &r.mounted,
			&r.nameKey, &r.name, &r.text, &r.updated, &r.publishedAt, &seq, &code); err != nil {
			return err
		}
		r.class = interned(s.classKey(code))
		r.category, r.share, r.open, r.cycle, r.status, r.grade, r.format = interned(r.category), interned(r.share), interned(r.open),
			interned(r.cycle), interned(r.status), interned(r.grade), interned(r.format)
		r.name, r.text = strings.ToLower(r.name), strings.ToLower(r.text)
		if i, ok := x.byID[r.id]; ok {
			x.rows[i] = r
		} else {
			x.byID[r.id] = len(x.rows)
			x.rows = append(x.rows, r)
		}
		top = max(top, seq)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// Writers commit in generation order, so everything up to gen is loaded.
	x.gen = max(top, gen)
	return nil
}

// queryRuns splits a query into lower-case runs of letters and digits; an
// entry matches when each run occurs in its name, summary, keywords or item
// names. One- and two-character Chinese queries match like longer ones.
func queryRuns(q string) []string {
	return strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
}

// Search finds entries p may see: published ones, and drafts of p's own
// department (all drafts for the authority's approvers and the auditor).
func (s *Service) Search(ctx context.Context, p org.Principal, q Query) (Result, error) {
	if len([]rune(q.Q)) > 100 {
		return Result{}, errs.FieldMsg("q", msgMaxChars, 100)
	}
	reviewer, err := s.isAuthorityReviewer(ctx, p)
	if err != nil {
		return Result{}, err
	}
	seesAll := reviewer || p.Can(org.ReadAudit)
	if err := s.syncIndex(ctx); err != nil {
		return Result{}, err
	}
	runs := queryRuns(q.Q)
	page, size := store.Page(q.Page, q.PageSize)
	res := Result{Page: page, Size: size, Items: []Hit{}}
	var fc *facetCounter
	if q.Facets {
		fc = newFacetCounter()
	}
	less := rowLess(q.Sort, runs)
	top := &rowHeap{less: less, limit: page * size}
	var (
		depts      []treeDept
		regions    map[string]treeRegion
		inRegion   map[int64]bool
		deptCounts map[int64]int
		classCount map[string]int
	)
	if q.Region != "" || q.Trees {
		if depts, regions, err = s.orgTree(ctx); err != nil {
			return Result{}, err
		}
		if q.Region != "" {
			inRegion = regionProviders(depts, regions, q.Region)
		}
	}
	if q.Trees {
		deptCounts, classCount = map[int64]int{}, map[string]int{}
	}
	x := s.index
	x.mu.RLock()
	for i := range x.rows {
		r := &x.rows[i]
		if !seesAll && !r.published && r.provider != p.DepartmentID {
			continue
		}
		// Other departments see the version in force, so its status is published.
		status := r.status
		if !seesAll && r.provider != p.DepartmentID {
			status = StatusPublished
		}
		if (q.Category != "" && r.category != q.Category) ||
			(q.ShareType != "" && r.share != q.ShareType) || (q.OpenType != "" && r.open != q.OpenType) ||
			(q.UpdateCycle != "" && r.cycle != q.UpdateCycle) || (q.Status != "" && status != q.Status) ||
			(q.Grade != "" && r.grade != q.Grade) || (q.Mounted != nil && r.mounted != *q.Mounted) || (q.Published != nil && r.published != *q.Published) ||
			(q.Format != "" && r.format != q.Format) || (q.OpenTypes != nil && !slices.Contains(q.OpenTypes, r.open)) {
			continue
		}
		// The trees count what matches every filter but their own.
		inDept := (q.ProviderID == 0 || r.provider == q.ProviderID) && (inRegion == nil || inRegion[r.provider])
		inClass := q.Class == "" || strings.HasPrefix(r.class, q.Class)
		if !(inDept && inClass) && !q.Trees {
			continue
		}
		matched := true
		for _, run := range runs {
			if !strings.Contains(r.text, run) {
				matched = false
				break
			}
		}
		if !matched {
			continue
		}
		if q.Trees {
			if inClass {
				deptCounts[r.provider]++
			}
			if inDept {
				classCount[r.class]++
			}
		}
		if !(inDept && inClass) {
			continue
		}
		res.Total++
		top.offer(r)
		if fc != nil {
			fc.add(r, status)
		}
	}
	ids := top.sorted((page - 1) * size)
	x.mu.RUnlock()
	if fc != nil {
		res.Facets = fc.list()
	}
	if q.Trees {
		res.Trees = &Trees{Departments: departmentTree(depts, regions, deptCounts), Classes: classTree(classCount)}
	}
	if len(ids) == 0 {
		return res, nil
	}
	res.Items, err = s.hits(ctx, ids)
	for i := range res.Items {
		if !seesAll && res.Items[i].ProviderID != p.DepartmentID {
			res.Items[i].Status = StatusPublished
		}
	}
	return res, err
}

// rowLess orders rows for a page: by relevance (a match in the name first,
// then pinyin order), by name, or by date (most recent first).
func rowLess(sortBy string, runs []string) func(a, b *memRow) bool {
	byName := func(a, b *memRow) bool {
		if a.nameKey != b.nameKey {
			return a.nameKey < b.nameKey
		}
		return a.id < b.id
	}
	switch {
	case sortBy == "name":
		return byName
	case sortBy == "date" || len(runs) == 0:
		return func(a, b *memRow) bool {
			if sortBy == "date" && a.publishedAt != b.publishedAt {
				return a.publishedAt > b.publishedAt
			}
			if a.updated != b.updated {
				return a.updated > b.updated
			}
			return a.id > b.id
		}
	}
	return func(a, b *memRow) bool {
		ina, inb := strings.Contains(a.name, runs[0]), strings.Contains(b.name, runs[0])
		if ina != inb {
			return ina
		}
		return byName(a, b)
	}
}

// rowHeap keeps the first limit rows in order without sorting them all.
type rowHeap struct {
	rows  []*memRow
	less  func(a, b *memRow) bool
	limit int
}

func (h *rowHeap) Len() int           { return len(h.rows) }
func (h *rowHeap) Less(i, j int) bool { return h.less(h.rows[j], h.rows[i]) } // the worst kept row on top
func (h *rowHeap) Swap(i, j int)      { h.rows[i], h.rows[j] = h.rows[j], h.rows[i] }
func (h *rowHeap) Push(x any)         { h.rows = append(h.rows, x.(*memRow)) }
func (h *rowHeap) Pop() any {
	r := h.rows[len(h.rows)-1]
	h.rows = h.rows[:len(h.rows)-1]
	return r
}

func (h *rowHeap) offer(r *memRow) {
	switch {
	case len(h.rows) < h.limit:
		heap.Push(h, r)
	case h.less(r, h.rows[0]):
		h.rows[0] = r
		heap.Fix(h, 0)
	}
}

// sorted returns the ids of the kept rows in order, skipping the first skip.
func (h *rowHeap) sorted(skip int) []int64 {
	sort.Slice(h.rows, func(i, j int) bool { return h.less(h.rows[i], h.rows[j]) })
	var ids []int64
	for i := skip; i < len(h.rows); i++ {
		ids = append(ids, h.rows[i].id)
	}
	return ids
}

// facetCounter counts matching rows per value of each facet.
type facetCounter struct {
	provider map[int64]int
	mounted  [2]int
	strs     [7]map[string]int // category, share_type, open_type, update_cycle, status, grade, format
}

func newFacetCounter() *facetCounter {
	c := &facetCounter{provider: map[int64]int{}}
	for i := range c.strs {
		c.strs[i] = map[string]int{}
	}
	return c
}

func (c *facetCounter) add(r *memRow, status string) {
	c.provider[r.provider]++
	if r.mounted {
		c.mounted[1]++
	} else {
		c.mounted[0]++
	}
	c.strs[0][r.category]++
	c.strs[1][r.share]++
	c.strs[2][r.open]++
	c.strs[3][r.cycle]++
	c.strs[4][status]++
	c.strs[5][r.grade]++
	c.strs[6][r.format]++
}

func (c *facetCounter) list() map[string][]FacetCount {
	counts := map[string]map[string]int{"provider": {}, "mounted": {}}
	for id, n := range c.provider {
		counts["provider"][fmt.Sprint(id)] = n
	}
	for i, n := range c.mounted {
		if n > 0 {
			counts["mounted"][fmt.Sprint(i == 1)] = n
		}
	}
	for i, name := range []string{"category", "share_type", "open_type", "update_cycle", "status", "grade", "format"} {
		counts[name] = c.strs[i]
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
	return out
}

// hits reads the rows of one page, in the order of ids.
func (s *Service) hits(ctx context.Context, ids []int64) ([]Hit, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.code, e.name, e.provider_id, d.name, e.category, e.format, e.share_type, e.open_type, e.update_cycle, e.grade,
		e.status, COALESCE(e.current_version, e.latest_version), e.published, e.mounted, e.published_at, e.updated_at, e.name_en
		FROM catalog_entries e JOIN departments d ON d.id = e.provider_id WHERE e.id IN (?`+strings.Repeat(", ?", len(ids)-1)+")", args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	byID := map[int64]Hit{}
	for rows.Next() {
		var h Hit
		var id int64
		var pub, upd string
		if err := rows.Scan(&id, &h.Code, &h.Name, &h.ProviderID, &h.ProviderName, &h.Category, &h.Format, &h.ShareType, &h.OpenType, &h.UpdateCycle,
			&h.Grade, &h.Status, &h.Version, &h.Published, &h.Mounted, &pub, &upd, &h.NameEN); err != nil {
			return nil, err
		}
		h.PublishedAt, _ = store.ParseTime(pub)
		h.UpdatedAt, _ = store.ParseTime(upd)
		byID[id] = h
	}
	out := make([]Hit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			out = append(out, h)
		}
	}
	return out, rows.Err()
}

// Generation is the catalog's generation: every committed write raises it,
// so a reader may keep what it derived from the catalog while the
// generation stays the same.
func (s *Service) Generation(ctx context.Context) (int64, error) {
	var gen int64
	if err := s.db.QueryRow(ctx, "SELECT gen FROM catalog_generation WHERE id = 1").Scan(&gen); err != nil {
		return 0, fmt.Errorf("catalog generation: %w", err)
	}
	return gen, nil
}
