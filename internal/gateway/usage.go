package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

type usageKey struct {
	minute string
	app    int64
	code   string
}

type usageCount struct {
	calls, errors, rows int64
	latencyMS           float64
}

// usage counts calls per minute, app and service in memory and adds them
// to gateway_usage every few seconds.
type usage struct {
	db *store.DB
	mu sync.Mutex
	m  map[usageKey]*usageCount
	// The minute of the last call and its label, formatted once a minute
	// rather than on every call.
	lastMinute time.Time
	lastLabel  string
}

func newUsage(db *store.DB) *usage { return &usage{db: db, m: map[usageKey]*usageCount{}} }

func (u *usage) add(at time.Time, app int64, code string, rows int, failed bool, latency time.Duration) {
	minute := at.Truncate(time.Minute)
	u.mu.Lock()
	if !minute.Equal(u.lastMinute) || u.lastLabel == "" {
		u.lastMinute, u.lastLabel = minute, minute.UTC().Format("2006-01-02T15:04Z")
	}
	k := usageKey{u.lastLabel, app, code}
	c, ok := u.m[k]
	if !ok {
		c = &usageCount{}
		u.m[k] = c
	}
	c.calls++
	c.rows += int64(rows)
	if failed {
		c.errors++
	}
	c.latencyMS += float64(latency.Microseconds()) / 1000
	u.mu.Unlock()
}

func (u *usage) flush(ctx context.Context) error {
	u.mu.Lock()
	pending := u.m
	u.m = map[usageKey]*usageCount{}
	u.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := u.db.InTx(ctx, func(tx *store.Tx) error {
		for k, c := range pending {
			if _, err := tx.Exec(ctx, `INSERT INTO gateway_usage (minute, app_id, entry_code, calls, errors, rows_returned, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (minute, app_id, entry_code) DO UPDATE SET calls = gateway_usage.calls + excluded.calls, errors = gateway_usage.errors + excluded.errors,
				rows_returned = gateway_usage.rows_returned + excluded.rows_returned, latency_ms = gateway_usage.latency_ms + excluded.latency_ms`,
				k.minute, k.app, k.code, c.calls, c.errors, c.rows, c.latencyMS); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil { // keep the counts for the next flush
		u.mu.Lock()
		for k, c := range pending {
			if d, ok := u.m[k]; ok {
				c.calls, c.errors, c.rows, c.latencyMS = c.calls+d.calls, c.errors+d.errors, c.rows+d.rows, c.latencyMS+d.latencyMS
			}
			u.m[k] = c
		}
		u.mu.Unlock()
	}
	return err
}

// Usage is the calls of one minute, app and service.
type Usage struct {
	Minute    string  `json:"minute" doc:"UTC minute, 2006-01-02T15:04Z"`
	AppID     int64   `json:"app_id"`
	AppName   string  `json:"app_name"`
	EntryCode string  `json:"entry_code"`
	Calls     int64   `json:"calls"`
	Errors    int64   `json:"errors"`
	Rows      int64   `json:"rows"`
	LatencyMS float64 `json:"avg_latency_ms"`
}

// Usage lists the calls since a time by the apps of p's department, or
// of every department for the security admin and the data authority.
func (s *Service) Usage(ctx context.Context, p org.Principal, since time.Time, code string) ([]Usage, error) {
	if err := s.usage.flush(ctx); err != nil {
		return nil, err
	}
	q := `SELECT u.minute, u.app_id, a.name, u.entry_code, u.calls, u.errors, u.rows_returned, u.latency_ms
		FROM gateway_usage u JOIN gateway_apps a ON a.id = u.app_id WHERE u.minute >= ?`
	args := []any{since.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z")}
	all, err := s.sharing.SeesAll(ctx, p)
	if err != nil {
		return nil, err
	}
	if !all {
		q, args = q+" AND a.department_id = ?", append(args, p.DepartmentID)
	}
	if code != "" {
		q, args = q+" AND u.entry_code = ?", append(args, code)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY u.minute, u.app_id, u.entry_code LIMIT 20000", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		var latency float64
		if err := rows.Scan(&u.Minute, &u.AppID, &u.AppName, &u.EntryCode, &u.Calls, &u.Errors, &u.Rows, &latency); err != nil {
			return nil, err
		}
		if u.Calls > 0 {
			u.LatencyMS = latency / float64(u.Calls)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Bucket is the calls of one span of a usage chart.
type Bucket struct {
	Start               time.Time // UTC
	Calls, Errors, Rows int64
}

// Buckets sums usage records into the spans of step (a whole number of
// minutes, at least one) that cover window up to end: the last span holds
// end's minute, spans without calls are zero, records outside the window or
// with a minute that does not parse are left out. A chart of 24 hours in
// 15-minute steps has 96 points instead of 1,440 per-minute ones, which read
// as noise.
func Buckets(us []Usage, end time.Time, window, step time.Duration) []Bucket {
	step = max(step.Truncate(time.Minute), time.Minute)
	n := max(int(window/step), 1)
	// Spans are aligned to step from the Unix epoch, so that a chart drawn a
	// minute later moves its points and not their edges.
	last := end.UTC().Truncate(step)
	start := last.Add(-time.Duration(n-1) * step)
	out := make([]Bucket, n)
	for i := range out {
		out[i].Start = start.Add(time.Duration(i) * step)
	}
	for _, u := range us {
		t, err := time.Parse("2006-01-02T15:04Z", u.Minute)
		if err != nil || t.Before(start) {
			continue
		}
		if i := int(t.Sub(start) / step); i < n {
			out[i].Calls += u.Calls
			out[i].Errors += u.Errors
			out[i].Rows += u.Rows
		}
	}
	return out
}
