package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
)

type catalogReviewRow struct {
	catalogHitView
	Pending        int
	PendingUpdated string
}

func (s *server) catalogReview(w http.ResponseWriter, r *http.Request) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	var v view
	data, role, err := s.catalogBase(r, "catalog.review_title", "review", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !role.Reviewer {
		s.catalogDeny(w, r, "catalog.review", "catalog")
		return
	}
	status := r.URL.Query().Get("status")
	if status != catalog.StatusApproved {
		status = catalog.StatusSubmitted
	}
	counts := map[string]int{}
	for _, st := range []string{catalog.StatusSubmitted, catalog.StatusApproved} {
		res, err := s.Catalog.Search(ctx, p, catalog.Query{Status: st, PageSize: 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		counts[st] = res.Total
	}
	page := pageParam(r)
	res, err := s.Catalog.Search(ctx, p, catalog.Query{Status: status, Sort: "date", Page: page, PageSize: catalogPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []catalogReviewRow
	for _, h := range s.catalogHits(lang, res.Items) {
		row := catalogReviewRow{catalogHitView: h, Pending: h.Version, PendingUpdated: h.Updated}
		if e, err := s.Catalog.Get(ctx, p, h.Code, true); err == nil {
			row.Pending, row.PendingUpdated = e.Version, catalogDate(e.UpdatedAt)
			if !e.UpdatedAt.IsZero() {
				row.PendingUpdated = dateTime(e.UpdatedAt)
			}
		}
		rows = append(rows, row)
	}
	data["Rows"], data["Status"], data["Counts"] = rows, status, counts
	data["Pager"] = newPager(r, page, catalogPageSize, res.Total)
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog_review", v)
}

// Import and export.

type catalogProblemRow struct {
	catalog.Problem
	FieldLabel, Text string
}

func (s *server) catalogImportPage(w http.ResponseWriter, r *http.Request) {
	s.catalogImportRender(w, r, http.StatusOK, view{}, nil)
}

func (s *server) catalogImportRender(w http.ResponseWriter, r *http.Request, status int, v view, problems []catalog.Problem) {
	lang := language(r)
	data, role, err := s.catalogBase(r, "catalog.import_title", "import", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []catalogProblemRow
	for _, pr := range problems {
		rows = append(rows, catalogProblemRow{Problem: pr, FieldLabel: s.catalogFieldLabel(lang, pr.Field), Text: pr.In(lang)})
	}
	data["Problems"], data["CanImport"] = rows, role.Cataloger
	data["MaxMB"] = catalog.DefaultLimits.MaxBytes >> 20
	v.Data = data
	s.render(w, r, status, "catalog_import", v)
}

func (s *server) catalogImport(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if !catalog.CanCatalog(p) {
		s.catalogDeny(w, r, "catalog.import", "catalog")
		return
	}
	limit := catalog.DefaultLimits.MaxBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		msg := s.t(r, "catalog.import_malformed")
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			msg, status = s.t(r, "catalog.import_too_large", limit>>20), http.StatusRequestEntityTooLarge
		}
		s.catalogImportRender(w, r, status, view{Error: msg}, nil)
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Errors: map[string]string{"file": s.t(r, "catalog.import_choose")}}, nil)
		return
	}
	defer file.Close()
	kind := strings.TrimPrefix(strings.ToLower(path.Ext(hdr.Filename)), ".")
	if kind != "xlsx" && kind != "json" {
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Errors: map[string]string{"file": s.t(r, "catalog.import_kind")}}, nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if int64(len(body)) > limit {
		s.catalogImportRender(w, r, http.StatusRequestEntityTooLarge, view{Error: s.t(r, "catalog.import_too_large", limit>>20)}, nil)
		return
	}
	rep, err := s.Catalog.ImportFile(r.Context(), p, kind, body)
	switch {
	case errors.Is(err, catalog.ErrImportProblems):
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Error: s.t(r, "catalog.import_problems", len(rep.Problems))}, rep.Problems)
		return
	case err != nil && catalogUserError(err):
		_, msg, fields := errs.PublicIn(err, language(r))
		if m, ok := fields["format"]; ok {
			msg = m
		}
		s.catalogImportRender(w, r, errs.Status(errs.CodeOf(err)), view{Error: s.t(r, "catalog.import_refused", msg)}, nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/catalog/import", s.t(r, "catalog.flash.imported", rep.Created, rep.Updated, rep.Unchanged))
}

const catalogXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// catalogExport writes the entries the caller sees that match the browse
// filters, as the Excel template, JSON or DCAT JSON-LD.
func (s *server) catalogExport(w http.ResponseWriter, r *http.Request) {
	q := catalogQuery(r.URL.Query())
	q.Sort = "name"
	entries, err := s.Catalog.Export(r.Context(), s.principal(r), q, r.URL.Query().Get("format") == "dcat", catalog.ExportAll)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	var ctype, name string
	switch r.URL.Query().Get("format") {
	case "xlsx":
		err = catalog.WriteXLSX(&buf, entries)
		ctype, name = catalogXLSX, "catalog.xlsx"
	case "dcat":
		scheme := "http"
		if r.TLS != nil || s.Secure {
			scheme = "https"
		}
		err = catalog.WriteDCAT(&buf, entries, scheme+"://"+r.Host)
		ctype, name = "application/ld+json", "catalog.jsonld"
	default:
		err = catalog.WriteJSON(&buf, entries)
		ctype, name = "application/json", "catalog.json"
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogDownload(w, ctype, name, buf.Bytes())
}

func (s *server) catalogDownload(w http.ResponseWriter, ctype, name string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *server) catalogTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := catalog.WriteTemplate(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogDownload(w, catalogXLSX, "catalog-template.xlsx", buf.Bytes())
}

// Datasources.

func (s *server) catalogDatasources(w http.ResponseWriter, r *http.Request) {
	s.catalogDatasourcesPage(w, r, http.StatusOK, view{})
}

func (s *server) catalogDatasourcesPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	p := s.principal(r)
	data, role, err := s.catalogBase(r, "catalog.datasources_title", "datasources", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sources, err := s.Catalog.Datasources(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := pageParam(r)
	total := len(sources)
	from := min((page-1)*catalogPageSize, total)
	data["Sources"], data["Pager"] = sources[from:min(from+catalogPageSize, total)], newPager(r, page, catalogPageSize, total)
	data["CanCreate"], data["AllDepartments"] = catalog.CanManageSources(p, p.DepartmentID), role.Reviewer
	data["Drivers"] = []string{connector.Postgres, connector.MySQL, connector.SQLite}
	data["Form"] = r.PostForm
	v.Data = data
	s.render(w, r, status, "catalog_datasources", v)
}

func (s *server) catalogCreateDatasource(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	d := catalog.Datasource{Name: strings.TrimSpace(r.PostFormValue("name")), Driver: r.PostFormValue("driver"), DSN: r.PostFormValue("dsn")}
	// The DSN is a secret: it is never sent back, not even to re-fill the form.
	r.PostForm.Del("dsn")
	got, err := s.Catalog.CreateDatasource(r.Context(), s.principal(r), d)
	s.catalogDone(w, r, err, func(status int, fields map[string]string, _ []catalogProblemView, msg string) {
		s.catalogDatasourcesPage(w, r, status, view{Errors: fields, Error: msg})
	}, "/catalog/datasources", s.t(r, "catalog.flash.datasource", got.Name))
}

// Statistics.

type catalogSeries struct {
	Name   string `json:"name"`
	Values []int  `json:"values"`
}

type catalogBars struct {
	Labels []string        `json:"labels"`
	Series []catalogSeries `json:"series"`
}

func (s *server) catalogStats(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	var v view
	data, _, err := s.catalogBase(r, "catalog.stats_title", "stats", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, total, err := s.Catalog.Counts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bars := catalogBars{Series: []catalogSeries{{Name: s.t(r, "catalog.stats.published")}, {Name: s.t(r, "catalog.stats.mounted")}}}
	for _, c := range counts {
		if c.Entries == 0 {
			continue
		}
		bars.Labels = append(bars.Labels, c.Department)
		bars.Series[0].Values = append(bars.Series[0].Values, c.Published)
		bars.Series[1].Values = append(bars.Series[1].Values, c.Mounted)
	}
	byDept, _ := json.Marshal(bars)
	res, err := s.Catalog.Search(ctx, s.principal(r), catalog.Query{PageSize: 1, Facets: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facet := func(name string, e catalog.Enum) string {
		var c chartData
		n := map[string]int{}
		for _, fc := range res.Facets[name] {
			n[fc.Value] = fc.Count
		}
		for _, o := range e {
			c.Labels, c.Values = append(c.Labels, e.Label(o.Value, lang)), append(c.Values, n[o.Value])
		}
		b, _ := json.Marshal(c)
		return string(b)
	}
	page := pageParam(r)
	from := min((page-1)*50, len(counts))
	data["Counts"], data["Total"], data["Pager"] = counts[from:min(from+50, len(counts))], total, newPager(r, page, 50, len(counts))
	data["ByDept"], data["HasDept"] = string(byDept), len(bars.Labels) > 0
	data["ByShare"], data["ByCategory"], data["Visible"] = facet("share_type", catalog.ShareTypes), facet("category", catalog.Categories), res.Total
	data["Summary"] = s.t(r, "catalog.stats.summary", formatNumber(total.Published), formatNumber(total.Mounted))
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog_stats", v)
}
