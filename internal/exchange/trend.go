package exchange

import (
	"context"
	"time"

	"github.com/govshare/govshare/internal/org"
)

// HourSample is one hour of the exchange a person may see.
type HourSample struct {
	Hour       time.Time `json:"hour"`
	Deliveries int64     `json:"deliveries" doc:"Rows and deletes delivered in the hour"`
	Bytes      int64     `json:"bytes"`
}

// Trend sums, hour by hour since a time, the deliveries of the channels p
// sees: every channel for the data authority's staff and the system admin,
// those its department provides or consumes for others. Hours without
// deliveries are there with zeros, so a chart's axis is even.
func (m *Manager) Trend(ctx context.Context, p org.Principal, since time.Time) ([]HourSample, error) {
	all, err := m.seesAll(ctx, p)
	if err != nil {
		return nil, err
	}
	since = since.UTC().Truncate(time.Hour)
	q := `SELECT substr(s.minute, 1, 13), SUM(s.rows_delivered), SUM(s.bytes) FROM exchange_samples s`
	args := []any{}
	if !all {
		q += ` JOIN exchange_channels c ON c.id = s.channel_id WHERE (c.provider_id = ? OR c.consumer_id = ?) AND`
		args = append(args, p.DepartmentID, p.DepartmentID)
	} else {
		q += ` WHERE`
	}
	q += ` s.minute >= ? GROUP BY substr(s.minute, 1, 13)`
	rows, err := m.db.Query(ctx, q, append(args, minuteOf(since))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byHour := map[string]HourSample{}
	for rows.Next() {
		var h string
		var s HourSample
		if err := rows.Scan(&h, &s.Deliveries, &s.Bytes); err != nil {
			return nil, err
		}
		byHour[h] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	now := m.now().UTC().Truncate(time.Hour)
	out := []HourSample{}
	for t := since; !t.After(now); t = t.Add(time.Hour) {
		s := byHour[t.Format("2006-01-02T15")]
		s.Hour = t
		out = append(out, s)
	}
	return out, nil
}
