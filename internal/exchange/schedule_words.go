package exchange

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// Words of schedules, as the console says them.
var (
	schedContinuous = errs.Define("exchange.schedule.continuous", "continuous", "持续同步")
	schedEveryMin   = errs.Define("exchange.schedule.every_minutes", "every %d minutes", "每 %d 分钟")
	schedHourly     = errs.Define("exchange.schedule.hourly", "hourly at minute %d", "每小时第 %d 分钟")
	schedEveryHours = errs.Define("exchange.schedule.every_hours", "every %d hours at minute %d", "每 %d 小时（第 %d 分钟）")
	schedDaily      = errs.Define("exchange.schedule.daily", "daily at %s", "每天 %s")
	schedWeekly     = errs.Define("exchange.schedule.weekly", "every %s at %s", "每%s %s")
	schedMonthly    = errs.Define("exchange.schedule.monthly", "on day %d of every month at %s", "每月 %d 日 %s")
	schedEvery      = errs.Define("exchange.schedule.every", "every %s", "每隔 %s")
	schedCron       = errs.Define("exchange.schedule.cron", "cron %s (Beijing time)", "按 cron 表达式 %s（北京时间）")
	schedWeekdays   = errs.Define("exchange.schedule.weekdays", "weekday", "工作日")
	weekdayNames    = [7]*errs.Msg{
		errs.Define("exchange.schedule.sunday", "Sunday", "周日"),
		errs.Define("exchange.schedule.monday", "Monday", "周一"),
		errs.Define("exchange.schedule.tuesday", "Tuesday", "周二"),
		errs.Define("exchange.schedule.wednesday", "Wednesday", "周三"),
		errs.Define("exchange.schedule.thursday", "Thursday", "周四"),
		errs.Define("exchange.schedule.friday", "Friday", "周五"),
		errs.Define("exchange.schedule.saturday", "Saturday", "周六"),
	}
)

// DescribeSchedule says a channel's schedule in words: "daily at 02:00"
// for "0 2 * * *". A schedule it has no words for is said as its cron
// expression.
func DescribeSchedule(s string) errs.Text {
	s = strings.TrimSpace(s)
	switch s {
	case "", Continuous:
		return schedContinuous.With()
	case "@hourly":
		return schedHourly.With(0)
	case "@daily", "@midnight":
		return schedDaily.With("00:00")
	case "@weekly":
		return schedWeekly.With(weekdayNames[0].With(), "00:00")
	case "@monthly":
		return schedMonthly.With(1, "00:00")
	}
	if d, ok := strings.CutPrefix(s, "@every "); ok {
		return schedEvery.With(strings.TrimSpace(d))
	}
	f := strings.Fields(s)
	if len(f) != 5 {
		return schedCron.With(s)
	}
	minute, minOK := field(f[0], 59)
	hour, hourOK := field(f[1], 23)
	at := fmt.Sprintf("%02d:%02d", hour, minute)
	rest := f[2] + " " + f[3] + " " + f[4]
	switch {
	case strings.HasPrefix(f[0], "*/") && f[1] == "*" && rest == "* * *":
		if n, err := strconv.Atoi(f[0][2:]); err == nil && n > 0 {
			return schedEveryMin.With(n)
		}
	case minOK && f[1] == "*" && rest == "* * *":
		return schedHourly.With(minute)
	case minOK && strings.HasPrefix(f[1], "*/") && rest == "* * *":
		if n, err := strconv.Atoi(f[1][2:]); err == nil && n > 0 {
			return schedEveryHours.With(n, minute)
		}
	case minOK && hourOK && rest == "* * *":
		return schedDaily.With(at)
	case minOK && hourOK && f[2] == "*" && f[3] == "*":
		if f[4] == "1-5" {
			return schedWeekly.With(schedWeekdays.With(), at)
		}
		if d, ok := field(f[4], 7); ok {
			return schedWeekly.With(weekdayNames[d%7].With(), at)
		}
	case minOK && hourOK && f[3] == "*" && f[4] == "*":
		if d, ok := field(f[2], 31); ok && d >= 1 {
			return schedMonthly.With(d, at)
		}
	}
	return schedCron.With(s)
}

// field reads a cron field that is a single number from 0 to max.
func field(s string, max int) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= max
}
