package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/aggregation"
)

// MandateParam is a mandate's ID in the path.
type MandateParam struct {
	ID int64 `path:"id" minimum:"1" doc:"Mandate ID"`
}

type mandateOut struct{ Body aggregation.Mandate }

// reasonBody is the reason of a refusal or revocation.
type reasonBody struct {
	Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"Why; shown with the mandate"`
}

func (s *Server) registerAggregation() {
	if s.Aggregation == nil {
		return
	}
	a := s.api
	const tag = "aggregation"
	type listIn struct {
		PageParams
		State string `query:"state" enum:"pending,confirmed,refused,revoked," doc:"Only mandates in this state"`
	}
	huma.Register(a, op(http.MethodGet, "/api/v1/aggregation/mandates", "list-mandates", tag,
		"Aggregation mandates (归集任务) of the caller's department, as the data authority or as the provider, newest first", true),
		handle(s, func(ctx context.Context, in *listIn) (*Page[aggregation.Mandate], error) {
			ms, total, err := s.Aggregation.Mandates(ctx, principal(ctx), aggregation.Filter{State: in.State, Page: in.Page, PageSize: in.PageSize})
			return page(ms, total, in.PageParams), err
		}))
	o := op(http.MethodPost, "/api/v1/aggregation/mandates", "create-mandate", tag,
		"Ask a provider department to aggregate a published catalog entry's items into one of the data authority's datasources (an approver of the data authority); nothing travels until the provider's approver confirms. Negative-listed items are refused unless their listing allows aggregation", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body aggregation.Input }) (*mandateOut, error) {
		m, err := s.Aggregation.Create(ctx, principal(ctx), in.Body)
		return &mandateOut{m}, err
	}))
	o = op(http.MethodGet, "/api/v1/aggregation/mandates/{id}", "get-mandate", tag, "A mandate, for the staff of its data authority and of its provider", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *MandateParam) (*mandateOut, error) {
		m, err := s.Aggregation.Mandate(ctx, principal(ctx), in.ID)
		return &mandateOut{m}, err
	}))
	o = op(http.MethodPost, "/api/v1/aggregation/mandates/{id}/confirm", "confirm-mandate", tag,
		"Confirm a pending mandate (an approver of the provider): the platform creates its channel (channel_id) and runs it", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *MandateParam) (*mandateOut, error) {
		m, err := s.Aggregation.Confirm(ctx, principal(ctx), in.ID)
		return &mandateOut{m}, err
	}))
	type reasonIn struct {
		MandateParam
		Body reasonBody
	}
	o = op(http.MethodPost, "/api/v1/aggregation/mandates/{id}/refuse", "refuse-mandate", tag, "Refuse a pending mandate, with the reason (an approver of the provider)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonIn) (*mandateOut, error) {
		m, err := s.Aggregation.Refuse(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &mandateOut{m}, err
	}))
	o = op(http.MethodPost, "/api/v1/aggregation/mandates/{id}/revoke", "revoke-mandate", tag,
		"Revoke a pending or confirmed mandate, with the reason (an approver of the data authority or of the provider); its channels stop within a second", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonIn) (*mandateOut, error) {
		m, err := s.Aggregation.Revoke(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &mandateOut{m}, err
	}))
}
