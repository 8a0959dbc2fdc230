package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/sharing"
)

type (
	applicationOut struct{ Body sharing.Application }
	grantOut       struct{ Body sharing.Grant }
	// formOut is a printed form: it names people, so no cache keeps it.
	formOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		CacheControl       string `header:"Cache-Control"`
		Body               []byte
	}
	// reasonInput is an action on a resource that needs a reason.
	reasonInput struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Reason string `json:"reason" maxLength:"1000" doc:"Why; kept in the audit log"`
		}
	}
)

// registerSharing adds applications (共享申请), their approval steps and
// grants (授权).
func (s *Server) registerSharing() {
	a := s.api
	const tag = "sharing"

	huma.Register(a, op(http.MethodGet, "/api/v1/applications", "list-applications", tag,
		"Applications the caller may see, newest first: box=mine (the caller's department's), review (waiting for the caller's approval) or all", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Box       string `query:"box" enum:"mine,review,all," doc:"Defaults to all"`
			State     string `query:"state" enum:"pending_provider,pending_authority,approved,returned,withdrawn,"`
			EntryCode string `query:"entry_code" maxLength:"64"`
		}) (*Page[sharing.Application], error) {
			as, total, err := s.Sharing.Applications(ctx, principal(ctx), sharing.ApplicationFilter{Box: in.Box, State: in.State, EntryCode: in.EntryCode,
				Page: in.Page, PageSize: in.PageSize})
			return page(as, total, in.PageParams), err
		}))
	o := op(http.MethodPost, "/api/v1/applications", "create-application", tag,
		"Apply for a published entry (a data consumer). Unconditional entries are granted at once; conditional ones wait for the provider's and then the data authority's approver; unshared or negative-listed entries and items are refused with the reason", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body sharing.ApplicationInput }) (*applicationOut, error) {
		app, err := s.Sharing.Apply(ctx, principal(ctx), in.Body)
		return &applicationOut{app}, err
	}))
	o = op(http.MethodGet, "/api/v1/applications/{id}", "get-application", tag, "One application with every step: who, when, why and the terms as narrowed", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*applicationOut, error) {
		app, err := s.Sharing.Application(ctx, principal(ctx), in.ID)
		return &applicationOut{app}, err
	}))
	o = op(http.MethodGet, "/api/v1/applications/{id}/form", "application-form", tag,
		"The printable application and approval form (数据共享申请表) as an A4 PDF in Chinese: the request, the items as approved, every step, "+
			"the provider's and the data authority's opinions and the places of the seals (whoever may read the application)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	o.Responses = map[string]*huma.Response{"200": {Description: "PDF",
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*formOut, error) {
		b, err := s.Sharing.FormPDF(ctx, principal(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &formOut{ContentType: "application/pdf", ContentDisposition: `inline; filename="` + sharing.FormName(in.ID) + `"`, CacheControl: "no-store", Body: b}, nil
	}))
	o = op(http.MethodPost, "/api/v1/applications/{id}/approve", "approve-application", tag,
		"Approve the current step (the provider's approver, then the data authority's), optionally with narrower terms: fewer items, stricter masking, more row-filter conditions, an earlier end, a lower rate limit", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Terms *sharing.Terms `json:"terms,omitempty" doc:"Narrower terms; omitted fields stay as they are"`
			Note  string         `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*applicationOut, error) {
		app, err := s.Sharing.Approve(ctx, principal(ctx), in.ID, in.Body.Terms, in.Body.Note)
		return &applicationOut{app}, err
	}))
	o = op(http.MethodPost, "/api/v1/applications/batch-approve", "batch-approve-applications", tag,
		"Approve several applications of the caller's queue at their current steps as applied for (批量审批); each is approved or reported on its own", true)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Body struct {
			IDs  []int64 `json:"ids" minItems:"1" maxItems:"100"`
			Note string  `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*struct {
		Body struct {
			Outcomes []sharing.BatchOutcome `json:"outcomes"`
		}
	}, error) {
		res, err := s.Sharing.ApproveMany(ctx, principal(ctx), in.Body.IDs, in.Body.Note)
		for i := range res {
			if !res[i].Approved {
				res[i].Message = res[i].Problem.In(requestLang(ctx))
			}
		}
		out := &struct {
			Body struct {
				Outcomes []sharing.BatchOutcome `json:"outcomes"`
			}
		}{}
		out.Body.Outcomes = res
		return out, err
	}))
	o = op(http.MethodPost, "/api/v1/applications/{id}/return", "return-application", tag, "Return an application to the applicant with the reason (the approver of the current step)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonInput) (*applicationOut, error) {
		app, err := s.Sharing.Return(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &applicationOut{app}, err
	}))
	o = op(http.MethodPost, "/api/v1/applications/{id}/withdraw", "withdraw-application", tag, "Withdraw a pending application (a data consumer of the applying department)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Reason string `json:"reason,omitempty" maxLength:"1000"`
		}
	}) (*applicationOut, error) {
		app, err := s.Sharing.Withdraw(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &applicationOut{app}, err
	}))
	o = op(http.MethodPost, "/api/v1/applications/{id}/renew", "renew-application", tag,
		"Renew an approved application before its grant expires: a new application for the same terms until a later day; once approved the grant is extended and its delivery goes on", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			ValidUntil string `json:"valid_until,omitempty" doc:"YYYY-MM-DD; defaults to one year from today"`
		}
	}) (*applicationOut, error) {
		app, err := s.Sharing.Renew(ctx, principal(ctx), in.ID, in.Body.ValidUntil)
		return &applicationOut{app}, err
	}))

	huma.Register(a, op(http.MethodGet, "/api/v1/grants", "list-grants", tag,
		"Grants the caller may see: role=consumer (held by the caller's department), provider (of its entries) or all", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Role      string `query:"role" enum:"consumer,provider,all,"`
			State     string `query:"state" enum:"active,revoked,expired,"`
			EntryCode string `query:"entry_code" maxLength:"64"`
			Delivery  string `query:"delivery" enum:"table,api,file,"`
		}) (*Page[sharing.Grant], error) {
			gs, total, err := s.Sharing.Grants(ctx, principal(ctx), sharing.GrantFilter{Role: in.Role, State: in.State, EntryCode: in.EntryCode,
				Delivery: in.Delivery, Page: in.Page, PageSize: in.PageSize})
			for i := range gs {
				gs[i] = gs[i].In(requestLang(ctx))
			}
			return page(gs, total, in.PageParams), err
		}))
	o = op(http.MethodGet, "/api/v1/grants/{id}", "get-grant", tag, "One grant", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*grantOut, error) {
		g, err := s.Sharing.Grant(ctx, principal(ctx), in.ID)
		return &grantOut{g.In(requestLang(ctx))}, err
	}))
	o = op(http.MethodPost, "/api/v1/grants/{id}/revoke", "revoke-grant", tag,
		"Revoke a grant at once (the provider's or the data authority's approver, or the security admin): delivery and API access stop within a second", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonInput) (*grantOut, error) {
		g, err := s.Sharing.Revoke(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &grantOut{g}, err
	}))
}
