package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// sharingActive is the navigation entry every page of sharing (数据共享)
// shows as current; the tabs tell the pages apart.
const sharingActive = "/sharing/applications"

const (
	sharingPageSize = 20
	// sharingFilterRows is the number of row-filter conditions a form offers.
	sharingFilterRows = 3
)

// sharingRoutes adds the pages of applications (共享申请), approvals and
// grants (授权); they belong in the authenticated group.
func (s *server) sharingRoutes(r chi.Router) {
	r.Get("/sharing", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, sharingActive, http.StatusSeeOther)
	})
	r.Get("/sharing/apply", s.sharingApplyForm)
	r.Post("/sharing/apply", s.sharingApply)
	r.Get("/sharing/applications", s.sharingApplications)
	r.Get("/sharing/applications/{id}", s.sharingApplication)
	r.Get("/sharing/applications/{id}/form.pdf", s.sharingForm)
	r.Post("/sharing/applications/{id}/approve", s.sharingApprove)
	r.Post("/sharing/applications/batch-approve", s.sharingBatchApprove)
	r.Post("/sharing/applications/{id}/return", s.sharingReturn)
	r.Post("/sharing/applications/{id}/withdraw", s.sharingWithdraw)
	r.Post("/sharing/applications/{id}/renew", s.sharingRenew)
	r.Get("/sharing/grants", s.sharingGrants)
	r.Get("/sharing/grants/{id}", s.sharingGrant)
	r.Post("/sharing/grants/{id}/revoke", s.sharingRevoke)
	r.Get("/sharing/grants/{id}/download", s.sharingDownload)
}

func sharingID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

func sharingAppURL(id int64) string   { return fmt.Sprintf("/sharing/applications/%d", id) }
func sharingGrantURL(id int64) string { return fmt.Sprintf("/sharing/grants/%d", id) }

// sharingTab is one tab of the sharing pages.
type sharingTab struct {
	Key, Href string
	Active    bool
}

// sharingBase fills what every page of sharing shows: the title, the
// navigation and the tabs the caller may open.
func (s *server) sharingBase(r *http.Request, title, tab string, v *view) map[string]any {
	p := s.principal(r)
	v.Title, v.Active = title, sharingActive
	var tabs []sharingTab
	if p.DepartmentID != 0 {
		tabs = append(tabs, sharingTab{Key: "sharing.tab.mine", Href: "/sharing/applications?box=mine"})
	}
	if p.Can(org.ReviewCatalog) {
		tabs = append(tabs, sharingTab{Key: "sharing.tab.review", Href: "/sharing/applications?box=review"})
	}
	tabs = append(tabs, sharingTab{Key: "sharing.tab.all", Href: "/sharing/applications?box=all"}, sharingTab{Key: "sharing.tab.grants", Href: "/sharing/grants"})
	if s.OpenData != nil && mayDecidePublic(p) {
		tabs = append(tabs, sharingTab{Key: "sharing.tab.public", Href: publicAppsPath})
	}
	for i := range tabs {
		tabs[i].Active = tabs[i].Key == "sharing.tab."+tab
	}
	return map[string]any{"Tabs": tabs}
}

// sharingUserError reports whether err is the user's to correct on the page
// rather than one to show as an error page.
func sharingUserError(err error) bool {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Conflict, errs.Forbidden:
		return true
	}
	return false
}

// sharingErrors turns an error of a write into field messages and a page
// message in the caller's language; the sharing domain words them.
func (s *server) sharingErrors(lang string, err error) (map[string]string, string) {
	code, msg, fields := errs.PublicIn(err, lang)
	if code == errs.Invalid && len(fields) > 0 {
		return fields, s.msgs.T(lang, "sharing.has_problems")
	}
	return nil, msg
}

// Labels.

// sharingOption is one choice of a select.
type sharingOption struct {
	Value, Label string
	Selected     bool
}

// sharingMaskOptions are the masking rules at least as strict as def,
// with chosen selected.
func sharingMaskOptions(lang, def, chosen string) []sharingOption {
	var out []sharingOption
	for _, r := range mask.Rules() {
		if mask.AtLeast(def, r) == nil {
			out = append(out, sharingOption{Value: r, Label: catalogLabel(catalog.Maskings, r, lang), Selected: r == chosen})
		}
	}
	return out
}

