package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// Prefix is where data services are served: Prefix + resource code.
const Prefix = "/svc/"

// maxBody bounds a request body (a proxied API call's).
const maxBody = 1 << 20

// Result is a data-service answer.
type Result struct {
	Total int64            `json:"total"`
	Rows  []map[string]any `json:"rows"`
}

// call is what one data-service call did, for metering and audit.
type call struct {
	start  time.Time
	app    App
	code   string
	items  []string
	rows   int
	status int
	err    error
	addr   string
	actor  string // a console user trying the service; empty for an app
	action string // audit action; empty means service.call
}

// ServeHTTP answers GET /svc/{code}?item=value&page=N&page_size=M&fields=a,b
// for apps holding an API grant of the entry.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{start: time.Now(), code: strings.TrimPrefix(r.URL.Path, Prefix), addr: r.RemoteAddr}
	res, err := s.serve(r.Context(), r, c)
	c.err = err
	if err != nil {
		code, msg, fields := errs.PublicIn(err, errs.Lang(r.Header.Get("Accept-Language"), "en"))
		c.status = errs.Status(code)
		body := map[string]any{"code": code, "message": msg}
		if len(fields) > 0 {
			body["details"] = fields
		}
		var rl *rateLimited
		if errors.As(err, &rl) {
			w.Header().Set("Retry-After", strconv.Itoa(int(rl.after.Seconds()+0.999)))
		}
		writeJSON(w, c.status, body)
	} else {
		c.status = http.StatusOK
		writeJSON(w, http.StatusOK, res)
	}
	s.meter(r.Context(), c)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Service) serve(ctx context.Context, r *http.Request, c *call) (*Result, error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return nil, errs.New(errs.Invalid, msgMethod, r.Method)
	}
	var body []byte // a GET has none: http.NoBody
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1)); err != nil {
			return nil, errs.WrapMsg(err, errs.Invalid, msgReadBody)
		}
	}
	if len(body) > maxBody {
		return nil, errs.New(errs.TooLarge, msgBodyTooLarge, maxBody)
	}
	key, err := s.verifier.Verify(ctx, r, body)
	if err != nil {
		c.app.AppKey = r.Header.Get(HeaderAppKey)
		return nil, err
	}
	cred, err := s.credential(ctx, key)
	if err != nil {
		return nil, err
	}
	c.app = cred.app
	if cred.public != 0 {
		return s.servePublic(ctx, r, body, cred, c)
	}
	if ok, after := s.limiter.Allow("app:"+key, cred.app.RateLimit, cred.app.Burst); !ok {
		return nil, &rateLimited{after: after, err: errs.New(errs.RateLimited, msgAppRate, key, cred.app.RateLimit, after.Round(time.Millisecond).String())}
	}
	return s.answer(ctx, sharing.Access{Path: sharing.PathService, Department: cred.app.DepartmentID, Actor: key, ClientAddr: r.RemoteAddr,
		AppID: cred.app.ID}, r.URL.RawQuery, r, body, c)
}

