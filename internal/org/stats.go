package org

import (
	"context"
	"fmt"
)

// Stats are the counts the dashboard shows.
type Stats struct {
	Regions     int           `json:"regions"`
	Departments int           `json:"departments"`
	Users       int           `json:"users"`
	ByRegion    []RegionCount `json:"by_region"`
}

// RegionCount is the number of departments in one region.
type RegionCount struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Departments int    `json:"departments"`
}

// Stats counts regions, departments and users.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	if err := s.db.QueryRow(ctx, "SELECT (SELECT count(*) FROM regions), (SELECT count(*) FROM departments), (SELECT count(*) FROM users)").
		Scan(&st.Regions, &st.Departments, &st.Users); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT r.code, r.name, count(d.id) FROM regions r LEFT JOIN departments d ON d.region_code = r.code
		GROUP BY r.code, r.name ORDER BY r.code`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c RegionCount
		if err := rows.Scan(&c.Code, &c.Name, &c.Departments); err != nil {
			return st, err
		}
		st.ByRegion = append(st.ByRegion, c)
	}
	return st, rows.Err()
}
