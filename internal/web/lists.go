package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
)

// listsActive is the navigation entry every page of the three lists shows
// as current; the tabs tell the lists apart.
const listsActive = "/lists/demands"

// listsPageSize is the number of rows a page of a list shows.
const listsPageSize = 20

// listsRoutes adds the pages of the three lists (三张清单); they belong in
// the authenticated group.
func (s *server) listsRoutes(r chi.Router) {
	r.Get("/lists", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/lists/demands", http.StatusSeeOther)
	})
	r.Get("/lists/demands", s.listsDemands)
	r.Post("/lists/demands", s.listsCreateDemand)
	r.Get("/lists/demands/{id}", s.listsDemand)
	r.Post("/lists/demands/{id}/assign", s.listsDemandAction("assign"))
	r.Post("/lists/demands/{id}/close", s.listsDemandAction("close"))
	r.Post("/lists/demands/{id}/reject", s.listsDemandAction("reject"))
	r.Get("/lists/duties", s.listsDuties)
	r.Post("/lists/duties", s.listsCreateDuty)
	r.Post("/lists/duties/{id}/fulfil", s.listsFulfilDuty)
	r.Get("/lists/negatives", s.listsNegatives)
	r.Post("/lists/negatives", s.listsProposeNegative)
	r.Post("/lists/negatives/{id}/confirm", s.listsReviewNegative(true))
	r.Post("/lists/negatives/{id}/reject", s.listsReviewNegative(false))
	r.Get("/lists/stats", s.listsStats)
}

func listsID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

// listsUserError reports whether err is the user's to correct on the page
// (bad input, a conflict, a refusal) rather than one to show as an error page.
func listsUserError(err error) bool {
	return errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) || errs.Is(err, errs.Forbidden)
}