// answer runs a query after the caller is known: the policy check, the
// grant's rate limit, then the mounted table or API.
func (s *Service) answer(ctx context.Context, a sharing.Access, rawQuery string, r *http.Request, body []byte, c *call) (*Result, error) {
	q, err := ParseQuery(rawQuery)
	if err != nil {
		return nil, err
	}
	filters := make([]sharing.Condition, len(q.Filters))
	for i, f := range q.Filters {
		filters[i] = sharing.Condition{Item: f.Item, Op: f.Op, Values: f.Values}
	}
	a.Code, a.Items, a.Filters = c.code, q.Fields, filters
	d, err := s.sharing.Check(ctx, a)
	if err != nil {
		return nil, err
	}
	if g := d.Grant; g.RateLimit > 0 {
		if ok, after := s.limiter.Allow("grant:"+strconv.FormatInt(g.ID, 10), g.RateLimit, max(1, int(g.RateLimit))); !ok {
			return nil, &rateLimited{after: after, err: errs.New(errs.RateLimited, msgGrantRate, g.ID, g.RateLimit, after.Round(time.Millisecond).String())}
		}
	}
	c.items = d.Items
	reader, err := s.reader(ctx, c.code, catalog.MountTable)
	if errs.Is(err, errs.Unavailable) { // an app's call and the console's try-it panel alike
		if api, aerr := s.reader(ctx, c.code, catalog.MountAPI); aerr == nil {
			return s.proxy(ctx, r, body, api, q, d, c)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.query(ctx, reader, q, d, c)
}

// msgSystemAdminNoData refuses the system admin a preview or a download:
// the system admin manages accounts, regions, departments and settings and
// moves no business data (三员分立).
var msgSystemAdminNoData = errs.Define("gateway.data.system_admin",
	"the system admin manages accounts, regions, departments and settings and reads no business data: previews and downloads are for the data consumers of a department holding a grant",
	"系统管理员管理账号、区划、部门和系统设置，不接触业务数据：数据预览和下载仅供持有授权的部门的数据使用者使用")

// Try runs a query for a console user under their department's grant (the
// try-it panel): the same policy check, masking, metering and audit as an
// app's call, without a signature.
func (s *Service) Try(ctx context.Context, p org.Principal, code, rawQuery string) (*Result, error) {
	c := &call{start: time.Now(), code: code, addr: p.ClientAddr, actor: p.Username, app: App{DepartmentID: p.DepartmentID, DepartmentName: p.DepartmentName}}
	var res *Result
	var err error = errs.New(errs.Forbidden, msgQueryConsumer)
	if p.Has(org.SystemAdmin) {
		err = errs.New(errs.Forbidden, msgSystemAdminNoData)
	}
	if p.Can(org.ConsumeData) && !p.Has(org.SystemAdmin) {
		res, err = s.answer(ctx, sharing.Access{Path: sharing.PathPreview, Department: p.DepartmentID, Actor: p.Username, ClientAddr: p.ClientAddr},
			rawQuery, nil, nil, c)
	} else {
		err = s.denied(ctx, p, "service.call", "catalog:"+code, err)
	}
	c.err, c.status = err, http.StatusOK
	if err != nil {
		code, _, _ := errs.Public(err)
		c.status = errs.Status(code)
	}
	s.meter(ctx, c)
	return res, err
}

// readerTTL bounds how long a mount's location is reused: a remount takes
// effect within it.
const readerTTL = 500 * time.Millisecond

type readers struct {
	mu sync.Mutex
	m  map[string]cachedReader
}

type cachedReader struct {
	r    catalog.Reader
	read time.Time
}

func (s *Service) reader(ctx context.Context, code, kind string) (catalog.Reader, error) {
	key := kind + "|" + code
	s.readers.mu.Lock()
	c, ok := s.readers.m[key]
	s.readers.mu.Unlock()
	if ok && time.Since(c.read) < readerTTL {
		return c.r, nil
	}
	r, err := s.cat.Reader(ctx, code, kind)
	if err != nil {
		return r, err
	}
	s.readers.mu.Lock()
	if len(s.readers.m) >= 10000 {
		clear(s.readers.m)
	}
	s.readers.m[key] = cachedReader{r, time.Now()}
	s.readers.mu.Unlock()
	return r, nil
}

// query reads one page of a mounted table under decision d.
func (s *Service) query(ctx context.Context, reader catalog.Reader, q Query, d sharing.Decision, c *call) (*Result, error) {
	src, err := s.sources.get(ctx, reader.Driver, reader.DSN)
	if err != nil {
		return nil, err
	}
	columns := make([]string, len(d.Items))
	for i, id := range d.Items {
		columns[i] = reader.Column(id)
	}
	var filters []connector.Filter
	for _, f := range q.Filters {
		filters = append(filters, connector.Filter{Column: reader.Column(f.Item), Op: f.Op, Values: anys(f.Values)})
	}
	for _, f := range d.Filter {
		filters = append(filters, connector.Filter{Column: reader.Column(f.Item), Op: f.Op, Values: anys(f.Values)})
	}
	var order []string
	for _, it := range d.Entry.Items {
		if it.Key {
			order = append(order, reader.Column(it.Identifier))
		}
	}
	if len(order) == 0 {
		order = columns[:1]
	}
	rows, total, err := src.Query(ctx, reader.Mount.Table, columns, filters, order, q.PageSize, q.Offset())
	if err != nil {
		return nil, err
	}
	formats, err := src.Formats(ctx, reader.Mount.Table, columns)
	if err != nil {
		return nil, err
	}
	formats = itemFormats(formats, d.Entry, d.Items)
	rules := make([]string, len(d.Items))
	for j, id := range d.Items {
		rules[j] = d.Masking[id]
	}
	res := &Result{Total: total, Rows: make([]map[string]any, len(rows))}
	masker := d.Masker()
	for i, row := range rows {
		m := make(map[string]any, len(d.Items))
		for j, id := range d.Items {
			m[id] = jsonValue(formats[j], masker, rules[j], row[j])
		}
		res.Rows[i] = m
	}
	c.rows = len(rows)
	return res, nil
}

// proxy calls the provider's mounted API with the granted items'
// parameters and returns only granted items of its answer, masked.
func (s *Service) proxy(ctx context.Context, r *http.Request, body []byte, api catalog.Reader, q Query, d sharing.Decision, c *call) (*Result, error) {
	m := api.Mount
	u, err := url.Parse(m.URL)
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgMountedURL)
	}
	params := u.Query()
	for _, f := range q.Filters {
		if f.Op != OpEq {
			return nil, errs.New(errs.Invalid, msgProxyEqOnly, f.Item, f.Op)
		}
		name := f.Item
		if i := slices.IndexFunc(m.Params, func(p catalog.APIParam) bool { return p.Item == f.Item }); i >= 0 {
			name = m.Params[i].Name
		}
		params.Set(name, f.Values[0])
	}
	u.RawQuery = params.Encode()
	method := m.Method
	if method == "" {
		method = http.MethodGet
	}
	// Only the granted items' values reach the provider: the caller's own
	// body is not forwarded; a POST carries the parameters as JSON.
	var fwd []byte
	if method == http.MethodPost {
		vals := map[string]string{}
		for k := range params {
			vals[k] = params.Get(k)
		}
		fwd, _ = json.Marshal(vals)
		u.RawQuery = ""
	}
	answer, err := s.callProvider(ctx, d.Entry, method, u, fwd)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := json.Unmarshal(answer, &raw); err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgNotJSONAnswer)
	}
	var records []any
	switch v := raw.(type) {
	case []any:
		records = v
	case map[string]any:
		records = []any{v}
		for _, k := range []string{"rows", "data", "items", "records"} {
			if list, ok := v[k].([]any); ok {
				records = list
				break
			}
		}
	}
	res := &Result{Rows: []map[string]any{}}
	masker := d.Masker()
	for _, rec := range records {
		obj, ok := rec.(map[string]any)
		if !ok || !d.Filter.Match(obj) {
			continue
		}
		out := make(map[string]any, len(d.Items))
		for _, id := range d.Items {
			if v, ok := obj[id]; ok {
				out[id] = masker.Apply(d.Masking[id], v)
			}
		}
		res.Rows = append(res.Rows, out)
	}
	res.Total = int64(len(res.Rows))
	c.rows = len(res.Rows)
	return res, nil
}

