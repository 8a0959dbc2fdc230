package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
)

// assessPath is the assessment's page (考核); sharing results and projects
// have theirs beside it.
const (
	assessPath   = "/assessments"
	resultsPath  = "/sharing-results"
	projectsPath = "/projects"
)

// assessRoutes adds the reports' pages; they belong in the authenticated group.
func (s *server) assessRoutes(r chi.Router) {
	if s.Assess == nil {
		return
	}
	r.Get(assessPath, s.assessment)
	r.Get(assessPath+"/unit", s.assessUnit)
	r.Get(assessPath+"/export", s.assessExport)
	r.Get(resultsPath, s.sharingResults)
	r.Get(projectsPath, s.projects)
	r.Get(projectsPath+"/{id}", s.projectCheck)
	r.Post(assessPath+"/generate", s.assessGenerate)
	r.Get(assessPath+"/indicators", s.indicators)
	r.Post(assessPath+"/indicators", s.saveIndicators)
	r.Post(projectsPath, s.createProject)
}

// periodOf is the period asked for, else this month.
func periodOf(r *http.Request) string {
	if p := r.URL.Query().Get("period"); p != "" {
		return p
	}
	return time.Now().In(lists.Beijing).Format("2006-01")
}

func levelOf(r *http.Request) string {
	if r.URL.Query().Get("level") == assess.LevelDistrict {
		return assess.LevelDistrict
	}
	return assess.LevelDepartment
}

func assessChart(labels []string, values []float64) string {
	b, _ := json.Marshal(map[string]any{"labels": labels, "values": values})
	return string(b)
}

// cell is a figure as the page shows it.
type cell struct {
	assess.Figure
	Name, Text string
}

func (s *server) cells(r *http.Request, rep assess.Report, row assess.Row) []cell {
	lang := language(r)
	var out []cell
	for _, f := range row.Figures {
		ind := assess.Defaults[0]
		for _, x := range rep.Indicators {
			if x.Key == f.Indicator {
				ind = x
			}
		}
		name := ind.NameZH
		if lang == "en" {
			name = ind.NameEN
		}
		text := assess.Display(ind, f)
		switch f.Status {
		case assess.StatusNoData:
			text = s.t(r, "assess.no_data")
		case assess.StatusNotMeasured:
			text = s.t(r, "assess.not_measured")
		case assess.StatusDisabled:
			text = s.t(r, "assess.disabled")
		}
		out = append(out, cell{Figure: f, Name: name, Text: text})
	}
	return out
}

func (s *server) assessment(w http.ResponseWriter, r *http.Request) {
	period, level := periodOf(r), levelOf(r)
	rep, err := s.Assess.Assessment(r.Context(), s.principal(r), period, level)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var labels []string
	var totals []float64
	var rows []map[string]any
	for _, row := range rep.Rows {
		if row.HasData {
			labels, totals = append(labels, row.Name), append(totals, row.Total)
		}
		rows = append(rows, map[string]any{"Row": row, "Cells": s.cells(r, rep, row)})
	}
	s.render(w, r, http.StatusOK, "assessments", view{Title: "assess.title", Active: assessPath, Data: map[string]any{
		"Report": rep, "Rows": rows, "Chart": assessChart(labels, totals), "Period": period, "Level": level,
		"MayConfigure": s.Assess.MayConfigure(r.Context(), s.principal(r))}})
}

