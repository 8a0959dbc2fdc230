package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/notice"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// Deps are the services the API exposes.
type Deps struct {
	Org     *org.Service
	Audit   *audit.Log
	Catalog *catalog.Service
	Lists   *lists.Service
	Sharing *sharing.Service
	Gateway *gateway.Service
	Nodes   *node.Registry // nil: no node endpoints
	Logger  *slog.Logger
	Version string
	// Exchange manages channels; nil leaves the exchange's routes out.
	Exchange *exchange.Manager
	// Aggregation runs aggregation mandates (归集任务); nil leaves their routes out.
	Aggregation *aggregation.Service
	// Notices are the callers' notices (站内信); nil leaves their routes out.
	Notices *notice.Service
	// Ledger is the evidence ledger (存证账本) and Anchors its anchoring; nil leaves their routes out.
	Ledger  *ledger.Log
	Anchors *ledger.Anchors
	// DemoNodes stops and starts the demo's front-end nodes; nil leaves their routes out.
	DemoNodes DemoNodes
	// BaseDB keeps the base databases (基础库); nil leaves their routes out.
	BaseDB *basedb.Service
	// Licences is the licence library (电子证照库); nil leaves its routes out.
	Licences *licence.Service
	// Seals is the seal CA (电子印章) of licence files; nil leaves its route out.
	Seals interface{ CACertificatePEM() []byte }
	// Geo keeps the geospatial layers (地理空间); nil leaves /geo and its routes out.
	Geo *geo.Service
	// Assess makes and keeps the authority's reports (考核, 共享成效, 项目验收); nil leaves their routes out.
	Assess *assess.Service
}

// Server holds the API's dependencies.
type Server struct {
	Deps
	api huma.API
}

// ErrorBody is every error response: a stable code, a message for people and
// per-field details for invalid input.
type ErrorBody struct {
	status   int
	Code     string               `json:"code" doc:"Stable error code: invalid, not_found, conflict, unauthorized, forbidden, rate_limited, too_large, unavailable, internal"`
	Message  string               `json:"message" doc:"Human-readable description"`
	Details  map[string]string    `json:"details,omitempty" doc:"Problems per field, keyed by field name"`
	Problems []catalog.Problem    `json:"problems,omitempty" doc:"Every problem of an imported file, with sheet, row and column"`
	Rows     []licence.RowProblem `json:"rows,omitempty" doc:"Every problem of an imported licence file, with row and column"`
}

func (e *ErrorBody) Error() string  { return e.Code + ": " + e.Message }
func (e *ErrorBody) GetStatus() int { return e.status }

var setErrorModel sync.Once

// humaError turns huma's own errors (validation, body size, unknown fields)
// into ErrorBody; validation failures are 400s with per-field details.
func humaError(status int, msg string, causes ...error) huma.StatusError {
	body := &ErrorBody{status: status, Code: codeForStatus(status), Message: msg}
	if status == http.StatusUnprocessableEntity {
		body.status, body.Code = http.StatusBadRequest, errs.Invalid
	}
	if status >= 500 {
		body.Message = "internal error"
		return body
	}
	for _, c := range causes {
		var d *huma.ErrorDetail
		if errors.As(c, &d) {
			if body.Details == nil {
				body.Details = map[string]string{}
			}
			field := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(d.Location, "body."), "query."), "path.")
			if field == "body" || field == "" {
				field = "body"
			}
			if prev, ok := body.Details[field]; ok {
				body.Details[field] = prev + "; " + d.Message
			} else {
				body.Details[field] = d.Message
			}
		}
	}
	if body.status == http.StatusBadRequest && len(body.Details) > 0 && msg == "validation failed" {
		body.Message = "invalid input"
	}
	return body
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return errs.Invalid
	case http.StatusUnauthorized:
		return errs.Unauthorized
	case http.StatusForbidden:
		return errs.Forbidden
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return errs.NotFound
	case http.StatusConflict:
		return errs.Conflict
	case http.StatusRequestEntityTooLarge:
		return errs.TooLarge
	case http.StatusTooManyRequests:
		return errs.RateLimited
	case http.StatusServiceUnavailable:
		return errs.Unavailable
	}
	if status >= 500 {
		return errs.Internal
	}
	return errs.Invalid
}

// schemaName prefixes the schemas of domain types with their package, so
// that audit.Entry and catalog.Entry become AuditEntry and CatalogEntry.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	const internal = "github.com/govshare/govshare/internal/"
	if pkg, ok := strings.CutPrefix(t.PkgPath(), internal); ok && pkg != "api" && t.Name() != "" {
		prefix := strings.ToUpper(pkg[:1]) + pkg[1:]
		if !strings.HasPrefix(name, prefix) {
			name = prefix + name
		}
	}
	return name
}

