package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/assess"
)

type (
	reportOut     struct{ Body assess.Report }
	indicatorsOut struct {
		Body struct {
			Indicators []assess.Indicator `json:"indicators"`
		}
	}
	periodInput struct {
		Period string `query:"period" required:"true" doc:"2026-11 (month), 2026-Q4 (quarter) or 2026 (year)"`
		Level  string `query:"level" default:"department" enum:"department,district"`
	}
	recordsOut  struct{ Body []assess.Record }
	projectOut  struct{ Body assess.Project }
	projectsOut struct{ Body []assess.Project }
)

// fileOrJSON answers f as a download, or v as JSON for format json.
func fileOrJSON(format string, f assess.File, v any) (*fileOut, error) {
	if format == assess.FormatJSON || format == "" {
		b, err := json.Marshal(v)
		return &fileOut{ContentType: "application/json", Body: b}, err
	}
	return &fileOut{ContentType: f.ContentType, ContentDisposition: `attachment; filename="` + f.Name + `"`, Body: f.Body}, nil
}

var downloads = map[string]*huma.Response{"200": {Description: "The report as JSON, XLSX or PDF", Content: map[string]*huma.MediaType{
	"application/json": {}, assess.TypeXLSX: {Schema: &huma.Schema{Type: "string", Format: "binary"}}, assess.TypePDF: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}

// registerAssess adds the data authority's reports: assessments (考核),
// sharing results (共享成效) and project acceptance (项目验收).
func (s *Server) registerAssess() {
	a := s.api
	const tag = "assessments"
	huma.Register(a, op(http.MethodGet, "/api/v1/assessments/indicators", "list-indicators", tag, "The assessment's indicators with their weights and targets", true),
		handle(s, func(ctx context.Context, in *struct{}) (*indicatorsOut, error) {
			out := &indicatorsOut{}
			var err error
			out.Body.Indicators, err = s.Assess.Indicators(ctx, principal(ctx))
			return out, err
		}))
	huma.Register(a, op(http.MethodPut, "/api/v1/assessments/indicators", "set-indicators", tag, "Set indicators' weights and targets (the data authority's staff)", true),
		handle(s, func(ctx context.Context, in *struct {
			Body struct {
				Indicators []assess.IndicatorInput `json:"indicators" minItems:"1" maxItems:"50"`
			}
		}) (*indicatorsOut, error) {
			out := &indicatorsOut{}
			var err error
			out.Body.Indicators, err = s.Assess.SetIndicators(ctx, principal(ctx), in.Body.Indicators)
			return out, err
		}))
	huma.Register(a, op(http.MethodGet, "/api/v1/assessments", "get-assessment", tag,
		"The kept assessment of a period per department or district: scores, ranks, trends (made once when first asked, then kept)", true),
		handle(s, func(ctx context.Context, in *periodInput) (*reportOut, error) {
			r, err := s.Assess.Assessment(ctx, principal(ctx), in.Period, in.Level)
			return &reportOut{r}, err
		}))
	huma.Register(a, op(http.MethodPost, "/api/v1/assessments", "generate-assessment", tag, "Make the assessment of a period now and keep it (the data authority's staff)", true),
		handle(s, func(ctx context.Context, in *struct {
			Body struct {
				Period string `json:"period"`
				Level  string `json:"level,omitempty" enum:"department,district" default:"department"`
			}
		}) (*reportOut, error) {
			level := in.Body.Level
			if level == "" {
				level = assess.LevelDepartment
			}
			r, err := s.Assess.Generate(ctx, principal(ctx), in.Body.Period, level)
			return &reportOut{r}, err
		}))
	o := op(http.MethodGet, "/api/v1/assessments/{period}/{department}", "export-assessment", tag,
		"One department's (or district's) assessment with the records behind it, or every unit's with department=all, as JSON, XLSX or PDF", true)
	o.Responses = downloads
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Period     string `path:"period"`
		Department string `path:"department" doc:"The department's id, a district's division code with level=district, or all"`
		Level      string `query:"level" default:"department" enum:"department,district"`
		Format     string `query:"format" default:"json" enum:"json,xlsx,pdf"`
	}) (*fileOut, error) {
		unit := in.Department
		if unit == "all" {
			unit = ""
		}
		if in.Format == assess.FormatJSON {
			r, row, err := s.Assess.Unit(ctx, principal(ctx), in.Period, in.Level, unit)
			if unit == "" {
				r, err = s.Assess.Assessment(ctx, principal(ctx), in.Period, in.Level)
				return fileOrJSON(in.Format, assess.File{}, r)
			}
			if err != nil {
				return nil, err
			}
			recs := map[string][]assess.Record{}
			for _, f := range row.Figures {
				if recs[f.Indicator], err = s.Assess.Records(ctx, principal(ctx), r.ID, unit, f.Indicator); err != nil {
					return nil, err
				}
			}
			return fileOrJSON(in.Format, assess.File{}, map[string]any{"report_id": r.ID, "period": r.Period, "data_to": r.DataTo, "units": r.Units,
				"indicators": r.Indicators, "row": row, "records": recs})
		}
		f, err := s.Assess.ExportAssessment(ctx, principal(ctx), in.Period, in.Level, unit, in.Format)
		if err != nil {
			return nil, err
		}
		return fileOrJSON(in.Format, f, nil)
	}))
	huma.Register(a, op(http.MethodGet, "/api/v1/assessments/reports/{id}/records", "assessment-records", tag, "The records one figure of a kept report counted (drill-down)", true),
		handle(s, func(ctx context.Context, in *struct {
			ID        int64  `path:"id"`
			Unit      string `query:"unit" required:"true"`
			Indicator string `query:"indicator" required:"true"`
		}) (*recordsOut, error) {
			r, err := s.Assess.Records(ctx, principal(ctx), in.ID, in.Unit, in.Indicator)
			return &recordsOut{r}, err
		}))
	o = op(http.MethodGet, "/api/v1/sharing-results", "sharing-results", tag, "The kept sharing results (共享成效) of a period, as JSON, XLSX or PDF", true)
	o.Responses = downloads
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		Period string `query:"period" required:"true"`
		Format string `query:"format" default:"json" enum:"json,xlsx,pdf"`
	}) (*fileOut, error) {
		if in.Format == assess.FormatJSON {
			r, err := s.Assess.SharingResults(ctx, principal(ctx), in.Period)
			if err != nil {
				return nil, err
			}
			return fileOrJSON(in.Format, assess.File{}, r)
		}
		f, err := s.Assess.ExportSharing(ctx, principal(ctx), in.Period, in.Format)
		if err != nil {
			return nil, err
		}
		return fileOrJSON(in.Format, f, nil)
	}))
	huma.Register(a, op(http.MethodPost, "/api/v1/sharing-results", "generate-sharing-results", tag, "Make the sharing results of a period now and keep them (the data authority's staff)", true),
		handle(s, func(ctx context.Context, in *struct {
			Body struct {
				Period string `json:"period"`
			}
		}) (*reportOut, error) {
			r, err := s.Assess.GenerateSharing(ctx, principal(ctx), in.Body.Period)
			return &reportOut{r}, err
		}))

	const ptag = "projects"
	huma.Register(a, op(http.MethodGet, "/api/v1/projects", "list-projects", ptag, "Information-system projects registered for acceptance (项目验收)", true),
		handle(s, func(ctx context.Context, in *struct{}) (*projectsOut, error) {
			list, err := s.Assess.Projects(ctx, principal(ctx))
			return &projectsOut{list}, err
		}))
	o = op(http.MethodPost, "/api/v1/projects", "create-project", ptag, "Register a project with its department and the catalog entries it produces", true)
	o.DefaultStatus = http.StatusCreated
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body assess.ProjectInput }) (*projectOut, error) {
		pr, err := s.Assess.CreateProject(ctx, principal(ctx), in.Body)
		return &projectOut{pr}, err
	}))
	o = op(http.MethodGet, "/api/v1/projects/{id}", "get-project", ptag, "One project", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*projectOut, error) {
		pr, err := s.Assess.Project(ctx, principal(ctx), in.ID)
		return &projectOut{pr}, err
	}))
	o = op(http.MethodGet, "/api/v1/projects/{id}/acceptance", "project-acceptance", ptag,
		"The acceptance check: what is missing (entries not compiled, mounted or shared; duties overdue), pass or fail with reasons; printable as PDF", true)
	o.Responses = map[string]*huma.Response{"200": {Description: "The check as JSON, XLSX or PDF", Content: map[string]*huma.MediaType{
		"application/json": {Schema: huma.SchemaFromType(a.OpenAPI().Components.Schemas, reflectType[assess.Acceptance]())},
		assess.TypeXLSX:    {Schema: &huma.Schema{Type: "string", Format: "binary"}}, assess.TypePDF: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct {
		ID     int64  `path:"id" minimum:"1"`
		Format string `query:"format" default:"json" enum:"json,xlsx,pdf"`
	}) (*fileOut, error) {
		if in.Format == assess.FormatJSON {
			c, err := s.Assess.Check(ctx, principal(ctx), in.ID, requestLang(ctx))
			if err != nil {
				return nil, err
			}
			return fileOrJSON(in.Format, assess.File{}, c)
		}
		f, err := s.Assess.ExportAcceptance(ctx, principal(ctx), in.ID, in.Format)
		if err != nil {
			return nil, err
		}
		return fileOrJSON(in.Format, f, nil)
	}))
}

func reflectType[T any]() reflect.Type { return reflect.TypeFor[T]() }
