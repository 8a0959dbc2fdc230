package exchange

import (
	"testing"
	"time"
)

func TestLagOf(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, beijing)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name, schedule, caught, now string
		want                        int64
	}{
		{"continuous lags from caught", Continuous, "2026-12-07 10:00", "2026-12-07 10:05", 300},
		{"daily, ran this morning", "0 2 * * *", "2026-12-07 02:00", "2026-12-07 20:00", 0},
		{"daily, missed this morning's run", "0 2 * * *", "2026-12-06 02:00", "2026-12-07 03:00", 3600},
		{"hourly, on time", "5 * * * *", "2026-12-07 10:05", "2026-12-07 11:00", 0},
		{"hourly, one run missed", "5 * * * *", "2026-12-07 09:05", "2026-12-07 10:35", 1800},
	} {
		if got := lagOf(c.schedule, at(c.caught), at(c.now)); got != c.want {
			t.Errorf("%s: lag %d, want %d", c.name, got, c.want)
		}
	}
	if got := lagOf("0 2 * * *", time.Time{}, time.Now()); got != -1 {
		t.Errorf("never caught up: lag %d, want -1", got)
	}
}
