package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// servicesActive is the navigation entry of the data-services pages (数据服务);
// tabs tell the services and the apps apart.
const servicesActive = "/services"

// servicesReadme is where the public contract of the data services (the
// request signature) is documented.
const servicesReadme = "https://github.com/govshare/govshare#request-signatures"

// servicesRoutes adds the data-services pages; they belong in the
// authenticated group. Codes contain "/", so a service is named by the
// query parameter code.
func (s *server) servicesRoutes(r chi.Router) {
	r.Get("/services", s.servicesList)
	r.Get("/services/service", s.serviceDetail)
	r.Get("/services/service/openapi.json", s.serviceDoc)
	r.Post("/services/service/try", s.serviceTry)
	r.Get("/services/apps", s.servicesApps)
	r.Post("/services/apps", s.servicesCreateApp)
	r.Post("/services/apps/{id}/rotate", s.servicesSecret("rotate"))
	r.Post("/services/apps/{id}/reveal", s.servicesSecret("reveal"))
	r.Post("/services/apps/{id}/disable", s.servicesAppState(gateway.AppDisabled))
	r.Post("/services/apps/{id}/enable", s.servicesAppState(gateway.AppActive))
}

// servicesTab is one tab of the data-services pages.
type servicesTab struct {
	Key, Href string
	Active    bool
}

// servicesBase fills what every data-services page shows, or answers
// not found when the platform runs without the gateway.
func (s *server) servicesBase(w http.ResponseWriter, r *http.Request, title, tab string, v *view) (map[string]any, bool) {
	if s.Gateway == nil || s.Sharing == nil {
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return nil, false
	}
	v.Title, v.Active = title, servicesActive
	tabs := []servicesTab{{Key: "services.tab.services", Href: "/services"}, {Key: "services.tab.apps", Href: "/services/apps"}}
	for i := range tabs {
		tabs[i].Active = tabs[i].Key == "services.tab."+tab
	}
	return map[string]any{"Tabs": tabs}, true
}

// servicesUserError reports whether err is the user's to correct on the page.
func servicesUserError(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.NotFound, errs.RateLimited, errs.Unavailable, errs.TooLarge:
		return true
	}
	return false
}

// Services.

// serviceRow is one service in a list: a grant the department calls under,
// or an entry the department provides with its API grants.
type serviceRow struct {
	Code, Name, Provider, Consumer string
	Items                          int
	Grants                         int
	RateLimit                      float64
	AppKey                         string
	GrantID                        int64
	Expires                        time.Time
	Mounted                        bool
}

// URL is the address of the service's page.
func (r serviceRow) URL() string { return serviceURL(r.Code) }

func serviceURL(code string) string { return "/services/service?code=" + url.QueryEscape(code) }

