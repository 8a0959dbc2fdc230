package lists

import "time"

// maxDays bounds every walk over the calendar, so that a Workday that never
// answers true cannot hang a request.
const maxDays = 3660

// day returns midnight, China Standard Time, of the day t falls on.
func day(t time.Time) time.Time {
	t = t.In(Beijing)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Beijing)
}

func (s *Service) workday(d time.Time) bool {
	if s.Workday != nil {
		return s.Workday(d)
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// WorkingDays counts the working days after from's day up to and including
// to's day: a demand made on a Monday has been open 1 working day on Tuesday.
func (s *Service) WorkingDays(from, to time.Time) int {
	n := 0
	end := day(to)
	for d, i := day(from).AddDate(0, 0, 1), 0; !d.After(end) && i < maxDays; d, i = d.AddDate(0, 0, 1), i+1 {
		if s.workday(d) {
			n++
		}
	}
	return n
}

// Due returns the day by which a demand made at t is to be answered: the
// DemandDays-th working day after the day it was made.
func (s *Service) Due(t time.Time) time.Time { return s.AddWorkingDays(t, s.DemandDays) }

// AddWorkingDays returns midnight (China Standard Time) of the n-th working
// day after the day t falls on.
func (s *Service) AddWorkingDays(t time.Time, n int) time.Time {
	d := day(t)
	for k, i := 0, 0; k < n && i < maxDays; i++ {
		d = d.AddDate(0, 0, 1)
		if s.workday(d) {
			k++
		}
	}
	return d
}

// overdueCutoff returns the instant before which a demand still open at now
// was made if and only if it is overdue: the first day x whose due day is
// not before today.
func (s *Service) overdueCutoff(now time.Time) time.Time {
	today := day(now)
	x := today
	for i := 0; i < maxDays; i++ {
		prev := x.AddDate(0, 0, -1)
		if s.Due(prev).Before(today) {
			break
		}
		x = prev
	}
	return x
}
