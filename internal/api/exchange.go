package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/exchange"
)

// ChannelParam is a channel's ID in the path.
type ChannelParam struct {
	ID string `path:"id" maxLength:"64" doc:"Channel ID, e.g. ch-1a2b3c4d5e6f"`
}

type channelOut struct{ Body exchange.ChannelInfo }

func (s *Server) registerExchange() {
	if s.Exchange == nil {
		return
	}
	a := s.api
	const tag = "exchange"
	type listIn struct {
		PageParams
		Department int64  `query:"department" doc:"Channels this department provides or consumes"`
		State      string `query:"state" enum:"active,paused,error,revoked," doc:"Only channels in this state"`
		Q          string `query:"q" maxLength:"100" doc:"Text in the name or the table names, or a channel ID"`
	}
	huma.Register(a, op(http.MethodGet, "/api/v1/channels", "list-channels", tag,
		"Channels (共享通道) the caller may see: all for the system admin and the data authority, else those its department provides or consumes", true),
		handle(s, func(ctx context.Context, in *listIn) (*Page[exchange.ChannelInfo], error) {
			cs, total, err := s.Exchange.Channels(ctx, principal(ctx), exchange.ChannelFilter{Department: in.Department, State: in.State, Query: in.Q,
				Page: in.Page, Size: in.PageSize})
			return page(cs, total, in.PageParams), err
		}))
	o := op(http.MethodPost, "/api/v1/channels", "create-channel", tag,
		"Refused to everyone (403, audited): every channel has a basis, and the platform creates it from an approved grant (共享授权) or a confirmed aggregation mandate (归集任务, POST /api/v1/aggregation/mandates); the route stays so that old clients learn why", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body exchange.ChannelInput }) (*channelOut, error) {
		c, err := s.Exchange.Create(ctx, principal(ctx), in.Body)
		return &channelOut{c}, err
	}))
	o = op(http.MethodGet, "/api/v1/channels/{id}", "get-channel", tag, "A channel with its state, statistics and the progress of a running full pass", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
		c, err := s.Exchange.Channel(ctx, principal(ctx), in.ID)
		return &channelOut{c}, err
	}))
	type samplesIn struct {
		ChannelParam
		Hours int `query:"hours" minimum:"1" maximum:"168" default:"24" doc:"How many hours back"`
	}
	o = op(http.MethodGet, "/api/v1/channels/{id}/samples", "channel-samples", tag, "A channel's rows, bytes and lag per minute (kept 7 days)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *samplesIn) (*struct{ Body []exchange.Sample }, error) {
		ss, err := s.Exchange.Samples(ctx, principal(ctx), in.ID, time.Now().Add(-time.Duration(in.Hours)*time.Hour))
		return &struct{ Body []exchange.Sample }{nonNil(ss)}, err
	}))
	o = op(http.MethodPost, "/api/v1/channels/{id}/run", "run-channel", tag,
		"Run a pass now: a cron channel syncs at once, a continuous one reads its source at once; a channel in error is retried", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
		c, err := s.Exchange.Run(ctx, principal(ctx), in.ID)
		return &channelOut{c}, err
	}))
	type pauseIn struct {
		ChannelParam
		Body *struct {
			Reason string `json:"reason,omitempty" maxLength:"500" doc:"Shown with the paused channel"`
		}
	}
	o = op(http.MethodPost, "/api/v1/channels/{id}/pause", "pause-channel", tag, "Pause a channel; it stops within a second", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *pauseIn) (*channelOut, error) {
		reason := ""
		if in.Body != nil {
			reason = in.Body.Reason
		}
		c, err := s.Exchange.Pause(ctx, principal(ctx), in.ID, reason)
		return &channelOut{c}, err
	}))
	o = op(http.MethodPost, "/api/v1/channels/{id}/resume", "resume-channel", tag, "Resume a paused channel", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *ChannelParam) (*channelOut, error) {
		c, err := s.Exchange.Resume(ctx, principal(ctx), in.ID)
		return &channelOut{c}, err
	}))
	type quarantineIn struct {
		ChannelParam
		PageParams
		State string `query:"state" enum:"open,retried,skipped,gone," doc:"Only entries in this state (open: waiting for a fix); all when empty"`
	}
	o = op(http.MethodGet, "/api/v1/channels/{id}/quarantine", "channel-quarantine", tag,
		"Rows of a channel that failed validation at the source (隔离区), oldest first, with the column, the reason and the row, and counts per state; for the node operators of the providing and the consuming department, never the system admin (403). The provider sees rows as its source holds them (view source, values masked by the catalog's default masking); a grant's consumer as the grant delivers them (view delivered: granted items only, masked by the grant, no row outside the grant's row filter)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *quarantineIn) (*struct{ Body exchange.QuarantinePage }, error) {
		pg, err := s.Exchange.QuarantineList(ctx, principal(ctx), in.ID, in.State, in.Page, in.PageSize)
		pg = pg.In(requestLang(ctx))
		return &struct{ Body exchange.QuarantinePage }{pg}, err
	}))
	type retryIn struct {
		ChannelParam
		Body *struct {
			IDs []int64 `json:"ids,omitempty" maxItems:"1000" doc:"Quarantine entries to retry; all open ones when empty"`
		}
	}
	o = op(http.MethodPost, "/api/v1/channels/{id}/quarantine/retry", "retry-quarantine", tag,
		"After a fix at the source: read the quarantined rows again, check them against the rules and send those that pass; answers what became of each", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *retryIn) (*struct{ Body exchange.QuarantineResult }, error) {
		var ids []int64
		if in.Body != nil {
			ids = in.Body.IDs
		}
		res, err := s.Exchange.QuarantineRetry(ctx, principal(ctx), in.ID, ids)
		res = res.In(requestLang(ctx))
		return &struct{ Body exchange.QuarantineResult }{res}, err
	}))
	type skipIn struct {
		ChannelParam
		Body struct {
			IDs    []int64 `json:"ids" minItems:"1" maxItems:"1000" doc:"Quarantine entries to skip"`
			Reason string  `json:"reason,omitempty" maxLength:"500" doc:"Why the rows are not delivered (audited)"`
		}
	}
	o = op(http.MethodPost, "/api/v1/channels/{id}/quarantine/skip", "skip-quarantine", tag,
		"Resolve quarantined rows without delivering them; answers what became of each", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *skipIn) (*struct{ Body exchange.QuarantineResult }, error) {
		res, err := s.Exchange.QuarantineSkip(ctx, principal(ctx), in.ID, in.Body.IDs, in.Body.Reason)
		res = res.In(requestLang(ctx))
		return &struct{ Body exchange.QuarantineResult }{res}, err
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/exchange/stats", "exchange-stats", tag,
		"Exchange totals for the city and per department, as provider and as consumer", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body exchange.CityStats }, error) {
			st, err := s.Exchange.Stats(ctx, principal(ctx))
			return &struct{ Body exchange.CityStats }{st}, err
		}))
}