var sharingOps = []string{sharing.OpEq, sharing.OpIn, sharing.OpPrefix, sharing.OpGt, sharing.OpGte, sharing.OpLt, sharing.OpLte}

// sharingFilterText renders a row filter with item names and operators
// in the page language.
func (s *server) sharingFilterText(lang string, f sharing.RowFilter, names map[string]string) string {
	parts := make([]string, len(f))
	for i, c := range f {
		name := c.Item
		if n, ok := names[c.Item]; ok {
			name = n
		}
		parts[i] = name + " " + s.msgs.T(lang, "sharing.op."+c.Op) + " " + strings.Join(c.Values, s.msgs.T(lang, "sharing.list_separator"))
	}
	return strings.Join(parts, s.msgs.T(lang, "sharing.and"))
}

// sharingItemNames maps the items of an entry version to their names; an
// application's items are shown by name. The caller has already been
// allowed to see the application, so the version is read as the system.
func (s *server) sharingItemNames(ctx context.Context, code string, version int) (catalog.Entry, map[string]string) {
	names := map[string]string{}
	e, err := s.Catalog.Version(ctx, org.System, code, version)
	if err != nil {
		if e, err = s.Catalog.Get(ctx, org.System, code, false); err != nil {
			return e, names
		}
	}
	for _, it := range e.Items {
		names[it.Identifier] = it.Name
	}
	return e, names
}

// sharingTermItem is one item of terms, named and with its masking.
type sharingTermItem struct {
	ID, Name, Masking, MaskingLabel string
	Options                         []sharingOption
	Checked                         bool
	Lookup                          bool // a lookup key (查询条件)
	Requested                       bool // asked for as a lookup key: an approver may keep or remove it
}

// sharingTermsView is terms as a person reads them.
type sharingTermsView struct {
	Lang       string
	Items      []sharingTermItem
	Filter     string
	ValidUntil string
	RateLimit  float64
}

func (s *server) sharingTerms(lang string, t sharing.Terms, names map[string]string) sharingTermsView {
	out := sharingTermsView{Lang: lang, Filter: s.sharingFilterText(lang, t.Filter, names), ValidUntil: t.ValidUntil, RateLimit: t.RateLimit}
	for _, id := range t.Items {
		m := t.Masking[id]
		lookup := slices.Contains(t.Lookup, id)
		out.Items = append(out.Items, sharingTermItem{ID: id, Name: names[id], Masking: m, MaskingLabel: catalogLabel(catalog.Maskings, m, lang),
			Options: sharingMaskOptions(lang, m, m), Checked: true, Lookup: lookup, Requested: lookup})
	}
	return out
}

// The apply button on an entry's page.

// sharingApplyView is what an entry's page shows about applying for it.
type sharingApplyView struct {
	Lang          string
	Href          string // the form; empty when the caller may not apply
	Unconditional bool
	Refused       string // why the entry is not shared at all
}

// sharingApplyOf says whether p may apply for the entry code from its
// page: a data consumer of another department, for an entry in force.
func (s *server) sharingApplyOf(ctx context.Context, lang string, p org.Principal, code string) sharingApplyView {
	v := sharingApplyView{Lang: lang}
	if s.Sharing == nil || !p.Can(org.ConsumeData) || p.DepartmentID == 0 {
		return v
	}
	e, err := s.Catalog.Get(ctx, org.System, code, false)
	if err != nil || e.Status != catalog.StatusPublished || e.ProviderID == p.DepartmentID {
		return v
	}
	if e.ShareType == catalog.ShareNone {
		v.Refused = s.msgs.T(lang, "sharing.entry_unshared", e.ShareBasis)
		return v
	}
	if s.Lists != nil {
		if basis, blocked, err := s.Lists.Blocked(ctx, code); err == nil && blocked {
			v.Refused = s.msgs.T(lang, "sharing.entry_negative", basis)
			return v
		}
	}
	v.Href = "/sharing/apply?code=" + url.QueryEscape(code)
	v.Unconditional = !sharingConditional(e)
	return v
}

// sharingConditional mirrors the service's rule: an entry needs approval
// when it or any of its shared items is conditional (就高从严).
func sharingConditional(e catalog.Entry) bool {
	if e.ShareType == catalog.ShareConditional {
		return true
	}
	for _, it := range e.Items {
		if it.ShareType == catalog.ShareConditional {
			return true
		}
	}
	return false
}

// The application form.

