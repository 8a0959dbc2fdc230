package assess

import (
	"context"
	"time"

	"github.com/govshare/govshare/internal/org"
)

// Due makes the reports the schedule owes at now: at the start of each
// month, last month's assessment (per department and per district) and
// sharing results, and at the start of a quarter or year those of the
// last quarter or year. Each is made once across replicas and restarts.
// It returns how many it made.
func (s *Service) Due(ctx context.Context) (int, error) {
	now := s.now()
	last := LastMonth(now)
	periods := []Period{last}
	if last.To.Month() == time.January || last.To.Month() == time.April || last.To.Month() == time.July || last.To.Month() == time.October {
		periods = append(periods, quarterPeriod(last.From))
	}
	if last.To.Month() == time.January {
		periods = append(periods, yearPeriod(last.From.Year()))
	}
	made := 0
	for _, per := range periods {
		for _, level := range []string{LevelDepartment, LevelDistrict} {
			if s.hasScheduled(ctx, KindAssessment, per.Key, level) {
				continue
			}
			if _, ok, err := s.generate(ctx, org.System, per, level, OriginSchedule); err != nil {
				return made, err
			} else if ok {
				made++
			}
		}
		if !s.hasScheduled(ctx, KindSharing, per.Key, LevelDepartment) {
			if _, ok, err := s.generateSharing(ctx, org.System, per, OriginSchedule); err != nil {
				return made, err
			} else if ok {
				made++
			}
		}
	}
	return made, nil
}

func (s *Service) hasScheduled(ctx context.Context, kind, period, level string) bool {
	var n int
	err := s.db.QueryRow(ctx, "SELECT count(*) FROM assess_reports WHERE kind = ? AND period = ? AND level = ? AND origin = ?",
		kind, period, level, OriginSchedule).Scan(&n)
	return err == nil && n > 0
}

// Run reads the exchange meters and makes the reports due, at start and
// every interval, until ctx ends.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.Meter(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("assessment meter", "err", err)
		}
		if n, err := s.Due(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("scheduled reports", "err", err)
		} else if n > 0 {
			s.Log.Info("scheduled reports made", "reports", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
