package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// catalogActive is the navigation entry every page of the catalog shows as
// current; the tabs tell the pages apart.
const catalogActive = "/catalog"

const (
	catalogPageSize = 20
	// catalogMaxItems bounds the information items a form may carry.
	catalogMaxItems = 500
	// catalogFormBytes bounds an entry form.
	catalogFormBytes = 1 << 20
)

// catalogRoutes adds the pages of the resource catalog (资源目录); they
// belong in the authenticated group. Codes contain "/", so an entry is
// named by the query parameter code.
func (s *server) catalogRoutes(r chi.Router) {
	r.Get("/catalog", s.catalogBrowse)
	r.Get("/catalog/entry", s.catalogEntry)
	r.Get("/catalog/new", s.catalogNew)
	r.Post("/catalog/new", s.catalogCreate)
	r.Get("/catalog/edit", s.catalogEdit)
	r.Post("/catalog/edit", s.catalogSave)
	r.Post("/catalog/validate", s.catalogValidate)
	r.Post("/catalog/workflow", s.catalogWorkflow)
	r.Get("/catalog/diff", s.catalogDiff)
	r.Get("/catalog/datasource-tables", s.catalogTables)
	r.Post("/catalog/mounts", s.catalogAddMount)
	r.Post("/catalog/mounts/recheck", s.catalogRecheckMount)
	r.Post("/catalog/mounts/remove", s.catalogRemoveMount)
	r.Get("/catalog/review", s.catalogReview)
	r.Get("/catalog/import", s.catalogImportPage)
	r.Post("/catalog/import", s.catalogImport)
	r.Get("/catalog/export", s.catalogExport)
	r.Get("/catalog/template.xlsx", s.catalogTemplate)
	r.Get("/catalog/datasources", s.catalogDatasources)
	r.Post("/catalog/datasources", s.catalogCreateDatasource)
	r.Get("/catalog/stats", s.catalogStats)
}

// catalogTab is one tab of the catalog's pages.
type catalogTab struct {
	Key, Href string
	Active    bool
}

// catalogRole is what the caller may do in the catalog.
type catalogRole struct {
	Cataloger bool // catalogs for their own department
	Reviewer  bool // an approver of the data authority
}

func (s *server) catalogRoleOf(ctx context.Context, p org.Principal) (catalogRole, error) {
	r := catalogRole{Cataloger: p.Can(org.EditCatalog) && p.DepartmentID != 0}
	if p.Can(org.ReviewCatalog) && p.DepartmentID != 0 {
		d, err := s.Org.Department(ctx, p.DepartmentID)
		if err != nil {
			return r, err
		}
		r.Reviewer = d.Kind == org.KindAuthority
	}
	return r, nil
}

// catalogBase fills what every page of the catalog shows: the title, the
// navigation and the tabs the caller may open.
func (s *server) catalogBase(r *http.Request, title, tab string, v *view) (map[string]any, catalogRole, error) {
	p := s.principal(r)
	role, err := s.catalogRoleOf(r.Context(), p)
	if err != nil {
		return nil, role, err
	}
	v.Title, v.Active = title, catalogActive
	tabs := []catalogTab{{Key: "catalog.tab.browse", Href: "/catalog"}}
	if role.Reviewer {
		tabs = append(tabs, catalogTab{Key: "catalog.tab.review", Href: "/catalog/review"})
	}
	if role.Cataloger {
		tabs = append(tabs, catalogTab{Key: "catalog.tab.import", Href: "/catalog/import"})
	}
	if catalogManagesSources(p) {
		tabs = append(tabs, catalogTab{Key: "catalog.tab.datasources", Href: "/catalog/datasources"})
	}
	tabs = append(tabs, catalogTab{Key: "catalog.tab.stats", Href: "/catalog/stats"})
	for i := range tabs {
		tabs[i].Active = tabs[i].Key == "catalog.tab."+tab
	}
	return map[string]any{"Tabs": tabs, "Role": role}, role, nil
}

// catalogManagesSources mirrors the rule of catalog.CreateDatasource.
func catalogManagesSources(p org.Principal) bool {
	return p.DepartmentID != 0 && (p.Can(org.EditCatalog) || p.Can(org.ManageDeptUsers) || p.Can(org.OperateNodes))
}

// catalogUserError reports whether err is the user's to correct on the page
// rather than one to show as an error page.
func catalogUserError(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden, errs.Unavailable, errs.TooLarge:
		return true
	}
	return false
}

// catalogDone ends a write: it redirects to target with the flash when err
// is nil, shows the form's page again through page with an error the user
// can correct, and shows any other error as an error page.
func (s *server) catalogDone(w http.ResponseWriter, r *http.Request, err error,
	page func(status int, fields map[string]string, list []catalogProblemView, msg string), target, flash string) {
	if err == nil {
		s.redirect(w, r, target, flash)
		return
	}
	if !catalogUserError(err) {
		s.fail(w, r, err)
		return
	}
	fields, list, msg := s.catalogErrors(r, err)
	page(errs.Status(errs.CodeOf(err)), fields, list, msg)
}

// catalogDeny records a refusal in the audit log and shows it in the
// caller's language.
func (s *server) catalogDeny(w http.ResponseWriter, r *http.Request, action, target, why, shown string) {
	err := s.Org.Deny(r.Context(), s.principal(r), action, target, why)
	if errs.Is(err, errs.Forbidden) {
		err = errs.E(errs.Forbidden, "%s", shown)
	}
	s.fail(w, r, err)
}

// Labels.

func catalogLabel(e catalog.Enum, v, lang string) string {
	if v == "" {
		return ""
	}
	return e.Label(v, lang)
}

// catalogOption is one choice of a select, labelled in the page language.
type catalogOption struct{ Value, Label string }

func catalogOptions(e catalog.Enum, lang string) []catalogOption {
	out := make([]catalogOption, len(e))
	for i, o := range e {
		out[i] = catalogOption{o.Value, e.Label(o.Value, lang)}
	}
	return out
}

func catalogAllOptions(lang string) map[string][]catalogOption {
	out := map[string][]catalogOption{}
	for name, e := range catalog.AllEnums() {
		out[name] = catalogOptions(e, lang)
	}
	return out
}

func catalogDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02")
}

// catalogMessage returns the message of key in lang, or fallback when the
// catalogue has none.
func (s *server) catalogMessage(lang, key, fallback string) string {
	if m, ok := s.msgs[lang][key]; ok {
		return m
	}
	return fallback
}

var catalogItemField = regexp.MustCompile(`^items\[(\d+)\]\.([a-z_]+)$`)

// catalogFieldLabel names a field key such as items[2].share_type for a
// person: 第3项 · 共享类型.
func (s *server) catalogFieldLabel(lang, field string) string {
	if field == "" {
		return ""
	}
	if m := catalogItemField.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[1])
		return s.msgs.T(lang, "catalog.item_n", n+1) + " · " + s.catalogMessage(lang, "catalog.item."+m[2], m[2])
	}
	return s.catalogMessage(lang, "catalog.field."+field, field)
}

