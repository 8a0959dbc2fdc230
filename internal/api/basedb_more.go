package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/basedb"
)

// registerBaseDBMore registers the credit check, consumers' disputes and
// the binding of sources to aggregation mandates.
func (s *Server) registerBaseDBMore() {
	if s.BaseDB == nil {
		return
	}
	a := s.api
	const tag = "basedb"
	type creditIn struct{ Body basedb.CreditInput }
	type creditOut struct{ Body basedb.CreditFacts }
	huma.Register(a, op(http.MethodPost, "/api/v1/basedb/credit/check", "check-credit", tag,
		"信用核查: facts about a unified social credit code (known, black or red listed, a penalty or licence within its period of publication), never the records (a data consumer of any department; audited)", true),
		handle(s, func(ctx context.Context, in *creditIn) (*creditOut, error) {
			f, err := s.BaseDB.CheckCredit(ctx, principal(ctx), in.Body)
			return &creditOut{f}, err
		}))
	type flagIn struct{ Body basedb.FlagInput }
	type disputeOut struct{ Body basedb.Dispute }
	o := op(http.MethodPost, "/api/v1/disputes", "flag-value", tag,
		"Flag a value received (异议): the dispute goes to the steward of the department whose source gave it, due within 5 working days (a data consumer of any department)", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *flagIn) (*disputeOut, error) {
		d, err := s.BaseDB.Flag(ctx, principal(ctx), in.Body)
		return &disputeOut{d}, err
	}))
	type idIn struct {
		ID int64 `path:"id" minimum:"1" doc:"Dispute ID"`
	}
	o = op(http.MethodGet, "/api/v1/disputes/{id}", "get-dispute", tag, "One dispute and its state: for the departments of its sources, the flagger's and the data authority", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idIn) (*disputeOut, error) {
		d, err := s.BaseDB.Dispute(ctx, principal(ctx), in.ID)
		return &disputeOut{d}, err
	}))
	type bindIn struct {
		DBParam
		Source string `path:"source" maxLength:"60" doc:"The source"`
		Body   struct {
			MandateID int64 `json:"mandate_id" minimum:"0" doc:"A confirmed aggregation mandate delivering the source; 0 unbinds it"`
		}
	}
	type sourceOut struct{ Body basedb.SourceInfo }
	o = op(http.MethodPut, "/api/v1/basedb/{db}/sources/{source}", "bind-base-source", tag,
		"Bind a base database's source to a confirmed aggregation mandate (归集任务): its provider becomes the source's department (an approver of the data authority; audited)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *bindIn) (*sourceOut, error) {
		src, err := s.BaseDB.BindSource(ctx, principal(ctx), in.DB, in.Source, in.Body.MandateID)
		return &sourceOut{src}, err
	}))
}
