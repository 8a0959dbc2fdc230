package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
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
	r.Get("/catalog/sample", s.catalogSample)
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
	reviewer, err := s.Catalog.IsReviewer(ctx, p)
	return catalogRole{Cataloger: catalog.CanCatalog(p), Reviewer: reviewer}, err
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
	if catalog.CanManageSources(p, p.DepartmentID) {
		tabs = append(tabs, catalogTab{Key: "catalog.tab.datasources", Href: "/catalog/datasources"})
	}
	tabs = append(tabs, catalogTab{Key: "catalog.tab.stats", Href: "/catalog/stats"})
	for i := range tabs {
		tabs[i].Active = tabs[i].Key == "catalog.tab."+tab
	}
	return map[string]any{"Tabs": tabs, "Role": role}, role, nil
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
func (s *server) catalogDeny(w http.ResponseWriter, r *http.Request, action, target string) {
	s.fail(w, r, s.Catalog.RefusePage(r.Context(), s.principal(r), action, target))
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

// catalogFieldLabel names a field key such as items[2].share_type for a
// person: 第3项 · 共享类型.
func (s *server) catalogFieldLabel(lang, field string) string {
	if field == "" {
		return ""
	}
	if n, item, ok := catalog.ParseItemField(field); ok {
		return s.msgs.T(lang, "catalog.item_n", n+1) + " · " + s.catalogMessage(lang, "catalog.item."+item, item)
	}
	return s.catalogMessage(lang, "catalog.field."+field, field)
}

// catalogProblemView is one problem for the validation list.
type catalogProblemView struct{ Field, Label, Message string }

// catalogFieldProblems lists field problems, said in lang, in form order.
func (s *server) catalogFieldProblems(lang string, fields map[string]string) (map[string]string, []catalogProblemView) {
	shown := map[string]string{}
	var list []catalogProblemView
	for f, msg := range fields {
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
	if n, item, ok := catalog.ParseItemField(field); ok {
		return fmt.Sprintf("1%06d%03d", n, catalogFieldRank["item."+item])
	}
	if r, ok := catalogFieldRank[field]; ok {
		return fmt.Sprintf("0%03d", r)
	}
	return "2" + field
}

// catalogErrors turns an error of a write into field messages and a page
// message in the caller's language.
func (s *server) catalogErrors(r *http.Request, err error) (map[string]string, []catalogProblemView, string) {
	lang := language(r)
	code, msg, fields := errs.PublicIn(err, lang)
	if code == errs.Invalid && len(fields) > 0 {
		shown, list := s.catalogFieldProblems(lang, fields)
		return shown, list, s.t(r, "catalog.has_problems")
	}
	return nil, nil, msg
}

// Browsing.