// sharingApplyItem is one item of the application form.
type sharingApplyItem struct {
	catalogItemView
	Lookup   bool // asked for as a lookup key (查询条件)
	Checked  bool
	Disabled string // why the item may not be asked for
	Options  []sharingOption
}

// sharingFilterRow is one row-filter condition of a form, as typed.
type sharingFilterRow struct {
	N               int
	Item, Op, Value string
	Items           []sharingOption
	Ops             []sharingOption
}

// sharingFilterForm is the row-filter part of a form.
type sharingFilterForm struct {
	Lang string
	Rows []sharingFilterRow
}

func (s *server) sharingFilterRows(lang string, form url.Values, items []catalog.Item, from int) sharingFilterForm {
	var rows []sharingFilterRow
	for i := 0; i < sharingFilterRows; i++ {
		n := from + i
		row := sharingFilterRow{N: n, Item: form.Get(fmt.Sprintf("filter.%d.item", n)), Op: form.Get(fmt.Sprintf("filter.%d.op", n)),
			Value: form.Get(fmt.Sprintf("filter.%d.value", n))}
		for _, it := range items {
			row.Items = append(row.Items, sharingOption{Value: it.Identifier, Label: it.Name + "（" + it.Identifier + "）", Selected: it.Identifier == row.Item})
		}
		for _, op := range sharingOps {
			row.Ops = append(row.Ops, sharingOption{Value: op, Label: s.msgs.T(lang, "sharing.op."+op), Selected: op == row.Op})
		}
		rows = append(rows, row)
	}
	return sharingFilterForm{Lang: lang, Rows: rows}
}

// sharingParseFilter reads the row-filter rows of a form; a row without an
// item is empty and skipped. Values of "in" are separated by commas.
func sharingParseFilter(form url.Values) sharing.RowFilter {
	var f sharing.RowFilter
	for n := 0; n < 2*sharingFilterRows; n++ {
		item := strings.TrimSpace(form.Get(fmt.Sprintf("filter.%d.item", n)))
		if item == "" {
			continue
		}
		op, raw := form.Get(fmt.Sprintf("filter.%d.op", n)), strings.TrimSpace(form.Get(fmt.Sprintf("filter.%d.value", n)))
		values := []string{raw}
		if op == sharing.OpIn {
			values = listsSplitItems(strings.ReplaceAll(raw, " ", ","))
		}
		f = append(f, sharing.Condition{Item: item, Op: op, Values: values})
	}
	return f
}

func (s *server) sharingApplyForm(w http.ResponseWriter, r *http.Request) {
	s.sharingApplyPage(w, r, http.StatusOK, view{}, true)
}

