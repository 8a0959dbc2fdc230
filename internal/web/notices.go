package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/notice"
)

// noticesPath is the page of the reader's notices (站内信).
const noticesPath = "/notices"

// noticesRoutes adds the notices' pages; they belong in the authenticated group.
func (s *server) noticesRoutes(r chi.Router) {
	if s.Notices == nil {
		return
	}
	r.Get(noticesPath, s.notices)
	r.Get(noticesPath+"/{id}", s.openNotice)
	r.Post(noticesPath+"/read-all", s.readAllNotices)
}

// noticeRow is a notice as the page shows it, in the reader's language.
type noticeRow struct {
	notice.Notice
	Text string
}

func (s *server) notices(w http.ResponseWriter, r *http.Request) {
	const size = 20
	unread := r.URL.Query().Get("show") == "unread"
	ns, total, err := s.Notices.List(r.Context(), s.principal(r), notice.Filter{Unread: unread, Page: pageParam(r), PageSize: size})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	rows := make([]noticeRow, len(ns))
	for i, n := range ns {
		rows[i] = noticeRow{Notice: n, Text: n.Text.In(lang)}
	}
	s.render(w, r, http.StatusOK, "notices", view{Title: "notices.title", Active: noticesPath,
		Data: map[string]any{"Notices": rows, "Unread": unread, "Pager": newPager(r, pageParam(r), size, total)}})
}

// openNotice marks a notice read and opens the record it is about.
func (s *server) openNotice(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	n, err := s.Notices.MarkRead(r.Context(), s.principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	target := n.Link
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.Contains(target, "\\") {
		target = noticesPath // the notice package keeps links on the platform; this says so again
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *server) readAllNotices(w http.ResponseWriter, r *http.Request) {
	n, err := s.Notices.MarkAllRead(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, noticesPath, s.t(r, "notices.marked", n))
}
