package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/catalog"
)

func (s *Server) registerMounts() {
	a := s.api
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/datasources", "list-datasources", "mounting", "Datasources of the caller's department", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*struct{ Body []catalog.Datasource }, error) {
			ds, err := s.Catalog.Datasources(ctx, principal(ctx))
			return &struct{ Body []catalog.Datasource }{nonNil(ds)}, err
		}))
	o := op(http.MethodPost, "/api/v1/catalog/datasources", "create-datasource", "mounting", "Register a database of the caller's department (PostgreSQL, MySQL/MariaDB or SQLite)", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body catalog.Datasource }) (*struct{ Body catalog.Datasource }, error) {
		d, err := s.Catalog.CreateDatasource(ctx, principal(ctx), in.Body)
		return &struct{ Body catalog.Datasource }{d}, err
	}))
	o = op(http.MethodGet, "/api/v1/catalog/datasources/{id}/tables", "list-datasource-tables", "mounting", "Tables and views of a datasource", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body []string }, error) {
		ts, err := s.Catalog.Tables(ctx, principal(ctx), in.ID)
		return &struct{ Body []string }{nonNil(ts)}, err
	}))
	o = op(http.MethodGet, "/api/v1/catalog/entries/{code}/mounts", "list-mounts", "mounting", "An entry's mounts with their check results", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *CodeParam) (*struct{ Body []catalog.Mount }, error) {
		ms, err := s.Catalog.Mounts(ctx, principal(ctx), in.Code)
		return &struct{ Body []catalog.Mount }{nonNil(ms)}, err
	}))
	o = op(http.MethodPost, "/api/v1/catalog/entries/{code}/mounts", "create-mount", "mounting", "Mount an entry to a table (checked against the live schema), an API or a file set", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		CodeParam
		Body catalog.Mount
	}) (*struct{ Body catalog.Mount }, error) {
		m, err := s.Catalog.AddMount(ctx, principal(ctx), in.Code, in.Body)
		return &struct{ Body catalog.Mount }{m}, err
	}))
	type mountParam struct {
		CodeParam
		ID int64 `path:"id" minimum:"1"`
	}
	o = op(http.MethodPost, "/api/v1/catalog/entries/{code}/mounts/{id}/check", "check-mount", "mounting", "Check a table mount against the live schema again", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *mountParam) (*struct{ Body catalog.Mount }, error) {
		m, err := s.Catalog.RecheckMount(ctx, principal(ctx), in.Code, in.ID)
		return &struct{ Body catalog.Mount }{m}, err
	}))
	o = op(http.MethodDelete, "/api/v1/catalog/entries/{code}/mounts/{id}", "delete-mount", "mounting", "Remove a mount", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *mountParam) (*struct{}, error) {
		return nil, s.Catalog.RemoveMount(ctx, principal(ctx), in.Code, in.ID)
	}))
	type countsOut struct {
		Body struct {
			Departments []catalog.DepartmentCount `json:"departments"`
			Total       catalog.DepartmentCount   `json:"total"`
		}
	}
	huma.Register(a, op(http.MethodGet, "/api/v1/catalog/counts", "catalog-counts", "catalog", "Published and mounted entries per department and in all", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*countsOut, error) {
			ds, total, err := s.Catalog.Counts(ctx)
			out := &countsOut{}
			out.Body.Departments, out.Body.Total = nonNil(ds), total
			return out, err
		}))
}
