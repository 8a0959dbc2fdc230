package exchange

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, beijing) // a Monday
	cases := []struct {
		name, in string
		ok       bool
		next     time.Time // zero for continuous
	}{
		{"continuous", Continuous, true, time.Time{}},
		{"daily at 2:00", "0 2 * * *", true, time.Date(2026, 3, 2, 2, 0, 0, 0, beijing)},
		{"every 15 minutes", "*/15 * * * *", true, time.Date(2026, 3, 2, 1, 45, 0, 0, beijing)},
		{"weekdays at 3:00", "0 3 * * 1-5", true, time.Date(2026, 3, 2, 3, 0, 0, 0, beijing)},
		{"hourly descriptor", "@hourly", true, time.Date(2026, 3, 2, 2, 0, 0, 0, beijing)},
		{"six fields", "0 0 2 * * *", false, time.Time{}},
		{"minute 61", "61 * * * *", false, time.Time{}},
		{"words", "every day", false, time.Time{}},
		{"empty", "", false, time.Time{}},
		{"another time zone", "TZ=UTC 0 2 * * *", false, time.Time{}},
		{"every ten seconds", "@every 10s", false, time.Time{}},
		{"every ten minutes", "@every 10m", true, time.Date(2026, 3, 2, 1, 40, 0, 0, beijing)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseSchedule(c.in)
			if (err == nil) != c.ok {
				t.Fatalf("ParseSchedule(%q) = %v, want ok %v", c.in, err, c.ok)
			}
			if s == nil {
				return
			}
			if got := s.Next(at); !got.Equal(c.next) {
				t.Errorf("Next(%v) = %v, want %v", at, got, c.next)
			}
		})
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"continuous", "0 2 * * *", "*/5 1-3 * JAN MON", "@every 1h", "TZ=UTC 0 0 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSchedule(in)
		if err == nil && s != nil {
			s.Next(time.Now())
		}
	})
}
