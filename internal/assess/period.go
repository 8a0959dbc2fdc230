package assess

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
)

// Period kinds.
const (
	Monthly   = "month"
	Quarterly = "quarter"
	Yearly    = "year"
)

// Period is a span of the assessment: a month, a quarter or a year of
// China Standard Time, [From, To).
type Period struct {
	Key  string    `json:"key" doc:"2026-11, 2026-Q4 or 2026"`
	Kind string    `json:"kind" enum:"month,quarter,year"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Label names the period in Chinese.
func (p Period) Label() string {
	switch p.Kind {
	case Monthly:
		return fmt.Sprintf("%d年%d月", p.From.Year(), int(p.From.Month()))
	case Quarterly:
		return fmt.Sprintf("%d年第%d季度", p.From.Year(), (int(p.From.Month())+2)/3)
	}
	return fmt.Sprintf("%d年", p.From.Year())
}

// Previous is the period of the same kind before p.
func (p Period) Previous() Period {
	switch p.Kind {
	case Monthly:
		return monthPeriod(p.From.AddDate(0, -1, 0))
	case Quarterly:
		return quarterPeriod(p.From.AddDate(0, -3, 0))
	}
	return yearPeriod(p.From.Year() - 1)
}

func monthPeriod(t time.Time) Period {
	from := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, lists.Beijing)
	return Period{Key: from.Format("2006-01"), Kind: Monthly, From: from, To: from.AddDate(0, 1, 0)}
}

func quarterPeriod(t time.Time) Period {
	q := (int(t.Month()) - 1) / 3
	from := time.Date(t.Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, lists.Beijing)
	return Period{Key: fmt.Sprintf("%d-Q%d", t.Year(), q+1), Kind: Quarterly, From: from, To: from.AddDate(0, 3, 0)}
}

func yearPeriod(y int) Period {
	from := time.Date(y, 1, 1, 0, 0, 0, 0, lists.Beijing)
	return Period{Key: strconv.Itoa(y), Kind: Yearly, From: from, To: from.AddDate(1, 0, 0)}
}

// ParsePeriod reads a period: 2026-11 (a month), 2026-Q4 (a quarter) or
// 2026 (a year), years 2000 to 2199.
func ParsePeriod(s string) (Period, error) {
	bad := errs.FieldMsg("period", msgPeriod, s)
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 7 {
		return Period{}, bad
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 2000 || y > 2199 || s[0] == '+' || s[0] == '-' {
		return Period{}, bad
	}
	rest := s[4:]
	switch {
	case rest == "":
		return yearPeriod(y), nil
	case len(rest) == 3 && rest[0] == '-' && rest[1] >= '0' && rest[1] <= '1' && rest[2] >= '0' && rest[2] <= '9':
		m := int(rest[1]-'0')*10 + int(rest[2]-'0')
		if m < 1 || m > 12 {
			return Period{}, bad
		}
		return monthPeriod(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, lists.Beijing)), nil
	case len(rest) == 3 && (rest[:2] == "-Q" || rest[:2] == "-q") && rest[2] >= '1' && rest[2] <= '4':
		return quarterPeriod(time.Date(y, time.Month((int(rest[2]-'0')-1)*3+1), 1, 0, 0, 0, 0, lists.Beijing)), nil
	}
	return Period{}, bad
}

// LastMonth is the month before the one at falls in.
func LastMonth(at time.Time) Period { return monthPeriod(at.In(lists.Beijing)).Previous() }