// listsBase fills what every page of the lists shows.
func (s *server) listsBase(r *http.Request, tab string, v *view) (map[string]any, error) {
	p := s.principal(r)
	authority, err := s.Lists.IsAuthority(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v.Title, v.Active = "lists.title."+tab, listsActive
	return map[string]any{"Tab": tab, "IsAuthority": authority, "MyDept": p.DepartmentID, "Form": r.PostForm,
		"IsCataloger": p.Can(org.EditCatalog) && p.DepartmentID != 0}, nil
}

// listsShow renders page with what every page of the lists shows and data.
func (s *server) listsShow(w http.ResponseWriter, r *http.Request, status int, tab, page string, v view, data map[string]any) {
	base, err := s.listsBase(r, tab, &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	maps.Copy(base, data)
	v.Data = base
	s.render(w, r, status, page, v)
}

// listsQuery reads the query of a list page: its parameters, the page and
// the state filter, which is dropped unless it is one of states.
func listsQuery(r *http.Request, states []string) (q url.Values, page int, state string) {
	q = r.URL.Query()
	if state = q.Get("state"); !slices.Contains(states, state) {
		state = ""
	}
	return q, pageParam(r), state
}

// listsDone ends a form post: it redirects to target with the flash when
// err is nil, shows the form's page again through page with an error the
// user can correct, and shows any other error as an error page.
func (s *server) listsDone(w http.ResponseWriter, r *http.Request, err error, page func(status int, v view), target, flash string) {
	if err == nil {
		s.redirect(w, r, target, flash)
		return
	}
	if !listsUserError(err) {
		s.fail(w, r, err)
		return
	}
	fields, msg := fieldErrors(err)
	page(errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
}

func (s *server) listsDepartments(r *http.Request) ([]org.Department, error) {
	ds, _, err := s.Org.Departments(r.Context(), org.DepartmentFilter{PageSize: 200})
	return ds, err
}

// Demands.

func (s *server) listsDemands(w http.ResponseWriter, r *http.Request) {
	s.listsDemandsPage(w, r, http.StatusOK, view{})
}

func (s *server) listsDemandsPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	q, page, state := listsQuery(r, lists.DemandStates)
	p := s.principal(r)
	f := lists.DemandFilter{State: state, Resolution: q.Get("resolution"), Overdue: q.Get("overdue") == "on", Page: page}
	switch q.Get("scope") {
	case "requested":
		f.RequesterID = p.DepartmentID
	case "assigned":
		f.ProviderID = p.DepartmentID
	}
	if f.Resolution != lists.Satisfied && f.Resolution != lists.Rejected {
		f.Resolution = ""
	}
	ds, total, err := s.Lists.Demands(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.listsShow(w, r, status, "demands", "lists_demands", v, map[string]any{"Demands": ds, "Pager": newPager(r, page, listsPageSize, total),
		"States": lists.DemandStates, "CanCreate": lists.CanRequest(p), "Limit": s.Lists.DemandDays})
}

func (s *server) listsCreateDemand(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	in := lists.DemandInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Scenario: r.PostFormValue("scenario"),
		Basis: r.PostFormValue("basis"), WantedCode: r.PostFormValue("wanted_code")}
	d, err := s.Lists.CreateDemand(r.Context(), s.principal(r), in)
	s.listsDone(w, r, err, func(status int, v view) { s.listsDemandsPage(w, r, status, v) },
		fmt.Sprintf("/lists/demands/%d", d.ID), s.t(r, "lists.demand.created", d.ID))
}

func (s *server) listsDemand(w http.ResponseWriter, r *http.Request) {
	s.listsDemandPage(w, r, listsID(r), http.StatusOK, view{})
}

func (s *server) listsDemandPage(w http.ResponseWriter, r *http.Request, id int64, status int, v view) {
	ctx := r.Context()
	p := s.principal(r)
	d, err := s.Lists.Demand(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var suggestions []lists.Suggestion
	if d.State != lists.StateClosed { // a closed demand needs no matching
		if suggestions, err = s.Lists.Suggest(ctx, p, id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	data, err := s.listsBase(r, "demands", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	authority := data["IsAuthority"].(bool)
	data["D"], data["Suggestions"] = d, suggestions
	data["CanClose"] = d.State != lists.StateClosed && (authority ||
		(d.State == lists.StateAssigned && p.Can(org.EditCatalog) && p.DepartmentID != 0 && p.DepartmentID == d.ProviderID))
	data["CanAssign"] = d.State != lists.StateClosed && authority
	if authority {
		if data["Departments"], err = s.listsDepartments(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	v.Data = data
	s.render(w, r, status, "lists_demand", v)
}

func (s *server) listsDemandAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		ctx, p, id := r.Context(), s.principal(r), listsID(r)
		var err error
		var flash string
		switch action {
		case "assign":
			provider, _ := strconv.ParseInt(r.PostFormValue("provider_id"), 10, 64)
			var d lists.Demand
			if d, err = s.Lists.AssignDemand(ctx, p, id, provider, r.PostFormValue("note")); err == nil {
				flash = s.t(r, "lists.demand.assigned", d.ProviderName)
			}
		case "close":
			code := r.PostFormValue("entry_code")
			if _, err = s.Lists.CloseDemand(ctx, p, id, code); err == nil {
				flash = s.t(r, "lists.demand.closed", strings.TrimSpace(code))
			}
		default:
			if _, err = s.Lists.RejectDemand(ctx, p, id, r.PostFormValue("reason")); err == nil {
				flash = s.t(r, "lists.demand.rejected")
			}
		}
		s.listsDone(w, r, err, func(status int, v view) { s.listsDemandPage(w, r, id, status, v) }, fmt.Sprintf("/lists/demands/%d", id), flash)
	}
}

// Duties.

func (s *server) listsDuties(w http.ResponseWriter, r *http.Request) {
	s.listsDutiesPage(w, r, http.StatusOK, view{}, 0)
}

// listsDutiesPage renders the duty list; errorRow is the duty whose fulfil
// form the errors are about.
func (s *server) listsDutiesPage(w http.ResponseWriter, r *http.Request, status int, v view, errorRow int64) {
	q, page, state := listsQuery(r, lists.DutyStates)
	provider, _ := strconv.ParseInt(q.Get("provider"), 10, 64)
	ds, total, err := s.Lists.Duties(r.Context(), lists.DutyFilter{State: state, ProviderID: provider, Page: page})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	depts, err := s.listsDepartments(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.listsShow(w, r, status, "duties", "lists_duties", v, map[string]any{"Duties": ds, "Pager": newPager(r, page, listsPageSize, total),
		"Departments": depts, "ErrorRow": errorRow, "States": lists.DutyStates, "Categories": catalog.Categories.Values()})
}

func (s *server) listsCreateDuty(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	provider, _ := strconv.ParseInt(r.PostFormValue("provider_id"), 10, 64)
	in := lists.DutyInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Category: r.PostFormValue("category"),
		ProviderID: provider, Deadline: r.PostFormValue("deadline")}
	d, err := s.Lists.CreateDuty(r.Context(), s.principal(r), in)
	s.listsDone(w, r, err, func(status int, v view) { s.listsDutiesPage(w, r, status, v, 0) },
		"/lists/duties", s.t(r, "lists.duty.created", d.Title, d.ProviderName))
}

func (s *server) listsFulfilDuty(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := listsID(r)
	d, err := s.Lists.FulfilDuty(r.Context(), s.principal(r), id, r.PostFormValue("entry_code"))
	s.listsDone(w, r, err, func(status int, v view) { s.listsDutiesPage(w, r, status, v, id) },
		"/lists/duties", s.t(r, "lists.duty.fulfilled", d.Title, d.EntryCode))
}

// Negative list.

func (s *server) listsNegatives(w http.ResponseWriter, r *http.Request) {
	s.listsNegativesPage(w, r, http.StatusOK, view{}, 0)
}

func (s *server) listsNegativesPage(w http.ResponseWriter, r *http.Request, status int, v view, errorRow int64) {
	q, page, state := listsQuery(r, lists.NegativeStates)
	ns, total, err := s.Lists.Negatives(r.Context(), lists.NegativeFilter{State: state, EntryCode: strings.TrimSpace(q.Get("code")), Page: page})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.listsShow(w, r, status, "negatives", "lists_negatives", v, map[string]any{"Negatives": ns, "Pager": newPager(r, page, listsPageSize, total),
		"States": lists.NegativeStates, "ErrorRow": errorRow})
}

// listsSplitItems reads item identifiers separated by commas, Chinese commas or spaces.
func listsSplitItems(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\t' })
}

func (s *server) listsProposeNegative(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	in := lists.NegativeInput{EntryCode: r.PostFormValue("entry_code"), Items: listsSplitItems(r.PostFormValue("items")), Basis: r.PostFormValue("basis"),
		AllowAggregation: r.PostFormValue("allow_aggregation") != "", AggregationBasis: r.PostFormValue("aggregation_basis")}
	n, err := s.Lists.ProposeNegative(r.Context(), s.principal(r), in)
	s.listsDone(w, r, err, func(status int, v view) { s.listsNegativesPage(w, r, status, v, 0) },
		"/lists/negatives", s.t(r, "lists.negative.proposed", n.EntryCode))
}

func (s *server) listsReviewNegative(confirm bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		id := listsID(r)
		var n lists.Negative
		var err error
		flash := ""
		if confirm {
			if n, err = s.Lists.ConfirmNegative(r.Context(), s.principal(r), id); err == nil {
				flash = s.t(r, "lists.negative.confirmed", n.EntryCode)
			}
		} else if n, err = s.Lists.RejectNegative(r.Context(), s.principal(r), id, r.PostFormValue("reason")); err == nil {
			flash = s.t(r, "lists.negative.rejected", n.EntryCode)
		}
		s.listsDone(w, r, err, func(status int, v view) { s.listsNegativesPage(w, r, status, v, id) }, "/lists/negatives", flash)
	}
}

// Statistics.

// listsDutyRow is a provider's duty completion with its rate as a percentage.
type listsDutyRow struct {
	lists.DutyCount
	Percent string
}

func listsPercent(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }

func listsChart(c chartData) string {
	if c.Labels == nil {
		c.Labels, c.Values = []string{}, []int{}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func (s *server) listsStats(w http.ResponseWriter, r *http.Request) {
	st, err := s.Lists.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := language(r)
	var demands, duties, shares chartData
	for _, c := range []struct {
		key string
		n   int
	}{{"lists.demand.state.open", st.Demands.Open}, {"lists.demand.state.assigned", st.Demands.Assigned},
		{"lists.demand.resolution.satisfied", st.Demands.Satisfied}, {"lists.demand.resolution.rejected", st.Demands.Rejected},
		{"lists.demand.overdue", st.Demands.Overdue}} {
		demands.Labels, demands.Values = append(demands.Labels, s.msgs.T(lang, c.key)), append(demands.Values, c.n)
	}
	rows := make([]listsDutyRow, 0, len(st.Duties))
	for _, c := range st.Duties {
		rows = append(rows, listsDutyRow{c, listsPercent(c.Rate)})
		duties.Labels, duties.Values = append(duties.Labels, c.Department), append(duties.Values, int(c.Rate*100+0.5))
	}
	for _, c := range st.ShareTypes {
		shares.Labels, shares.Values = append(shares.Labels, s.msgs.T(lang, "lists.share."+c.ShareType)), append(shares.Values, c.Entries)
	}
	s.listsShow(w, r, http.StatusOK, "stats", "lists_stats", view{}, map[string]any{"Stats": st, "Rate": listsPercent(st.Demands.Rate), "Duties": rows,
		"DutyTotal":   listsDutyRow{st.DutyTotal, listsPercent(st.DutyTotal.Rate)},
		"DemandChart": listsChart(demands), "DutyChart": listsChart(duties), "ShareChart": listsChart(shares)})
}