// sharingApplyPage shows the application form for the entry named by the
// query parameter code; fresh fills the defaults instead of the form posted.
func (s *server) sharingApplyPage(w http.ResponseWriter, r *http.Request, status int, v view, fresh bool) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	code := r.URL.Query().Get("code")
	if code == "" {
		code = r.PostFormValue("code")
	}
	e, err := s.Catalog.Get(ctx, p, code, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if e.Status != catalog.StatusPublished {
		s.fail(w, r, errs.New(errs.NotFound, msgNotApplicable))
		return
	}
	if !p.Can(org.ConsumeData) || p.DepartmentID == 0 {
		err := s.Sharing.RefuseApply(ctx, p, code)
		s.fail(w, r, err)
		return
	}
	listed := map[string]string{}
	if s.Lists != nil {
		if listed, err = s.Lists.Items(ctx, code); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	form := r.PostForm
	if fresh {
		form = url.Values{}
	}
	ev := s.catalogEntryView(lang, e)
	var items []sharingApplyItem
	for _, iv := range ev.ItemViews {
		it := sharingApplyItem{catalogItemView: iv}
		chosen := form.Get("mask." + iv.Identifier)
		if chosen == "" {
			chosen = iv.Masking
		}
		it.Options = sharingMaskOptions(lang, iv.Masking, chosen)
		if b, ok := listed[iv.Identifier]; ok {
			it.Disabled = s.t(r, "sharing.item_negative", b)
		} else if iv.ShareType == catalog.ShareNone {
			it.Disabled = s.t(r, "sharing.item_unshared")
		}
		it.Checked = it.Disabled == "" && (fresh || slices.Contains(form["items"], iv.Identifier))
		it.Lookup = it.Disabled == "" && slices.Contains(form["lookup"], iv.Identifier)
		items = append(items, it)
	}
	sources, err := s.catalogOwnSources(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fresh {
		form.Set("delivery", sharing.DeliveryTable)
		form.Set("valid_until", time.Now().In(lists.Beijing).AddDate(1, 0, 0).Format(lists.DateFormat))
	}
	data := s.sharingBase(r, "sharing.apply_title", "mine", &v)
	data["E"], data["Items"], data["Sources"], data["Form"] = ev, items, sources, form
	data["Unconditional"] = !sharingConditional(e)
	data["Filters"] = s.sharingFilterRows(lang, form, e.Items, 0)
	data["Deliveries"] = []string{sharing.DeliveryTable, sharing.DeliveryAPI, sharing.DeliveryFile}
	data["Refused"] = v.Error != "" && status == http.StatusForbidden
	v.Data = data
	s.render(w, r, status, "sharing_apply", v)
}

func (s *server) sharingApply(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgSharingForm))
		return
	}
	lang, f := language(r), r.PostForm
	in := sharing.ApplicationInput{EntryCode: f.Get("code"), Items: f["items"], Purpose: f.Get("purpose"), Basis: f.Get("basis"),
		Scenario: f.Get("scenario"), Delivery: f.Get("delivery"), ValidUntil: strings.TrimSpace(f.Get("valid_until")), RowFilter: sharingParseFilter(f)}
	if in.Delivery == sharing.DeliveryTable {
		in.Target = &sharing.Target{Datasource: f.Get("target_datasource"), Table: strings.TrimSpace(f.Get("target_table"))}
	}
	if len(in.Items) == 0 {
		// The service reads no items as every shareable item; a person who
		// unticked them all meant none.
		s.sharingApplyPage(w, r, http.StatusBadRequest, view{Errors: map[string]string{"items": s.t(r, "sharing.msg.choose_items")},
			Error: s.t(r, "sharing.has_problems")}, false)
		return
	}
	e, err := s.Catalog.Get(r.Context(), s.principal(r), in.EntryCode, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, id := range f["lookup"] {
		if slices.Contains(in.Items, id) { // a lookup key of an item not asked for means nothing
			in.Lookup = append(in.Lookup, id)
		}
	}
	for _, it := range e.Items {
		if m := f.Get("mask." + it.Identifier); m != "" && m != it.Masking && slices.Contains(in.Items, it.Identifier) {
			if in.Masking == nil {
				in.Masking = map[string]string{}
			}
			in.Masking[it.Identifier] = m
		}
	}
	a, err := s.Sharing.Apply(r.Context(), s.principal(r), in)
	if err != nil {
		if !sharingUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := s.sharingErrors(lang, err)
		s.sharingApplyPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, false)
		return
	}
	flash := s.t(r, "sharing.flash.applied", a.ID, s.sharingWaiting(lang, a))
	if a.State == sharing.StateApproved {
		flash = s.t(r, "sharing.flash.granted", a.ID)
	}
	s.redirect(w, r, sharingAppURL(a.ID), flash)
}

// Lists of applications.

// sharingAppView is an application with labels in the page language.
type sharingAppView struct {
	sharing.Application
	StateLabel, WaitingLabel, DeliveryLabel, ItemsText, Created string
}

// sharingWaiting says who an application waits for.
func (s *server) sharingWaiting(lang string, a sharing.Application) string {
	switch a.State {
	case sharing.StateProvider:
		return s.msgs.T(lang, "sharing.waiting.provider", a.ProviderName)
	case sharing.StateAuthority:
		return s.msgs.T(lang, "sharing.waiting.authority")
	}
	return ""
}

func (s *server) sharingAppView(lang string, a sharing.Application, names map[string]string) sharingAppView {
	out := sharingAppView{Application: a, StateLabel: s.msgs.T(lang, "sharing.state."+a.State), WaitingLabel: s.sharingWaiting(lang, a),
		DeliveryLabel: s.msgs.T(lang, "sharing.delivery."+a.Delivery), Created: dateTime(a.CreatedAt)}
	var shown []string
	for _, id := range a.Requested {
		if n, ok := names[id]; ok {
			id = n
		}
		shown = append(shown, id)
	}
	out.ItemsText = strings.Join(shown, s.msgs.T(lang, "sharing.list_separator"))
	return out
}

var sharingStates = []string{sharing.StateProvider, sharing.StateAuthority, sharing.StateApproved, sharing.StateReturned, sharing.StateWithdrawn}

func (s *server) sharingApplications(w http.ResponseWriter, r *http.Request) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	q := r.URL.Query()
	box := q.Get("box")
	if box != "mine" && box != "review" && box != "all" {
		switch {
		case p.Can(org.ReviewCatalog) && !p.Can(org.ConsumeData):
			box = "review"
		case p.DepartmentID != 0:
			box = "mine"
		default:
			box = "all"
		}
	}
	state := q.Get("state")
	if !slices.Contains(sharingStates, state) {
		state = ""
	}
	page := pageParam(r)
	as, total, err := s.Sharing.Applications(ctx, p, sharing.ApplicationFilter{Box: box, State: state, Overdue: q.Get("overdue") == "1", Page: page, PageSize: sharingPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]map[string]string{}
	rows := make([]sharingAppView, 0, len(as))
	for _, a := range as {
		key := fmt.Sprintf("%s@%d", a.EntryCode, a.EntryVersion)
		if _, ok := names[key]; !ok {
			_, names[key] = s.sharingItemNames(ctx, a.EntryCode, a.EntryVersion)
		}
		rows = append(rows, s.sharingAppView(lang, a, names[key]))
	}
	var v view
	data := s.sharingBase(r, "sharing.title."+box, box, &v)
	data["Rows"], data["Box"], data["State"], data["States"] = rows, box, state, sharingStates
	data["Pager"] = newPager(r, page, sharingPageSize, total)
	v.Data = data
	s.render(w, r, http.StatusOK, "sharing_applications", v)
}

// One application.

// sharingStepView is a step of an application in the page language.
type sharingStepView struct {
	sharing.Step
	ActionLabel, FromLabel, ToLabel string
	Terms                           *sharingTermsView
}

func (s *server) sharingApplication(w http.ResponseWriter, r *http.Request) {
	s.sharingApplicationPage(w, r, sharingID(r), http.StatusOK, view{})
}

// sharingApplicationPage shows an application, its steps and the actions
// the caller may take on it.
func (s *server) sharingApplicationPage(w http.ResponseWriter, r *http.Request, id int64, status int, v view) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	a, err := s.Sharing.Application(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, names := s.sharingItemNames(ctx, a.EntryCode, a.EntryVersion)
	var steps []sharingStepView
	for _, st := range a.Steps {
		sv := sharingStepView{Step: st, ActionLabel: s.msgs.T(lang, "sharing.action."+st.Action)}
		if st.From != "" {
			sv.FromLabel = s.msgs.T(lang, "sharing.state."+st.From)
		}
		sv.ToLabel = s.msgs.T(lang, "sharing.state."+st.To)
		if st.Terms != nil {
			tv := s.sharingTerms(lang, *st.Terms, names)
			sv.Terms = &tv
		}
		steps = append(steps, sv)
	}
	mayReview := false
	switch a.State {
	case sharing.StateProvider:
		mayReview = p.Can(org.ReviewCatalog) && p.DepartmentID == a.ProviderID
	case sharing.StateAuthority:
		if s.Lists != nil {
			mayReview, _ = s.Lists.IsAuthority(ctx, p)
		}
	}
	consumer := p.Can(org.ConsumeData) && p.DepartmentID == a.ConsumerID
	tab := "all"
	switch {
	case mayReview:
		tab = "review"
	case p.DepartmentID == a.ConsumerID:
		tab = "mine"
	}
	data := s.sharingBase(r, "sharing.application_title", tab, &v)
	av := s.sharingAppView(lang, a, names)
	data["A"], data["Steps"], data["Terms"] = av, steps, s.sharingTerms(lang, a.Terms, names)
	data["EntryURL"] = catalogEntryURL(a.EntryCode, false)
	data["CanWithdraw"] = consumer && sharing.Pending(a.State)
	data["CanReview"] = mayReview
	form := r.PostForm
	if form == nil {
		form = url.Values{}
	}
	data["Form"] = form
	if consumer && a.State == sharing.StateApproved && a.GrantID != 0 {
		if g, err := s.Sharing.Grant(ctx, p, a.GrantID); err == nil && g.State == sharing.GrantActive && g.ExpiresAt.After(time.Now()) {
			data["CanRenew"] = true
			next := a.Terms.ValidUntil
			if t, err := time.ParseInLocation(lists.DateFormat, next, lists.Beijing); err == nil {
				next = t.AddDate(1, 0, 0).Format(lists.DateFormat)
			}
			if form.Get("renew_until") == "" {
				form.Set("renew_until", next)
			}
		}
	}
	if mayReview {
		// The approve form: the items as they stand, each ticked unless
		// the approver unticked it in the form posted.
		terms := s.sharingTerms(lang, a.Terms, names)
		posted := form.Has("approve")
		for i := range terms.Items {
			it := &terms.Items[i]
			if posted {
				it.Checked = slices.Contains(form["items"], it.ID)
				it.Lookup = it.Requested && slices.Contains(form["lookup"], it.ID)
				if m := form.Get("mask." + it.ID); m != "" {
					it.Options = sharingMaskOptions(lang, it.Masking, m)
				}
			}
		}
		data["Approve"] = terms
		if !posted {
			form.Set("valid_until", a.Terms.ValidUntil)
		}
		var granted []catalog.Item
		for _, it := range e.Items {
			if slices.Contains(a.Terms.Items, it.Identifier) {
				granted = append(granted, it)
			}
		}
		data["Filters"] = s.sharingFilterRows(lang, form, granted, 0)
	}
	v.Data = data
	s.render(w, r, status, "sharing_application", v)
}

