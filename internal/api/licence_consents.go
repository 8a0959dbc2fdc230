package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/licence"
)

// registerLicenceConsents adds the routes of the holders' recorded consents
// (记录的授权/同意), the alternative to an authorisation code for a use.
func (s *Server) registerLicenceConsents() {
	a, L := s.api, s.Licences
	o := op(http.MethodPost, "/api/v1/licences/{id}/consents", "record-licence-consent", "licences",
		"Record the holder's consent (授权同意) that one department use the licence for one purpose until a date", true)
	o.Description = "The department of record (the issuing department) records it at the holder's request; a use naming it (consent) must come from that department, " +
		"give the same purpose and fall within the validity, else it is refused and audited."
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		Body licence.ConsentInput
	}) (*struct{ Body licence.Consent }, error) {
		c, err := L.RecordConsent(ctx, principal(ctx), in.ID, in.Body)
		return &struct{ Body licence.Consent }{c}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/licences/{id}/consents", "list-licence-consents", "licences", "The holder's recorded consents of a licence, for its issuing department", true),
		handle(s, func(ctx context.Context, in *struct {
			ID string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		}) (*struct{ Body []licence.Consent }, error) {
			cs, err := L.Consents(ctx, principal(ctx), in.ID)
			return &struct{ Body []licence.Consent }{cs}, err
		}))
	huma.Register(a, op(http.MethodGet, "/api/v1/licence-uses", "list-department-licence-uses", "licences",
		"The latest uses of the licences the caller's department issued (the holders' department of record), with the user department and purpose", true),
		handle(s, func(ctx context.Context, in *struct {
			Limit int `query:"limit" minimum:"0" maximum:"200" doc:"At most this many, newest first; 0: 50"`
		}) (*struct{ Body []licence.Use }, error) {
			if in.Limit == 0 {
				in.Limit = 50
			}
			us, err := L.DepartmentUses(ctx, principal(ctx), in.Limit)
			if us == nil {
				us = []licence.Use{}
			}
			return &struct{ Body []licence.Use }{us}, err
		}))
	o = op(http.MethodPost, "/api/v1/licences/{id}/consents/{consent}/revoke", "revoke-licence-consent", "licences", "Revoke a recorded consent, when the holder withdraws it", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID      string `path:"id" maxLength:"200" doc:"The licence's id, or its identifier (电子证照标识)"`
		Consent string `path:"consent" maxLength:"40"`
		Body    struct {
			Reason string `json:"reason" maxLength:"600"`
		}
	}) (*struct{ Body licence.Consent }, error) {
		c, err := L.RevokeConsent(ctx, principal(ctx), in.ID, in.Consent, in.Body.Reason)
		return &struct{ Body licence.Consent }{c}, err
	}))
}
