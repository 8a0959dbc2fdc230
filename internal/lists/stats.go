package lists

import (
	"context"
	"fmt"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/store"
)

// Stats are the figures of the three lists.
type Stats struct {
	Demands    DemandStats      `json:"demands"`
	Duties     []DutyCount      `json:"duties" doc:"Duty completion per provider, in pinyin order"`
	DutyTotal  DutyCount        `json:"duty_total"`
	Negatives  map[string]int   `json:"negatives" doc:"Negative listings by state"`
	ShareTypes []ShareTypeCount `json:"share_types" doc:"Published catalog entries per share type"`
}

// DemandStats counts demands.
type DemandStats struct {
	Total     int     `json:"total"`
	Open      int     `json:"open"`
	Assigned  int     `json:"assigned"`
	Satisfied int     `json:"satisfied" doc:"Closed, satisfied by a published entry"`
	Rejected  int     `json:"rejected" doc:"Closed, rejected"`
	Overdue   int     `json:"overdue" doc:"Open or assigned past their due day"`
	Rate      float64 `json:"fulfilment_rate" doc:"Satisfied / all demands, 0 to 1"`
}

// DutyCount is the duty completion of one provider.
type DutyCount struct {
	DepartmentID int64   `json:"department_id,omitempty"`
	Department   string  `json:"department"`
	Total        int     `json:"total"`
	Fulfilled    int     `json:"fulfilled"`
	Overdue      int     `json:"overdue"`
	Rate         float64 `json:"completion_rate" doc:"Fulfilled / total, 0 to 1"`
}

// ShareTypeCount is the number of published entries of one share type.
type ShareTypeCount struct {
	ShareType string `json:"share_type" enum:"unconditional,conditional,none"`
	Entries   int    `json:"entries"`
}

func rate(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// Stats returns the lists' figures as they are now.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Negatives: map[string]int{}, Duties: []DutyCount{}, ShareTypes: []ShareTypeCount{}}
	now := s.now()
	rows, err := s.db.Query(ctx, "SELECT state, resolution, count(*) FROM list_demands GROUP BY state, resolution")
	if err != nil {
		return st, fmt.Errorf("demand stats: %w", err)
	}
	for rows.Next() {
		var state, res string
		var n int
		if err := rows.Scan(&state, &res, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.Demands.Total += n
		switch {
		case state == StateOpen:
			st.Demands.Open += n
		case state == StateAssigned:
			st.Demands.Assigned += n
		case res == Satisfied:
			st.Demands.Satisfied += n
		case res == Rejected:
			st.Demands.Rejected += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.Demands.Rate = rate(st.Demands.Satisfied, st.Demands.Total)
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM list_demands WHERE state <> ? AND created_at < ?",
		StateClosed, store.FormatTime(s.overdueCutoff(now))).Scan(&st.Demands.Overdue); err != nil {
		return st, fmt.Errorf("overdue demands: %w", err)
	}

	rows, err = s.db.Query(ctx, `SELECT d.provider_id, p.name, count(*), sum(CASE WHEN `+fulfilled+` THEN 1 ELSE 0 END),
		sum(CASE WHEN NOT `+fulfilled+` AND d.deadline < ? THEN 1 ELSE 0 END)
		FROM list_duties d JOIN departments p ON p.id = d.provider_id LEFT JOIN catalog_entries e ON e.code = d.entry_code
		GROUP BY d.provider_id, p.name, p.name_key ORDER BY p.name_key`, s.today())
	if err != nil {
		return st, fmt.Errorf("duty stats: %w", err)
	}
	st.DutyTotal.Department = "合计"
	for rows.Next() {
		var c DutyCount
		if err := rows.Scan(&c.DepartmentID, &c.Department, &c.Total, &c.Fulfilled, &c.Overdue); err != nil {
			rows.Close()
			return st, err
		}
		c.Rate = rate(c.Fulfilled, c.Total)
		st.DutyTotal.Total, st.DutyTotal.Fulfilled, st.DutyTotal.Overdue = st.DutyTotal.Total+c.Total, st.DutyTotal.Fulfilled+c.Fulfilled, st.DutyTotal.Overdue+c.Overdue
		st.Duties = append(st.Duties, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	st.DutyTotal.Rate = rate(st.DutyTotal.Fulfilled, st.DutyTotal.Total)

	for _, state := range NegativeStates {
		st.Negatives[state] = 0
	}
	rows, err = s.db.Query(ctx, "SELECT state, count(*) FROM list_negatives GROUP BY state")
	if err != nil {
		return st, fmt.Errorf("negative stats: %w", err)
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.Negatives[state] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}

	counts := map[string]int{}
	rows, err = s.db.Query(ctx, "SELECT share_type, count(*) FROM catalog_entries WHERE published GROUP BY share_type")
	if err != nil {
		return st, fmt.Errorf("share type stats: %w", err)
	}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			rows.Close()
			return st, err
		}
		counts[t] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	for _, t := range catalog.ShareTypes.Values() {
		st.ShareTypes = append(st.ShareTypes, ShareTypeCount{ShareType: t, Entries: counts[t]})
	}
	return st, nil
}
