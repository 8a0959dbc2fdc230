package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/basedb"
)

// DBParam names a base database in the path.
type DBParam struct {
	DB string `path:"db" maxLength:"40" doc:"The base database: population"`
}

// RecordView is a golden record's values by attribute, without their provenance.
type RecordView struct {
	DB           string            `json:"db"`
	Key          string            `json:"key"`
	Masked       bool              `json:"masked,omitempty" doc:"Sensitive values and the key are masked: the caller may not read records in clear"`
	Values       map[string]string `json:"values"`
	UpdatedAt    time.Time         `json:"updated_at"`
	OpenDisputes int64             `json:"open_disputes"`
}

func (s *Server) registerBaseDB() {
	if s.BaseDB == nil {
		return
	}
	s.registerBaseDBMore()
	s.registerQualityReports()
	a := s.api
	const tag = "basedb"
	type listOut struct{ Body []basedb.Summary }
	huma.Register(a, op(http.MethodGet, "/api/v1/basedb", "list-base-databases", tag,
		"The base databases (基础库) with their record counts, sources, attribute coverage and latest quality score (staff of any department)", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*listOut, error) {
			l, err := s.BaseDB.Databases(ctx, principal(ctx))
			return &listOut{l}, err
		}))
	type dbOut struct{ Body basedb.Summary }
	o := op(http.MethodGet, "/api/v1/basedb/{db}", "get-base-database", tag, "One base database with its counts, sources, coverage and quality", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *DBParam) (*dbOut, error) {
		d, err := s.BaseDB.Database(ctx, principal(ctx), in.DB)
		return &dbOut{d}, err
	}))
	type recordIn struct {
		DBParam
		Key string `path:"key" maxLength:"64" doc:"The record's key: the citizen ID number"`
	}
	type viewOut struct{ Body RecordView }
	o = op(http.MethodGet, "/api/v1/basedb/{db}/records/{key}", "get-base-record", tag,
		"A golden record: in clear for the data authority's consumers and approvers, masked for other departments' data consumers; every read is audited", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *recordIn) (*viewOut, error) {
		r, err := s.BaseDB.Record(ctx, principal(ctx), in.DB, in.Key)
		if err != nil {
			return nil, err
		}
		v := RecordView{DB: r.DB, Key: r.Key, Masked: r.Masked, Values: map[string]string{}, UpdatedAt: r.UpdatedAt, OpenDisputes: r.Disputes}
		for _, x := range r.Values {
			if x.Value != "" {
				v.Values[x.Attr] = x.Value
			}
		}
		return &viewOut{v}, nil
	}))
	type recordOut struct{ Body basedb.Record }
	o = op(http.MethodGet, "/api/v1/basedb/{db}/records/{key}/provenance", "get-base-record-provenance", tag,
		"A golden record with every value's provenance: source, source row, business time, validity and arrival (the same access as the record)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *recordIn) (*recordOut, error) {
		r, err := s.BaseDB.Record(ctx, principal(ctx), in.DB, in.Key)
		return &recordOut{r}, err
	}))
	type verifyIn struct {
		DBParam
		Body basedb.VerifyInput
	}
	type verifyOut struct{ Body basedb.Verification }
	o = op(http.MethodPost, "/api/v1/basedb/{db}/verify", "verify-base-record", tag,
		"Verify a name and ID number against the base database: match or no match, never the record (a data consumer of any department; audited)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *verifyIn) (*verifyOut, error) {
		v, err := s.BaseDB.Verify(ctx, principal(ctx), in.DB, in.Body)
		return &verifyOut{v}, err
	}))
	type mergeOut struct{ Body basedb.Run }
	o = op(http.MethodPost, "/api/v1/basedb/{db}/merge", "merge-base-database", tag,
		"Merge the rows staged since the last merge into the golden records now and recompute the quality scores (an approver of the data authority)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *DBParam) (*mergeOut, error) {
		r, err := s.BaseDB.MergeNow(ctx, principal(ctx), in.DB)
		return &mergeOut{r}, err
	}))

	type disputesIn struct {
		PageParams
		DB    string `query:"db" maxLength:"40" doc:"Only this base database's"`
		State string `query:"state" enum:"open,confirmed,corrected,rejected," doc:"Only disputes in this state"`
	}
	huma.Register(a, op(http.MethodGet, "/api/v1/disputes", "list-disputes", tag,
		"Disputed values (疑义数据) raised by the merges, newest first: all for the data authority's staff, those of a department's own sources for its staff", true),
		handle(s, func(ctx context.Context, in *disputesIn) (*Page[basedb.Dispute], error) {
			l, total, err := s.BaseDB.Disputes(ctx, principal(ctx), basedb.DisputeFilter{DB: in.DB, State: in.State, Page: in.Page, PageSize: in.PageSize})
			return page(l, total, in.PageParams), err
		}))
	type decideIn struct {
		ID   int64 `path:"id" minimum:"1" doc:"Dispute ID"`
		Body basedb.Decision
	}
	type disputeOut struct{ Body basedb.Dispute }
	for _, d := range []struct{ verb, state, summary string }{
		{"confirm", basedb.Confirmed, "Confirm the golden value of an open dispute"},
		{"correct", basedb.Corrected, "Correct an open dispute's value at the source (value required); the correction enters the base database when the source delivers it"},
		{"reject", basedb.Rejected, "Reject an open dispute, with the reason"},
	} {
		o = op(http.MethodPost, "/api/v1/disputes/{id}/"+d.verb, d.verb+"-dispute", tag,
			d.summary+" (an approver of a source department of the dispute, or of the data authority)", true)
		o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
		state := d.state
		huma.Register(a, o, handle(s, func(ctx context.Context, in *decideIn) (*disputeOut, error) {
			r, err := s.BaseDB.Decide(ctx, principal(ctx), in.ID, state, in.Body)
			return &disputeOut{r}, err
		}))
	}

	type scoresIn struct {
		DB         string `query:"db" maxLength:"40" doc:"Only this base database's"`
		Department int64  `query:"department" minimum:"0" doc:"Only this department's sources (staff of other departments than the data authority see their own only)"`
		From       string `query:"from" maxLength:"10" doc:"From this day, YYYY-MM-DD"`
		To         string `query:"to" maxLength:"10" doc:"Up to this day, YYYY-MM-DD"`
	}
	type scoresOut struct{ Body []basedb.Score }
	huma.Register(a, op(http.MethodGet, "/api/v1/quality/scores", "list-quality-scores", tag,
		"Quality scores (完整性, 准确性, 一致性, 及时性, per mille) per source department and per base database (source empty) per day, newest first", true),
		handle(s, func(ctx context.Context, in *scoresIn) (*scoresOut, error) {
			l, err := s.BaseDB.Scores(ctx, principal(ctx), basedb.ScoreFilter{DB: in.DB, Department: in.Department, From: in.From, To: in.To})
			return &scoresOut{l}, err
		}))
}
