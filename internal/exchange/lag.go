package exchange

import "time"

// lagOf measures a channel's lag against its schedule: a continuous channel
// lags by the time since its target last held everything its source held
// (caught); a scheduled one only from the first scheduled run after caught
// that has come and not delivered, so that a daily channel that ran at 02:00
// does not read as falling behind all day. -1: never caught up.
func lagOf(schedule string, caught, now time.Time) int64 {
	if caught.IsZero() {
		return -1
	}
	due := caught
	if sched, err := ParseSchedule(schedule); err == nil && sched != nil {
		if due = sched.Next(caught.In(beijing)); due.After(now) {
			return 0
		}
	}
	return max(0, int64(now.Sub(due)/time.Second))
}
