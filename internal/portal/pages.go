package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/opendata"
)

// facetLink is one value of a facet on the list page.
type facetLink struct {
	Label  string
	Count  int
	Href   string
	Active bool
}

type facetGroup struct {
	Key   string // message key of its title
	Links []facetLink
}

type listData struct {
	Q       string
	Result  opendata.Result
	Facets  []facetGroup
	Prev    string
	Next    string
	Filters url.Values
}

// list is the portal's home: search with facets by department, theme
// (资源属性分类) and format.
func (s *server) list(w http.ResponseWriter, r *http.Request) {
	uq := r.URL.Query()
	lang := language(r)
	q := opendata.Query{Q: strings.TrimSpace(uq.Get("q")), Category: uq.Get("theme"), Format: uq.Get("format"), OpenType: uq.Get("open_type"),
		Sort: uq.Get("sort"), Size: 20}
	q.Page, _ = strconv.Atoi(uq.Get("page"))
	if d := uq.Get("department"); d != "" {
		id, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			s.fail(w, r, errs.FieldMsg("department", msgBadDepartment))
			return
		}
		q.Department = id
	}
	res, err := s.OpenData.Search(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := func(name, value string, active bool) string {
		v := url.Values{}
		for _, k := range []string{"q", "department", "theme", "format", "open_type", "sort"} {
			if x := uq.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		if active {
			v.Del(name)
		} else {
			v.Set(name, value)
		}
		return "/open/?" + v.Encode()
	}
	group := func(key, name string, fs []opendata.Facet) facetGroup {
		g := facetGroup{Key: key}
		for _, f := range fs {
			label := f.Label
			if lang == "en" {
				label = f.EN
			}
			active := uq.Get(name) == f.Value
			g.Links = append(g.Links, facetLink{Label: label, Count: f.Count, Href: link(name, f.Value, active), Active: active})
		}
		return g
	}
	data := listData{Q: q.Q, Result: res, Facets: []facetGroup{
		group("facet.department", "department", res.Departments),
		group("facet.theme", "theme", res.Categories),
		group("facet.format", "format", res.Formats),
		group("facet.open_type", "open_type", res.OpenTypes),
	}}
	pageLink := func(p int) string {
		v := url.Values{}
		for k := range uq {
			v.Set(k, uq.Get(k))
		}
		v.Set("page", strconv.Itoa(p))
		return "/open/?" + v.Encode()
	}
	if res.Page > 1 {
		data.Prev = pageLink(res.Page - 1)
	}
	if res.Page*res.Size < res.Total {
		data.Next = pageLink(res.Page + 1)
	}
	s.render(w, r, http.StatusOK, "list", page{Title: "portal.title", Data: data})
}

type datasetData struct {
	D         opendata.Dataset
	Sample    *opendata.Sample
	SampleErr string
	Stats     opendata.Stats
	Formats   []string
	Slug      string
	Terms     string
	// Application is the logged-in user's latest application for a
	// conditionally open dataset.
	Application *opendata.Application
	LoggedIn    bool
	MinPurpose  int
}

// dataset is a dataset's page, or its DCAT document when the name ends in
// .jsonld, .ttl or .rdf.
func (s *server) dataset(w http.ResponseWriter, r *http.Request) {
	slug := chi.URLParam(r, "slug")
	for _, syntax := range []string{opendata.JSONLD, opendata.Turtle, opendata.RDFXML} {
		if name, ok := strings.CutSuffix(slug, "."+syntax); ok {
			s.datasetDoc(w, r, name, syntax)
			return
		}
	}
	ctx := r.Context()
	code := opendata.CodeOf(slug)
	d, err := s.OpenData.Dataset(ctx, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.OpenData.Count(code, opendata.View)
	data := datasetData{D: d, Formats: opendata.Formats, Slug: slug, Terms: opendata.LicenceConditional.URL, MinPurpose: opendata.MinPurpose}
	if u, ok := s.user(r); ok && d.Level == opendata.Listed {
		data.LoggedIn = true
		a, err := s.OpenData.ApplicationFor(ctx, u, code)
		switch {
		case err == nil:
			data.Application = &a
		case !errs.Is(err, errs.NotFound):
			s.fail(w, r, err)
			return
		}
	} else if ok {
		data.LoggedIn = true
	}
	if d.Downloadable {
		smp, err := s.OpenData.Sample(ctx, code)
		if err != nil {
			_, data.SampleErr, _ = errs.PublicIn(err, language(r))
		} else {
			data.Sample = &smp
		}
	}
	if data.Stats, err = s.OpenData.Stats(ctx, code, 30); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dataset", page{Title: "portal.title", Data: data})
}

// download streams an open dataset as CSV, XLSX or JSON.
func (s *server) download(w http.ResponseWriter, r *http.Request) {
	code := opendata.CodeOf(chi.URLParam(r, "slug"))
	var keys []string
	if u, ok := s.user(r); ok {
		keys = append(keys, opendata.KeyOf(u.ID))
	}
	d, err := s.OpenData.PrepareDownload(r.Context(), code, chi.URLParam(r, "format"), client(r), keys...)
	if err != nil {
		if errs.Is(err, errs.RateLimited) {
			w.Header().Set("Retry-After", "60")
		}
		s.fail(w, r, err)
		return
	}
	defer d.Close()
	format := chi.URLParam(r, "format")
	w.Header().Set("Content-Type", opendata.MediaType(format))
	w.Header().Set("Content-Disposition", "attachment; filename=\""+d.Filename()+"\"")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := d.Write(r.Context(), w); err != nil {
		// The response has begun: the client sees a broken-off file.
		s.Logger.WarnContext(r.Context(), "open data download broken off", "code", code, "err", err)
	}
}

func (s *server) datasetDoc(w http.ResponseWriter, r *http.Request, slug, syntax string) {
	w.Header().Set("Content-Type", opendata.RDFMediaType(syntax))
	var buf strings.Builder
	if err := s.OpenData.WriteDataset(r.Context(), &buf, opendata.CodeOf(slug), syntax, s.PublicURL); err != nil {
		w.Header().Del("Content-Type")
		s.fail(w, r, err)
		return
	}
	w.Write([]byte(buf.String()))
}

// feed writes the DCAT-AP catalog of every public dataset.
func (s *server) feed(syntax string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", opendata.RDFMediaType(syntax))
		if err := s.OpenData.WriteFeed(r.Context(), w, syntax, s.PublicURL); err != nil {
			s.Logger.WarnContext(r.Context(), "DCAT feed broken off", "err", err)
		}
	}
}

// catalogIRI dereferences the catalog's IRI to its Turtle or JSON-LD feed.
func (s *server) catalogIRI(w http.ResponseWriter, r *http.Request) {
	target := "/catalog.jsonld"
	accept := r.Header.Get("Accept")
	switch {
	case strings.Contains(accept, "text/turtle"):
		target = "/catalog.ttl"
	case strings.Contains(accept, "application/rdf+xml"):
		target = "/catalog.rdf"
	case strings.Contains(accept, "text/html"):
		target = "/open/"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *server) terms(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "terms", page{Title: "terms.title", Data: opendata.LicenceOpen})
}

// organization is a publishing department's IRI: its datasets.
func (s *server) organization(w http.ResponseWriter, r *http.Request) {
	d, err := s.OpenData.DepartmentByCreditCode(r.Context(), chi.URLParam(r, "credit"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/open/?department="+strconv.FormatInt(d.ID, 10), http.StatusSeeOther)
}
