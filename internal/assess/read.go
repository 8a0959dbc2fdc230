package assess

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// Assessment returns the kept assessment of period at level: the newest
// report made of it. When none was made yet it is made now, once, and
// kept. A department's staff see their own unit only (and how many units
// there are).
func (s *Service) Assessment(ctx context.Context, p org.Principal, period, level string) (Report, error) {
	return s.read(ctx, p, KindAssessment, period, level)
}

// SharingResults returns the kept sharing results (共享成效) of period,
// made now when none was made yet.
func (s *Service) SharingResults(ctx context.Context, p org.Principal, period string) (Report, error) {
	return s.read(ctx, p, KindSharing, period, LevelDepartment)
}

func (s *Service) read(ctx context.Context, p org.Principal, kind, period, level string) (Report, error) {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return Report{}, s.denied(ctx, p, "assess.read", "assess:"+period, err)
	}
	per, err := ParsePeriod(period)
	if err != nil {
		return Report{}, err
	}
	if err := checkLevel(level); err != nil {
		return Report{}, err
	}
	r, err := s.latest(ctx, kind, per.Key, level)
	if errs.Is(err, errs.NotFound) {
		if kind == KindSharing {
			r, _, err = s.generateSharing(ctx, org.System, per, OriginDemand)
		} else {
			r, _, err = s.generate(ctx, org.System, per, level, OriginDemand)
		}
	}
	if err != nil {
		return Report{}, err
	}
	return s.shape(r, sc), nil
}

// ReportByID returns one kept report, shaped for p.
func (s *Service) ReportByID(ctx context.Context, p org.Principal, id int64) (Report, error) {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return Report{}, s.denied(ctx, p, "assess.read", "assess_report:"+strconv.FormatInt(id, 10), err)
	}
	r, err := s.byID(ctx, id)
	if err != nil {
		return Report{}, err
	}
	return s.shape(r, sc), nil
}

func (s *Service) byID(ctx context.Context, id int64) (Report, error) {
	var body string
	err := s.db.QueryRow(ctx, "SELECT body FROM assess_reports WHERE id = ?", id).Scan(&body)
	if err == sql.ErrNoRows {
		return Report{}, errs.New(errs.NotFound, msgReportMissing, id)
	}
	if err != nil {
		return Report{}, err
	}
	return decode(id, body)
}

// Summary is a kept report without its rows, for lists.
type Summary struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Period      string `json:"period"`
	Level       string `json:"level"`
	Origin      string `json:"origin"`
	DataTo      string `json:"data_to"`
	GeneratedAt string `json:"generated_at"`
	GeneratedBy string `json:"generated_by"`
	RecordsRead int64  `json:"records_read"`
}

// Reports lists the kept reports, newest first.
func (s *Service) Reports(ctx context.Context, p org.Principal, kind string, limit int) ([]Summary, error) {
	if _, err := s.scope(ctx, p); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT id, kind, period, level, origin, data_to, generated_at, generated_by, records_read FROM assess_reports
		WHERE kind = ? ORDER BY id DESC LIMIT ?`, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Summary{}
	for rows.Next() {
		var x Summary
		if err := rows.Scan(&x.ID, &x.Kind, &x.Period, &x.Level, &x.Origin, &x.DataTo, &x.GeneratedAt, &x.GeneratedBy, &x.RecordsRead); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// shape leaves a department's staff their own unit only.
func (s *Service) shape(r Report, sc scope) Report {
	if sc.all {
		return r
	}
	own := strconv.FormatInt(sc.dept, 10)
	if r.Level == LevelDistrict {
		own = sc.region
	}
	var rows []Row
	for _, row := range r.Rows {
		if row.Unit == own {
			rows = append(rows, row)
		}
	}
	r.Rows = rows
	if r.Results != nil {
		r.Results = r.Results.only(sc.dept)
	}
	return r
}

// mayRead reports whether sc sees unit of a report at level.
func (sc scope) mayRead(level, unit string) bool {
	if sc.all {
		return true
	}
	if level == LevelDistrict {
		return unit == sc.region
	}
	return unit == strconv.FormatInt(sc.dept, 10)
}

// Unit returns one unit's row of the kept assessment of period at level.
func (s *Service) Unit(ctx context.Context, p org.Principal, period, level, unit string) (Report, Row, error) {
	r, err := s.Assessment(ctx, p, period, level)
	if err != nil {
		return r, Row{}, err
	}
	for _, row := range r.Rows {
		if row.Unit == unit {
			return r, row, nil
		}
	}
	return r, Row{}, errs.New(errs.NotFound, msgUnitMissing, unit)
}

// Records lists the records one figure of a kept report counted: the
// drill-down behind each figure. For sharing results the unit is an entry
// and the indicator "use": its grants, calls and channel deliveries; a
// department's staff see those of the entries it provides.
func (s *Service) Records(ctx context.Context, p org.Principal, reportID int64, unit, indicator string) ([]Record, error) {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return nil, err
	}
	r, err := s.byID(ctx, reportID)
	if err != nil {
		return nil, err
	}
	if !sc.mayRead(r.Level, unit) && !(r.Kind == KindSharing && r.provides(sc.dept, unit)) {
		return nil, s.denied(ctx, p, "assess.records", "assess_report:"+strconv.FormatInt(reportID, 10), errs.New(errs.Forbidden, msgReadDenied))
	}
	rows, err := s.db.Query(ctx, "SELECT ref, label, num, den, note FROM assess_records WHERE report_id = ? AND unit = ? AND indicator = ? ORDER BY ref",
		reportID, unit, indicator)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Record{}
	for rows.Next() {
		var x Record
		if err := rows.Scan(&x.Ref, &x.Label, &x.Num, &x.Den, &x.Note); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// provides reports whether a sharing-results report counts entry code as
// provided by department dept, whose staff may then see who used it.
func (r Report) provides(dept int64, code string) bool {
	if r.Results == nil || dept == 0 {
		return false
	}
	for _, e := range r.Results.Entries {
		if e.Code == code && e.ProviderID == dept {
			return true
		}
	}
	return false
}
