package basedb

import (
	"context"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Score is the quality (数据质量) of a source, or of a base database as a
// whole (Source ""), on a day; each dimension per mille.
type Score struct {
	DB           string `json:"db"`
	Source       string `json:"source" doc:"The source; empty for the base database as a whole"`
	DepartmentID int64  `json:"department_id,omitempty"`
	Day          string `json:"day" format:"date"`
	Rows         int64  `json:"rows" doc:"Rows delivered that day"`
	Completeness int64  `json:"completeness" doc:"完整性: required values present, per mille"`
	Accuracy     int64  `json:"accuracy" doc:"准确性: rows passing their rules, per mille"`
	Consistency  int64  `json:"consistency" doc:"一致性: rows raising no dispute, per mille"`
	Timeliness   int64  `json:"timeliness" doc:"及时性: rows arriving within their source's update cycle, per mille"`
}

// ScoreFilter selects scores.
type ScoreFilter struct {
	DB         string
	Department int64  // a department's sources only
	From, To   string // days, YYYY-MM-DD, inclusive
	Whole      bool   // the base databases as a whole only
	PageSize   int
}

func perMil(n, d int64) int64 {
	if d <= 0 {
		return 1000
	}
	return max(0, min(1000, n*1000/d))
}

// ComputeScores recomputes the quality scores of a base database: per source
// and day from what each source delivered, what was quarantined and the
// disputes its values raised; for the base database as a whole today, from
// the golden records (required attributes present), all sources' accuracy
// and timeliness, and the records with open disputes.
func (s *Service) ComputeScores(ctx context.Context, db string) error {
	sc, err := s.schema(db)
	if err != nil {
		return err
	}
	now := s.now()
	at, today := store.FormatTime(now), now.UTC().Format(time.DateOnly)
	if err := s.tables(ctx, sc); err != nil {
		return err
	}
	present := []string{"COUNT(*)"}
	var required int
	for _, a := range sc.Attributes {
		if a.Required {
			present = append(present, "COUNT(v_"+a.ID+")")
			required++
		}
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM basedb_scores WHERE db = ?", db); err != nil {
			return err
		}
		// Disputes count against both sources, on the day they were raised.
		_, err := tx.Exec(ctx, `INSERT INTO basedb_scores (db, source, day, department_id, rows_in, completeness, accuracy, consistency, timeliness, computed_at)
			SELECT i.db, i.source, i.day, COALESCE(b.department_id, 0), i.rows_in,
				CASE WHEN i.expected = 0 THEN 1000 ELSE i.present * 1000 / i.expected END,
				CASE WHEN i.rows_in = 0 THEN 1000 ELSE (i.rows_in - i.quarantined) * 1000 / i.rows_in END,
				CASE WHEN i.rows_in - i.quarantined <= 0 THEN 1000
					WHEN COALESCE(d.n, 0) >= i.rows_in - i.quarantined THEN 0
					ELSE 1000 - COALESCE(d.n, 0) * 1000 / (i.rows_in - i.quarantined) END,
				CASE WHEN i.rows_in - i.quarantined <= 0 THEN 1000 ELSE i.timely * 1000 / (i.rows_in - i.quarantined) END,
				?
			FROM basedb_intake i
			LEFT JOIN basedb_sources b ON b.db = i.db AND b.source = i.source
			LEFT JOIN (SELECT source, day, COUNT(*) AS n FROM (
					SELECT source_a AS source, SUBSTR(raised_at, 1, 10) AS day FROM basedb_disputes WHERE db = ?
					UNION ALL SELECT source_b, SUBSTR(raised_at, 1, 10) FROM basedb_disputes WHERE db = ?) x
				GROUP BY source, day) d ON d.source = i.source AND d.day = i.day
			WHERE i.db = ?`, at, db, db, db)
		if err != nil {
			return err
		}
		var records, values, disputed, rowsIn, quarantined, timely int64
		// One pass over the golden records: the required values present.
		if err := tx.QueryRow(ctx, "SELECT "+strings.Join(present, " + ")+" - COUNT(*), COUNT(*) FROM "+goldenTable(sc)).Scan(&values, &records); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(DISTINCT subject) FROM basedb_disputes WHERE db = ? AND state = ?", db, Open).Scan(&disputed); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COALESCE(SUM(rows_in), 0), COALESCE(SUM(quarantined), 0), COALESCE(SUM(timely), 0) FROM basedb_intake WHERE db = ?", db).
			Scan(&rowsIn, &quarantined, &timely); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO basedb_scores (db, source, day, department_id, rows_in, completeness, accuracy, consistency, timeliness, computed_at)
			VALUES (?, '', ?, 0, ?, ?, ?, ?, ?, ?)`, db, today, rowsIn,
			perMil(values, records*int64(required)), perMil(rowsIn-quarantined, rowsIn),
			1000-min(1000, perMilOrZero(disputed, records)), perMil(timely, rowsIn-quarantined), at)
		return err
	})
}

func perMilOrZero(n, d int64) int64 {
	if d <= 0 {
		return 0
	}
	return perMil(n, d)
}

// Scores lists quality scores, newest day first: any department's for the
// staff of the data authority, a department's own sources' for its staff.
func (s *Service) Scores(ctx context.Context, p org.Principal, f ScoreFilter) ([]Score, error) {
	a, err := s.accessOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if a.dept == 0 {
		return nil, errs.New(errs.Forbidden, msgReadDenied)
	}
	if !a.authority {
		f.Department = a.dept
	}
	for _, d := range []struct{ field, v string }{{"from", f.From}, {"to", f.To}} {
		if _, err := time.Parse(time.DateOnly, d.v); d.v != "" && err != nil {
			return nil, errs.FieldMsg(d.field, msgFieldDate)
		}
	}
	return s.scores(ctx, f)
}

func (s *Service) scores(ctx context.Context, f ScoreFilter) ([]Score, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where, args = append(where, cond), append(args, v) }
	if f.DB != "" {
		add("db = ?", f.DB)
	}
	if f.Department != 0 {
		add("department_id = ?", f.Department)
	}
	if f.Whole {
		add("source = ?", "")
	}
	if f.From != "" {
		add("day >= ?", f.From)
	}
	if f.To != "" {
		add("day <= ?", f.To)
	}
	q := "SELECT db, source, day, department_id, rows_in, completeness, accuracy, consistency, timeliness FROM basedb_scores"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	_, size := store.Page(1, f.PageSize)
	if f.PageSize == 0 {
		size = store.MaxPageSize
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY day DESC, db, source LIMIT ?", append(args, size)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Score{}
	for rows.Next() {
		var sc Score
		if err := rows.Scan(&sc.DB, &sc.Source, &sc.Day, &sc.DepartmentID, &sc.Rows, &sc.Completeness, &sc.Accuracy, &sc.Consistency, &sc.Timeliness); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}
