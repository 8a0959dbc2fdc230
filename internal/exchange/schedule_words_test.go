package exchange

import "testing"

func TestDescribeSchedule(t *testing.T) {
	for _, c := range []struct{ in, zh, en string }{
		{"continuous", "持续同步", "continuous"},
		{"0 2 * * *", "每天 02:00", "daily at 02:00"},
		{"30 1 * * 1", "每周一 01:30", "every Monday at 01:30"},
		{"0 8 * * 1-5", "每工作日 08:00", "every weekday at 08:00"},
		{"15 3 1 * *", "每月 1 日 03:15", "on day 1 of every month at 03:15"},
		{"5 * * * *", "每小时第 5 分钟", "hourly at minute 5"},
		{"*/10 * * * *", "每 10 分钟", "every 10 minutes"},
		{"0 */6 * * *", "每 6 小时（第 0 分钟）", "every 6 hours at minute 0"},
		{"@every 30m", "每隔 30m", "every 30m"},
		{"0 2 1-7 * 1", "按 cron 表达式 0 2 1-7 * 1（北京时间）", "cron 0 2 1-7 * 1 (Beijing time)"},
	} {
		d := DescribeSchedule(c.in)
		if got := d.In("zh-CN"); got != c.zh {
			t.Errorf("%q in Chinese = %q, want %q", c.in, got, c.zh)
		}
		if got := d.In("en"); got != c.en {
			t.Errorf("%q in English = %q, want %q", c.in, got, c.en)
		}
	}
}

func FuzzDescribeSchedule(f *testing.F) {
	for _, s := range []string{"0 2 * * *", "*/x * * * *", "@every ", "99 99 * * 9", "0 2 0 * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if DescribeSchedule(s).In("zh-CN") == "" {
			t.Errorf("%q has no words", s)
		}
	})
}