// sharingAfter ends a form post on an application: it redirects with the
// flash when err is nil and otherwise shows the application again with
// what went wrong.
func (s *server) sharingAfter(w http.ResponseWriter, r *http.Request, id int64, err error, target, flash string) {
	if err == nil {
		s.redirect(w, r, target, flash)
		return
	}
	if !sharingUserError(err) {
		s.fail(w, r, err)
		return
	}
	fields, msg := s.sharingErrors(language(r), err)
	s.sharingApplicationPage(w, r, id, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
}

// sharingNarrower reads the approve form: the terms narrowed, or nil when
// the approver kept them as they are.
func sharingNarrower(form url.Values, have sharing.Terms) *sharing.Terms {
	want := sharing.Terms{Masking: map[string]string{}}
	changed := false
	items := form["items"]
	for _, id := range have.Items {
		if slices.Contains(items, id) {
			want.Items = append(want.Items, id)
		}
	}
	for _, id := range items {
		if !slices.Contains(have.Items, id) {
			want.Items = append(want.Items, id) // refused by the service, with the reason
		}
	}
	if len(want.Items) != len(have.Items) || len(items) != len(have.Items) {
		changed = true
	}
	for _, id := range want.Items {
		if m := form.Get("mask." + id); m != "" && m != have.Masking[id] {
			want.Masking[id], changed = m, true
		}
	}
	if added := sharingParseFilter(form); len(added) > 0 {
		want.Filter, changed = append(slices.Clone(have.Filter), added...), true
	}
	// Lookup keys (查询条件): those ticked of the ones asked for; an
	// approver may only remove them.
	var kept []string
	for _, id := range have.Lookup {
		if slices.Contains(want.Items, id) && slices.Contains(form["lookup"], id) {
			kept = append(kept, id)
		}
	}
	if len(kept) != len(have.Lookup) {
		want.Lookup, changed = append([]string{}, kept...), true
	}
	if until := strings.TrimSpace(form.Get("valid_until")); until != "" && until != have.ValidUntil {
		want.ValidUntil, changed = until, true
	}
	if !changed {
		return nil
	}
	return &want
}

// sharingBatchApprove approves the applications ticked on the review queue
// as applied for, and says what became of each.
func (s *server) sharingBatchApprove(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgSharingForm))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	res, err := s.Sharing.ApproveMany(r.Context(), s.principal(r), ids, strings.TrimSpace(r.PostFormValue("note")))
	if err != nil && !errs.Is(err, errs.Invalid) {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	flash := ""
	if err != nil {
		_, msg, fields := errs.PublicIn(err, lang)
		flash = msg
		if f, ok := fields["ids"]; ok {
			flash = f
		}
	} else {
		done, failed := 0, []string{}
		for _, o := range res {
			if o.Approved {
				done++
			} else {
				failed = append(failed, s.t(r, "sharing.batch.failed_one", o.ID, o.Problem.In(lang)))
			}
		}
		flash = s.t(r, "sharing.batch.done", done)
		if len(failed) > 0 {
			flash += " " + strings.Join(failed, "；")
		}
	}
	s.redirect(w, r, "/sharing/applications?box=review", flash)
}

