package gateway

import (
	"context"
	"fmt"
	"time"
)

// UsageFact is what one app called of one data service in a period, as
// the assessment (考核) and the sharing results (共享成效) count it.
type UsageFact struct {
	AppID        int64
	AppName      string
	DepartmentID int64 // the app's department: the consumer
	GrantID      int64
	EntryCode    string
	Calls        int64
	Errors       int64
	Rows         int64
	LatencyMS    float64 // the sum over the calls
}

// UsageFacts sums the metered calls of [from, to) per app and service.
// Calls still in the meter's memory (the last seconds) are not counted.
func (s *Service) UsageFacts(ctx context.Context, from, to time.Time) ([]UsageFact, error) {
	minute := func(t time.Time) string { return t.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z") }
	rows, err := s.db.Query(ctx, `SELECT u.app_id, COALESCE(a.name, ''), COALESCE(a.department_id, 0), COALESCE(a.grant_id, 0), u.entry_code,
		SUM(u.calls), SUM(u.errors), SUM(u.rows_returned), SUM(u.latency_ms)
		FROM gateway_usage u LEFT JOIN gateway_apps a ON a.id = u.app_id WHERE u.minute >= ? AND u.minute < ?
		GROUP BY u.app_id, a.name, a.department_id, a.grant_id, u.entry_code ORDER BY u.entry_code, u.app_id`, minute(from), minute(to))
	if err != nil {
		return nil, fmt.Errorf("usage facts: %w", err)
	}
	defer rows.Close()
	var out []UsageFact
	for rows.Next() {
		var f UsageFact
		if err := rows.Scan(&f.AppID, &f.AppName, &f.DepartmentID, &f.GrantID, &f.EntryCode, &f.Calls, &f.Errors, &f.Rows, &f.LatencyMS); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FlushUsage writes the calls counted in memory to the usage table now,
// so that a report made at once (UsageFacts) counts them.
func (s *Service) FlushUsage(ctx context.Context) error { return s.usage.flush(ctx) }