// catalogProblemKeys translates the fixed problem messages of the catalog's
// validation; others are shown as the domain words them.
var catalogProblemKeys = map[string]string{
	"is required": "catalog.msg.required",
	"an entry needs at least one information item":                                 "catalog.msg.need_items",
	"is required for conditional sharing (有条件共享)":                                  "catalog.msg.need_share_condition",
	"a legal basis is required when the entry is not shared (不予共享)":                "catalog.msg.need_share_basis",
	"is required for conditional opening (有条件开放)":                                  "catalog.msg.need_open_condition",
	"an entry that is not shared cannot be open":                                   "catalog.msg.unshared_open",
	"must be lower-case letters, digits and _, starting with a letter, at most 64": "catalog.msg.identifier",
	"an item may be narrower than its entry, never wider":                          "catalog.msg.item_wider",
	"an item that is not shared (不予共享) cannot be open":                             "catalog.msg.item_unshared_open",
	"at most one item is the update timestamp":                                     "catalog.msg.one_timestamp",
	"the update timestamp must be a date-time, date or integer item":               "catalog.msg.timestamp_type",
	"项 must be 2 digits":                                                 "catalog.msg.item_digits",
	"目 must be 3 digits":                                                 "catalog.msg.sub_item_digits",
	"list the allowed values, separated by commas":                       "catalog.msg.enum_values",
	"is not a valid regular expression":                                  "catalog.msg.bad_regex",
	"say why the entry is returned":                                      "catalog.msg.need_reason",
	"at most 500 information items":                                      "catalog.msg.max_items",
	"at most 20 keywords":                                                "catalog.msg.max_keywords",
	"each keyword at most 30 characters":                                 "catalog.msg.keyword_length",
	"at most 50 related entries":                                         "catalog.msg.max_related",
	"data volume cannot be negative":                                     "catalog.msg.negative_volume",
	"must be between 0 and 65535":                                        "catalog.msg.length_range",
	"must be between 0 and 38":                                           "catalog.msg.precision_range",
	"an API mount needs an http or https URL":                            "catalog.msg.api_url",
	"a file mount lists at least one path or pattern":                    "catalog.msg.file_paths",
	"a table mount names a datasource and a table":                       "catalog.msg.table_needed",
	"is not valid JSON":                                                  "catalog.msg.bad_json",
	"1 to 50 letters, digits, Chinese characters, '.', '_' or '-'":       "catalog.msg.source_name",
	"must be postgres, mysql or sqlite":                                  "catalog.msg.driver",
	"the mapping names an item the entry does not have":                  "catalog.msg.mapping_unknown",
	"you catalogue only your own department's entries":                   "catalog.msg.own_entries",
	"only a cataloger of the providing department registers its entries": "catalog.forbidden_edit",
	"only a cataloger of the providing department edits its entries":     "catalog.forbidden_edit",
	"only a cataloger of the providing department submits its entries":   "catalog.forbidden_edit",
	"only a cataloger of the providing department mounts its entries":    "catalog.forbidden_edit",
	"only a cataloger of the providing department checks its mounts":     "catalog.forbidden_edit",
	"only a cataloger of the providing department unmounts its entries":  "catalog.forbidden_edit",
}

// catalogArg is one value a translated message takes from a match: the
// submatch, and what it names (status, action, grade, data_type) when it is
// to be shown as a label.
type catalogArg struct {
	sub  int
	kind string
}

