package assess

import (
	"time"
)

// Levels of an assessment.
const (
	LevelDepartment = "department"
	LevelDistrict   = "district"
)

// Report kinds.
const (
	KindAssessment = "assessment" // 考核
	KindSharing    = "sharing"    // 共享成效
)

// Origins of a report.
const (
	OriginSchedule = "schedule" // made at the start of the next period
	OriginDemand   = "demand"   // asked for
)

// Figure statuses.
const (
	StatusOK          = "ok"
	StatusNoData      = "no_data"      // nothing to count in the period
	StatusNotMeasured = "not_measured" // the platform cannot measure it yet
	StatusDisabled    = "disabled"     // the authority switched it off
)

// Figure is one indicator's value for one unit, with its score.
type Figure struct {
	Indicator string  `json:"indicator"`
	Status    string  `json:"status" enum:"ok,no_data,not_measured,disabled"`
	Value     float64 `json:"value" doc:"A share 0 to 1 for ratios; records, ms or points otherwise"`
	Num       float64 `json:"num"`
	Den       float64 `json:"den"`
	Records   int     `json:"records" doc:"How many records it counted: the drill-down lists them"`
	Score     float64 `json:"score" doc:"0 to 100 against the target"`
	Note      string  `json:"note,omitempty"`
}

// TrendPoint is a unit's total in an earlier report.
type TrendPoint struct {
	Period string  `json:"period"`
	Total  float64 `json:"total"`
	Rank   int     `json:"rank"`
}

// Row is one unit (a department, or a district) of an assessment.
type Row struct {
	Unit    string       `json:"unit" doc:"The department's id, or the district's division code"`
	Name    string       `json:"name"`
	Region  string       `json:"region,omitempty"`
	HasData bool         `json:"has_data" doc:"False when no record of the period concerns the unit"`
	Total   float64      `json:"total" doc:"Weighted mean of the scored figures, 0 to 100"`
	Rank    int          `json:"rank,omitempty" doc:"1 is best; units without data are not ranked"`
	Change  *float64     `json:"change,omitempty" doc:"Total against the previous period's report"`
	Figures []Figure     `json:"figures"`
	Trend   []TrendPoint `json:"trend,omitempty" doc:"Earlier periods' reports, oldest first"`
}

// Report is a generated report: the snapshot kept with the date of its
// data. An assessment has Rows; sharing results have Results.
type Report struct {
	ID          int64       `json:"id"`
	Kind        string      `json:"kind" enum:"assessment,sharing"`
	Period      Period      `json:"period"`
	PeriodLabel string      `json:"period_label"`
	Level       string      `json:"level" enum:"department,district"`
	DataFrom    time.Time   `json:"data_from"`
	DataTo      time.Time   `json:"data_to" doc:"The date of its data: records up to this instant were counted"`
	Partial     bool        `json:"partial,omitempty" doc:"The period had not ended when the report was made"`
	Origin      string      `json:"origin" enum:"schedule,demand"`
	GeneratedBy string      `json:"generated_by"`
	GeneratedAt time.Time   `json:"generated_at"`
	RecordsRead int64       `json:"records_read"`
	Empty       bool        `json:"empty,omitempty" doc:"The period has no data: no record counted at all"`
	Notes       []string    `json:"notes,omitempty"`
	Indicators  []Indicator `json:"indicators,omitempty" doc:"As configured when the report was made"`
	Units       int         `json:"units" doc:"Units assessed (a department sees only its own row, and this count)"`
	Rows        []Row       `json:"rows,omitempty"`
	Results     *Results    `json:"results,omitempty"`
}

// Record is one record a figure counted: the drill-down.
type Record struct {
	Ref   string  `json:"ref" doc:"The record as the audit log names it: entry:<code>, duty:12, application:5, channel:<id>, ..."`
	Label string  `json:"label"`
	Num   float64 `json:"num"`
	Den   float64 `json:"den"`
	Note  string  `json:"note,omitempty"`
}
