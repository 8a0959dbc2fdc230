package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

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
	canEdit := catalog.CanEdit(p, e.ProviderID)
	seesDrafts := s.Catalog.SeesDrafts(ctx, p, e.ProviderID)
	data["E"] = s.catalogEntryView(lang, e)
	data["Latest"], data["InForce"], data["Pending"], data["SeesDrafts"] = latest, inForce, pending, seesDrafts
	data["PendingStatus"] = catalogLabel(catalog.Statuses, newestStatus, lang)
	data["Returned"], data["ReturnedVersion"] = returned, newest
	data["EntryURL"], data["LatestURL"] = catalogEntryURL(code, false), catalogEntryURL(code, true)
	data["CanEdit"] = canEdit && catalog.Editable(newestStatus)
	data["UnderReview"] = canEdit && !catalog.Editable(newestStatus)
	data["CanMount"] = canEdit
	data["CanSubmit"] = canEdit && catalog.CanTransition(catalog.ActionSubmit, newestStatus)
	data["CanApprove"] = role.Reviewer && catalog.CanTransition(catalog.ActionApprove, newestStatus)
	data["CanReturn"] = role.Reviewer && catalog.CanTransition(catalog.ActionReturn, newestStatus)
	data["CanPublish"] = role.Reviewer && catalog.CanTransition(catalog.ActionPublish, newestStatus)
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
			mv.Texts = append(mv.Texts, catalogMountProblem{Item: pr.Item, Column: pr.Column, Text: pr.In(lang)})
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
			_, msg, _ := errs.PublicIn(err, lang)
			diff["Error"] = msg
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
		if _, item, ok := catalog.ParseItemField(field); ok {
			name = item
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
		_, msg, _ := errs.PublicIn(err, lang)
		s.catalogFragment(w, r, "catalog_entry", "catalog-diff", map[string]any{"Lang": lang, "Error": msg})
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
		s.fail(w, r, errs.New(errs.NotFound, msgNoPage))
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
		_, msg, _ := errs.PublicIn(err, lang)
		data["Error"] = msg
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
