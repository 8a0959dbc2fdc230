package exchange

import (
	"context"
	"sort"
	"time"

	"github.com/govshare/govshare/internal/org"
)

// Totals are summed statistics of a set of channels.
type Totals struct {
	Channels    int   `json:"channels"`
	Active      int   `json:"active" doc:"Channels active (running or waiting for their schedule)"`
	Paused      int   `json:"paused"`
	Errors      int   `json:"errors" doc:"Channels whose last pass failed"`
	Rows        int64 `json:"rows"`
	Deletes     int64 `json:"deletes"`
	Bytes       int64 `json:"bytes"`
	Deliveries  int64 `json:"deliveries" doc:"交换条次"`
	Batches     int64 `json:"batches"`
	Quarantined int64 `json:"quarantined"`
	Refused     int64 `json:"refused"`
}

func (t *Totals) add(state string, s ChannelStats) {
	t.Channels++
	switch state {
	case ChannelActive:
		t.Active++
	case ChannelPaused:
		t.Paused++
	case ChannelError:
		t.Errors++
	}
	t.Rows += s.Rows
	t.Deletes += s.Deletes
	t.Bytes += s.Bytes
	t.Deliveries += s.Deliveries
	t.Batches += s.Batches
	t.Quarantined += s.Quarantined
	t.Refused += s.Refused
}

// DepartmentTotals are a department's exchange as provider and as consumer.
type DepartmentTotals struct {
	DepartmentID int64  `json:"department_id"`
	Department   string `json:"department"`
	Provided     Totals `json:"provided" doc:"Channels the department provides"`
	Consumed     Totals `json:"consumed" doc:"Channels the department consumes"`
}

// CityStats are the exchange's totals for the city and per department.
type CityStats struct {
	City        Totals             `json:"city"`
	Departments []DepartmentTotals `json:"departments"`
}

// Stats sums every channel's statistics, for the city and per department
// (ordered by deliveries provided, then consumed). Every signed-in user
// sees them: they carry counts, not data.
func (m *Manager) Stats(ctx context.Context, p org.Principal) (CityStats, error) {
	rows, err := m.db.Query(ctx, `SELECT c.provider_id, pd.name, c.consumer_id, cd.name, c.state, c.rows_total, c.deletes_total, c.bytes_total,
		c.deliveries, c.batches, c.quarantined, c.refused FROM exchange_channels c JOIN departments pd ON pd.id = c.provider_id
		JOIN departments cd ON cd.id = c.consumer_id`)
	if err != nil {
		return CityStats{}, err
	}
	defer rows.Close()
	out := CityStats{}
	byDept := map[int64]*DepartmentTotals{}
	dept := func(id int64, name string) *DepartmentTotals {
		d, ok := byDept[id]
		if !ok {
			d = &DepartmentTotals{DepartmentID: id, Department: name}
			byDept[id] = d
		}
		return d
	}
	for rows.Next() {
		var (
			prov, cons         int64
			provName, consName string
			state              string
			s                  ChannelStats
		)
		if err := rows.Scan(&prov, &provName, &cons, &consName, &state, &s.Rows, &s.Deletes, &s.Bytes, &s.Deliveries, &s.Batches,
			&s.Quarantined, &s.Refused); err != nil {
			return CityStats{}, err
		}
		out.City.add(state, s)
		dept(prov, provName).Provided.add(state, s)
		dept(cons, consName).Consumed.add(state, s)
	}
	if err := rows.Err(); err != nil {
		return CityStats{}, err
	}
	for _, d := range byDept {
		out.Departments = append(out.Departments, *d)
	}
	sort.Slice(out.Departments, func(i, j int) bool {
		a, b := out.Departments[i], out.Departments[j]
		if a.Provided.Deliveries != b.Provided.Deliveries {
			return a.Provided.Deliveries > b.Provided.Deliveries
		}
		if a.Consumed.Deliveries != b.Consumed.Deliveries {
			return a.Consumed.Deliveries > b.Consumed.Deliveries
		}
		return a.Department < b.Department
	})
	if out.Departments == nil {
		out.Departments = []DepartmentTotals{}
	}
	return out, nil
}

// Sample is one minute of a channel's exchange.
type Sample struct {
	Minute     time.Time `json:"minute"`
	Rows       int64     `json:"rows" doc:"Rows and deletes delivered in the minute"`
	Bytes      int64     `json:"bytes"`
	LagSeconds int64     `json:"lag_seconds" doc:"Lag at the end of the minute"`
}

// Samples returns a channel's per-minute samples since a time (at most the
// retention, 7 days by default), oldest first.
func (m *Manager) Samples(ctx context.Context, p org.Principal, id string, since time.Time) ([]Sample, error) {
	if _, err := m.Channel(ctx, p, id); err != nil {
		return nil, err
	}
	rows, err := m.db.Query(ctx, "SELECT minute, rows_delivered, bytes, lag_seconds FROM exchange_samples WHERE channel_id = ? AND minute >= ? ORDER BY minute",
		id, minuteOf(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Sample{}
	for rows.Next() {
		var s Sample
		var minute string
		if err := rows.Scan(&minute, &s.Rows, &s.Bytes, &s.LagSeconds); err != nil {
			return nil, err
		}
		s.Minute, _ = time.Parse("2006-01-02T15:04Z", minute)
		out = append(out, s)
	}
	return out, rows.Err()
}