func (s *server) sharingApprove(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 128<<10)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errs.New(errs.Invalid, msgSharingForm))
		return
	}
	ctx, p, id := r.Context(), s.principal(r), sharingID(r)
	a, err := s.Sharing.Application(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	narrower := sharingNarrower(r.PostForm, a.Terms)
	if narrower != nil && len(narrower.Items) == 0 {
		s.sharingApplicationPage(w, r, id, http.StatusBadRequest, view{Errors: map[string]string{"items": s.t(r, "sharing.msg.keep_one")},
			Error: s.t(r, "sharing.has_problems")})
		return
	}
	got, err := s.Sharing.Approve(ctx, p, id, narrower, strings.TrimSpace(r.PostFormValue("note")))
	flash := ""
	if err == nil {
		flash = s.t(r, "sharing.flash.approved_next", s.sharingWaiting(language(r), got))
		if got.State == sharing.StateApproved {
			flash = s.t(r, "sharing.flash.approved_granted", got.GrantID)
		}
	}
	s.sharingAfter(w, r, id, err, sharingAppURL(id), flash)
}

func (s *server) sharingReturn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := sharingID(r)
	_, err := s.Sharing.Return(r.Context(), s.principal(r), id, r.PostFormValue("reason"))
	s.sharingAfter(w, r, id, err, sharingAppURL(id), s.t(r, "sharing.flash.returned"))
}

func (s *server) sharingWithdraw(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := sharingID(r)
	_, err := s.Sharing.Withdraw(r.Context(), s.principal(r), id, r.PostFormValue("reason"))
	s.sharingAfter(w, r, id, err, sharingAppURL(id), s.t(r, "sharing.flash.withdrawn"))
}

func (s *server) sharingRenew(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := sharingID(r)
	a, err := s.Sharing.Renew(r.Context(), s.principal(r), id, strings.TrimSpace(r.PostFormValue("renew_until")))
	if err != nil {
		if errs.CodeOf(err) == errs.Invalid {
			// The renewal's fields are the renew form's.
			_, msg, fields := errs.PublicIn(err, language(r))
			if m, ok := fields["valid_until"]; ok {
				msg = m
			}
			s.sharingApplicationPage(w, r, id, http.StatusBadRequest, view{Errors: map[string]string{"renew_until": msg},
				Error: s.t(r, "sharing.has_problems")})
			return
		}
		s.sharingAfter(w, r, id, err, "", "")
		return
	}
	s.redirect(w, r, sharingAppURL(a.ID), s.t(r, "sharing.flash.renewed", a.ID, a.Terms.ValidUntil))
}

// Grants.

// sharingGrantView is a grant with labels in the page language.
type sharingGrantView struct {
	sharing.Grant
	StateLabel, DeliveryLabel, Expires, From, Stopped, ItemsText, TargetText string
	Expired                                                                  bool
}

func (s *server) sharingGrantView(lang string, g sharing.Grant, names map[string]string) sharingGrantView {
	out := sharingGrantView{Grant: g.In(lang), StateLabel: s.msgs.T(lang, "sharing.grant.state."+g.State), DeliveryLabel: s.msgs.T(lang, "sharing.delivery."+g.Delivery),
		Expires: until(g.ExpiresAt), From: dateTime(g.ValidFrom)}
	if g.State == sharing.GrantActive && !g.ExpiresAt.After(time.Now()) {
		out.Expired, out.StateLabel = true, s.msgs.T(lang, "sharing.grant.state."+sharing.GrantExpired)
	}
	if !g.StoppedAt.IsZero() {
		out.Stopped = dateTime(g.StoppedAt)
	}
	var shown []string
	for _, id := range g.Items {
		if n, ok := names[id]; ok {
			id = n
		}
		shown = append(shown, id)
	}
	out.ItemsText = strings.Join(shown, s.msgs.T(lang, "sharing.list_separator"))
	if g.Target != nil {
		out.TargetText = g.Target.Datasource + " · " + g.Target.Table
		if g.Target.Node != "" {
			out.TargetText = g.Target.Node + " · " + out.TargetText
		}
	}
	return out
}

var sharingGrantStates = []string{sharing.GrantActive, sharing.GrantRevoked, sharing.GrantExpired}

