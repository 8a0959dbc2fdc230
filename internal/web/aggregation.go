package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// The aggregation mandates page (数据交换 → 归集任务): the mandates of the
// caller's department with their actions, and the form with which the data
// authority's approver creates one. It replaces the form that created
// channels directly: a channel now comes only from a grant or a confirmed
// mandate.

func (s *server) aggregationRoutes(r chi.Router) {
	if s.Aggregation == nil || s.Exchange == nil {
		return
	}
	r.Get("/exchange/mandates", s.mandates)
	r.Post("/exchange/mandates", s.mandateCreate)
	r.Post("/exchange/mandates/{id}/{action}", s.mandateAction)
}

// mandateRow is a mandate with what the caller may do with it.
type mandateRow struct {
	M                 aggregation.Mandate
	CanDecide, Revoke bool
}

func (s *server) mandatesPage(w http.ResponseWriter, r *http.Request, status int, form url.Values, v view, errorRow int64) {
	p := s.principal(r)
	state := r.URL.Query().Get("state")
	page := pageParam(r)
	ms, total, err := s.Aggregation.Mandates(r.Context(), p, aggregation.Filter{State: state, Page: page, PageSize: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]mandateRow, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, mandateRow{M: m, CanDecide: aggregation.CanDecide(p, m), Revoke: aggregation.CanRevoke(p, m)})
	}
	canCreate := s.Aggregation.CanCreate(r.Context(), p)
	var sources []string
	if canCreate && s.Catalog != nil {
		if ds, err := s.Catalog.Datasources(r.Context(), p); err == nil {
			for _, d := range ds {
				sources = append(sources, d.Name)
			}
		}
	}
	if form == nil {
		form = url.Values{"mode": {exchange.Full}, "schedule": {"0 2 * * *"}}
	}
	v.Title, v.Active = "aggregation.title.list", "/exchange"
	v.Data = map[string]any{"Tabs": exchangeTabs("mandates"), "Rows": rows, "Pager": newPager(r, page, 20, total), "State": state,
		"States": aggregation.States, "CanCreate": canCreate, "Sources": sources, "Form": form, "ErrorRow": errorRow,
		"Modes": []string{exchange.Full, exchange.FullThenIncremental, exchange.Incremental}}
	s.render(w, r, status, "aggregation_mandates", v)
}

func (s *server) mandates(w http.ResponseWriter, r *http.Request) {
	s.mandatesPage(w, r, http.StatusOK, nil, view{}, 0)
}

// mandateFailed shows the page again with the error beside the fields, or
// an error page for what the user cannot correct.
func (s *server) mandateFailed(w http.ResponseWriter, r *http.Request, err error, form url.Values, row int64) {
	code, msg, fields := errs.PublicIn(err, language(r))
	switch code {
	case errs.Invalid, errs.Conflict, errs.Forbidden:
	default:
		s.fail(w, r, err)
		return
	}
	v := view{Error: msg}
	if code == errs.Invalid && len(fields) > 0 {
		v.Errors, v.Error = fields, ""
	}
	s.mandatesPage(w, r, errs.Status(code), form, v, row)
}

func (s *server) mandateCreate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgFormUnreadable))
		return
	}
	f := r.PostForm
	batch, _ := strconv.Atoi(f.Get("batch_size"))
	in := aggregation.Input{Name: f.Get("name"), EntryCode: f.Get("entry_code"), Items: strings.FieldsFunc(f.Get("items"), func(c rune) bool {
		return c == ',' || c == '，' || c == ' ' || c == '\n'
	}), Target: exchange.TableRef{NodeID: f.Get("target_node"), Datasource: f.Get("target_datasource"), Table: f.Get("target_table")},
		Mode: f.Get("mode"), Schedule: f.Get("schedule"), Basis: f.Get("basis"), SoftDelete: f.Get("soft_delete"), BatchSize: batch}
	m, err := s.Aggregation.Create(r.Context(), s.principal(r), in)
	if err != nil {
		s.mandateFailed(w, r, err, f, 0)
		return
	}
	s.redirect(w, r, "/exchange/mandates#mandate-"+strconv.FormatInt(m.ID, 10), s.t(r, "aggregation.flash.created", m.Name))
}

func (s *server) mandateAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	p, reason := s.principal(r), r.PostFormValue("reason")
	var (
		err   error
		flash string
	)
	switch chi.URLParam(r, "action") {
	case "confirm":
		_, err = s.Aggregation.Confirm(r.Context(), p, id)
		flash = s.t(r, "aggregation.flash.confirm")
	case "refuse":
		_, err = s.Aggregation.Refuse(r.Context(), p, id, reason)
		flash = s.t(r, "aggregation.flash.refuse")
	case "revoke":
		_, err = s.Aggregation.Revoke(r.Context(), p, id, reason)
		flash = s.t(r, "aggregation.flash.revoke")
	default:
		s.fail(w, r, errs.New(errs.NotFound, msgNoAction))
		return
	}
	if err != nil {
		s.mandateFailed(w, r, err, r.PostForm, id)
		return
	}
	s.redirect(w, r, "/exchange/mandates#mandate-"+strconv.FormatInt(id, 10), flash)
}