func (s *server) assessUnit(w http.ResponseWriter, r *http.Request) {
	period, level, unit := periodOf(r), levelOf(r), r.URL.Query().Get("unit")
	rep, row, err := s.Assess.Unit(r.Context(), s.principal(r), period, level, unit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type drill struct {
		cell
		List []assess.Record // the records the figure counted
	}
	var list []drill
	for _, c := range s.cells(r, rep, row) {
		recs, err := s.Assess.Records(r.Context(), s.principal(r), rep.ID, unit, c.Indicator)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		list = append(list, drill{c, recs})
	}
	var tl []string
	var tv []float64
	for _, p := range row.Trend {
		tl, tv = append(tl, p.Period), append(tv, p.Total)
	}
	tl, tv = append(tl, rep.Period.Key), append(tv, row.Total)
	s.render(w, r, http.StatusOK, "assessment_unit", view{Title: "assess.unit_title", Active: assessPath, Data: map[string]any{
		"Report": rep, "Row": row, "Figures": list, "Trend": assessChart(tl, tv), "Period": period, "Level": level}})
}

func (s *server) assessExport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f assess.File
	var err error
	switch q.Get("report") {
	case "sharing":
		f, err = s.Assess.ExportSharing(r.Context(), s.principal(r), periodOf(r), q.Get("format"))
	case "acceptance":
		id, _ := strconv.ParseInt(q.Get("id"), 10, 64)
		f, err = s.Assess.ExportAcceptance(r.Context(), s.principal(r), id, q.Get("format"))
	default:
		f, err = s.Assess.ExportAssessment(r.Context(), s.principal(r), periodOf(r), levelOf(r), q.Get("unit"), q.Get("format"))
	}
	if err == nil && f.ContentType == "" {
		err = assess.CheckFormat("-")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disp := "attachment"
	if f.ContentType == assess.TypePDF {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", disp+`; filename="`+f.Name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(f.Body)
}

func (s *server) sharingResults(w http.ResponseWriter, r *http.Request) {
	period := periodOf(r)
	rep, err := s.Assess.SharingResults(r.Context(), s.principal(r), period)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var labels []string
	var values []float64
	if rep.Results != nil {
		for i, d := range rep.Results.Departments {
			if i == 15 {
				break
			}
			labels, values = append(labels, d.Name), append(values, float64(d.Consumers))
		}
	}
	s.render(w, r, http.StatusOK, "sharing_results", view{Title: "assess.results_title", Active: resultsPath, Data: map[string]any{
		"Report": rep, "Chart": assessChart(labels, values), "Period": period, "MayConfigure": s.Assess.MayConfigure(r.Context(), s.principal(r))}})
}

func (s *server) projects(w http.ResponseWriter, r *http.Request) {
	list, err := s.Assess.Projects(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.projectsPage(w, r, http.StatusOK, list, nil, "")
}

func (s *server) projectsPage(w http.ResponseWriter, r *http.Request, status int, list []assess.Project, fields map[string]string, msg string) {
	p := s.principal(r)
	data := map[string]any{"Projects": list, "MayRegister": assess.CanRegister(p), "Form": r.PostForm}
	if s.Assess.MayConfigure(r.Context(), p) {
		ds, _, err := s.Org.Departments(r.Context(), org.DepartmentFilter{PageSize: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Departments"] = ds
	}
	s.render(w, r, status, "projects", view{Title: "assess.projects_title", Active: projectsPath, Errors: fields, Error: msg, Data: data})
}

// createProject registers a project from the console's form.
func (s *server) createProject(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	in := assess.ProjectInput{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Entries: strings.Fields(r.PostFormValue("entries"))}
	in.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	pr, err := s.Assess.CreateProject(r.Context(), s.principal(r), in)
	if err != nil {
		code, msg, fields := errs.PublicIn(err, language(r))
		if code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		list, lerr := s.Assess.Projects(r.Context(), s.principal(r))
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		s.projectsPage(w, r, http.StatusBadRequest, list, fields, msg)
		return
	}
	s.redirect(w, r, projectsPath+"/"+strconv.FormatInt(pr.ID, 10), s.t(r, "assess.project_registered", pr.Name))
}

// assessGenerate makes a report of a period now (the authority's staff).
func (s *server) assessGenerate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	period, level := r.PostFormValue("period"), r.PostFormValue("level")
	var err error
	target := assessPath + "?period=" + url.QueryEscape(period) + "&level=" + url.QueryEscape(level)
	if r.PostFormValue("report") == "sharing" {
		_, err = s.Assess.GenerateSharing(r.Context(), s.principal(r), period)
		target = resultsPath + "?period=" + url.QueryEscape(period)
	} else {
		_, err = s.Assess.Generate(r.Context(), s.principal(r), period, level)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, target, s.t(r, "assess.generated_flash", period))
}

// indicatorRow is an indicator as the form shows it: a ratio's target in percent.
type indicatorRow struct {
	assess.Indicator
	TargetValue string
}

func indicatorRows(list []assess.Indicator) []indicatorRow {
	out := make([]indicatorRow, len(list))
	for i, x := range list {
		t := x.Target
		if x.Kind == assess.Ratio {
			t *= 100
		}
		out[i] = indicatorRow{x, strconv.FormatFloat(t, 'f', -1, 64)}
	}
	return out
}

func (s *server) indicators(w http.ResponseWriter, r *http.Request) {
	list, err := s.Assess.Indicators(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "assess_indicators", view{Title: "assess.indicators_title", Active: assessPath, Data: map[string]any{
		"Indicators": indicatorRows(list), "MayConfigure": s.Assess.MayConfigure(r.Context(), s.principal(r))}})
}

// saveIndicators sets every indicator's weight, target and switch from the form.
func (s *server) saveIndicators(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	var in []assess.IndicatorInput
	for _, d := range assess.Defaults {
		weight, werr := strconv.ParseFloat(r.PostFormValue(d.Key+".weight"), 64)
		target, terr := strconv.ParseFloat(r.PostFormValue(d.Key+".target"), 64)
		if werr != nil {
			weight = -1 // refused with the field named
		}
		if terr != nil {
			target = -1
		}
		if d.Kind == assess.Ratio && terr == nil {
			target /= 100 // the form says percent
		}
		in = append(in, assess.IndicatorInput{Key: d.Key, Weight: weight, Target: target, Enabled: r.PostFormValue(d.Key+".enabled") != ""})
	}
	if _, err := s.Assess.SetIndicators(r.Context(), s.principal(r), in); err != nil {
		code, msg, fields := errs.PublicIn(err, language(r))
		if code != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		list, err := s.Assess.Indicators(r.Context(), s.principal(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusBadRequest, "assess_indicators", view{Title: "assess.indicators_title", Active: assessPath, Errors: fields, Error: msg,
			Data: map[string]any{"Indicators": indicatorRows(list), "MayConfigure": true}})
		return
	}
	s.redirect(w, r, assessPath+"/indicators", s.t(r, "assess.indicators_saved"))
}

func (s *server) projectCheck(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	a, err := s.Assess.Check(r.Context(), s.principal(r), id, language(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "project_check", view{Title: "assess.check_title", Active: projectsPath, Data: map[string]any{"Check": a}})
}
