package opendata

import (
	"context"
	"crypto/rand"
	"embed"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the open data schema.
var Migration = store.Migration{Domain: "opendata", FS: migrations}

// Level is how much of a catalog entry the public sees.
type Level int

// Levels of public visibility.
const (
	Hidden Level = iota // not public: it does not exist for the public
	Listed              // 有条件开放: its metadata and the way to apply, never its data
	Open                // 无条件开放: its metadata, open items, sample rows and downloads
)

// String is the level's stable name: hidden, conditional or open.
func (l Level) String() string {
	switch l {
	case Open:
		return catalog.OpenUnconditional
	case Listed:
		return catalog.OpenConditional
	}
	return "hidden"
}

// levelOf is the rule, on the attributes the search index and an entry
// both carry: only a published version in force whose open type is open or
// conditional is public; a closed (不予开放) or unshared entry never is.
func levelOf(status, openType, shareType string) Level {
	if status != catalog.StatusPublished || shareType == catalog.ShareNone {
		return Hidden
	}
	switch openType {
	case catalog.OpenUnconditional:
		return Open
	case catalog.OpenConditional:
		return Listed
	}
	return Hidden
}

// LevelOf decides how much of e, the version of an entry in force, the
// public sees. It is the only place that decides it.
func LevelOf(e catalog.Entry) Level { return levelOf(e.Status, e.OpenType, e.ShareType) }

// publicItem reports whether the public sees an item of an entry at level
// l at all (its name and type), and whether its values are open.
func publicItem(l Level, it catalog.Item) (listed, open bool) {
	if l == Hidden || it.ShareType == catalog.ShareNone || it.OpenType == catalog.OpenNone || it.OpenType == "" {
		return false, false
	}
	return true, l == Open && it.OpenType == catalog.OpenUnconditional
}

// Licence is the terms a dataset is published under.
type Licence struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Licences of open and conditionally open data. Open data is published under
// CC BY 4.0; conditionally open data under the platform's terms, agreed in
// each application.
var (
	LicenceOpen        = Licence{ID: "cc-by-4.0", Title: "知识共享署名 4.0 国际许可协议（CC BY 4.0）", URL: "https://creativecommons.org/licenses/by/4.0/"}
	LicenceConditional = Licence{ID: "govshare-conditional", Title: "有条件开放数据使用协议", URL: "/open/terms"}
)

// Item is an information item as the public sees it.
type Item struct {
	Name        string `json:"name"`
	Identifier  string `json:"identifier"`
	DataType    string `json:"data_type"`
	Description string `json:"description,omitempty"`
	Open        bool   `json:"open" doc:"Its values are in the downloads"`
}

// Dataset is what the public sees of an entry.
type Dataset struct {
	Code           string    `json:"code"`
	Name           string    `json:"name"`
	NameEN         string    `json:"name_en,omitempty"`
	Summary        string    `json:"summary"`
	Level          Level     `json:"-"`
	OpenType       string    `json:"open_type"`
	OpenCondition  string    `json:"open_condition,omitempty"`
	ProviderID     int64     `json:"provider_id"`
	ProviderName   string    `json:"provider_name"`
	ProviderCredit string    `json:"provider_credit_code"`
	Category       string    `json:"category"`
	Format         string    `json:"format"`
	UpdateCycle    string    `json:"update_cycle"`
	Keywords       []string  `json:"keywords"`
	Items          []Item    `json:"items"`
	Records        int64     `json:"records,omitempty"`
	Contact        string    `json:"contact,omitempty"`
	Phone          string    `json:"phone,omitempty"`
	Licence        Licence   `json:"licence"`
	Downloadable   bool      `json:"downloadable" doc:"Open, with open items, on a mounted table"`
	PublishedAt    time.Time `json:"published_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Service serves the public's view of the catalog.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	org     *org.Service
	catalog *catalog.Service
	now     func() time.Time
	// Throttle bounds the downloads of one address; nil allows any.
	Throttle *Throttle
	// Log receives why a download or a sample failed; nil is slog.Default().
	Log *slog.Logger
	// Sender sends the public's verification codes; nil logs them (LogSender).
	Sender Sender
	// Keys issues a public user's API key on approval (the gateway).
	Keys Keys
	// HashKey keys the hash masks of what public users' keys receive.
	HashKey []byte

	codeAsks  *addrLimiter // codes asked for, per client address
	codeTries *addrLimiter // codes tried, per client address

	mu      sync.Mutex
	pending map[statKey]*counts
	depts   sync.Map // department id → org.Department, for names and credit codes
	cache   sync.Map // code → cached, for DatasetsFor
	cached  atomic.Int64
	results answers[Result]  // Search, by query and catalog generation
	sets    answers[Dataset] // Dataset, by code and catalog generation
	samples answers[Sample]  // Sample, by code and catalog generation
}

// NewService returns the open data service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, cat *catalog.Service) *Service {
	key := make([]byte, 32)
	rand.Read(key)
	return &Service{db: db, audit: log, org: orgs, catalog: cat, now: time.Now, Throttle: NewThrottle(DefaultThrottle),
		pending: map[statKey]*counts{}, HashKey: key, codeAsks: newAddrLimiter(20, 10), codeTries: newAddrLimiter(60, 20)}
}

// SetClock sets the service's clock, for tests of codes and sessions.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// public is the principal of an anonymous member of the public: of no
// department, with no role; the catalog shows it published versions only.
var public = org.Principal{}

func (s *Service) department(ctx context.Context, id int64) (org.Department, error) {
	if d, ok := s.depts.Load(id); ok {
		return d.(org.Department), nil
	}
	d, err := s.org.Department(ctx, id)
	if err != nil {
		return d, err
	}
	s.depts.Store(id, d)
	return d, nil
}

// entry returns the entry in force and its level, or NotFound when it is
// not public: the public cannot tell a closed entry from a missing one.
func (s *Service) entry(ctx context.Context, code string) (catalog.Entry, Level, error) {
	e, err := s.catalog.Get(ctx, public, code, false)
	if errs.Is(err, errs.NotFound) {
		return e, Hidden, errs.New(errs.NotFound, msgNotFound, code)
	}
	if err != nil {
		return e, Hidden, err
	}
	l := LevelOf(e)
	if l == Hidden {
		return e, Hidden, errs.New(errs.NotFound, msgNotFound, code)
	}
	return e, l, nil
}

// Dataset returns the public view of an entry.
func (s *Service) Dataset(ctx context.Context, code string) (Dataset, error) {
	gen, now := s.generation(ctx), time.Now()
	if d, ok := s.sets.get(code, gen, now); ok && gen >= 0 {
		return d, nil
	}
	e, l, err := s.entry(ctx, code)
	if err != nil {
		return Dataset{}, err
	}
	d, err := s.dataset(ctx, e, l)
	if err == nil && gen >= 0 {
		s.sets.put(code, gen, now, d)
	}
	return d, err
}

func (s *Service) dataset(ctx context.Context, e catalog.Entry, l Level) (Dataset, error) {
	d := Dataset{Code: e.Code, Name: e.Name, NameEN: e.NameEN, Summary: e.Summary, Level: l, OpenType: l.String(), ProviderID: e.ProviderID, ProviderName: e.ProviderName,
		Category: e.Category, Format: e.Format, UpdateCycle: e.UpdateCycle, Keywords: append([]string{}, e.Keywords...), Records: e.Records,
		Contact: e.Contact, Phone: e.Phone, Licence: LicenceOpen, PublishedAt: e.PublishedAt, UpdatedAt: e.UpdatedAt, Items: []Item{}}
	if l == Listed {
		d.OpenCondition, d.Licence = e.OpenCondition, LicenceConditional
	}
	dept, err := s.department(ctx, e.ProviderID)
	if err != nil {
		return d, err
	}
	d.ProviderCredit = dept.CreditCode
	anyOpen := false
	for _, it := range e.Items {
		listed, open := publicItem(l, it)
		if !listed {
			continue
		}
		anyOpen = anyOpen || open
		d.Items = append(d.Items, Item{Name: it.Name, Identifier: it.Identifier, DataType: it.DataType, Description: it.Description, Open: open})
	}
	d.Downloadable = l == Open && anyOpen && e.Mounted
	return d, nil
}

// Query selects public datasets.
type Query struct {
	Q          string
	Department int64
	Category   string // theme (资源属性分类)
	Format     string
	OpenType   string // open or conditional; empty for both
	Sort       string // relevance (default with Q), name, date
	Page       int
	Size       int
}

// Summary is one dataset in a result list.
type Summary struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en,omitempty"`
	ProviderID   int64     `json:"provider_id"`
	ProviderName string    `json:"provider_name"`
	Category     string    `json:"category"`
	Format       string    `json:"format"`
	OpenType     string    `json:"open_type"`
	UpdateCycle  string    `json:"update_cycle"`
	PublishedAt  time.Time `json:"published_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Version      int       `json:"version"`
}

// Facet is how many matching datasets have one value.
type Facet struct {
	Value string `json:"value"`
	Label string `json:"label" doc:"Chinese label; the department's name for departments"`
	EN    string `json:"label_en"`
	Count int    `json:"count"`
	// Credit is a department's unified social credit code.
	Credit string `json:"credit_code,omitempty"`
}

// Result is a page of public datasets with facet counts.
type Result struct {
	Items       []Summary `json:"items"`
	Total       int       `json:"total"`
	Page        int       `json:"page"`
	Size        int       `json:"page_size"`
	Departments []Facet   `json:"departments"`
	Categories  []Facet   `json:"categories"`
	Formats     []Facet   `json:"formats"`
	OpenTypes   []Facet   `json:"open_types"`
}

// MaxQuery is the longest search text.
const MaxQuery = 100

// openTypes are the open types of public entries; the search index keeps
// the attributes of the version in force, and levelOf checks each hit again.
var openTypes = []string{catalog.OpenUnconditional, catalog.OpenConditional}

// Search finds public datasets with the catalog's Chinese search.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if len([]rune(q.Q)) > MaxQuery {
		return Result{}, errs.FieldMsg("q", msgQueryLength, MaxQuery)
	}
	gen, now := s.generation(ctx), time.Now()
	key := q.key()
	if res, ok := s.results.get(key, gen, now); ok && gen >= 0 {
		return res, nil
	}
	res, err := s.search(ctx, q)
	if err == nil && gen >= 0 {
		s.results.put(key, gen, now, res)
	}
	return res, err
}

func (s *Service) search(ctx context.Context, q Query) (Result, error) {
	published := true
	cq := catalog.Query{Q: q.Q, ProviderID: q.Department, Category: q.Category, Format: q.Format, OpenTypes: openTypes, Published: &published,
		Status: catalog.StatusPublished, Sort: q.Sort, Page: q.Page, PageSize: q.Size, Facets: true}
	if q.OpenType != "" {
		if q.OpenType != catalog.OpenUnconditional && q.OpenType != catalog.OpenConditional {
			return Result{}, errs.FieldMsg("open_type", msgOpenType)
		}
		cq.OpenTypes = []string{q.OpenType}
	}
	switch q.Sort {
	case "", "relevance", "name", "date":
	default:
		return Result{}, errs.FieldMsg("sort", msgSort)
	}
	res, err := s.catalog.Search(ctx, public, cq)
	if err != nil {
		return Result{}, err
	}
	out := Result{Items: []Summary{}, Total: res.Total, Page: res.Page, Size: res.Size}
	for _, h := range res.Items {
		if levelOf(h.Status, h.OpenType, h.ShareType) == Hidden || !h.Published {
			out.Total--
			continue
		}
		out.Items = append(out.Items, Summary{Code: h.Code, Name: h.Name, NameEN: h.NameEN, ProviderID: h.ProviderID, ProviderName: h.ProviderName, Category: h.Category,
			Format: h.Format, OpenType: h.OpenType, UpdateCycle: h.UpdateCycle, PublishedAt: h.PublishedAt, UpdatedAt: h.UpdatedAt, Version: h.Version})
	}
	enumFacet := func(name string, e catalog.Enum) []Facet {
		var fs []Facet
		for _, fc := range res.Facets[name] {
			fs = append(fs, Facet{Value: fc.Value, Label: e.Label(fc.Value, "zh-CN"), EN: e.Label(fc.Value, "en"), Count: fc.Count})
		}
		return fs
	}
	out.Categories = enumFacet("category", catalog.Categories)
	out.Formats = enumFacet("format", catalog.Formats)
	out.OpenTypes = enumFacet("open_type", catalog.OpenTypes)
	for _, fc := range res.Facets["provider"] {
		var id int64
		for _, c := range fc.Value {
			id = id*10 + int64(c-'0')
		}
		d, err := s.department(ctx, id)
		if err != nil {
			return out, err
		}
		out.Departments = append(out.Departments, Facet{Value: fc.Value, Label: d.Name, EN: d.Name, Count: fc.Count, Credit: d.CreditCode})
	}
	return out, nil
}

// Datasets returns the public datasets of one page in full, for the CKAN
// API and the feeds.
func (s *Service) Datasets(ctx context.Context, q Query) ([]Dataset, int, error) {
	res, err := s.Search(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	codes := make([]string, len(res.Items))
	for i, h := range res.Items {
		codes[i] = h.Code
	}
	out, err := s.DatasetsOf(ctx, codes)
	return out, res.Total, err
}

// DatasetsOf returns the public datasets of codes, in their order, reading
// a few at a time; a code no longer public is left out.
func (s *Service) DatasetsOf(ctx context.Context, codes []string) ([]Dataset, error) {
	got := make([]Dataset, len(codes))
	failed := make([]error, len(codes))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, code := range codes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			got[i], failed[i] = s.Dataset(ctx, code)
		}()
	}
	wg.Wait()
	out := make([]Dataset, 0, len(codes))
	for i := range codes {
		switch {
		case errs.Is(failed[i], errs.NotFound):
			continue // changed since the search
		case failed[i] != nil:
			return nil, failed[i]
		}
		out = append(out, got[i])
	}
	return out, nil
}

// DatasetsFor returns the public datasets of a search's items, in their
// order. A dataset read before is reused while the search index, which
// follows every committed change, still shows the same version in force
// changed at the same time; the rest are read a few at a time.
func (s *Service) DatasetsFor(ctx context.Context, items []Summary) ([]Dataset, error) {
	out := make([]Dataset, len(items))
	var missing []string
	var at []int
	for i, h := range items {
		if v, ok := s.cache.Load(h.Code); ok {
			c := v.(cached)
			if c.version == h.Version && c.updated.Equal(h.UpdatedAt) {
				out[i] = c.d
				continue
			}
		}
		missing, at = append(missing, h.Code), append(at, i)
	}
	if len(missing) > 0 {
		got, err := s.DatasetsOf(ctx, missing)
		if err != nil {
			return nil, err
		}
		byCode := map[string]Dataset{}
		for _, d := range got {
			byCode[d.Code] = d
		}
		if s.cached.Add(int64(len(got))) > maxCached {
			s.cache.Clear()
			s.cached.Store(int64(len(got)))
		}
		for k, code := range missing {
			d, ok := byCode[code]
			if !ok {
				continue
			}
			out[at[k]] = d
			h := items[at[k]]
			s.cache.Store(code, cached{d: d, version: h.Version, updated: h.UpdatedAt})
		}
	}
	list := out[:0]
	for _, d := range out {
		if d.Code != "" {
			list = append(list, d)
		}
	}
	return list, nil
}

// maxCached bounds the datasets DatasetsFor keeps.
const maxCached = 20000

type cached struct {
	d       Dataset
	version int
	updated time.Time
}

// Each calls fn with every public dataset, in code order of pages.
func (s *Service) Each(ctx context.Context, q Query, fn func(Dataset) error) error {
	q.Page, q.Size = 1, store.MaxPageSize
	if q.Sort == "" {
		q.Sort = "name"
	}
	for {
		list, total, err := s.Datasets(ctx, q)
		if err != nil {
			return err
		}
		for _, d := range list {
			if err := fn(d); err != nil {
				return err
			}
		}
		if q.Page*q.Size >= total || len(list) == 0 && total == 0 {
			return nil
		}
		q.Page++
	}
}

// Department is a department with public datasets (a CKAN organization).
type Department struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
	Region     string `json:"region"`
	Datasets   int    `json:"datasets"`
}

// Departments lists the departments that publish public datasets.
func (s *Service) Departments(ctx context.Context) ([]Department, error) {
	res, err := s.Search(ctx, Query{Size: 1})
	if err != nil {
		return nil, err
	}
	var out []Department
	for _, f := range res.Departments {
		var id int64
		for _, c := range f.Value {
			id = id*10 + int64(c-'0')
		}
		d, err := s.department(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, Department{ID: d.ID, Name: d.Name, CreditCode: d.CreditCode, Region: d.RegionName, Datasets: f.Count})
	}
	return out, nil
}

// DepartmentByCreditCode returns a department that publishes public
// datasets, NotFound for any other.
func (s *Service) DepartmentByCreditCode(ctx context.Context, credit string) (Department, error) {
	list, err := s.Departments(ctx)
	if err != nil {
		return Department{}, err
	}
	for _, d := range list {
		if strings.EqualFold(d.CreditCode, credit) {
			return d, nil
		}
	}
	return Department{}, errs.New(errs.NotFound, msgNoDepartment, credit)
}

// SearchRange is Search for rows datasets from the start-th (0-based), as
// offset APIs ask; rows is at most MaxRows.
func (s *Service) SearchRange(ctx context.Context, q Query, start, rows int) (Result, error) {
	rows = min(max(rows, 0), MaxRows)
	start = max(start, 0)
	chunk := store.MaxPageSize
	if rows > 0 && rows <= chunk && start%rows == 0 {
		chunk = rows // a page as offset APIs usually ask: read no more
	}
	q.Size = chunk
	q.Page = start/chunk + 1
	skip := start % chunk
	var out Result
	for first := true; ; first = false {
		res, err := s.Search(ctx, q)
		if err != nil {
			return Result{}, err
		}
		if first {
			out = res
			out.Items = []Summary{}
		}
		items := res.Items
		if skip > 0 {
			items = items[min(skip, len(items)):]
			skip = 0
		}
		for _, it := range items {
			if len(out.Items) == rows {
				break
			}
			out.Items = append(out.Items, it)
		}
		if len(out.Items) == rows || len(res.Items) < chunk || rows == 0 {
			break
		}
		q.Page++
	}
	out.Page, out.Size = 0, rows
	return out, nil
}

// MaxRows is the most datasets one SearchRange returns.
const MaxRows = 1000
