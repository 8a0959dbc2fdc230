package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/basedb"
)

// The monthly quality report (数据质量月度报告) in the console: a
// department's sources with their scores, and the worst rows one click
// away; the same report as xlsx and PDF.

func (s *server) basedbQuality(w http.ResponseWriter, r *http.Request) {
	month := r.URL.Query().Get("month")
	if month == "" {
		month = time.Now().In(beijingTime).Format("2006-01")
	}
	dept, _ := strconv.ParseInt(r.URL.Query().Get("department"), 10, 64)
	rep, err := s.BaseDB.QualityReport(r.Context(), s.principal(r), month, dept)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "basedb_quality", view{Title: "basedb.quality.title", Active: basedbPath,
		Data: map[string]any{"Tabs": basedbTabs("quality"), "Report": rep, "Permille": permille,
			"Query": "?department=" + strconv.FormatInt(rep.DepartmentID, 10)}})
}

func (s *server) basedbQualityFile(w http.ResponseWriter, r *http.Request) {
	month, format := chi.URLParam(r, "month"), chi.URLParam(r, "format")
	if format != "xlsx" && format != "pdf" {
		http.NotFound(w, r)
		return
	}
	dept, _ := strconv.ParseInt(r.URL.Query().Get("department"), 10, 64)
	b, err := s.BaseDB.QualityReportFile(r.Context(), s.principal(r), month, dept, format)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct := "application/pdf"
	if format == "xlsx" {
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+basedb.ReportName(month, dept, format)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

var beijingTime = time.FixedZone("CST", 8*3600)
