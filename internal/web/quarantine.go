package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// A channel's quarantine (隔离区): the rows that failed validation at the
// source, with their reasons, masked; its operators retry them after a fix
// or skip them.

const quarantinePageSize = 20

// quarantineView is the quarantine section of a channel's page.
type quarantineView struct {
	Lang      string
	ID        string
	State     string // "open" or "" for all
	Q         exchange.QuarantinePage
	Rows      []quarantineRow
	Prev      string
	Next      string
	Message   string // what the last retry or skip did
	Error     string
	Delivered bool  // the rows are shown as the grant delivers them (a grant's consumer)
	err       error // the refusal or failure behind Error
}

type quarantineRow struct {
	exchange.QuarantineEntry
	Values string // the row as column=value, ...
}

// quarantineState reads the state filter: open unless "all" is asked for.
func quarantineState(r *http.Request) string {
	if r.FormValue("state") == "all" {
		return ""
	}
	return exchange.QuarantineOpen
}

// quarantineView loads a page of a channel's quarantine.
func (s *server) quarantineView(r *http.Request, id string) quarantineView {
	lang := language(r)
	v := quarantineView{Lang: lang, ID: id, State: quarantineState(r)}
	page, _ := strconv.Atoi(r.FormValue("page"))
	q, err := s.Exchange.QuarantineList(r.Context(), s.principal(r), id, v.State, page, quarantinePageSize)
	q = q.In(language(r))
	if err != nil {
		_, msg, _ := errs.PublicIn(err, lang)
		v.Error, v.err = msg, err
		return v
	}
	v.Q = q
	for _, e := range q.Items {
		cols := make([]string, 0, len(e.Row))
		for c := range e.Row {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		parts := make([]string, 0, len(cols))
		for _, c := range cols {
			val := e.Row[c]
			if val == nil {
				parts = append(parts, c+"=NULL")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s=%v", c, val))
		}
		v.Rows = append(v.Rows, quarantineRow{QuarantineEntry: e, Values: strings.Join(parts, ", ")})
		v.Delivered = v.Delivered || e.View == exchange.ViewDelivered
	}
	link := func(p int) string {
		u := url.Values{"page": {strconv.Itoa(p)}}
		if v.State == "" {
			u.Set("state", "all")
		}
		return "/exchange/channels/" + url.PathEscape(id) + "/quarantine?" + u.Encode()
	}
	if q.Page > 1 {
		v.Prev = link(q.Page - 1)
	}
	if int64(q.Page*q.PageSize) < q.Total {
		v.Next = link(q.Page + 1)
	}
	return v
}

// exchangeQuarantine answers the quarantine section (htmx), or sends a
// browser without htmx to the channel's page.
func (s *server) exchangeQuarantine(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	if r.Header.Get("HX-Request") != "true" {
		target := "/exchange/channels/" + url.PathEscape(id)
		if q := r.URL.RawQuery; q != "" {
			target += "?" + q
		}
		http.Redirect(w, r, target+"#channel-quarantine", http.StatusSeeOther)
		return
	}
	v := s.quarantineView(r, id)
	if errs.Is(v.err, errs.Forbidden) || errs.Is(v.err, errs.NotFound) {
		s.fail(w, r, v.err)
		return
	}
	s.catalogFragment(w, r, "exchange_channel", "channel-quarantine", v)
}

// exchangeQuarantineOp retries or skips the rows ticked in the section.
func (s *server) exchangeQuarantineOp(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	id, op := chi.URLParam(r, "id"), chi.URLParam(r, "op")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgFormUnreadable))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			ids = append(ids, n)
		}
	}
	p, lang := s.principal(r), language(r)
	var (
		res exchange.QuarantineResult
		err error
		msg string
	)
	switch {
	case op != "retry" && op != "skip":
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return
	case len(ids) == 0:
		err = errs.New(errs.Invalid, msgNoneChosen)
	case op == "retry":
		if res, err = s.Exchange.QuarantineRetry(r.Context(), p, id, ids); err == nil {
			msg = s.msgs.T(lang, "exchange.q.retried", res.Published, res.Failing, res.Gone)
		}
	default:
		if res, err = s.Exchange.QuarantineSkip(r.Context(), p, id, ids, r.PostFormValue("reason")); err == nil {
			msg = s.msgs.T(lang, "exchange.q.skipped", res.Skipped)
		}
	}
	if err != nil && !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Conflict) && !errs.Is(err, errs.Unavailable) {
		s.fail(w, r, err)
		return
	}
	if r.Header.Get("HX-Request") != "true" {
		if err != nil {
			_, msg, _ = errs.PublicIn(err, lang)
		}
		s.redirect(w, r, "/exchange/channels/"+url.PathEscape(id)+"#channel-quarantine", msg)
		return
	}
	v := s.quarantineView(r, id)
	v.Message = msg
	if err != nil {
		_, v.Error, _ = errs.PublicIn(err, lang)
	}
	s.catalogFragment(w, r, "exchange_channel", "channel-quarantine", v)
}