// catalogProblemPatterns translate the catalog's messages that carry values.
var catalogProblemPatterns = []struct {
	re   *regexp.Regexp
	key  string
	args []catalogArg
}{
	{regexp.MustCompile(`^must be at most (\d+) characters$`), "catalog.msg.max_chars", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^repeats item (\d+)$`), "catalog.msg.repeats_item", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^must be at least ([a-z]+), the highest grade`), "catalog.msg.grade_min", []catalogArg{{1, "grade"}}},
	{regexp.MustCompile(`^"" is not (one of|a data type|a share type|an open type|a grade|a masking rule|a validator)`), "catalog.msg.required", nil},
	{regexp.MustCompile(`^"(.*)" is not (one of|a data type|a share type|an open type|a grade|a masking rule|a validator)`), "catalog.msg.not_allowed", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^cannot connect: (.*)$`), "catalog.msg.cannot_connect", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^datasource (.+) has no table "(.*)"$`), "catalog.msg.no_table", []catalogArg{{1, ""}, {2, ""}}},
	{regexp.MustCompile(`^table (\S+) has no column (\S+)$`), "catalog.msg.no_column", []catalogArg{{1, ""}, {2, ""}}},
	{regexp.MustCompile(`^column type (.+) \((\w+)\) cannot hold (\w+)$`), "catalog.msg.column_type", []catalogArg{{1, ""}, {3, "data_type"}}},
	{regexp.MustCompile(`^column holds (\d+) characters, the item declares (\d+)$`), "catalog.msg.column_length", []catalogArg{{1, ""}, {2, ""}}},
	{regexp.MustCompile(`^only an approver of the data authority may (\w+) an entry$`), "catalog.msg.only_approver", []catalogArg{{1, "action"}}},
	{regexp.MustCompile(`^cannot (\w+) version (\d+) of \S+: it is (\w+)$`), "catalog.msg.cannot_transition", []catalogArg{{2, ""}, {3, "status"}, {1, "action"}}},
	{regexp.MustCompile(`^version \d+ is \w+; it can be changed after review$`), "catalog.under_review", nil},
	{regexp.MustCompile(`^the provider already has an entry named "(.*)"$`), "catalog.msg.duplicate_name", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^entry \S+ is on the negative list \(负面清单\) and cannot be published as shareable: (.*)$`), "catalog.msg.negative_list", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^entry \S+ has no published version to withdraw$`), "catalog.msg.nothing_to_withdraw", nil},
	{regexp.MustCompile(`^no department has credit code (\S+)$`), "catalog.msg.no_credit_code", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^cannot connect to datasource (.*)$`), "catalog.msg.source_unavailable", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^datasource \d+ belongs to another department$`), "catalog.msg.foreign_source", nil},
	{regexp.MustCompile(`^(\S+) is not a catalog entry$`), "catalog.msg.not_entry", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^the category parts cannot change once the code is given`), "catalog.msg.category_fixed", nil},
	{regexp.MustCompile(`^the department already has a datasource named "(.*)"$`), "catalog.msg.duplicate_source", []catalogArg{{1, ""}}},
	{regexp.MustCompile(`^version (\d+) of \S+ not found$`), "catalog.msg.no_version", []catalogArg{{1, ""}}},
}

// catalogProblem says a message of the catalog in lang where the catalogue
// knows it; others are shown as the domain words them.
func (s *server) catalogProblem(lang, msg string) string {
	if k, ok := catalogProblemKeys[msg]; ok {
		return s.msgs.T(lang, k)
	}
	for _, pt := range catalogProblemPatterns {
		m := pt.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(pt.args))
		for i, a := range pt.args {
			v := m[a.sub]
			switch a.kind {
			case "action":
				v = s.catalogMessage(lang, "catalog.action."+v, v)
			case "status":
				v = catalog.Statuses.Label(v, lang)
			case "grade":
				v = catalog.Grades.Label(v, lang)
			case "data_type":
				v = catalog.DataTypes.Label(v, lang)
			}
			args[i] = v
		}
		return s.msgs.T(lang, pt.key, args...)
	}
	return msg
}

// catalogProblemView is one problem for the validation list.
type catalogProblemView struct{ Field, Label, Message string }

// catalogFieldProblems translates field problems and lists them in form order.
func (s *server) catalogFieldProblems(lang string, fields map[string]string) (map[string]string, []catalogProblemView) {
	shown := map[string]string{}
	var list []catalogProblemView
	for f, m := range fields {
		msg := s.catalogProblem(lang, m)
		shown[f] = msg
		list = append(list, catalogProblemView{Field: f, Label: s.catalogFieldLabel(lang, f), Message: msg})
	}
	sort.Slice(list, func(i, j int) bool { return catalogFieldOrder(list[i].Field) < catalogFieldOrder(list[j].Field) })
	return shown, list
}

var catalogFieldRank = map[string]int{}

func init() {
	for i, f := range []string{"code", "name", "summary", "provider_id", "category", "category_item", "category_sub_item", "category_detail", "format",
		"format_note", "share_type", "share_condition", "share_basis", "share_mode", "share_channel", "open_type", "open_condition", "update_cycle",
		"grade", "physical_delete", "keywords", "related", "records", "size_mb", "source_system", "contact", "phone", "items"} {
		catalogFieldRank[f] = i
	}
	for i, f := range []string{"name", "identifier", "data_type", "length", "precision", "required", "key", "timestamp", "share_type",
		"share_condition", "open_type", "grade", "sensitive", "masking", "validator", "validator_param", "description"} {
		catalogFieldRank["item."+f] = i
	}
}

// catalogFieldOrder sorts entry fields first in form order, then items by
// number and field.
func catalogFieldOrder(field string) string {
	if m := catalogItemField.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[1])
		return fmt.Sprintf("1%06d%03d", n, catalogFieldRank["item."+m[2]])
	}
	if r, ok := catalogFieldRank[field]; ok {
		return fmt.Sprintf("0%03d", r)
	}
	return "2" + field
}

// catalogErrors turns an error of a write into field messages and a page
// message in the caller's language.
func (s *server) catalogErrors(r *http.Request, err error) (map[string]string, []catalogProblemView, string) {
	code, msg, fields := errs.Public(err)
	lang := language(r)
	if code == errs.Invalid && len(fields) > 0 {
		shown, list := s.catalogFieldProblems(lang, fields)
		return shown, list, s.t(r, "catalog.has_problems")
	}
	return nil, nil, s.catalogProblem(lang, msg)
}

// Browsing.

// catalogHitView is a search hit with labels in the page language.
type catalogHitView struct {
	catalog.Hit
	ShareLabel, OpenLabel, StatusLabel, CategoryLabel, Updated string
}

type catalogFacetValue struct {
	Label  string
	Count  int
	Href   string
	Active bool
}

type catalogFacet struct {
	Key    string // message key of the facet's name
	Values []catalogFacetValue
}

type catalogChip struct{ Label, Href string }

// catalogFilters are the query parameters of the browse page that filter.
var catalogFilters = []string{"provider", "category", "share_type", "open_type", "update_cycle", "status", "mounted", "grade"}

// catalogQuery reads the browse filters from the URL; values that are not
// allowed are ignored.
func catalogQuery(q url.Values) catalog.Query {
	in := func(e catalog.Enum, name string) string {
		if v := q.Get(name); e.Valid(v) && v != "" {
			return v
		}
		return ""
	}
	out := catalog.Query{Q: strings.TrimSpace(q.Get("q")), Category: in(catalog.Categories, "category"), ShareType: in(catalog.ShareTypes, "share_type"),
		OpenType: in(catalog.OpenTypes, "open_type"), UpdateCycle: in(catalog.UpdateCycles, "update_cycle"), Status: in(catalog.Statuses, "status"),
		Grade: in(catalog.Grades, "grade")}
	if r := []rune(out.Q); len(r) > 100 {
		out.Q = string(r[:100])
	}
	out.ProviderID, _ = strconv.ParseInt(q.Get("provider"), 10, 64)
	switch q.Get("mounted") {
	case "true", "false":
		m := q.Get("mounted") == "true"
		out.Mounted = &m
	}
	switch q.Get("sort") {
	case "name", "date", "relevance":
		out.Sort = q.Get("sort")
	}
	return out
}

// catalogDepartmentNames maps department ids to names.
func (s *server) catalogDepartmentNames(ctx context.Context) (map[int64]string, error) {
	names := map[int64]string{}
	for page := 1; page <= 100; page++ {
		ds, total, err := s.Org.Departments(ctx, org.DepartmentFilter{Page: page, PageSize: 200})
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			names[d.ID] = d.Name
		}
		if page*200 >= total {
			break
		}
	}
	return names, nil
}

func (s *server) catalogHits(lang string, hits []catalog.Hit) []catalogHitView {
	out := make([]catalogHitView, len(hits))
	for i, h := range hits {
		out[i] = catalogHitView{Hit: h, ShareLabel: catalogLabel(catalog.ShareTypes, h.ShareType, lang), OpenLabel: catalogLabel(catalog.OpenTypes, h.OpenType, lang),
			StatusLabel: catalogLabel(catalog.Statuses, h.Status, lang), CategoryLabel: catalogLabel(catalog.Categories, h.Category, lang), Updated: catalogDate(h.UpdatedAt)}
	}
	return out
}

func (s *server) catalogBrowse(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	var v view
	data, role, err := s.catalogBase(r, "nav.catalog", "browse", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	uq := r.URL.Query()
	q := catalogQuery(uq)
	q.Page, q.PageSize, q.Facets = pageParam(r), catalogPageSize, true
	res, err := s.Catalog.Search(ctx, s.principal(r), q)
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		_, v.Error = fieldErrors(err)
	}
	names, err := s.catalogDepartmentNames(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link := func(name, value string, active bool) string {
		nq := r.URL.Query()
		nq.Del("page")
		if active {
			nq.Del(name)
		} else {
			nq.Set(name, value)
		}
		if len(nq) == 0 {
			return "/catalog"
		}
		return "/catalog?" + nq.Encode()
	}
	label := func(name, value string) string {
		switch name {
		case "provider":
			id, _ := strconv.ParseInt(value, 10, 64)
			if n, ok := names[id]; ok {
				return n
			}
			return value
		case "mounted":
			if value == "true" {
				return s.t(r, "catalog.mounted_yes")
			}
			return s.t(r, "catalog.mounted_no")
		}
		return catalogLabel(catalog.AllEnums()[name], value, lang)
	}
	var facets []catalogFacet
	for _, name := range catalog.FacetNames {
		f := catalogFacet{Key: "catalog.field." + name}
		for _, fc := range res.Facets[name] {
			active := uq.Get(name) == fc.Value
			f.Values = append(f.Values, catalogFacetValue{Label: label(name, fc.Value), Count: fc.Count, Href: link(name, fc.Value, active), Active: active})
		}
		facets = append(facets, f)
	}
	var chips []catalogChip
	for _, name := range catalogFilters {
		if val := uq.Get(name); val != "" {
			chips = append(chips, catalogChip{Label: s.t(r, "catalog.chip", s.catalogFieldLabel(lang, name), label(name, val)), Href: link(name, val, true)})
		}
	}
	hidden, eq := url.Values{}, url.Values{}
	for _, name := range catalogFilters {
		if val := uq.Get(name); val != "" {
			hidden.Set(name, val)
			eq.Set(name, val)
		}
	}
	clearHref := "/catalog"
	if q.Q != "" {
		eq.Set("q", q.Q)
		clearHref += "?" + url.Values{"q": {q.Q}}.Encode()
	}
	var exports []catalogChip
	for _, f := range []struct{ format, label string }{{"xlsx", "Excel"}, {"json", "JSON"}, {"dcat", "DCAT"}} {
		eq.Set("format", f.format)
		exports = append(exports, catalogChip{Label: f.label, Href: "/catalog/export?" + eq.Encode()})
	}
	exports = append(exports, catalogChip{Label: s.t(r, "catalog.template"), Href: "/catalog/template.xlsx"})
	data["Hits"], data["Facets"], data["Chips"], data["Hidden"] = s.catalogHits(lang, res.Items), facets, chips, hidden
	data["Pager"], data["Exports"], data["ClearHref"], data["CanCreate"] = newPager(r, q.Page, catalogPageSize, res.Total), exports, clearHref, role.Cataloger
	data["Sort"] = q.Sort
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog", v)
}

// The entry page.

type catalogItemView struct {
	catalog.Item
	Num                                                                            int
	DataTypeLabel, ShareLabel, OpenLabel, GradeLabel, MaskingLabel, ValidatorLabel string
}

type catalogVersionView struct {
	catalog.VersionInfo
	StatusLabel string
}

type catalogHistoryView struct {
	catalog.HistoryEvent
	ActionLabel, FromLabel, ToLabel string
}

type catalogMountView struct {
	catalog.Mount
	ColumnsText string
	Texts       []catalogMountProblem
}

// catalogMountProblem is a mismatch between an item and the live resource,
// said in the page language.
type catalogMountProblem struct{ Item, Column, Text string }

type catalogChangeView struct{ Field, Label, From, To string }

func (s *server) catalogEntry(w http.ResponseWriter, r *http.Request) {
	s.catalogEntryPage(w, r, r.URL.Query().Get("code"), http.StatusOK, view{})
}

// catalogEntryURL is the address of an entry's page.
func catalogEntryURL(code string, latest bool) string {
	u := "/catalog/entry?code=" + url.QueryEscape(code)
	if latest {
		u += "&latest=true"
	}
	return u
}

func (s *server) catalogEntryPage(w http.ResponseWriter, r *http.Request, code string, status int, v view) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	q := r.URL.Query()
	latest := q.Get("latest") == "true" || r.PostFormValue("latest") == "true"
	e, err := s.Catalog.Get(ctx, p, code, latest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, role, err := s.catalogBase(r, "catalog.entry_title", "browse", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, hs, err := s.Catalog.Versions(ctx, p, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mounts, err := s.Catalog.Mounts(ctx, p, code)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	inForce, newest, newestStatus, returned := 0, 0, "", ""
	for _, ver := range vs {
		if ver.Status == catalog.StatusPublished {
			inForce = ver.Version
		}
		if ver.Version > newest {
			newest, newestStatus, returned = ver.Version, ver.Status, ""
			if ver.Status == catalog.StatusReturned {
				returned = ver.Reason
			}
		}
	}
	pending := 0
	if newest > inForce && inForce > 0 {
		pending = newest
	}
	canEdit := role.Cataloger && p.DepartmentID == e.ProviderID
	seesDrafts := p.DepartmentID == e.ProviderID || role.Reviewer || p.Can(org.ReadAudit)
	data["E"] = s.catalogEntryView(lang, e)
	data["Latest"], data["InForce"], data["Pending"], data["SeesDrafts"] = latest, inForce, pending, seesDrafts
	data["PendingStatus"] = catalogLabel(catalog.Statuses, newestStatus, lang)
	data["Returned"], data["ReturnedVersion"] = returned, newest
	data["EntryURL"], data["LatestURL"] = catalogEntryURL(code, false), catalogEntryURL(code, true)
	data["CanEdit"] = canEdit && newestStatus != catalog.StatusSubmitted && newestStatus != catalog.StatusApproved
	data["UnderReview"] = canEdit && (newestStatus == catalog.StatusSubmitted || newestStatus == catalog.StatusApproved)
	data["CanMount"] = canEdit
	data["CanSubmit"] = canEdit && (newestStatus == catalog.StatusDraft || newestStatus == catalog.StatusReturned)
	data["CanApprove"] = role.Reviewer && newestStatus == catalog.StatusSubmitted
	data["CanReturn"] = role.Reviewer && (newestStatus == catalog.StatusSubmitted || newestStatus == catalog.StatusApproved)
	data["CanPublish"] = role.Reviewer && newestStatus == catalog.StatusApproved
	data["CanWithdraw"] = role.Reviewer && inForce > 0
	data["Apply"] = s.sharingApplyOf(ctx, lang, p, code)
	var versions []catalogVersionView
	for _, ver := range vs {
		versions = append(versions, catalogVersionView{VersionInfo: ver, StatusLabel: catalogLabel(catalog.Statuses, ver.Status, lang)})
	}
	var history []catalogHistoryView
	for _, h := range hs {
		history = append(history, catalogHistoryView{HistoryEvent: h, ActionLabel: s.catalogMessage(lang, "catalog.action."+h.Action, h.Action),
			FromLabel: catalogLabel(catalog.Statuses, h.From, lang), ToLabel: catalogLabel(catalog.Statuses, h.To, lang)})
	}
	var ms []catalogMountView
	for _, m := range mounts {
		mv := catalogMountView{Mount: m, ColumnsText: catalogColumnsText(m.Columns)}
		for _, pr := range m.Problems {
			mv.Texts = append(mv.Texts, catalogMountProblem{Item: pr.Item, Column: pr.Column, Text: s.catalogProblem(lang, pr.Problem)})
		}
		ms = append(ms, mv)
	}
	data["Versions"], data["History"], data["Mounts"] = versions, history, ms
	// The diff: the versions asked for, or else the one in force (or the
	// one before) against the newest.
	from, _ := strconv.Atoi(q.Get("from"))
	to, _ := strconv.Atoi(q.Get("to"))
	if (from == 0 || to == 0) && len(vs) > 1 {
		from, to = vs[1].Version, vs[0].Version
		if inForce > 0 && inForce != newest {
			from = inForce
		}
	}
	diff := map[string]any{"Lang": lang}
	if from > 0 && to > 0 {
		changes, err := s.catalogChanges(ctx, p, lang, code, from, to)
		if err != nil {
			_, msg, _ := errs.Public(err)
			diff["Error"] = s.catalogProblem(lang, msg)
		}
		diff["Changes"], diff["Compared"] = changes, err == nil
	}
	data["Diff"] = diff
	data["From"], data["To"] = from, to
	if canEdit {
		sources, err := s.catalogOwnSources(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Sources"] = sources
	}
	data["Form"] = r.PostForm
	v.Data = data
	s.render(w, r, status, "catalog_entry", v)
}

// catalogOwnSources lists the datasources of the caller's own department,
// the only ones it may mount.
func (s *server) catalogOwnSources(ctx context.Context, p org.Principal) ([]catalog.Datasource, error) {
	all, err := s.Catalog.Datasources(ctx, p)
	if err != nil {
		return nil, err
	}
	var own []catalog.Datasource
	for _, d := range all {
		if d.DepartmentID == p.DepartmentID {
			own = append(own, d)
		}
	}
	return own, nil
}

func catalogColumnsText(cols map[string]string) string {
	keys := make([]string, 0, len(cols))
	for k := range cols {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("，")
		}
		b.WriteString(k + "=" + cols[k])
	}
	return b.String()
}

// catalogEntryViewT is an entry with labels in the page language.
type catalogEntryViewT struct {
	catalog.Entry
	CategoryLabel, FormatLabel, ShareLabel, ShareModeLabel, ShareChannelLabel, OpenLabel, CycleLabel, GradeLabel, StatusLabel string
	Published, Updated, RecordsText                                                                                           string
	ItemViews                                                                                                                 []catalogItemView
}

func (s *server) catalogEntryView(lang string, e catalog.Entry) catalogEntryViewT {
	out := catalogEntryViewT{Entry: e, CategoryLabel: catalogLabel(catalog.Categories, e.Category, lang), FormatLabel: catalogLabel(catalog.Formats, e.Format, lang),
		ShareLabel: catalogLabel(catalog.ShareTypes, e.ShareType, lang), ShareModeLabel: catalogLabel(catalog.ShareModes, e.ShareMode, lang),
		ShareChannelLabel: catalogLabel(catalog.ShareChannels, e.ShareChannel, lang), OpenLabel: catalogLabel(catalog.OpenTypes, e.OpenType, lang),
		CycleLabel: catalogLabel(catalog.UpdateCycles, e.UpdateCycle, lang), GradeLabel: catalogLabel(catalog.Grades, e.Grade, lang),
		StatusLabel: catalogLabel(catalog.Statuses, e.Status, lang), Published: catalogDate(e.PublishedAt), Updated: catalogDate(e.UpdatedAt)}
	if e.Records > 0 {
		out.RecordsText = formatNumber(int(e.Records))
	}
	for i, it := range e.Items {
		out.ItemViews = append(out.ItemViews, catalogItemView{Item: it, Num: i + 1, DataTypeLabel: catalogLabel(catalog.DataTypes, it.DataType, lang),
			ShareLabel: catalogLabel(catalog.ShareTypes, it.ShareType, lang), OpenLabel: catalogLabel(catalog.OpenTypes, it.OpenType, lang),
			GradeLabel: catalogLabel(catalog.Grades, it.Grade, lang), MaskingLabel: catalogLabel(catalog.Maskings, it.Masking, lang),
			ValidatorLabel: catalogLabel(catalog.Validators, it.Validator, lang)})
	}
	return out
}

// catalogChanges compares two versions, with field names and enumerated
// values in the page language.
func (s *server) catalogChanges(ctx context.Context, p org.Principal, lang, code string, from, to int) ([]catalogChangeView, error) {
	a, err := s.Catalog.Version(ctx, p, code, from)
	if err != nil {
		return nil, err
	}
	b, err := s.Catalog.Version(ctx, p, code, to)
	if err != nil {
		return nil, err
	}
	enums := catalog.AllEnums()
	value := func(field, v string) string {
		name := field
		if m := catalogItemField.FindStringSubmatch(field); m != nil {
			name = m[2]
		}
		if e, ok := enums[name]; ok && v != "" {
			return e.Label(v, lang)
		}
		var list []string
		if strings.HasPrefix(v, "[") && json.Unmarshal([]byte(v), &list) == nil {
			return strings.Join(list, s.msgs.T(lang, "catalog.list_separator"))
		}
		switch v {
		case "true":
			return s.msgs.T(lang, "catalog.yes")
		case "false":
			return s.msgs.T(lang, "catalog.no")
		}
		return v
	}
	var out []catalogChangeView
	for _, c := range catalog.Diff(a, b) {
		out = append(out, catalogChangeView{Field: c.Field, Label: s.catalogFieldLabel(lang, c.Field), From: value(c.Field, c.From), To: value(c.Field, c.To)})
	}
	sort.SliceStable(out, func(i, j int) bool { return catalogFieldOrder(out[i].Field) < catalogFieldOrder(out[j].Field) })
	return out, nil
}

// catalogDiff answers the diff view's htmx request with the table of changes.
func (s *server) catalogDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := q.Get("code")
	if r.Header.Get("HX-Request") != "true" {
		http.Redirect(w, r, catalogEntryURL(code, q.Get("latest") == "true")+"&from="+url.QueryEscape(q.Get("from"))+"&to="+url.QueryEscape(q.Get("to"))+"#diff", http.StatusSeeOther)
		return
	}
	from, _ := strconv.Atoi(q.Get("from"))
	to, _ := strconv.Atoi(q.Get("to"))
	lang := language(r)
	changes, err := s.catalogChanges(r.Context(), s.principal(r), lang, code, from, to)
	if err != nil {
		_, msg, _ := errs.Public(err)
		s.catalogFragment(w, r, "catalog_entry", "catalog-diff", map[string]any{"Lang": lang, "Error": s.catalogProblem(lang, msg)})
		return
	}
	s.catalogFragment(w, r, "catalog_entry", "catalog-diff", map[string]any{"Lang": lang, "Changes": changes, "Compared": true})
}

// catalogFragment renders one named template of a page, without the
// layout, for an htmx request.
func (s *server) catalogFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.Logger.ErrorContext(r.Context(), "render fragment", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// Workflow.

func (s *server) catalogWorkflow(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	code, action, reason := r.PostFormValue("code"), r.PostFormValue("action"), r.PostFormValue("reason")
	var flash string
	switch action {
	case catalog.ActionSubmit:
		flash = s.t(r, "catalog.flash.submit")
	case catalog.ActionApprove:
		flash = s.t(r, "catalog.flash.approve")
	case catalog.ActionReturn:
		flash = s.t(r, "catalog.flash.return")
	case catalog.ActionPublish:
		flash = s.t(r, "catalog.flash.publish")
	case catalog.ActionWithdraw:
		flash = s.t(r, "catalog.flash.withdraw")
	default:
		s.fail(w, r, errs.E(errs.NotFound, "no such page"))
		return
	}
	e, err := s.Catalog.Transition(r.Context(), s.principal(r), code, action, reason)
	s.catalogDone(w, r, err, s.catalogEntryAgain(w, r, code),
		catalogEntryURL(code, action != catalog.ActionPublish && action != catalog.ActionWithdraw), fmt.Sprintf(flash, e.Version))
}

// catalogEntryAgain shows the entry page again with the problems of a write.
func (s *server) catalogEntryAgain(w http.ResponseWriter, r *http.Request, code string) func(int, map[string]string, []catalogProblemView, string) {
	return func(status int, fields map[string]string, _ []catalogProblemView, msg string) {
		s.catalogEntryPage(w, r, code, status, view{Errors: fields, Error: msg})
	}
}

// catalogMountsURL is where a change of the mounts returns to.
func catalogMountsURL(r *http.Request, code string) string {
	return catalogEntryURL(code, r.PostFormValue("latest") == "true") + "#mounts"
}

// Mounts.

// catalogTables answers the mount form's htmx request with the tables of a
// datasource as options.
func (s *server) catalogTables(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	raw := q.Get("id")
	if raw == "" {
		raw = q.Get("datasource_id")
	}
	lang := language(r)
	id, _ := strconv.ParseInt(raw, 10, 64)
	data := map[string]any{"Lang": lang}
	if id == 0 {
		data["Prompt"] = true
	} else if tables, err := s.Catalog.Tables(r.Context(), s.principal(r), id); err != nil {
		if !catalogUserError(err) && !errs.Is(err, errs.NotFound) {
			s.Logger.ErrorContext(r.Context(), "list tables", "datasource", id, "err", err)
		}
		_, msg, _ := errs.Public(err)
		data["Error"] = s.catalogProblem(lang, msg)
	} else {
		data["Tables"] = tables
	}
	s.catalogFragment(w, r, "catalog_entry", "catalog-tables", data)
}

// catalogLines splits text into trimmed non-empty lines.
func catalogLines(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *server) catalogAddMount(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	code := r.PostFormValue("code")
	m := catalog.Mount{Kind: r.PostFormValue("kind")}
	fields := map[string]string{}
	switch m.Kind {
	case catalog.MountTable:
		m.DatasourceID, _ = strconv.ParseInt(r.PostFormValue("datasource_id"), 10, 64)
		m.Table = strings.TrimSpace(r.PostFormValue("table"))
		if m.DatasourceID == 0 {
			fields["datasource_id"] = s.t(r, "catalog.mount.choose_source")
		}
		for _, l := range catalogLines(r.PostFormValue("columns")) {
			item, col, ok := strings.Cut(l, "=")
			if !ok || strings.TrimSpace(item) == "" || strings.TrimSpace(col) == "" {
				fields["columns"] = s.t(r, "catalog.mount.bad_columns", l)
				break
			}
			if m.Columns == nil {
				m.Columns = map[string]string{}
			}
			m.Columns[strings.TrimSpace(item)] = strings.TrimSpace(col)
		}
	case catalog.MountAPI:
		m.URL, m.Method = strings.TrimSpace(r.PostFormValue("url")), r.PostFormValue("method")
		if m.Method != "GET" && m.Method != "POST" {
			m.Method = "GET"
		}
	case catalog.MountFile:
		m.Paths = catalogLines(r.PostFormValue("paths"))
	}
	if len(fields) > 0 {
		s.catalogEntryPage(w, r, code, http.StatusBadRequest, view{Errors: fields, Error: s.t(r, "catalog.has_problems")})
		return
	}
	got, err := s.Catalog.AddMount(r.Context(), s.principal(r), code, m)
	if err != nil {
		if !catalogUserError(err) && !errs.Is(err, errs.NotFound) {
			s.fail(w, r, err)
			return
		}
		fields, _, msg := s.catalogErrors(r, err)
		if errs.Is(err, errs.NotFound) {
			if _, gerr := s.Catalog.Get(r.Context(), s.principal(r), code, true); gerr != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.catalogEntryPage(w, r, code, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
		return
	}
	flash := s.t(r, "catalog.flash.mounted")
	if !got.OK {
		flash = s.t(r, "catalog.flash.mounted_problems", len(got.Problems))
	}
	s.redirect(w, r, catalogMountsURL(r, code), flash)
}

func (s *server) catalogRecheckMount(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	code := r.PostFormValue("code")
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	m, err := s.Catalog.RecheckMount(r.Context(), s.principal(r), code, id)
	flash := s.t(r, "catalog.flash.recheck_ok")
	if !m.OK {
		flash = s.t(r, "catalog.flash.recheck_problems", len(m.Problems))
	}
	s.catalogDone(w, r, err, s.catalogEntryAgain(w, r, code), catalogMountsURL(r, code), flash)
}

func (s *server) catalogRemoveMount(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	code := r.PostFormValue("code")
	id, _ := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	err := s.Catalog.RemoveMount(r.Context(), s.principal(r), code, id)
	s.catalogDone(w, r, err, func(status int, _ map[string]string, _ []catalogProblemView, msg string) {
		s.catalogEntryPage(w, r, code, status, view{Error: msg})
	}, catalogMountsURL(r, code), s.t(r, "catalog.flash.unmounted"))
}

// The edit form.

// catalogFormItem is an information item as typed into the form.
type catalogFormItem struct {
	Name, Identifier, DataType, Length, Precision                                  string
	Required, Key, Timestamp, Sensitive                                            bool
	ShareType, ShareCondition, OpenType, Grade, Masking, Validator, ValidatorParam string
	Description                                                                    string
}

// catalogFormRow is one row of the items table; the blank row (N 0) is the
// template the page clones.
type catalogFormRow struct {
	N, Num int
	It     catalogFormItem
	Errs   map[string]string
	Opts   map[string][]catalogOption
	Lang   string
}

// catalogForm is the entry form as typed.
type catalogForm struct {
	E                                  catalog.Entry
	Keywords, Related, Records, SizeMB string
	Items                              []catalogFormItem
	PhysicalDelete                     bool
	IsNew                              bool
	Code, CategoryLabel                string
}

var catalogItemKey = regexp.MustCompile(`^items\.(\d{1,6})\.([a-z_]+)$`)

// catalogSplitList splits keywords or related codes on commas, semicolons
// (half- and full-width), 、 and line breaks.
func catalogSplitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ',', '，', ';', '；', '、', '\n', '\r':
			return true
		}
		return false
	})
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// catalogParseForm reads the entry form: the entry, the form as typed, and
// problems of the form itself (a number that is not one, too many items).
func catalogParseForm(r *http.Request, lang string, msgs catalogs) (catalog.Entry, catalogForm, map[string]string) {
	pf := r.PostForm
	get := func(k string) string { return pf.Get(k) }
	e := catalog.Entry{Name: get("name"), Summary: get("summary"), Category: get("category"), CategoryItem: strings.TrimSpace(get("category_item")),
		CategorySubItem: strings.TrimSpace(get("category_sub_item")), CategoryDetail: strings.TrimSpace(get("category_detail")), Format: get("format"),
		FormatNote: get("format_note"), ShareType: get("share_type"), ShareCondition: get("share_condition"), ShareBasis: get("share_basis"),
		ShareMode: get("share_mode"), ShareChannel: get("share_channel"), OpenType: get("open_type"), OpenCondition: get("open_condition"),
		UpdateCycle: get("update_cycle"), Grade: get("grade"), PhysicalDelete: get("physical_delete") != "", SourceSystem: get("source_system"),
		Contact: get("contact"), Phone: get("phone")}
	f := catalogForm{E: e, Keywords: get("keywords"), Related: get("related"), Records: strings.TrimSpace(get("records")), SizeMB: strings.TrimSpace(get("size_mb")),
		PhysicalDelete: e.PhysicalDelete}
	e.Keywords, e.Related = catalogSplitList(f.Keywords), catalogSplitList(f.Related)
	problems := map[string]string{}
	number := func(field, text string, max int64) int64 {
		if text == "" {
			return 0
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < 0 || n > max {
			problems[field] = msgs.T(lang, "catalog.msg.whole_number")
			return 0
		}
		return n
	}
	e.Records, e.SizeMB = number("records", f.Records, 1<<53), number("size_mb", f.SizeMB, 1<<53)
	rows := map[int]bool{}
	for k := range pf {
		if m := catalogItemKey.FindStringSubmatch(k); m != nil {
			n, _ := strconv.Atoi(m[1])
			rows[n] = true
		}
	}
	order := make([]int, 0, len(rows))
	for n := range rows {
		order = append(order, n)
	}
	sort.Ints(order)
	if len(order) > catalogMaxItems {
		problems["items"] = msgs.T(lang, "catalog.msg.max_items")
		order = order[:catalogMaxItems]
	}
	for i, n := range order {
		at := func(field string) string { return pf.Get(fmt.Sprintf("items.%d.%s", n, field)) }
		fi := catalogFormItem{Name: at("name"), Identifier: at("identifier"), DataType: at("data_type"), Length: strings.TrimSpace(at("length")),
			Precision: strings.TrimSpace(at("precision")), Required: at("required") != "", Key: at("key") != "", Timestamp: at("timestamp") != "",
			Sensitive: at("sensitive") != "", ShareType: at("share_type"), ShareCondition: at("share_condition"), OpenType: at("open_type"),
			Grade: at("grade"), Masking: at("masking"), Validator: at("validator"), ValidatorParam: at("validator_param"), Description: at("description")}
		f.Items = append(f.Items, fi)
		e.Items = append(e.Items, catalog.Item{Name: fi.Name, Identifier: fi.Identifier, DataType: fi.DataType,
			Length: int(number(fmt.Sprintf("items[%d].length", i), fi.Length, 65535)), Precision: int(number(fmt.Sprintf("items[%d].precision", i), fi.Precision, 38)),
			Required: fi.Required, Key: fi.Key, Timestamp: fi.Timestamp, Sensitive: fi.Sensitive, ShareType: fi.ShareType, ShareCondition: fi.ShareCondition,
			OpenType: fi.OpenType, Grade: fi.Grade, Masking: fi.Masking, Validator: fi.Validator, ValidatorParam: fi.ValidatorParam, Description: fi.Description})
	}
	return e, f, problems
}

// catalogFormOf fills the form from a stored entry.
func catalogFormOf(e catalog.Entry) catalogForm {
	f := catalogForm{E: e, Keywords: strings.Join(e.Keywords, "，"), Related: strings.Join(e.Related, "，"), PhysicalDelete: e.PhysicalDelete}
	if e.Records != 0 {
		f.Records = strconv.FormatInt(e.Records, 10)
	}
	if e.SizeMB != 0 {
		f.SizeMB = strconv.FormatInt(e.SizeMB, 10)
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	for _, it := range e.Items {
		f.Items = append(f.Items, catalogFormItem{Name: it.Name, Identifier: it.Identifier, DataType: it.DataType, Length: num(it.Length), Precision: num(it.Precision),
			Required: it.Required, Key: it.Key, Timestamp: it.Timestamp, Sensitive: it.Sensitive, ShareType: it.ShareType, ShareCondition: it.ShareCondition,
			OpenType: it.OpenType, Grade: it.Grade, Masking: it.Masking, Validator: it.Validator, ValidatorParam: it.ValidatorParam, Description: it.Description})
	}
	return f
}

// catalogFormPage renders the entry form with its problems.
func (s *server) catalogFormPage(w http.ResponseWriter, r *http.Request, status int, f catalogForm, fields map[string]string, problems []catalogProblemView, msg string) {
	lang := language(r)
	title := "catalog.new_title"
	if !f.IsNew {
		title = "catalog.edit_title"
	}
	v := view{Error: msg}
	data, _, err := s.catalogBase(r, title, "browse", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts := catalogAllOptions(lang)
	// Item fields left empty take the entry's value: offer that first.
	opts["item_share_type"] = append([]catalogOption{{"", s.t(r, "catalog.same_as_entry")}}, opts["share_type"]...)
	opts["item_open_type"] = append([]catalogOption{{"", s.t(r, "catalog.same_as_entry")}}, opts["open_type"]...)
	opts["share_channel"] = append([]catalogOption{{"", s.t(r, "catalog.none_chosen")}}, opts["share_channel"]...)
	rows := make([]catalogFormRow, len(f.Items))
	for i, it := range f.Items {
		rowErrs := map[string]string{}
		prefix := fmt.Sprintf("items[%d].", i)
		for k, m := range fields {
			if strings.HasPrefix(k, prefix) {
				rowErrs[strings.TrimPrefix(k, prefix)] = m
			}
		}
		rows[i] = catalogFormRow{N: i, Num: i + 1, It: it, Errs: rowErrs, Opts: opts, Lang: lang}
	}
	blank := catalogFormRow{It: catalogFormItem{DataType: "string", Grade: "general", Masking: "none"}, Opts: opts, Lang: lang}
	v.Errors = fields
	data["F"], data["Rows"], data["Blank"], data["Opts"] = f, rows, blank, opts
	data["Check"] = map[string]any{"Lang": lang, "Problems": problems}
	data["Provider"] = s.principal(r).DepartmentName
	if f.IsNew {
		data["Action"] = "/catalog/new"
	} else {
		data["Action"] = "/catalog/edit?code=" + url.QueryEscape(f.Code)
	}
	v.Data = data
	s.render(w, r, status, "catalog_form", v)
}

func (s *server) catalogNew(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if !p.Can(org.EditCatalog) || p.DepartmentID == 0 {
		s.catalogDeny(w, r, "catalog.create", "catalog", "only a cataloger of a department registers entries", s.t(r, "catalog.forbidden_edit"))
		return
	}
	f := catalogForm{IsNew: true, E: catalog.Entry{Category: "departmental", Format: "database", ShareType: catalog.ShareConditional,
		ShareMode: "platform", ShareChannel: "api", OpenType: catalog.OpenNone, UpdateCycle: "daily", Grade: "general", Contact: "", Phone: ""},
		Items: []catalogFormItem{{DataType: "string", Grade: "general", Masking: "none"}}}
	s.catalogFormPage(w, r, http.StatusOK, f, nil, nil, "")
}

// catalogReadForm bounds and parses an entry form post.
func (s *server) catalogReadForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, catalogFormBytes)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.E(errs.TooLarge, "%s", s.t(r, "catalog.form_too_large"))
		}
		return errs.E(errs.Invalid, "%s", s.t(r, "catalog.form_malformed"))
	}
	return nil
}

func (s *server) catalogCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.catalogReadForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	e, f, problems := catalogParseForm(r, lang, s.msgs)
	f.IsNew = true
	if len(problems) > 0 {
		s.catalogFormProblems(w, r, f, e, problems)
		return
	}
	created, err := s.Catalog.Create(r.Context(), s.principal(r), e)
	s.catalogDone(w, r, err, s.catalogFormAgain(w, r, f), catalogEntryURL(created.Code, true), s.t(r, "catalog.flash.created", created.Name, created.Code))
}

// catalogFormAgain shows the form f again with the problems of a write.
func (s *server) catalogFormAgain(w http.ResponseWriter, r *http.Request, f catalogForm) func(int, map[string]string, []catalogProblemView, string) {
	return func(status int, fields map[string]string, list []catalogProblemView, msg string) {
		s.catalogFormPage(w, r, status, f, fields, list, msg)
	}
}

// catalogCheck lists every problem of a form at once: the form's own
// (a number that is not one) and what validation finds, without saving.
func (s *server) catalogCheck(lang string, e catalog.Entry, problems map[string]string) (map[string]string, []catalogProblemView) {
	found := map[string]string{}
	e.Normalize()
	if err := e.Validate(); err != nil {
		_, _, fields := errs.Public(err)
		found = fields
	}
	shown, _ := s.catalogFieldProblems(lang, found)
	for k, m := range problems {
		shown[k] = m
	}
	list := make([]catalogProblemView, 0, len(shown))
	for k, m := range shown {
		list = append(list, catalogProblemView{Field: k, Label: s.catalogFieldLabel(lang, k), Message: m})
	}
	sort.Slice(list, func(i, j int) bool { return catalogFieldOrder(list[i].Field) < catalogFieldOrder(list[j].Field) })
	return shown, list
}

// catalogFormProblems shows the form again with every problem.
func (s *server) catalogFormProblems(w http.ResponseWriter, r *http.Request, f catalogForm, e catalog.Entry, problems map[string]string) {
	shown, list := s.catalogCheck(language(r), e, problems)
	s.catalogFormPage(w, r, http.StatusBadRequest, f, shown, list, s.t(r, "catalog.has_problems"))
}

func (s *server) catalogEdit(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	p := s.principal(r)
	e, err := s.Catalog.Get(r.Context(), p, code, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Can(org.EditCatalog) || p.DepartmentID != e.ProviderID {
		s.catalogDeny(w, r, "catalog.update", "catalog:"+code, "only a cataloger of the providing department edits its entries", s.t(r, "catalog.forbidden_edit"))
		return
	}
	f := catalogFormOf(e)
	f.Code, f.CategoryLabel = code, catalogLabel(catalog.Categories, e.Category, language(r))
	msg := ""
	if e.Status == catalog.StatusSubmitted || e.Status == catalog.StatusApproved {
		msg = s.t(r, "catalog.under_review")
	}
	s.catalogFormPage(w, r, http.StatusOK, f, nil, nil, msg)
}

func (s *server) catalogSave(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if err := s.catalogReadForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	e, f, problems := catalogParseForm(r, lang, s.msgs)
	f.Code, f.CategoryLabel = code, catalogLabel(catalog.Categories, e.Category, lang)
	if len(problems) > 0 {
		s.catalogFormProblems(w, r, f, e, problems)
		return
	}
	saved, err := s.Catalog.Update(r.Context(), s.principal(r), code, e)
	s.catalogDone(w, r, err, s.catalogFormAgain(w, r, f), catalogEntryURL(code, true), s.t(r, "catalog.flash.saved", saved.Version))
}

// catalogValidate checks the form as typed, without saving, and answers
// with the list of problems.
func (s *server) catalogValidate(w http.ResponseWriter, r *http.Request) {
	lang := language(r)
	if err := s.catalogReadForm(w, r); err != nil {
		_, msg, _ := errs.Public(err)
		s.catalogFragment(w, r, "catalog_form", "catalog-problems", map[string]any{"Lang": lang, "Error": msg, "Checked": true})
		return
	}
	e, _, problems := catalogParseForm(r, lang, s.msgs)
	_, list := s.catalogCheck(lang, e, problems)
	s.catalogFragment(w, r, "catalog_form", "catalog-problems", map[string]any{"Lang": lang, "Problems": list, "Checked": true})
}

// The review queue.

type catalogReviewRow struct {
	catalogHitView
	Pending        int
	PendingUpdated string
}

func (s *server) catalogReview(w http.ResponseWriter, r *http.Request) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	var v view
	data, role, err := s.catalogBase(r, "catalog.review_title", "review", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !role.Reviewer {
		s.catalogDeny(w, r, "catalog.review", "catalog", "only an approver of the data authority reviews catalog entries", s.t(r, "catalog.forbidden_review"))
		return
	}
	status := r.URL.Query().Get("status")
	if status != catalog.StatusApproved {
		status = catalog.StatusSubmitted
	}
	counts := map[string]int{}
	for _, st := range []string{catalog.StatusSubmitted, catalog.StatusApproved} {
		res, err := s.Catalog.Search(ctx, p, catalog.Query{Status: st, PageSize: 1})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		counts[st] = res.Total
	}
	page := pageParam(r)
	res, err := s.Catalog.Search(ctx, p, catalog.Query{Status: status, Sort: "date", Page: page, PageSize: catalogPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []catalogReviewRow
	for _, h := range s.catalogHits(lang, res.Items) {
		row := catalogReviewRow{catalogHitView: h, Pending: h.Version, PendingUpdated: h.Updated}
		if e, err := s.Catalog.Get(ctx, p, h.Code, true); err == nil {
			row.Pending, row.PendingUpdated = e.Version, catalogDate(e.UpdatedAt)
			if !e.UpdatedAt.IsZero() {
				row.PendingUpdated = dateTime(e.UpdatedAt)
			}
		}
		rows = append(rows, row)
	}
	data["Rows"], data["Status"], data["Counts"] = rows, status, counts
	data["Pager"] = newPager(r, page, catalogPageSize, res.Total)
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog_review", v)
}

// Import and export.

type catalogProblemRow struct {
	catalog.Problem
	FieldLabel, Text string
}

func (s *server) catalogImportPage(w http.ResponseWriter, r *http.Request) {
	s.catalogImportRender(w, r, http.StatusOK, view{}, nil)
}

func (s *server) catalogImportRender(w http.ResponseWriter, r *http.Request, status int, v view, problems []catalog.Problem) {
	lang := language(r)
	data, role, err := s.catalogBase(r, "catalog.import_title", "import", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rows []catalogProblemRow
	for _, pr := range problems {
		rows = append(rows, catalogProblemRow{Problem: pr, FieldLabel: s.catalogFieldLabel(lang, pr.Field), Text: s.catalogProblem(lang, pr.Message)})
	}
	data["Problems"], data["CanImport"] = rows, role.Cataloger
	data["MaxMB"] = catalog.DefaultLimits.MaxBytes >> 20
	v.Data = data
	s.render(w, r, status, "catalog_import", v)
}

func (s *server) catalogImport(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if !p.Can(org.EditCatalog) || p.DepartmentID == 0 {
		s.catalogDeny(w, r, "catalog.import", "catalog", "only a cataloger of a department imports entries", s.t(r, "catalog.forbidden_edit"))
		return
	}
	limit := catalog.DefaultLimits.MaxBytes
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		msg := s.t(r, "catalog.import_malformed")
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			msg, status = s.t(r, "catalog.import_too_large", limit>>20), http.StatusRequestEntityTooLarge
		}
		s.catalogImportRender(w, r, status, view{Error: msg}, nil)
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Errors: map[string]string{"file": s.t(r, "catalog.import_choose")}}, nil)
		return
	}
	defer file.Close()
	kind := strings.TrimPrefix(strings.ToLower(path.Ext(hdr.Filename)), ".")
	if kind != "xlsx" && kind != "json" {
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Errors: map[string]string{"file": s.t(r, "catalog.import_kind")}}, nil)
		return
	}
	body, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if int64(len(body)) > limit {
		s.catalogImportRender(w, r, http.StatusRequestEntityTooLarge, view{Error: s.t(r, "catalog.import_too_large", limit>>20)}, nil)
		return
	}
	rep, err := s.Catalog.ImportFile(r.Context(), p, kind, body)
	switch {
	case errors.Is(err, catalog.ErrImportProblems):
		s.catalogImportRender(w, r, http.StatusBadRequest, view{Error: s.t(r, "catalog.import_problems", len(rep.Problems))}, rep.Problems)
		return
	case err != nil && catalogUserError(err):
		_, msg, fields := errs.Public(err)
		if m, ok := fields["format"]; ok {
			msg = m
		}
		s.catalogImportRender(w, r, errs.Status(errs.CodeOf(err)), view{Error: s.t(r, "catalog.import_refused", msg)}, nil)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/catalog/import", s.t(r, "catalog.flash.imported", rep.Created, rep.Updated, rep.Unchanged))
}

const catalogXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// catalogExport writes the entries the caller sees that match the browse
// filters, as the Excel template, JSON or DCAT JSON-LD.
func (s *server) catalogExport(w http.ResponseWriter, r *http.Request) {
	q := catalogQuery(r.URL.Query())
	q.Sort = "name"
	entries, err := s.Catalog.Export(r.Context(), s.principal(r), q, r.URL.Query().Get("format") == "dcat", catalog.ExportAll)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	var ctype, name string
	switch r.URL.Query().Get("format") {
	case "xlsx":
		err = catalog.WriteXLSX(&buf, entries)
		ctype, name = catalogXLSX, "catalog.xlsx"
	case "dcat":
		scheme := "http"
		if r.TLS != nil || s.Secure {
			scheme = "https"
		}
		err = catalog.WriteDCAT(&buf, entries, scheme+"://"+r.Host)
		ctype, name = "application/ld+json", "catalog.jsonld"
	default:
		err = catalog.WriteJSON(&buf, entries)
		ctype, name = "application/json", "catalog.json"
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogDownload(w, ctype, name, buf.Bytes())
}

func (s *server) catalogDownload(w http.ResponseWriter, ctype, name string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *server) catalogTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := catalog.WriteTemplate(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	s.catalogDownload(w, catalogXLSX, "catalog-template.xlsx", buf.Bytes())
}

// Datasources.

func (s *server) catalogDatasources(w http.ResponseWriter, r *http.Request) {
	s.catalogDatasourcesPage(w, r, http.StatusOK, view{})
}

func (s *server) catalogDatasourcesPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	p := s.principal(r)
	data, role, err := s.catalogBase(r, "catalog.datasources_title", "datasources", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sources, err := s.Catalog.Datasources(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := pageParam(r)
	total := len(sources)
	from := min((page-1)*catalogPageSize, total)
	data["Sources"], data["Pager"] = sources[from:min(from+catalogPageSize, total)], newPager(r, page, catalogPageSize, total)
	data["CanCreate"], data["AllDepartments"] = catalogManagesSources(p), role.Reviewer
	data["Drivers"] = []string{connector.Postgres, connector.MySQL, connector.SQLite}
	data["Form"] = r.PostForm
	v.Data = data
	s.render(w, r, status, "catalog_datasources", v)
}

func (s *server) catalogCreateDatasource(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	d := catalog.Datasource{Name: strings.TrimSpace(r.PostFormValue("name")), Driver: r.PostFormValue("driver"), DSN: r.PostFormValue("dsn")}
	// The DSN is a secret: it is never sent back, not even to re-fill the form.
	r.PostForm.Del("dsn")
	got, err := s.Catalog.CreateDatasource(r.Context(), s.principal(r), d)
	s.catalogDone(w, r, err, func(status int, fields map[string]string, _ []catalogProblemView, msg string) {
		s.catalogDatasourcesPage(w, r, status, view{Errors: fields, Error: msg})
	}, "/catalog/datasources", s.t(r, "catalog.flash.datasource", got.Name))
}

// Statistics.

type catalogSeries struct {
	Name   string `json:"name"`
	Values []int  `json:"values"`
}

type catalogBars struct {
	Labels []string        `json:"labels"`
	Series []catalogSeries `json:"series"`
}

func (s *server) catalogStats(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), language(r)
	var v view
	data, _, err := s.catalogBase(r, "catalog.stats_title", "stats", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, total, err := s.Catalog.Counts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bars := catalogBars{Series: []catalogSeries{{Name: s.t(r, "catalog.stats.published")}, {Name: s.t(r, "catalog.stats.mounted")}}}
	for _, c := range counts {
		if c.Entries == 0 {
			continue
		}
		bars.Labels = append(bars.Labels, c.Department)
		bars.Series[0].Values = append(bars.Series[0].Values, c.Published)
		bars.Series[1].Values = append(bars.Series[1].Values, c.Mounted)
	}
	byDept, _ := json.Marshal(bars)
	res, err := s.Catalog.Search(ctx, s.principal(r), catalog.Query{PageSize: 1, Facets: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	facet := func(name string, e catalog.Enum) string {
		var c chartData
		n := map[string]int{}
		for _, fc := range res.Facets[name] {
			n[fc.Value] = fc.Count
		}
		for _, o := range e {
			c.Labels, c.Values = append(c.Labels, e.Label(o.Value, lang)), append(c.Values, n[o.Value])
		}
		b, _ := json.Marshal(c)
		return string(b)
	}
	page := pageParam(r)
	from := min((page-1)*50, len(counts))
	data["Counts"], data["Total"], data["Pager"] = counts[from:min(from+50, len(counts))], total, newPager(r, page, 50, len(counts))
	data["ByDept"], data["HasDept"] = string(byDept), len(bars.Labels) > 0
	data["ByShare"], data["ByCategory"], data["Visible"] = facet("share_type", catalog.ShareTypes), facet("category", catalog.Categories), res.Total
	data["Summary"] = s.t(r, "catalog.stats.summary", formatNumber(total.Published), formatNumber(total.Mounted))
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog_stats", v)
}
