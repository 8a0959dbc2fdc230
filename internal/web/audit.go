package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// auditRow is one audit entry as the auditor reads it.
type auditRow struct {
	Seq                    int64
	At                     string
	Actor, ActorLink       string
	Department             string
	Action, ActionCode     string
	TargetKind, TargetID   string
	TargetLink, TargetCode string
	Outcome, OutcomeText   string
	Client                 string
	Detail                 template.HTML
}

// targetLinks are the console pages of the records audit targets name.
var targetLinks = map[string]func(id string) string{
	"user":        func(id string) string { return "/users/" + url.PathEscape(id) },
	"catalog":     func(id string) string { return "/catalog/entry?code=" + url.QueryEscape(id) },
	"application": func(id string) string { return "/sharing/applications/" + url.PathEscape(id) },
	"grant":       func(id string) string { return "/sharing/grants/" + url.PathEscape(id) },
	"channel":     func(id string) string { return "/exchange/channels/" + url.PathEscape(id) },
	"demand":      func(id string) string { return "/lists/demands/" + url.PathEscape(id) },
	"duty":        func(string) string { return "/lists/duties" },
	"negative":    func(string) string { return "/lists/negatives" },
	"node":        func(string) string { return "/nodes" },
	"datasource":  func(string) string { return "/catalog/datasources" },
	"app":         func(string) string { return "/services/apps" },
	"department":  func(string) string { return "/departments" },
	"region":      func(string) string { return "/regions" },
	"mandate":     func(string) string { return "/exchange/mandates" },
	"ledger":      func(string) string { return "/ledger" },
}

func auditRowOf(e audit.Entry, lang string) auditRow {
	r := auditRow{Seq: e.Seq, At: dateTime(e.At), Actor: e.Actor, Department: e.Department,
		Action: audit.ActionText(e.Action).In(lang), ActionCode: e.Action, TargetCode: e.Target,
		Outcome: e.Outcome, OutcomeText: audit.OutcomeText(e.Outcome).In(lang), Client: e.ClientAddr,
		Detail: detailHTML(e.Detail, lang)}
	if e.ActorID != 0 {
		r.ActorLink = "/users/" + strconv.FormatInt(e.ActorID, 10)
	}
	t := audit.ParseTarget(e.Target)
	r.TargetID = t.ID
	if t.Kind != "" {
		r.TargetKind = audit.KindText(t.Kind).In(lang)
		if link, ok := targetLinks[t.Kind]; ok && t.ID != "" {
			r.TargetLink = link(t.ID)
		}
	}
	return r
}

// Markers of a detail's arguments while it is said, from Unicode's private
// use area.
const argOpen, argClose = "\ue000", "\ue001"

// detailHTML says a stored detail in lang, with what users wrote (its
// string arguments: names, reasons) marked as user data; a detail stored as
// plain text is shown as it is.
func detailHTML(detail, lang string) template.HTML {
	t := audit.DetailText(detail)
	if t.Msg == nil || strings.Contains(detail, argOpen) || strings.Contains(detail, argClose) {
		return template.HTML(template.HTMLEscapeString(t.In(lang)))
	}
	var data []string
	marked := t.MapArgs(func(s string) string {
		data = append(data, s)
		return argOpen + strconv.Itoa(len(data)-1) + argClose
	})
	out := template.HTMLEscapeString(marked.In(lang))
	for i, s := range data {
		out = strings.Replace(out, argOpen+strconv.Itoa(i)+argClose, `<span class="user-data">`+template.HTMLEscapeString(s)+`</span>`, 1)
	}
	return template.HTML(out)
}

// auditFilter reads the page's filters.
func auditFilter(q url.Values) audit.Filter {
	f := audit.Filter{Actor: strings.TrimSpace(q.Get("actor")), Action: q.Get("action"), Outcome: q.Get("outcome"), Q: q.Get("q")}
	f.DepartmentID, _ = strconv.ParseInt(q.Get("department"), 10, 64)
	if t, err := time.ParseInLocation("2006-01-02", q.Get("from"), beijing); err == nil {
		f.From = t
	}
	if t, err := time.ParseInLocation("2006-01-02", q.Get("to"), beijing); err == nil {
		f.To = t.AddDate(0, 0, 1)
	}
	return f
}

// auditChoice is one option of a filter.
type auditChoice struct{ Value, Label string }

func (s *server) audit(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if err := s.Org.RequireAuditor(r.Context(), p, "audit.read"); err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	f := auditFilter(r.URL.Query())
	f.Page = pageParam(r)
	es, total, err := s.Audit.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]auditRow, len(es))
	for i, e := range es {
		rows[i] = auditRowOf(e, lang)
	}
	actions := []auditChoice{}
	for _, a := range audit.Actions() {
		actions = append(actions, auditChoice{a, audit.ActionText(a).In(lang)})
	}
	depts, _, err := s.Org.Departments(r.Context(), org.DepartmentFilter{PageSize: store.MaxPageSize})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	departments := make([]auditChoice, len(depts))
	for i, d := range depts {
		departments[i] = auditChoice{strconv.FormatInt(d.ID, 10), d.Name}
	}
	var users []string
	if us, _, err := s.Org.Users(r.Context(), p, org.UserFilter{PageSize: store.MaxPageSize}); err == nil {
		for _, u := range us {
			users = append(users, u.Username)
		}
	}
	s.render(w, r, http.StatusOK, "audit", view{Title: "nav.audit", Active: "/audit",
		Data: map[string]any{"Entries": rows, "Pager": newPager(r, f.Page, 20, total), "Actions": actions, "Departments": departments,
			"Users": users, "Export": "/audit/export?" + r.URL.Query().Encode()}})
}

// auditExport sends the entries matching the page's filters as a workbook.
func (s *server) auditExport(w http.ResponseWriter, r *http.Request) {
	p := s.principal(r)
	if err := s.Org.RequireAuditor(r.Context(), p, "audit.export"); err != nil {
		s.fail(w, r, err)
		return
	}
	f := auditFilter(r.URL.Query())
	var buf bytes.Buffer
	n, err := s.Audit.WriteXLSX(r.Context(), &buf, f, language(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Audit.Record(r.Context(), org.Entry(p, "audit.export", "audit", audit.Success, audit.ExportDetail(r.URL.Query().Encode(), n))); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", catalogXLSX)
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(beijing).Format("20060102-1504")+`.xlsx"`)
	w.Write(buf.Bytes())
}
