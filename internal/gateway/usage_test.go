package gateway_test

import (
	"testing"
	"time"

	"github.com/govshare/govshare/internal/gateway"
)

func TestBuckets(t *testing.T) {
	end := time.Date(2026, 11, 27, 6, 30, 20, 0, time.UTC)
	us := []gateway.Usage{
		{Minute: "2026-11-27T06:30Z", Calls: 3, Errors: 1, Rows: 30},
		{Minute: "2026-11-27T06:00Z", Calls: 2},
		{Minute: "2026-11-27T05:59Z", Calls: 4},
		{Minute: "2026-11-26T07:00Z", Calls: 5},
		{Minute: "2026-11-26T06:59Z", Calls: 6},
	}
	tests := []struct {
		name       string
		step       time.Duration
		n          int
		first      string
		lastCalls  int64
		totalCalls int64
	}{
		{"15 minutes", 15 * time.Minute, 96, "2026-11-26T06:45:00Z", 3, 20},
		{"an hour", time.Hour, 24, "2026-11-26T07:00:00Z", 5, 14},
		{"a minute", time.Minute, 1440, "2026-11-26T06:31:00Z", 3, 20},
		{"less than a minute is a minute", time.Second, 1440, "2026-11-26T06:31:00Z", 3, 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := gateway.Buckets(us, end, 24*time.Hour, tc.step)
			if len(b) != tc.n {
				t.Fatalf("%d buckets, want %d", len(b), tc.n)
			}
			if got := b[0].Start.Format(time.RFC3339); got != tc.first {
				t.Errorf("first bucket starts %s, want %s", got, tc.first)
			}
			var total int64
			for _, x := range b {
				total += x.Calls
			}
			if last := b[len(b)-1]; last.Calls != tc.lastCalls || total != tc.totalCalls {
				t.Errorf("last bucket %+v, %d calls in all; want %d and %d", last, total, tc.lastCalls, tc.totalCalls)
			}
		})
	}
}
