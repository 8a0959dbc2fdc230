package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/org"
)

// licenceConsentsData is what a licence's page shows of the holder's
// recorded consents, and the departments one may name.
func (s *server) licenceConsentsData(r *http.Request, l licence.Licence) map[string]any {
	ctx, p := r.Context(), s.principal(r)
	cs, err := s.Licences.Consents(ctx, p, strconv.FormatInt(l.ID, 10))
	if err != nil {
		return nil
	}
	data := map[string]any{"Consents": cs}
	if licence.MayIssue(p, l.DepartmentID) {
		if ds, _, err := s.Org.Departments(ctx, org.DepartmentFilter{PageSize: 200}); err == nil {
			data["ConsentDepartments"] = ds
		}
	}
	return data
}

// licenceConsent records a holder's consent.
func (s *server) licenceConsent(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := chi.URLParam(r, "id")
	dept, _ := strconv.ParseInt(r.PostForm.Get("department_id"), 10, 64)
	_, err := s.Licences.RecordConsent(r.Context(), s.principal(r), id, licence.ConsentInput{Department: dept, Purpose: r.PostForm.Get("purpose"), ValidUntil: r.PostForm.Get("valid_until")})
	s.licenceConsentDone(w, r, id, err, "licences.consent.recorded")
}

// licenceConsentRevoke revokes one.
func (s *server) licenceConsentRevoke(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	id := chi.URLParam(r, "id")
	_, err := s.Licences.RevokeConsent(r.Context(), s.principal(r), id, chi.URLParam(r, "consent"), r.PostForm.Get("reason"))
	s.licenceConsentDone(w, r, id, err, "licences.consent.revoked")
}

func (s *server) licenceConsentDone(w http.ResponseWriter, r *http.Request, id string, err error, flash string) {
	if err != nil {
		if !userError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := refusal(r, err)
		s.licenceShow(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	s.redirect(w, r, licencesPath+"/"+url.PathEscape(id), s.msgs.T(language(r), flash))
}
