package gateway

import "time"

// RecordUsage adds n calls of app to service code at a given time to the
// usage counters, as if they had been metered then: errors of them failed,
// rows were returned in all and each took latency. It is for usage that did
// not pass through this gateway, such as the demo city's history or counts
// carried over from another system; calls served here are metered already.
func (s *Service) RecordUsage(at time.Time, app int64, code string, n, errors, rows int, latency time.Duration) {
	if n <= 0 {
		return
	}
	u := s.usage
	k := usageKey{at.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z"), app, code}
	u.mu.Lock()
	c, ok := u.m[k]
	if !ok {
		c = &usageCount{}
		u.m[k] = c
	}
	c.calls += int64(n)
	c.errors += int64(min(errors, n))
	c.rows += int64(rows)
	c.latencyMS += float64(n) * float64(latency.Microseconds()) / 1000
	u.mu.Unlock()
}
