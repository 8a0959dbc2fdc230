package web

import (
	"testing"
	"time"
)

// The console writes moments one way, ends of periods as their last minute,
// and sizes in KB, MB and GB.
func TestFormats(t *testing.T) {
	end := time.Date(2027, 12, 8, 16, 0, 0, 0, time.UTC) // 2027-12-09 00:00 in Beijing
	for _, c := range []struct{ name, got, want string }{
		{"dateTime", dateTime(time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)), "2026-12-07 09:02"},
		{"until", until(end), "2027-12-08 23:59"},
		{"zero", dateTime(time.Time{}), ""},
		{"bytes", formatBytes(512), "512 B"},
		{"kilobytes", formatBytes(1536), "1.5 KB"},
		{"megabytes", formatBytes(5 << 20), "5.0 MB"},
		{"gigabytes", formatBytes(3 << 30), "3.0 GB"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}