// Register adds the API's routes to r and returns the API, whose OpenAPI
// document is served at /openapi.json.
func Register(r chi.Router, d Deps) huma.API {
	setErrorModel.Do(func() { huma.NewError = humaError })
	config := huma.DefaultConfig("govshare 政务数据共享交换平台 API", d.Version)
	config.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	config.Info.Description = "REST API of govshare. Authenticate with POST /api/v1/session, then send Authorization: Bearer <token>. " +
		"Errors are JSON objects {code, message, details}."
	config.Info.License = &huma.License{Name: "Apache-2.0", Identifier: "Apache-2.0"}
	config.CreateHooks = nil // no $schema fields or Link headers in responses
	config.DocsPath = ""     // the hosted docs page loads scripts from a CDN; the console links the document instead
	config.SchemasPath = ""
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "A session token from POST /api/v1/session or an API token"},
	}
	hapi := humachi.New(r, config)
	s := &Server{Deps: d, api: hapi}
	hapi.UseMiddleware(s.authenticate)
	s.registerOrg()
	s.registerAudit()
	s.registerCatalog()
	s.registerMounts()
	s.registerTransfer()
	s.registerLists()
	s.registerSharing()
	s.registerApps()
	s.registerExchange()
	s.registerArrived()
	s.registerAggregation()
	s.registerBaseDB()
	if d.Nodes != nil {
		s.registerNodes()
	}
	if d.Notices != nil {
		s.registerNotices()
	}
	if d.Ledger != nil {
		s.registerLedger(r)
	}
	if d.DemoNodes != nil && d.Nodes != nil {
		s.registerDemoNodes()
	}
	if d.Licences != nil {
		s.registerLicences()
	}
	if d.Seals != nil {
		s.registerSeals()
	}
	if d.Geo != nil {
		s.registerGeo(r)
	}
	if d.Assess != nil {
		s.registerAssess()
	}
	return hapi
}

type (
	principalKey struct{}
	addrKey      struct{}
)

// authenticate resolves the bearer token of operations that need one. A
// failure is audited and answered with 401.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	addr := clientAddr(ctx.RemoteAddr())
	ctx = huma.WithValue(ctx, langKey{}, errs.Lang(ctx.Header("Accept-Language"), "en"))
	if len(ctx.Operation().Security) == 0 {
		next(huma.WithValue(ctx, addrKey{}, addr))
		return
	}
	tok, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	var p org.Principal
	var err error = org.ErrMissingToken
	if ok {
		p, err = s.Org.Authenticate(ctx.Context(), strings.TrimSpace(tok), addr)
	}
	if err != nil {
		if errs.Is(err, errs.Unauthorized) {
			s.Audit.Record(ctx.Context(), audit.Entry{Actor: "anonymous", Action: "auth.check", Target: ctx.Operation().Method + " " + ctx.URL().Path,
				Outcome: audit.Denied, ClientAddr: addr, Detail: org.DenialDetail(err)})
		}
		body := s.errorBody(ctx.Context(), err)
		huma.WriteErr(s.api, ctx, body.status, body.Message)
		return
	}
	next(huma.WithValue(ctx, principalKey{}, p))
}

type langKey struct{}

// requestLang is the language the caller asked for with Accept-Language:
// zh-CN or en (the default).
func requestLang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return "en"
}

func principal(ctx context.Context) org.Principal {
	p, _ := ctx.Value(principalKey{}).(org.Principal)
	return p
}

func clientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(addrKey{}).(string)
	return a
}

func clientAddr(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}

// errorBody maps a domain error to its response, logging internal ones.
func (s *Server) errorBody(ctx context.Context, err error) *ErrorBody {
	var body *ErrorBody
	if errors.As(err, &body) {
		return body
	}
	code, msg, fields := errs.PublicIn(err, requestLang(ctx))
	if code == errs.Internal {
		s.Logger.ErrorContext(ctx, "request failed", "err", err)
	}
	return &ErrorBody{status: errs.Status(code), Code: code, Message: msg, Details: fields}
}

// handle adapts a domain handler so that its errors become ErrorBody.
func handle[I, O any](s *Server, f func(context.Context, *I) (*O, error)) func(context.Context, *I) (*O, error) {
	return func(ctx context.Context, in *I) (*O, error) {
		out, err := f(ctx, in)
		if err != nil {
			return nil, s.errorBody(ctx, err)
		}
		return out, nil
	}
}

var bearer = []map[string][]string{{"bearer": {}}}

// op describes an operation; authenticated ones carry the bearer requirement
// and document the error responses every such operation can give.
func op(method, path, id, tag, summary string, authenticated bool) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Tags: []string{tag}, Summary: summary, MaxBodyBytes: 64 << 10}
	if authenticated {
		o.Security = bearer
		o.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}
	} else {
		o.Errors = []int{http.StatusBadRequest}
	}
	return o
}

// PageParams are the pagination parameters of every list.
type PageParams struct {
	Page     int `query:"page" minimum:"1" default:"1" doc:"Page number, from 1"`
	PageSize int `query:"page_size" minimum:"1" maximum:"200" default:"20" doc:"Items per page"`
}

// Page is one page of a list.
type Page[T any] struct {
	Body struct {
		Items    []T `json:"items"`
		Total    int `json:"total"`
		Page     int `json:"page"`
		PageSize int `json:"page_size"`
	}
}

func page[T any](items []T, total int, p PageParams) *Page[T] {
	out := &Page[T]{}
	if items == nil {
		items = []T{}
	}
	out.Body.Items, out.Body.Total, out.Body.Page, out.Body.PageSize = items, total, max(p.Page, 1), p.PageSize
	if out.Body.PageSize == 0 {
		out.Body.PageSize = 20
	}
	return out
}
