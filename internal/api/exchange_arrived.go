package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/exchange"
)

// registerArrived adds what a channel delivered, for its consumer.
func (s *Server) registerArrived() {
	if s.Exchange == nil {
		return
	}
	o := op(http.MethodGet, "/api/v1/channels/{id}/arrived", "channel-arrived", "exchange",
		"What a channel delivered: a sample of the target's rows as delivered, and its deliveries (交换条次) set beside the row counts", true)
	o.Description = "For people of the consuming department only. At most 5 rows, only the columns the grant or mandate delivers now, " +
		"values as stored at the target (masked before they left the provider). Each reading with rows is audited (channel.arrived). " +
		"A target on a front-end node is not read by the platform (state on_node). The notes are in the Accept-Language's language."
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(s.api, o, handle(s, func(ctx context.Context, in *ChannelParam) (*struct{ Body exchange.Arrived }, error) {
		a, err := s.Exchange.Arrived(ctx, principal(ctx), in.ID, requestLang(ctx))
		return &struct{ Body exchange.Arrived }{a}, err
	}))
}