func (s *server) sharingGrants(w http.ResponseWriter, r *http.Request) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	all, err := s.Sharing.SeesAll(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var roles []string
	if p.DepartmentID != 0 {
		roles = append(roles, "consumer", "provider")
	}
	if all {
		roles = append(roles, "all")
	}
	q := r.URL.Query()
	role := q.Get("role")
	if !slices.Contains(roles, role) {
		role = "all"
		if len(roles) > 0 {
			role = roles[0]
		}
	}
	state := q.Get("state")
	if !slices.Contains(sharingGrantStates, state) {
		state = ""
	}
	page := pageParam(r)
	gs, total, err := s.Sharing.Grants(ctx, p, sharing.GrantFilter{Role: role, State: state, Page: page, PageSize: sharingPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]map[string]string{}
	rows := make([]sharingGrantView, 0, len(gs))
	for _, g := range gs {
		if _, ok := names[g.EntryCode]; !ok {
			_, names[g.EntryCode] = s.sharingItemNames(ctx, g.EntryCode, 0)
		}
		rows = append(rows, s.sharingGrantView(lang, g, names[g.EntryCode]))
	}
	var v view
	data := s.sharingBase(r, "sharing.title.grants", "grants", &v)
	data["Rows"], data["Roles"], data["Role"], data["State"], data["States"] = rows, roles, role, state, sharingGrantStates
	data["Pager"] = newPager(r, page, sharingPageSize, total)
	v.Data = data
	s.render(w, r, http.StatusOK, "sharing_grants", v)
}

func (s *server) sharingGrant(w http.ResponseWriter, r *http.Request) {
	s.sharingGrantPage(w, r, sharingID(r), http.StatusOK, view{})
}

// sharingMayRevoke mirrors the rule of sharing.Revoke.
func (s *server) sharingMayRevoke(ctx context.Context, p org.Principal, g sharing.Grant) bool {
	if p.Can(org.ManagePolicies) || (p.Can(org.ReviewCatalog) && p.DepartmentID == g.ProviderID) {
		return true
	}
	ok := false
	if s.Lists != nil {
		ok, _ = s.Lists.IsAuthority(ctx, p)
	}
	return ok
}

func (s *server) sharingGrantPage(w http.ResponseWriter, r *http.Request, id int64, status int, v view) {
	ctx, lang, p := r.Context(), language(r), s.principal(r)
	g, err := s.Sharing.Grant(ctx, p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names := s.sharingItemNames(ctx, g.EntryCode, 0)
	gv := s.sharingGrantView(lang, g, names)
	terms := s.sharingTerms(lang, sharing.Terms{Items: g.Items, Masking: g.Masking, Filter: g.Filter, Lookup: g.Lookup}, names)
	data := s.sharingBase(r, "sharing.grant_title", "grants", &v)
	data["G"], data["Terms"], data["EntryURL"] = gv, terms, catalogEntryURL(g.EntryCode, false)
	data["CanRevoke"] = g.State == sharing.GrantActive && !gv.Expired && s.sharingMayRevoke(ctx, p, g)
	data["CanDownload"] = g.Delivery == sharing.DeliveryFile && g.State == sharing.GrantActive && !gv.Expired && g.ConsumerID == p.DepartmentID && s.Gateway != nil
	data["Form"] = r.PostForm
	v.Data = data
	s.render(w, r, status, "sharing_grant", v)
}

func (s *server) sharingRevoke(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := sharingID(r)
	_, err := s.Sharing.Revoke(r.Context(), s.principal(r), id, r.PostFormValue("reason"))
	if err == nil {
		s.redirect(w, r, sharingGrantURL(id), s.t(r, "sharing.flash.revoked"))
		return
	}
	if !sharingUserError(err) {
		s.fail(w, r, err)
		return
	}
	fields, msg := s.sharingErrors(language(r), err)
	s.sharingGrantPage(w, r, id, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
}

// The dashboard.

// sharingDownload sends a file grant's data as CSV; the policy check decides.
func (s *server) sharingDownload(w http.ResponseWriter, r *http.Request) {
	if s.Gateway == nil {
		http.NotFound(w, r)
		return
	}
	ctx := r.Context()
	dl, err := s.Gateway.Download(ctx, s.principal(r), sharingID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+dl.Name()+`"`)
	if err := dl.WriteCSV(ctx, w); err != nil {
		s.Logger.ErrorContext(ctx, "download", "err", err)
	}
}
