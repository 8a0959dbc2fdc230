package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/lists"
)

type (
	demandOut   struct{ Body lists.Demand }
	dutyOut     struct{ Body lists.Duty }
	negativeOut struct{ Body lists.Negative }
)

// registerLists adds the three lists (三张清单): demands, duties and the
// negative list, with supply–demand matching and statistics.
func (s *Server) registerLists() {
	a := s.api
	const tag = "lists"

	// Demand list (需求清单).
	huma.Register(a, op(http.MethodGet, "/api/v1/lists/demands", "list-demands", tag, "The demand list (需求清单), newest first", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			State       string `query:"state" enum:"open,assigned,closed,"`
			Resolution  string `query:"resolution" enum:"satisfied,rejected," doc:"How closed demands ended"`
			RequesterID int64  `query:"requester_id" minimum:"0"`
			ProviderID  int64  `query:"provider_id" minimum:"0" doc:"The department a demand is assigned to"`
			Overdue     bool   `query:"overdue" doc:"Only demands still open after their due day"`
		}) (*Page[lists.Demand], error) {
			ds, total, err := s.Lists.Demands(ctx, lists.DemandFilter{State: in.State, Resolution: in.Resolution, RequesterID: in.RequesterID,
				ProviderID: in.ProviderID, Overdue: in.Overdue, Page: in.Page, PageSize: in.PageSize})
			return page(ds, total, in.PageParams), err
		}))
	o := op(http.MethodPost, "/api/v1/lists/demands", "create-demand", tag, "State a demand of the caller's department (data consumer or cataloger); the legal basis is required", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body lists.DemandInput }) (*demandOut, error) {
		d, err := s.Lists.CreateDemand(ctx, principal(ctx), in.Body)
		return &demandOut{d}, err
	}))
	o = op(http.MethodGet, "/api/v1/lists/demands/{id}", "get-demand", tag, "One demand, with how long it has been open and whether it is overdue", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*demandOut, error) {
		d, err := s.Lists.Demand(ctx, in.ID)
		return &demandOut{d}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/demands/{id}/assign", "assign-demand", tag, "Assign a demand to the department that is to provide the data (the data authority's approver)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			ProviderID int64  `json:"provider_id" minimum:"1" doc:"The providing department"`
			Note       string `json:"note,omitempty" maxLength:"1000"`
		}
	}) (*demandOut, error) {
		d, err := s.Lists.AssignDemand(ctx, principal(ctx), in.ID, in.Body.ProviderID, in.Body.Note)
		return &demandOut{d}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/demands/{id}/close", "close-demand", tag,
		"Close a demand as satisfied by a published entry (the data authority's approver, or a cataloger of the assigned provider)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			EntryCode string `json:"entry_code" maxLength:"40" doc:"Resource code of the published entry that meets the demand"`
		}
	}) (*demandOut, error) {
		d, err := s.Lists.CloseDemand(ctx, principal(ctx), in.ID, in.Body.EntryCode)
		return &demandOut{d}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/demands/{id}/reject", "reject-demand", tag, "Reject a demand with the reason (the data authority's approver)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Reason string `json:"reason" maxLength:"1000"`
		}
	}) (*demandOut, error) {
		d, err := s.Lists.RejectDemand(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &demandOut{d}, err
	}))
	o = op(http.MethodGet, "/api/v1/lists/demands/{id}/suggestions", "suggest-demand-entries", tag,
		"Published entries that may meet a demand, best first, each with how it would be shared (供需对接)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body []lists.Suggestion }, error) {
		sg, err := s.Lists.Suggest(ctx, principal(ctx), in.ID)
		return &struct{ Body []lists.Suggestion }{nonNil(sg)}, err
	}))

	// Duty list (责任清单).
	huma.Register(a, op(http.MethodGet, "/api/v1/lists/duties", "list-duties", tag, "The duty list (责任清单) by deadline; fulfilment is read from the catalog as it is now", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			State      string `query:"state" enum:"fulfilled,unfulfilled,overdue,"`
			ProviderID int64  `query:"provider_id" minimum:"0"`
		}) (*Page[lists.Duty], error) {
			ds, total, err := s.Lists.Duties(ctx, lists.DutyFilter{State: in.State, ProviderID: in.ProviderID, Page: in.Page, PageSize: in.PageSize})
			return page(ds, total, in.PageParams), err
		}))
	o = op(http.MethodPost, "/api/v1/lists/duties", "create-duty", tag, "Record a provider's obligation with a deadline (the data authority's approver)", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body lists.DutyInput }) (*dutyOut, error) {
		d, err := s.Lists.CreateDuty(ctx, principal(ctx), in.Body)
		return &dutyOut{d}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/lists/duties/overdue", "list-overdue-duties", tag, "Unfulfilled duties past their deadline, the oldest first", true),
		handle(s, func(ctx context.Context, in *PageParams) (*Page[lists.Duty], error) {
			all, err := s.Lists.Overdue(ctx)
			if err != nil {
				return nil, err
			}
			p, size := max(in.Page, 1), max(in.PageSize, 1)
			from := min((p-1)*size, len(all))
			return page(all[from:min(from+size, len(all))], len(all), *in), nil
		}))
	o = op(http.MethodGet, "/api/v1/lists/duties/{id}", "get-duty", tag, "One duty", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*dutyOut, error) {
		d, err := s.Lists.Duty(ctx, in.ID)
		return &dutyOut{d}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/duties/{id}/fulfil", "fulfil-duty", tag,
		"Link the entry that fulfils a duty: the provider's own, of the expected category, published and mounted (the authority's approver or the provider's cataloger)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			EntryCode string `json:"entry_code" maxLength:"40"`
		}
	}) (*dutyOut, error) {
		d, err := s.Lists.FulfilDuty(ctx, principal(ctx), in.ID, in.Body.EntryCode)
		return &dutyOut{d}, err
	}))

	// Negative list (负面清单).
	huma.Register(a, op(http.MethodGet, "/api/v1/lists/negatives", "list-negatives", tag, "The negative list (负面清单), newest first", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			State      string `query:"state" enum:"proposed,active,rejected,"`
			EntryCode  string `query:"entry_code" maxLength:"40"`
			ProviderID int64  `query:"provider_id" minimum:"0"`
		}) (*Page[lists.Negative], error) {
			ns, total, err := s.Lists.Negatives(ctx, lists.NegativeFilter{State: in.State, EntryCode: in.EntryCode, ProviderID: in.ProviderID,
				Page: in.Page, PageSize: in.PageSize})
			return page(ns, total, in.PageParams), err
		}))
	o = op(http.MethodPost, "/api/v1/lists/negatives", "propose-negative", tag,
		"Propose an entry, or some of its items, for the negative list with the legal basis (a cataloger of the entry's provider)", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body lists.NegativeInput }) (*negativeOut, error) {
		n, err := s.Lists.ProposeNegative(ctx, principal(ctx), in.Body)
		return &negativeOut{n}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/negatives/{id}/confirm", "confirm-negative", tag,
		"Confirm a proposed listing (the data authority's approver); an active whole-entry listing stops the entry from being published as shareable", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*negativeOut, error) {
		n, err := s.Lists.ConfirmNegative(ctx, principal(ctx), in.ID)
		return &negativeOut{n}, err
	}))
	o = op(http.MethodPost, "/api/v1/lists/negatives/{id}/reject", "reject-negative", tag,
		"Reject a proposed listing, or lift an active one, with the reason (the data authority's approver)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID   int64 `path:"id" minimum:"1"`
		Body struct {
			Reason string `json:"reason" maxLength:"1000"`
		}
	}) (*negativeOut, error) {
		n, err := s.Lists.RejectNegative(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &negativeOut{n}, err
	}))

	huma.Register(a, op(http.MethodGet, "/api/v1/lists/stats", "lists-stats", tag,
		"Demand fulfilment, demands by state, duty completion per department and published entries per share type", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body lists.Stats }, error) {
			st, err := s.Lists.Stats(ctx)
			return &struct{ Body lists.Stats }{st}, err
		}))
}
