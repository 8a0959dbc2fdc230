package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

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
var catalogFilters = []string{"region", "provider", "class", "category", "share_type", "open_type", "update_cycle", "status", "mounted", "grade"}

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
	if v := q.Get("region"); catalog.ValidRegion(v) {
		out.Region = v
	}
	if v := q.Get("class"); catalog.ValidClass(v) {
		out.Class = v
	}
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

// catalogTreeNode is a node of a catalog tree on the browse page.
type catalogTreeNode struct {
	Value, Label, Href string
	Count              int
	Active, Open       bool
	Children           []catalogTreeNode
}

// catalogTreeViews turns the domain's tree into links: a node filters the
// list by param (and drops the filters in clear, the other levels of the
// same tree); the chosen node's path is open, and a lone root too.
// labels receives every node's label by param and value, for the chips.
func catalogTreeViews(r *http.Request, lang string, nodes []catalog.TreeNode, labels map[string]string) []catalogTreeNode {
	uq := r.URL.Query()
	var walk func(ns []catalog.TreeNode) ([]catalogTreeNode, bool)
	walk = func(ns []catalog.TreeNode) ([]catalogTreeNode, bool) {
		out, anyOpen := make([]catalogTreeNode, 0, len(ns)), false
		for _, n := range ns {
			param, clear := "class", []string{}
			switch n.Kind {
			case catalog.NodeRegion:
				param, clear = "region", []string{"provider"}
			case catalog.NodeDepartment:
				param, clear = "provider", []string{"region"}
			}
			active := uq.Get(param) == n.Value
			nq := r.URL.Query()
			nq.Del("page")
			for _, c := range clear {
				nq.Del(c)
			}
			if active {
				nq.Del(param)
			} else {
				nq.Set(param, n.Value)
			}
			href := "/catalog"
			if len(nq) > 0 {
				href += "?" + nq.Encode()
			}
			v := catalogTreeNode{Value: n.Value, Label: n.Label(lang), Href: href, Count: n.Count, Active: active}
			labels[param+"="+n.Value] = v.Label
			var open bool
			v.Children, open = walk(n.Children)
			v.Open = open || (active && len(v.Children) > 0)
			anyOpen = anyOpen || active || open
			out = append(out, v)
		}
		return out, anyOpen
	}
	out, _ := walk(nodes)
	if len(out) == 1 {
		out[0].Open = true
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
	q.Page, q.PageSize, q.Facets, q.Trees = pageParam(r), catalogPageSize, true, true
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
	treeLabels := map[string]string{}
	var deptTree, classTree []catalogTreeNode
	if res.Trees != nil {
		deptTree, classTree = catalogTreeViews(r, lang, res.Trees.Departments, treeLabels), catalogTreeViews(r, lang, res.Trees.Classes, treeLabels)
	}
	label := func(name, value string) string {
		switch name {
		case "region", "class":
			if l, ok := treeLabels[name+"="+value]; ok {
				return l
			}
			return value
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
	data["DeptTree"], data["ClassTree"], data["ClassTab"] = deptTree, classTree, q.Class != ""
	v.Data = data
	s.render(w, r, http.StatusOK, "catalog", v)
}

// The entry page.
