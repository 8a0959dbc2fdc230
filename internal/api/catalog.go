package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/catalog"
)

type CodeParam struct {
	Code string `path:"code" maxLength:"40" doc:"Resource code, URL-escaped (e.g. 101001%2F000001)"`
}

type entryOut struct{ Body catalog.Entry }

func (s *Server) registerCatalog() {
	a := s.api
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/entries", "list-entries", "catalog", "Search the catalog (Chinese full text, filters, facets)", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Q           string `query:"q" maxLength:"100" doc:"Words to find in names, summaries, keywords and item names; Chinese queries of two or more characters match as substrings"`
			ProviderID  int64  `query:"provider_id" minimum:"0"`
			Region      string `query:"region" pattern:"^[0-9]{6,12}$" doc:"Entries of the departments of a region and the regions under it"`
			Class       string `query:"class" pattern:"^[1-3]([0-9]{2}([0-9]{3})?)?$" doc:"A classification prefix: 类 (1 digit), 类项 (3) or 类项目 (6)"`
			Category    string `query:"category" enum:"base,thematic,departmental,"`
			ShareType   string `query:"share_type" enum:"unconditional,conditional,none,"`
			OpenType    string `query:"open_type" enum:"open,conditional,closed,"`
			UpdateCycle string `query:"update_cycle" maxLength:"20"`
			Status      string `query:"status" enum:"draft,submitted,approved,returned,published,withdrawn,"`
			Grade       string `query:"grade" enum:"general,important,core,classified,"`
			Mounted     string `query:"mounted" enum:"true,false,"`
			Sort        string `query:"sort" enum:"relevance,name,date," doc:"Relevance when q is given, else most recently updated"`
			Facets      bool   `query:"facets" doc:"Include facet counts"`
			Trees       bool   `query:"trees" doc:"Include the catalog trees (目录树) by department and by class, each counting what matches every filter but its own"`
		}) (*struct{ Body catalog.Result }, error) {
			q := catalog.Query{Q: in.Q, ProviderID: in.ProviderID, Category: in.Category, ShareType: in.ShareType, OpenType: in.OpenType,
				UpdateCycle: in.UpdateCycle, Status: in.Status, Grade: in.Grade, Sort: in.Sort, Page: in.Page, PageSize: in.PageSize, Facets: in.Facets,
				Region: in.Region, Class: in.Class, Trees: in.Trees}
			if in.Mounted != "" {
				m := in.Mounted == "true"
				q.Mounted = &m
			}
			res, err := s.Catalog.Search(ctx, principal(ctx), q)
			return &struct{ Body catalog.Result }{res}, err
		}))
	o := op(http.MethodPost, "/api/v1/catalog/entries", "create-entry", "catalog", "Register an entry as a draft (cataloger of the providing department)", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	o.MaxBodyBytes = 1 << 20
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body catalog.Entry }) (*entryOut, error) {
		e, err := s.Catalog.Create(ctx, principal(ctx), in.Body)
		return &entryOut{e}, err
	}))
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}", "get-entry", "catalog", "An entry: the version in force, or the latest for its department and reviewers (latest=true)", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		CodeParam
		Latest bool `query:"latest"`
	}) (*entryOut, error) {
		e, err := s.Catalog.Get(ctx, principal(ctx), in.Code, in.Latest)
		return &entryOut{e}, err
	}))
	o = op(http.MethodPut, "/api/v1/catalog/entries/{code}", "update-entry", "catalog", "Change an entry; a published one gets a new draft version", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	o.MaxBodyBytes = 1 << 20
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		CodeParam
		Body catalog.Entry
	}) (*entryOut, error) {
		e, err := s.Catalog.Update(ctx, principal(ctx), in.Code, in.Body)
		return &entryOut{e}, err
	}))
	for _, action := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionReturn, catalog.ActionPublish, catalog.ActionWithdraw} {
		o = op(http.MethodPost, "/api/v1/catalog/entries/{code}/"+action, action+"-entry", "catalog", "Workflow: "+action, true)
		o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
		huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
			CodeParam
			Body *struct {
				Reason string `json:"reason,omitempty" maxLength:"1000" doc:"Required to return an entry"`
			}
		}) (*entryOut, error) {
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			e, err := s.Catalog.Transition(ctx, principal(ctx), in.Code, action, reason)
			return &entryOut{e}, err
		}))
	}
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}/sample", "get-entry-sample", "catalog",
		"Sample rows (样例数据) of an entry's mounted table: shared items only, masked by their defaults; values of conditionally shared items for the provider's catalogers only", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *CodeParam) (*struct{ Body catalog.Sample }, error) {
		sample, err := s.Catalog.Sample(ctx, principal(ctx), in.Code)
		return &struct{ Body catalog.Sample }{sample}, err
	}))
	type versionsOut struct {
		Body struct {
			Versions []catalog.VersionInfo  `json:"versions"`
			History  []catalog.HistoryEvent `json:"history"`
		}
	}
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}/versions", "list-entry-versions", "catalog", "Versions and workflow history of an entry", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *CodeParam) (*versionsOut, error) {
		vs, hs, err := s.Catalog.Versions(ctx, principal(ctx), in.Code)
		out := &versionsOut{}
		out.Body.Versions, out.Body.History = nonNil(vs), nonNil(hs)
		return out, err
	}))
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}/versions/{version}", "get-entry-version", "catalog", "One version of an entry", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		CodeParam
		Version int `path:"version" minimum:"1"`
	}) (*entryOut, error) {
		e, err := s.Catalog.Version(ctx, principal(ctx), in.Code, in.Version)
		return &entryOut{e}, err
	}))
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}/diff", "diff-entry-versions", "catalog", "Field-by-field differences between two versions", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		CodeParam
		From int `query:"from" minimum:"1" required:"true"`
		To   int `query:"to" minimum:"1" required:"true"`
	}) (*struct{ Body []catalog.Change }, error) {
		p := principal(ctx)
		a, err := s.Catalog.Version(ctx, p, in.Code, in.From)
		if err != nil {
			return nil, err
		}
		b, err := s.Catalog.Version(ctx, p, in.Code, in.To)
		if err != nil {
			return nil, err
		}
		return &struct{ Body []catalog.Change }{nonNil(catalog.Diff(a, b))}, nil
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/enums", "catalog-enums", "catalog", "Allowed values with Chinese labels", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body map[string]catalog.Enum }, error) {
			return &struct{ Body map[string]catalog.Enum }{catalog.AllEnums()}, nil
		}))
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