func (s *server) servicesList(w http.ResponseWriter, r *http.Request) {
	var v view
	data, ok := s.servicesBase(w, r, "services.title", "services", &v)
	if !ok {
		return
	}
	ctx, p := r.Context(), s.principal(r)
	if p.DepartmentID != 0 {
		gs, _, err := s.Sharing.Grants(ctx, p, sharing.GrantFilter{Role: "consumer", Delivery: sharing.DeliveryAPI, State: sharing.GrantActive, PageSize: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var calls []serviceRow
		for _, g := range gs {
			calls = append(calls, serviceRow{Code: g.EntryCode, Name: g.EntryName, Provider: g.ProviderName, Items: len(g.Items), RateLimit: g.RateLimit,
				AppKey: g.DeliveryRef, GrantID: g.ID, Expires: g.ExpiresAt})
		}
		data["Calls"] = calls
		provided, err := s.servicesProvided(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Provided"] = provided
	}
	all, err := s.Sharing.SeesAll(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if all {
		gs, _, err := s.Sharing.Grants(ctx, p, sharing.GrantFilter{Delivery: sharing.DeliveryAPI, State: sharing.GrantActive, PageSize: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var rows []serviceRow
		for _, g := range gs {
			rows = append(rows, serviceRow{Code: g.EntryCode, Name: g.EntryName, Provider: g.ProviderName, Consumer: g.ConsumerName, Items: len(g.Items),
				RateLimit: g.RateLimit, AppKey: g.DeliveryRef, GrantID: g.ID, Expires: g.ExpiresAt})
		}
		data["All"], data["SeesAll"] = rows, true
	}
	data["Department"] = p.DepartmentID != 0
	v.Data = data
	s.render(w, r, http.StatusOK, "services", v)
}

// servicesProvided lists the published entries of p's department with the
// number of active API grants of each.
func (s *server) servicesProvided(ctx context.Context, p org.Principal) ([]serviceRow, error) {
	yes := true
	res, err := s.Catalog.Search(ctx, p, catalog.Query{ProviderID: p.DepartmentID, Published: &yes, Sort: "name", PageSize: 100})
	if err != nil || len(res.Items) == 0 {
		return nil, err
	}
	gs, _, err := s.Sharing.Grants(ctx, p, sharing.GrantFilter{Role: "provider", Delivery: sharing.DeliveryAPI, State: sharing.GrantActive, PageSize: 1000})
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, g := range gs {
		count[g.EntryCode]++
	}
	var out []serviceRow
	for _, h := range res.Items {
		if h.ShareType == catalog.ShareNone {
			continue
		}
		out = append(out, serviceRow{Code: h.Code, Name: h.Name, Provider: h.ProviderName, Grants: count[h.Code], Mounted: h.Mounted})
	}
	return out, nil
}

// serviceItem is one item of a service as its page describes it.
type serviceItem struct {
	catalog.Item
	Masking      string // the rule applied
	MaskingLabel string
	Listed       string // the negative list's basis, when the item is withheld
	Ops          []string
}

// serviceContext is what the detail page and the try-it panel read: the
// entry in force, the caller's grant if any and the items it may use.
type serviceContext struct {
	Entry    catalog.Entry
	Grant    *sharing.Grant
	Provider bool // the caller's department provides the entry
	Items    []serviceItem
}

// serviceOps are the filter operators of a data service, in the order shown.
var serviceOps = []string{gateway.OpEq, gateway.OpIn, gateway.OpPrefix, gateway.OpGt, gateway.OpGte, gateway.OpLt, gateway.OpLte}

func (s *server) serviceContext(ctx context.Context, p org.Principal, lang, code string) (serviceContext, error) {
	var c serviceContext
	e, err := s.Catalog.Get(ctx, p, code, false)
	if err != nil {
		return c, err
	}
	if e.Status != catalog.StatusPublished {
		return c, errs.New(errs.NotFound, msgEntryUnpublished, code)
	}
	c.Entry, c.Provider = e, p.DepartmentID != 0 && p.DepartmentID == e.ProviderID
	if p.DepartmentID != 0 {
		gs, _, err := s.Sharing.Grants(ctx, p, sharing.GrantFilter{Role: "consumer", EntryCode: code, Delivery: sharing.DeliveryAPI, State: sharing.GrantActive, PageSize: 10})
		if err != nil {
			return c, err
		}
		if len(gs) > 0 {
			c.Grant = &gs[0]
		}
	}
	listed := map[string]string{}
	if s.Lists != nil {
		if listed, err = s.Lists.Items(ctx, code); err != nil {
			return c, err
		}
	}
	for _, it := range e.Items {
		if it.ShareType == catalog.ShareNone {
			continue
		}
		rule := it.Masking
		if c.Grant != nil {
			if !slices.Contains(c.Grant.Items, it.Identifier) {
				continue
			}
			// The grant's rule, unless the catalog's default has since become stricter.
			if g := c.Grant.Masking[it.Identifier]; g != "" && mask.AtLeast(it.Masking, g) == nil {
				rule = g
			}
		}
		if rule == "" {
			rule = mask.None
		}
		// A masked item filters only as a lookup key of the grant (查询条件), by equality.
		ops := serviceOps
		if rule != mask.None {
			ops = nil
			if c.Grant != nil && slices.Contains(c.Grant.Lookup, it.Identifier) {
				ops = []string{gateway.OpEq}
			}
		}
		c.Items = append(c.Items, serviceItem{Item: it, Masking: rule, MaskingLabel: catalogLabel(catalog.Maskings, rule, lang), Listed: listed[it.Identifier], Ops: ops})
	}
	return c, nil
}

// serviceItems are the identifiers of the items a service returns.
func (c serviceContext) itemIDs() []string {
	var ids []string
	for _, it := range c.Items {
		if it.Listed == "" {
			ids = append(ids, it.Identifier)
		}
	}
	return ids
}

// usageSeries is a chart's data: labels and named series of values.
type usageSeries struct {
	Labels []string      `json:"labels"`
	Series []usageValues `json:"series"`
}

type usageValues struct {
	Name   string  `json:"name"`
	Values []int64 `json:"values"`
}

// usageTotals sums usage records.
type usageTotals struct {
	Name                string
	Calls, Errors, Rows int64
	AvgLatency          float64
	latencySum          float64
	AppID               int64
}

func (t *usageTotals) add(u gateway.Usage) {
	t.Calls += u.Calls
	t.Errors += u.Errors
	t.Rows += u.Rows
	t.latencySum += u.LatencyMS * float64(u.Calls)
	if t.Calls > 0 {
		t.AvgLatency = t.latencySum / float64(t.Calls)
	}
}

// usageWindow is how far back the usage charts look.
const usageWindow = 24 * time.Hour

// usageStep is the span of one point of a service's usage chart: 96
// points for 24 hours, as many as the chart's width shows apart.
const usageStep = 15 * time.Minute

// perStep charts calls and errors per usageStep over the window ending
// now (gateway.Buckets), spans without calls at zero, each labelled with
// its start in Beijing time.
func perStep(us []gateway.Usage, now time.Time, calls, errors string) usageSeries {
	b := gateway.Buckets(us, now, usageWindow, usageStep)
	c := usageSeries{Labels: make([]string, len(b)), Series: []usageValues{{Name: calls, Values: make([]int64, len(b))}, {Name: errors, Values: make([]int64, len(b))}}}
	for i, x := range b {
		c.Labels[i] = x.Start.In(beijing).Format("01-02 15:04")
		c.Series[0].Values[i], c.Series[1].Values[i] = x.Calls, x.Errors
	}
	return c
}

// perAppHourly charts each app's calls per hour over the window ending now.
func perAppHourly(us []gateway.Usage, now time.Time) (usageSeries, []usageTotals) {
	end := now.UTC().Truncate(time.Hour)
	start := end.Add(-usageWindow + time.Hour)
	n := int(usageWindow / time.Hour)
	c := usageSeries{Labels: make([]string, n)}
	for i := range n {
		c.Labels[i] = start.Add(time.Duration(i) * time.Hour).In(beijing).Format("01-02 15:00")
	}
	totals := map[int64]*usageTotals{}
	index := map[int64]int{}
	for _, u := range us {
		t, err := time.Parse("2006-01-02T15:04Z", u.Minute)
		if err != nil {
			continue
		}
		tot, ok := totals[u.AppID]
		if !ok {
			tot = &usageTotals{Name: u.AppName, AppID: u.AppID}
			totals[u.AppID] = tot
			index[u.AppID] = len(c.Series)
			c.Series = append(c.Series, usageValues{Name: u.AppName, Values: make([]int64, n)})
		}
		tot.add(u)
		if i := int(t.Truncate(time.Hour).Sub(start) / time.Hour); i >= 0 && i < n {
			c.Series[index[u.AppID]].Values[i] += u.Calls
		}
	}
	var list []usageTotals
	for _, t := range totals {
		list = append(list, *t)
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].Calls > list[j].Calls || list[i].Calls == list[j].Calls && list[i].AppID < list[j].AppID
	})
	return c, list
}

func chartJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *server) serviceDetail(w http.ResponseWriter, r *http.Request) {
	var v view
	data, ok := s.servicesBase(w, r, "services.detail_title", "services", &v)
	if !ok {
		return
	}
	ctx, p, lang := r.Context(), s.principal(r), language(r)
	code := r.URL.Query().Get("code")
	c, err := s.serviceContext(ctx, p, lang, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	us, err := s.Gateway.Usage(ctx, p, time.Now().Add(-usageWindow), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var total usageTotals
	for _, u := range us {
		total.add(u)
	}
	data["S"], data["Code"] = c, code
	data["Path"] = gateway.Prefix + code
	data["DocURL"] = "/services/service/openapi.json?code=" + url.QueryEscape(code)
	data["Readme"] = servicesReadme
	data["Headers"] = []string{gateway.HeaderAppKey, gateway.HeaderTimestamp, gateway.HeaderNonce, gateway.HeaderSignature, gateway.HeaderSignMethod}
	data["Usage"] = chartJSON(perStep(us, time.Now(), s.t(r, "services.usage.calls"), s.t(r, "services.usage.errors")))
	data["Total"] = total
	data["CanTry"] = c.Grant != nil
	data["MaxPageSize"] = gateway.MaxPageSize
	v.Data = data
	s.render(w, r, http.StatusOK, "service", v)
}

// serviceDoc downloads the service's OpenAPI description: for the
// caller's grant, or every shared item for the provider and others.
func (s *server) serviceDoc(w http.ResponseWriter, r *http.Request) {
	if s.Gateway == nil || s.Sharing == nil {
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return
	}
	code := r.URL.Query().Get("code")
	c, err := s.serviceContext(r.Context(), s.principal(r), language(r), code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	ops := map[string][]string{}
	for _, it := range c.Items {
		ops[it.Identifier] = it.Ops
	}
	doc := gateway.ServiceDoc(c.Entry, c.itemIDs(), ops, scheme+"://"+r.Host)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.NewReplacer("/", "-", "\\", "-").Replace(code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="service-%s.openapi.json"`, name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// tryForm turns the try-it panel's form into a data-service query:
// value.ITEM with op.ITEM, the fields ticked, page and page_size. Lists
// (fields, item.in) are comma-separated, each element escaped.
func tryForm(form url.Values, items []serviceItem) string {
	var parts []string
	add := func(name string, values ...string) {
		esc := make([]string, len(values))
		for i, v := range values {
			esc[i] = url.QueryEscape(v)
		}
		parts = append(parts, url.QueryEscape(name)+"="+strings.Join(esc, ","))
	}
	for _, it := range items {
		val := strings.TrimSpace(form.Get("value." + it.Identifier))
		if val == "" {
			continue
		}
		switch op := form.Get("op." + it.Identifier); op {
		case "", gateway.OpEq:
			add(it.Identifier, val)
		case gateway.OpIn:
			var vs []string
			for v := range strings.SplitSeq(val, ",") {
				if v = strings.TrimSpace(v); v != "" {
					vs = append(vs, v)
				}
			}
			add(it.Identifier+"."+op, vs...)
		default:
			add(it.Identifier+"."+op, val)
		}
	}
	if fields := form["fields"]; len(fields) > 0 {
		add("fields", fields...)
	}
	for _, k := range []string{"page", "page_size"} {
		if v := strings.TrimSpace(form.Get(k)); v != "" {
			add(k, v)
		}
	}
	return strings.Join(parts, "&")
}

// tryResult is what the try-it panel shows after a call.
type tryResult struct {
	Lang    string
	Request string
	Error   string
	Code    string
	Total   int64
	Columns []serviceItem
	Rows    [][]string
}

func (s *server) serviceTry(w http.ResponseWriter, r *http.Request) {
	if s.Gateway == nil || s.Sharing == nil {
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.TooLarge, msgFormTooLarge))
		return
	}
	ctx, p, lang := r.Context(), s.principal(r), language(r)
	code := r.PostFormValue("code")
	c, err := s.serviceContext(ctx, p, lang, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	raw := tryForm(r.PostForm, c.Items)
	res := tryResult{Lang: lang, Request: "GET " + gateway.Prefix + code}
	if raw != "" {
		res.Request += "?" + raw
	}
	out, err := s.Gateway.Try(ctx, p, code, raw)
	if err != nil {
		if !servicesUserError(err) {
			s.Logger.ErrorContext(ctx, "try a service", "code", code, "err", err)
		}
		res.Code, res.Error, _ = errs.PublicIn(err, lang)
		if res.Code == errs.Internal {
			res.Error = s.msgs.T(lang, "error.internal")
		}
	} else {
		res.Total = out.Total
		present := map[string]bool{}
		for _, row := range out.Rows {
			for k := range row {
				present[k] = true
			}
		}
		for _, it := range c.Items {
			if present[it.Identifier] {
				res.Columns = append(res.Columns, it)
			}
		}
		for _, row := range out.Rows {
			cells := make([]string, len(res.Columns))
			for i, col := range res.Columns {
				if v, ok := row[col.Identifier]; ok && v != nil {
					cells[i] = mask.Text(v)
				}
			}
			res.Rows = append(res.Rows, cells)
		}
	}
	s.catalogFragment(w, r, "service", "service-try-result", res)
}

// Apps.

// appRow is one app with what the caller may do to it.
type appRow struct {
	gateway.App
	Manage, Toggle bool
}

func (s *server) servicesApps(w http.ResponseWriter, r *http.Request) {
	s.servicesAppsPage(w, r, http.StatusOK, view{}, nil)
}

// servicesAppsPage renders the apps page; secret, when set, is shown once.
func (s *server) servicesAppsPage(w http.ResponseWriter, r *http.Request, status int, v view, secret map[string]any) {
	data, ok := s.servicesBase(w, r, "services.apps_title", "apps", &v)
	if !ok {
		return
	}
	ctx, p := r.Context(), s.principal(r)
	apps, err := s.Gateway.Apps(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]appRow, len(apps))
	for i, a := range apps {
		manage := servicesManagesApps(p, a.DepartmentID)
		rows[i] = appRow{App: a, Manage: manage, Toggle: manage || p.Can(org.ManagePolicies)}
	}
	us, err := s.Gateway.Usage(ctx, p, time.Now().Add(-usageWindow), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	chart, totals := perAppHourly(us, time.Now())
	data["Apps"], data["AllDepartments"] = rows, p.Can(org.ManagePolicies)
	data["CanCreate"] = servicesManagesApps(p, p.DepartmentID)
	data["Usage"], data["Totals"], data["HasUsage"] = chartJSON(chart), totals, len(totals) > 0
	data["Secret"] = secret
	data["Form"] = r.PostForm
	data["Methods"] = []string{gateway.HMACSHA256, gateway.HMACSM3}
	v.Data = data
	s.render(w, r, status, "services_apps", v)
}

// servicesManagesApps mirrors the gateway's rule: the data consumers and
// the admin of a department manage its apps.
func servicesManagesApps(p org.Principal, dept int64) bool {
	return dept != 0 && p.DepartmentID == dept && (p.Can(org.ConsumeData) || p.Can(org.ManageDeptUsers))
}

func (s *server) servicesCreateApp(w http.ResponseWriter, r *http.Request) {
	if s.Gateway == nil {
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	in := gateway.AppInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), SignMethod: r.PostFormValue("sign_method")}
	fields := map[string]string{}
	if v := strings.TrimSpace(r.PostFormValue("rate_limit")); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fields["rate_limit"] = s.t(r, "services.app.rate_invalid")
		}
		in.RateLimit = n
	}
	if len(fields) > 0 {
		s.servicesAppsPage(w, r, http.StatusBadRequest, view{Errors: fields}, nil)
		return
	}
	a, secret, err := s.Gateway.CreateApp(r.Context(), s.principal(r), in)
	if err != nil {
		if !servicesUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.servicesAppsPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	// The secret is shown once, on this response only; the form is emptied.
	r.PostForm = url.Values{}
	s.servicesAppsPage(w, r, http.StatusOK, view{Flash: s.t(r, "services.flash.created", a.Name)}, map[string]any{"App": a, "Secret": secret})
}

func servicesAppID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

// servicesSecret rotates an app's secret or reveals the one its grant's
// approval issued, and shows it once.
func (s *server) servicesSecret(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Gateway == nil {
			s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
			return
		}
		var a gateway.App
		var secret string
		var err error
		if action == "rotate" {
			a, secret, err = s.Gateway.RotateSecret(r.Context(), s.principal(r), servicesAppID(r))
		} else {
			a, secret, err = s.Gateway.RevealSecret(r.Context(), s.principal(r), servicesAppID(r))
		}
		if err != nil {
			if !servicesUserError(err) || errs.Is(err, errs.NotFound) {
				s.fail(w, r, err)
				return
			}
			_, msg, _ := errs.Public(err)
			s.servicesAppsPage(w, r, errs.Status(errs.CodeOf(err)), view{Error: msg}, nil)
			return
		}
		flash := s.t(r, "services.flash.reveal", a.Name)
		if action == "rotate" {
			flash = s.t(r, "services.flash.rotate", a.Name)
		}
		s.servicesAppsPage(w, r, http.StatusOK, view{Flash: flash}, map[string]any{"App": a, "Secret": secret})
	}
}

func (s *server) servicesAppState(state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Gateway == nil {
			s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
			return
		}
		a, err := s.Gateway.SetAppState(r.Context(), s.principal(r), servicesAppID(r), state)
		if err != nil {
			if !servicesUserError(err) || errs.Is(err, errs.NotFound) {
				s.fail(w, r, err)
				return
			}
			_, msg, _ := errs.Public(err)
			s.servicesAppsPage(w, r, errs.Status(errs.CodeOf(err)), view{Error: msg}, nil)
			return
		}
		flash := s.t(r, "services.flash.disabled", a.Name)
		if state == gateway.AppActive {
			flash = s.t(r, "services.flash.active", a.Name)
		}
		s.redirect(w, r, "/services/apps", flash)
	}
}
