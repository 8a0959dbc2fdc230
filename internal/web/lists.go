package web

import (
	"encoding/json"
	"fmt"
	"net/http"
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

func (s *server) listsDepartments(r *http.Request) ([]org.Department, error) {
	ds, _, err := s.Org.Departments(r.Context(), org.DepartmentFilter{PageSize: 200})
	return ds, err
}

// Demands.

func (s *server) listsDemands(w http.ResponseWriter, r *http.Request) {
	s.listsDemandsPage(w, r, http.StatusOK, view{})
}

func (s *server) listsDemandsPage(w http.ResponseWriter, r *http.Request, status int, v view) {
	q := r.URL.Query()
	p := s.principal(r)
	page := pageParam(r)
	f := lists.DemandFilter{State: q.Get("state"), Resolution: q.Get("resolution"), Overdue: q.Get("overdue") == "on", Page: page}
	switch q.Get("scope") {
	case "requested":
		f.RequesterID = p.DepartmentID
	case "assigned":
		f.ProviderID = p.DepartmentID
	}
	if !slices.Contains(lists.DemandStates, f.State) {
		f.State = ""
	}
	if f.Resolution != lists.Satisfied && f.Resolution != lists.Rejected {
		f.Resolution = ""
	}
	ds, total, err := s.Lists.Demands(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.listsBase(r, "demands", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Demands"], data["Pager"], data["States"] = ds, newPager(r, page, 20, total), lists.DemandStates
	data["CanCreate"], data["Limit"] = lists.CanRequest(p), s.Lists.DemandDays
	v.Data = data
	s.render(w, r, status, "lists_demands", v)
}

func (s *server) listsCreateDemand(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	in := lists.DemandInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Scenario: r.PostFormValue("scenario"),
		Basis: r.PostFormValue("basis"), WantedCode: r.PostFormValue("wanted_code")}
	d, err := s.Lists.CreateDemand(r.Context(), s.principal(r), in)
	if err != nil {
		if !listsUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.listsDemandsPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
		return
	}
	s.redirect(w, r, fmt.Sprintf("/lists/demands/%d", d.ID), s.t(r, "lists.demand.created", d.ID))
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
		if err != nil {
			if !listsUserError(err) {
				s.fail(w, r, err)
				return
			}
			fields, msg := fieldErrors(err)
			s.listsDemandPage(w, r, id, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg})
			return
		}
		s.redirect(w, r, fmt.Sprintf("/lists/demands/%d", id), flash)
	}
}

// Duties.

func (s *server) listsDuties(w http.ResponseWriter, r *http.Request) {
	s.listsDutiesPage(w, r, http.StatusOK, view{}, 0)
}

// listsDutiesPage renders the duty list; errorRow is the duty whose fulfil
// form the errors are about.
func (s *server) listsDutiesPage(w http.ResponseWriter, r *http.Request, status int, v view, errorRow int64) {
	q := r.URL.Query()
	page := pageParam(r)
	provider, _ := strconv.ParseInt(q.Get("provider"), 10, 64)
	state := q.Get("state")
	if state != lists.DutyFulfilled && state != lists.DutyUnfulfilled && state != lists.DutyOverdue {
		state = ""
	}
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
	data, err := s.listsBase(r, "duties", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Duties"], data["Pager"], data["Departments"], data["ErrorRow"] = ds, newPager(r, page, 20, total), depts, errorRow
	data["States"], data["Categories"] = []string{lists.DutyFulfilled, lists.DutyUnfulfilled, lists.DutyOverdue}, catalog.Categories.Values()
	v.Data = data
	s.render(w, r, status, "lists_duties", v)
}

func (s *server) listsCreateDuty(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	provider, _ := strconv.ParseInt(r.PostFormValue("provider_id"), 10, 64)
	in := lists.DutyInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Category: r.PostFormValue("category"),
		ProviderID: provider, Deadline: r.PostFormValue("deadline")}
	d, err := s.Lists.CreateDuty(r.Context(), s.principal(r), in)
	if err != nil {
		if !listsUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.listsDutiesPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, 0)
		return
	}
	s.redirect(w, r, "/lists/duties", s.t(r, "lists.duty.created", d.Title, d.ProviderName))
}

func (s *server) listsFulfilDuty(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := listsID(r)
	d, err := s.Lists.FulfilDuty(r.Context(), s.principal(r), id, r.PostFormValue("entry_code"))
	if err != nil {
		if !listsUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.listsDutiesPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, id)
		return
	}
	s.redirect(w, r, "/lists/duties", s.t(r, "lists.duty.fulfilled", d.Title, d.EntryCode))
}

// Negative list.

func (s *server) listsNegatives(w http.ResponseWriter, r *http.Request) {
	s.listsNegativesPage(w, r, http.StatusOK, view{}, 0)
}

func (s *server) listsNegativesPage(w http.ResponseWriter, r *http.Request, status int, v view, errorRow int64) {
	q := r.URL.Query()
	page := pageParam(r)
	state := q.Get("state")
	if !slices.Contains(lists.NegativeStates, state) {
		state = ""
	}
	ns, total, err := s.Lists.Negatives(r.Context(), lists.NegativeFilter{State: state, EntryCode: strings.TrimSpace(q.Get("code")), Page: page})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.listsBase(r, "negatives", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Negatives"], data["Pager"], data["States"], data["ErrorRow"] = ns, newPager(r, page, 20, total), lists.NegativeStates, errorRow
	v.Data = data
	s.render(w, r, status, "lists_negatives", v)
}

// listsSplitItems reads item identifiers separated by commas, Chinese commas or spaces.
func listsSplitItems(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\t' })
}

func (s *server) listsProposeNegative(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	in := lists.NegativeInput{EntryCode: r.PostFormValue("entry_code"), Items: listsSplitItems(r.PostFormValue("items")), Basis: r.PostFormValue("basis")}
	n, err := s.Lists.ProposeNegative(r.Context(), s.principal(r), in)
	if err != nil {
		if !listsUserError(err) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.listsNegativesPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, 0)
		return
	}
	s.redirect(w, r, "/lists/negatives", s.t(r, "lists.negative.proposed", n.EntryCode))
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
		if err != nil {
			if !listsUserError(err) {
				s.fail(w, r, err)
				return
			}
			fields, msg := fieldErrors(err)
			s.listsNegativesPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, id)
			return
		}
		s.redirect(w, r, "/lists/negatives", flash)
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
	v := view{}
	data, err := s.listsBase(r, "stats", &v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data["Stats"], data["Rate"], data["Duties"] = st, listsPercent(st.Demands.Rate), rows
	data["DutyTotal"] = listsDutyRow{st.DutyTotal, listsPercent(st.DutyTotal.Rate)}
	data["DemandChart"], data["DutyChart"], data["ShareChart"] = listsChart(demands), listsChart(duties), listsChart(shares)
	v.Data = data
	s.render(w, r, http.StatusOK, "lists_stats", v)
}
