package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/gateway"
)

type (
	appOut struct{ Body gateway.App }
	// AppSecret is an app with its secret, shown this once.
	AppSecret struct {
		gateway.App
		Secret string `json:"secret" doc:"Shown this once; store it safely"`
	}
	appSecretOut struct{ Body AppSecret }
)

// registerApps adds apps (应用凭证) that call data services, and their usage.
func (s *Server) registerApps() {
	a := s.api
	const tag = "services"

	huma.Register(a, op(http.MethodGet, "/api/v1/apps", "list-apps", tag, "The apps of the caller's department (every department's for the security admin)", true),
		handle(s, func(ctx context.Context, in *struct{}) (*struct{ Body []gateway.App }, error) {
			apps, err := s.Gateway.Apps(ctx, principal(ctx))
			return &struct{ Body []gateway.App }{apps}, err
		}))
	o := op(http.MethodPost, "/api/v1/apps", "create-app", tag,
		"Register an app of the caller's department (a data consumer or department admin); the answer holds its secret, shown this once", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body gateway.AppInput }) (*appSecretOut, error) {
		app, secret, err := s.Gateway.CreateApp(ctx, principal(ctx), in.Body)
		return &appSecretOut{AppSecret{app, secret}}, err
	}))
	o = op(http.MethodGet, "/api/v1/apps/{id}", "get-app", tag, "One app", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*appOut, error) {
		app, err := s.Gateway.App(ctx, principal(ctx), in.ID)
		return &appOut{app}, err
	}))
	for _, st := range []struct{ path, state, summary string }{
		{"disable", gateway.AppDisabled, "Disable an app: its calls are refused within a second"},
		{"enable", gateway.AppActive, "Enable a disabled app again"},
	} {
		o = op(http.MethodPost, "/api/v1/apps/{id}/"+st.path, st.path+"-app", tag, st.summary, true)
		o.Errors = append(o.Errors, http.StatusNotFound)
		huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*appOut, error) {
			app, err := s.Gateway.SetAppState(ctx, principal(ctx), in.ID, st.state)
			return &appOut{app}, err
		}))
	}
	o = op(http.MethodPost, "/api/v1/apps/{id}/reveal", "reveal-app-secret", tag,
		"Read, once, the secret of an app issued by the approval of an API grant", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*appSecretOut, error) {
		app, secret, err := s.Gateway.RevealSecret(ctx, principal(ctx), in.ID)
		return &appSecretOut{AppSecret{app, secret}}, err
	}))
	o = op(http.MethodPost, "/api/v1/apps/{id}/rotate", "rotate-app-secret", tag,
		"Replace an app's secret; the answer holds the new one, shown this once, and the old one stops working within a second", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*appSecretOut, error) {
		app, secret, err := s.Gateway.RotateSecret(ctx, principal(ctx), in.ID)
		return &appSecretOut{AppSecret{app, secret}}, err
	}))
	o = op(http.MethodGet, "/api/v1/grants/{id}/download", "download-grant", "sharing",
		"Download a file grant's data as UTF-8 CSV: the granted items, masked, the rows the grant allows (a data consumer of the grant's department)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	o.Responses = map[string]*huma.Response{"200": {Description: "CSV, a header row of item names, then the rows",
		Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*huma.StreamResponse, error) {
		dl, err := s.Gateway.Download(ctx, principal(ctx), in.ID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", `attachment; filename="`+dl.Name()+`"`)
			if err := dl.WriteCSV(ctx, hctx.BodyWriter()); err != nil {
				s.Logger.ErrorContext(ctx, "download", "grant", in.ID, "err", err)
			}
		}}, nil
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/services/usage", "service-usage", tag,
		"Data-service calls per minute, app and service since a time (the caller's department's apps; every department's for the data authority and the security admin)", true),
		handle(s, func(ctx context.Context, in *struct {
			Since     time.Time `query:"since" doc:"Defaults to 24 hours ago"`
			EntryCode string    `query:"entry_code" maxLength:"64"`
		}) (*struct{ Body []gateway.Usage }, error) {
			since := in.Since
			if since.IsZero() {
				since = time.Now().Add(-24 * time.Hour)
			}
			u, err := s.Gateway.Usage(ctx, principal(ctx), since, in.EntryCode)
			return &struct{ Body []gateway.Usage }{u}, err
		}))
}
