package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/errs"
)

// The base databases' pages (基础库): each base database with its counts,
// sources, coverage and quality, and a record looked up by key with the
// provenance of every value (in clear for those who may read records,
// masked otherwise); and the disputed values (疑义数据) raised by the merges.

const basedbPath = "/basedb"

func (s *server) basedbRoutes(r chi.Router) {
	if s.BaseDB == nil {
		return
	}
	r.Get(basedbPath, s.basedbList)
	r.Get(basedbPath+"/disputes", s.basedbDisputes)
	r.Get(basedbPath+"/quality", s.basedbQuality)
	r.Get(basedbPath+"/quality/{month}/{format}", s.basedbQualityFile)
	r.Post(basedbPath+"/disputes/{id}/{action}", s.basedbDecide)
	r.Get(basedbPath+"/{db}", s.basedbPage)
	r.Post(basedbPath+"/{db}", s.basedbPage) // the record lookup: the key travels in the body, not the URL
}

func basedbTabs(active string) []exchangeTab {
	return []exchangeTab{{"basedb.tab.databases", basedbPath, active == "databases"},
		{"basedb.tab.disputes", basedbPath + "/disputes", active == "disputes"},
		{"basedb.tab.quality", basedbPath + "/quality", active == "quality"}}
}

// permille formats a score per mille as a percentage.
func permille(n int64) string {
	return strconv.FormatInt(n/10, 10) + "." + strconv.FormatInt(n%10, 10) + "%"
}

func (s *server) basedbList(w http.ResponseWriter, r *http.Request) {
	l, err := s.BaseDB.Databases(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "basedb", view{Title: "basedb.title", Active: basedbPath,
		Data: map[string]any{"Tabs": basedbTabs("databases"), "Databases": l, "Permille": permille}})
}

func (s *server) basedbPage(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), s.principal(r)
	db := chi.URLParam(r, "db")
	sum, err := s.BaseDB.Database(ctx, p, db)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scores, err := s.BaseDB.Scores(ctx, p, basedb.ScoreFilter{DB: db})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := view{Title: "basedb.title", Active: basedbPath}
	data := map[string]any{"Tabs": basedbTabs("databases"), "DB": sum, "Scores": scores, "Permille": permille,
		"CanSee": s.BaseDB.CanSeeRecords(ctx, p)}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, errs.New(errs.Invalid, msgFormUnreadable))
			return
		}
		key := strings.TrimSpace(r.PostFormValue("key"))
		data["Key"] = key
		rec, err := s.BaseDB.Record(ctx, p, db, key)
		switch code, msg, _ := errs.PublicIn(err, language(r)); {
		case err == nil:
			data["Record"] = rec
		case code == errs.NotFound || code == errs.Forbidden || code == errs.Invalid:
			v.Error = msg
		default:
			s.fail(w, r, err)
			return
		}
	}
	v.Data = data
	s.render(w, r, http.StatusOK, "basedb_database", v)
}

func (s *server) basedbDisputes(w http.ResponseWriter, r *http.Request) {
	s.basedbDisputesPage(w, r, http.StatusOK, "")
}

func (s *server) basedbDisputesPage(w http.ResponseWriter, r *http.Request, status int, problem string) {
	state := r.URL.Query().Get("state")
	page := pageParam(r)
	l, total, err := s.BaseDB.Disputes(r.Context(), s.principal(r), basedb.DisputeFilter{State: state, Page: page, PageSize: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "basedb_disputes", view{Title: "basedb.disputes.title", Active: basedbPath, Error: problem,
		Data: map[string]any{"Tabs": basedbTabs("disputes"), "Rows": l, "Pager": newPager(r, page, 20, total), "State": state,
			"States": basedb.DisputeStates}})
}

func (s *server) basedbDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	state, ok := map[string]string{"confirm": basedb.Confirmed, "correct": basedb.Corrected, "reject": basedb.Rejected}[chi.URLParam(r, "action")]
	if err != nil || !ok {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgFormUnreadable))
		return
	}
	_, err = s.BaseDB.Decide(r.Context(), s.principal(r), id, state, basedb.Decision{Value: r.PostFormValue("value"), Reason: r.PostFormValue("reason")})
	if err != nil {
		code, msg, fields := errs.PublicIn(err, language(r))
		switch code {
		case errs.Invalid, errs.Conflict, errs.Forbidden:
			for f, m := range fields {
				msg = f + ": " + m
			}
			s.basedbDisputesPage(w, r, errs.Status(code), msg)
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.redirect(w, r, basedbPath+"/disputes#dispute-"+strconv.FormatInt(id, 10), s.t(r, map[string]string{basedb.Confirmed: "basedb.flash.confirmed", basedb.Corrected: "basedb.flash.corrected", basedb.Rejected: "basedb.flash.rejected"}[state]))
}
