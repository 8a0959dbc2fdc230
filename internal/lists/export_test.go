package lists

import (
	"fmt"
	"time"
)

// SetClock makes s read the time from now, so tests can move the clock.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// OverdueCutoff exposes overdueCutoff to the tests.
func (s *Service) OverdueCutoff(now time.Time) time.Time { return s.overdueCutoff(now) }

// Day exposes day to the tests.
func Day(t time.Time) time.Time { return day(t) }

// MatchQueries renders the searches a demand is matched with as text:weight.
func MatchQueries(title, description string) []string {
	var out []string
	for _, q := range matchQueries(title, description) {
		out = append(out, fmt.Sprintf("%s:%d", q.text, q.weight))
	}
	return out
}
