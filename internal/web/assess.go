package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/lists"
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

func cells(rep assess.Report, row assess.Row) []cell {
	var out []cell
	for _, f := range row.Figures {
		ind := assess.Defaults[0]
		for _, x := range rep.Indicators {
			if x.Key == f.Indicator {
				ind = x
			}
		}
		out = append(out, cell{Figure: f, Name: ind.NameZH, Text: assess.Display(ind, f)})
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
		rows = append(rows, map[string]any{"Row": row, "Cells": cells(rep, row)})
	}
	s.render(w, r, http.StatusOK, "assessments", view{Title: "assess.title", Active: assessPath, Data: map[string]any{
		"Report": rep, "Rows": rows, "Chart": assessChart(labels, totals), "Period": period, "Level": level}})
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
	for _, c := range cells(rep, row) {
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
		"Report": rep, "Chart": assessChart(labels, values), "Period": period}})
}

func (s *server) projects(w http.ResponseWriter, r *http.Request) {
	list, err := s.Assess.Projects(r.Context(), s.principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "projects", view{Title: "assess.projects_title", Active: projectsPath, Data: map[string]any{"Projects": list}})
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
