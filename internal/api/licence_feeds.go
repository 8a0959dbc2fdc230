package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/licence"
)

// registerLicenceFeeds adds the routes of the licence feeds (证照汇聚): the
// channels that carry an issuing department's licences into the library.
func (s *Server) registerLicenceFeeds() {
	a, L := s.api, s.Licences
	huma.Register(a, op(http.MethodGet, "/api/v1/licence-feeds", "list-licence-feeds", "licences",
		"The licence feeds of the caller's department: the channels that carry its licences into the library, or that its data authority mandated", true),
		handle(s, func(ctx context.Context, in *struct{}) (*struct{ Body []licence.Feed }, error) {
			fs, err := L.Feeds(ctx, principal(ctx))
			return &struct{ Body []licence.Feed }{fs}, err
		}))
	type feedRef struct {
		Channel string `path:"channel" maxLength:"64" doc:"The feed's exchange channel"`
	}
	o := op(http.MethodGet, "/api/v1/licence-feeds/{channel}", "get-licence-feed", "licences", "A licence feed with its counts and its channel's state", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *feedRef) (*struct{ Body licence.Feed }, error) {
		f, err := L.Feed(ctx, principal(ctx), in.Channel)
		return &struct{ Body licence.Feed }{f}, err
	}))
	type feedRowsOut struct {
		Body struct {
			Items []licence.FeedRow `json:"items"`
			Total int               `json:"total"`
		}
	}
	o = op(http.MethodGet, "/api/v1/licence-feeds/{channel}/quarantine", "licence-feed-quarantine", "licences",
		"The rows of a feed set aside (wrong check character, bad holder ID, another type, a duplicate, a deletion), with the field and the rule; for the issuing department's staff", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Channel  string `path:"channel" maxLength:"64" doc:"The feed's exchange channel"`
		All      bool   `query:"all" doc:"Also the rows resolved since (the same source row issued later)"`
		Page     int    `query:"page" minimum:"0"`
		PageSize int    `query:"page_size" minimum:"0" maximum:"500"`
	}) (*feedRowsOut, error) {
		rows, n, err := L.FeedRows(ctx, principal(ctx), in.Channel, in.All, in.Page, in.PageSize)
		out := &feedRowsOut{}
		lang := requestLang(ctx)
		for i := range rows {
			rows[i].Reason = rows[i].Text.In(lang)
		}
		if rows == nil {
			rows = []licence.FeedRow{}
		}
		out.Body.Items, out.Body.Total = rows, n
		return out, err
	}))
	o = op(http.MethodPut, "/api/v1/licence-feeds/{channel}/mapping", "map-licence-feed", "licences",
		"Set which licence field each source column feeds (column → field code; \"\": none); columns not named map by their name (a field's code or label)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Channel string `path:"channel" maxLength:"64" doc:"The feed's exchange channel"`
		Body    struct {
			Mapping map[string]string `json:"mapping" doc:"Source column → licence field (number, holder_name, holder_id, identifier, serial, issued_on, valid_from, valid_until, type, or a surface item's code)"`
		}
	}) (*struct{ Body licence.Feed }, error) {
		f, err := L.SetFeedMapping(ctx, principal(ctx), in.Channel, in.Body.Mapping)
		return &struct{ Body licence.Feed }{f}, err
	}))
}