func anys(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// meter counts and audits one call; the audit entry is committed before
// the handler returns (group commit).
func (s *Service) meter(ctx context.Context, c *call) {
	ctx = context.WithoutCancel(ctx) // a client that hangs up is audited all the same
	latency := time.Since(c.start)
	failed := c.status != http.StatusOK
	if c.app.ID != 0 {
		s.usage.add(c.start, c.app.ID, c.code, c.rows, failed, latency)
	}
	outcome := audit.Success
	switch {
	case c.status == http.StatusUnauthorized || c.status == http.StatusForbidden || c.status == http.StatusTooManyRequests:
		outcome = audit.Denied
	case failed:
		outcome = audit.Failure
	}
	actor := "app:" + c.app.AppKey
	if c.actor != "" {
		actor = c.actor
	}
	action := c.action
	if action == "" {
		action = "service.call"
	}
	e := audit.Entry{Actor: actor, DepartmentID: c.app.DepartmentID, Department: c.app.DepartmentName, Action: action,
		Target: "catalog:" + c.code, Outcome: outcome, ClientAddr: c.addr,
		Detail: callDetail(c, latency)}
	if err := s.calls.Record(ctx, e); err != nil {
		s.Log.ErrorContext(ctx, "audit service call", "err", err, "code", c.code)
	}
}

// rateLimited is a refusal that says when to retry.
type rateLimited struct {
	after time.Duration
	err   error
}

func (e *rateLimited) Error() string { return e.err.Error() }
func (e *rateLimited) Unwrap() error { return e.err }
