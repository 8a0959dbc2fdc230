package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/basedb"
)

// registerQualityReports registers the monthly quality reports (数据质量月度报告).
func (s *Server) registerQualityReports() {
	type reportIn struct {
		Month      string `path:"month" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"YYYY-MM"`
		Format     string `query:"format" enum:"json,xlsx,pdf" default:"json" doc:"json, xlsx or pdf"`
		Department int64  `query:"department" minimum:"0" doc:"The department (the data authority's staff; 0: all); others get their own"`
	}
	type reportFile struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		CacheControl       string `header:"Cache-Control"`
		Body               []byte
	}
	o := op(http.MethodGet, "/api/v1/quality/reports/{month}", "quality-report", "basedb",
		"A department's monthly data quality report: its sources' scores (完整性, 准确性, 一致性, 及时性, 唯一性), the daily trend, the disputes and the worst rows; "+
			"as JSON, xlsx or an A4 PDF in Chinese", true)
	o.Errors = append(o.Errors, http.StatusServiceUnavailable)
	o.Responses = map[string]*huma.Response{"200": {Description: "The report", Content: map[string]*huma.MediaType{
		"application/json": {Schema: &huma.Schema{Type: "object"}},
		"application/pdf":  {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	huma.Register(s.api, o, handle(s, func(ctx context.Context, in *reportIn) (*reportFile, error) {
		if in.Format == "json" || in.Format == "" {
			r, err := s.BaseDB.QualityReport(ctx, principal(ctx), in.Month, in.Department)
			if err != nil {
				return nil, err
			}
			b, err := jsonBytes(r)
			return &reportFile{ContentType: "application/json", CacheControl: "no-store", Body: b}, err
		}
		b, err := s.BaseDB.QualityReportFile(ctx, principal(ctx), in.Month, in.Department, in.Format)
		if err != nil {
			return nil, err
		}
		ct := "application/pdf"
		if in.Format == "xlsx" {
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		return &reportFile{ContentType: ct, ContentDisposition: `attachment; filename="` + basedb.ReportName(in.Month, in.Department, in.Format) + `"`,
			CacheControl: "no-store", Body: b}, nil
	}))
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }
