package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
)

// publicAppsPath is the page where a providing department's approvers
// decide the public's applications for its conditionally open data
// (公众有条件开放申请).
const publicAppsPath = "/sharing/public"

// opendataRoutes adds the page of the public's applications; they belong
// in the authenticated group.
func (s *server) opendataRoutes(r chi.Router) {
	if s.OpenData == nil {
		return
	}
	r.Get(publicAppsPath, s.publicApplications)
	r.Post(publicAppsPath+"/{id}/approve", s.decidePublic(true))
	r.Post(publicAppsPath+"/{id}/reject", s.decidePublic(false))
	r.Post(publicAppsPath+"/{id}/revoke", s.revokePublic)
}

func (s *server) revokePublic(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	a, err := s.OpenData.Revoke(r.Context(), s.principal(r), id, r.PostFormValue("reason"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, publicAppsPath, s.t(r, "opendata.apps.decided.revoked", a.ID))
}

func (s *server) publicApplications(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	switch state {
	case "", opendata.AppPending, opendata.AppApproved, opendata.AppRejected, opendata.AppRevoked:
	default:
		state = ""
	}
	list, err := s.OpenData.Applications(r.Context(), s.principal(r), state)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := view{}
	data := s.sharingBase(r, "opendata.apps.title", "public", &v)
	data["Rows"], data["State"], data["States"] = list, state, []string{opendata.AppPending, opendata.AppApproved, opendata.AppRejected, opendata.AppRevoked}
	v.Data = data
	s.render(w, r, http.StatusOK, "opendata_applications", v)
}

func (s *server) decidePublic(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		a, err := s.OpenData.Decide(r.Context(), s.principal(r), id, approve, r.PostFormValue("reason"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		flash := s.t(r, "opendata.apps.decided.rejected", a.ID)
		if a.State == opendata.AppApproved {
			flash = s.t(r, "opendata.apps.decided.approved", a.ID)
		}
		s.redirect(w, r, publicAppsPath, flash)
	}
}

// mayDecidePublic reports whether the sharing pages show p the tab of the
// public's applications.
func mayDecidePublic(p org.Principal) bool { return p.DepartmentID != 0 && p.Can(org.ReviewCatalog) }
