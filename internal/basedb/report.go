package basedb

import (
	"context"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Report is a department's monthly data quality report (月度数据质量报告):
// each of its sources' rows and scores over the month, the scores per day
// (the trend), the disputes on its values, and the worst rows (the rows
// quarantined, with the field and the reason).
type Report struct {
	Month        string         `json:"month" doc:"YYYY-MM"`
	DepartmentID int64          `json:"department_id" doc:"0: all departments"`
	Department   string         `json:"department"`
	Sources      []ReportSource `json:"sources"`
	Days         []Score        `json:"days" doc:"The sources' scores per day, oldest first"`
	Disputes     DisputeStats   `json:"disputes"`
	Worst        []BadRow       `json:"worst" doc:"The month's quarantined rows, newest first (at most 200)"`
}

// ReportSource is one source's month: rows delivered and scores per mille,
// the mean of its days weighted by rows; Uniqueness is the share of its
// staged rows whose source row key is not repeated.
type ReportSource struct {
	DB           string `json:"db"`
	DBName       string `json:"db_name"`
	Source       string `json:"source"`
	SourceName   string `json:"source_name"`
	Rows         int64  `json:"rows"`
	Quarantined  int64  `json:"quarantined"`
	Completeness int64  `json:"completeness"`
	Accuracy     int64  `json:"accuracy"`
	Consistency  int64  `json:"consistency"`
	Timeliness   int64  `json:"timeliness"`
	Uniqueness   int64  `json:"uniqueness"`
}

// BadRow is a quarantined source row: what failed and why.
type BadRow struct {
	DB        string    `json:"db"`
	Source    string    `json:"source"`
	RowKey    string    `json:"row_key"`
	Field     string    `json:"field"`
	Reason    errs.Text `json:"-"`
	ReasonZH  string    `json:"reason_zh"`
	ReasonEN  string    `json:"reason_en"`
	ArrivedAt time.Time `json:"arrived_at"`
}

var msgMonth = errs.Define("basedb.field.month", "a month YYYY-MM", "须为月份 YYYY-MM")

// maxWorst bounds the worst rows of a report.
const maxWorst = 200

// QualityReport answers department's quality report of month (YYYY-MM):
// any department's (0: all) for the staff of the data authority, a
// department's own for its staff.
func (s *Service) QualityReport(ctx context.Context, p org.Principal, month string, department int64) (Report, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return Report{}, err
	}
	if a.dept == 0 {
		return Report{}, errs.New(errs.Forbidden, msgReadDenied)
	}
	if !a.authority {
		department = a.dept
	}
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return Report{}, errs.FieldMsg("month", msgMonth)
	}
	end := start.AddDate(0, 1, 0)
	r := Report{Month: month, DepartmentID: department, Sources: []ReportSource{}, Days: []Score{}, Worst: []BadRow{}}
	if department != 0 {
		d, err := s.org.Department(ctx, department)
		if err != nil {
			return Report{}, err
		}
		r.Department = d.Name
		if r.Disputes, err = s.DisputeStats(ctx, department, start, end); err != nil {
			return Report{}, err
		}
	}
	// The sources in scope: the department's, or all.
	type key struct{ db, src string }
	scope := map[key]bool{}
	rows, err := s.db.Query(ctx, "SELECT db, source, department_id FROM basedb_sources")
	if err != nil {
		return Report{}, err
	}
	for rows.Next() {
		var k key
		var dept int64
		if err := rows.Scan(&k.db, &k.src, &dept); err != nil {
			rows.Close()
			return Report{}, err
		}
		scope[k] = department == 0 || dept == department
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Report{}, err
	}
	from, to := start.Format(time.DateOnly), end.AddDate(0, 0, -1).Format(time.DateOnly)
	days, err := s.scores(ctx, ScoreFilter{Department: department, From: from, To: to, PageSize: store.MaxPageSize})
	if err != nil {
		return Report{}, err
	}
	sums := map[key]*ReportSource{}
	for i := len(days) - 1; i >= 0; i-- { // oldest first
		d := days[i]
		k := key{d.DB, d.Source}
		if d.Source == "" || !scope[k] {
			continue
		}
		r.Days = append(r.Days, d)
		x := sums[k]
		if x == nil {
			x = &ReportSource{DB: d.DB, Source: d.Source}
			sums[k] = x
		}
		x.Rows += d.Rows
		x.Completeness += d.Completeness * d.Rows
		x.Accuracy += d.Accuracy * d.Rows
		x.Consistency += d.Consistency * d.Rows
		x.Timeliness += d.Timeliness * d.Rows
	}
	for _, sc := range s.Schemas() {
		for _, src := range sc.Sources {
			k := key{sc.Name, src.ID}
			if !scope[k] {
				continue
			}
			x := sums[k]
			if x == nil {
				x = &ReportSource{DB: sc.Name, Source: src.ID}
			}
			x.DBName, x.SourceName = sc.NameZH, src.NameZH
			if x.Rows > 0 {
				x.Completeness, x.Accuracy, x.Consistency, x.Timeliness = x.Completeness/x.Rows, x.Accuracy/x.Rows, x.Consistency/x.Rows, x.Timeliness/x.Rows
			} else {
				x.Completeness, x.Accuracy, x.Consistency, x.Timeliness = 1000, 1000, 1000, 1000
			}
			if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM basedb_quarantine WHERE db = ? AND source = ? AND arrived_at >= ? AND arrived_at < ?",
				sc.Name, src.ID, store.FormatTime(start), store.FormatTime(end)).Scan(&x.Quarantined); err != nil {
				return Report{}, err
			}
			if err := s.tables(ctx, sc); err != nil {
				return Report{}, err
			}
			var n, distinct int64
			if err := s.db.QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT row_key) FROM "+stagingTable(sc, src)+" WHERE arrived_at >= ? AND arrived_at < ?",
				store.FormatTime(start), store.FormatTime(end)).Scan(&n, &distinct); err != nil {
				return Report{}, err
			}
			x.Uniqueness = perMil(distinct, n)
			r.Sources = append(r.Sources, *x)
		}
	}
	// The worst rows: the month's quarantined rows of the sources in scope.
	var conds []string
	var args []any
	for k, in := range scope {
		if in {
			conds, args = append(conds, "(db = ? AND source = ?)"), append(args, k.db, k.src)
		}
	}
	if len(conds) > 0 {
		args = append(args, store.FormatTime(start), store.FormatTime(end), maxWorst)
		rows, err := s.db.Query(ctx, "SELECT db, source, row_key, field, reason, arrived_at FROM basedb_quarantine WHERE ("+strings.Join(conds, " OR ")+
			") AND arrived_at >= ? AND arrived_at < ? ORDER BY id DESC LIMIT ?", args...)
		if err != nil {
			return Report{}, err
		}
		defer rows.Close()
		for rows.Next() {
			var b BadRow
			var reason, at string
			if err := rows.Scan(&b.DB, &b.Source, &b.RowKey, &b.Field, &reason, &at); err != nil {
				return Report{}, err
			}
			b.Reason = errs.Decode(reason)
			b.ReasonZH, b.ReasonEN = b.Reason.In("zh-CN"), b.Reason.In("en")
			b.ArrivedAt, _ = store.ParseTime(at)
			r.Worst = append(r.Worst, b)
		}
		if err := rows.Err(); err != nil {
			return Report{}, err
		}
	}
	return r, nil
}
