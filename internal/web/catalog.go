package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
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
