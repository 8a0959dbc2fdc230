package licence

import "time"

// SetClock makes s read the time from now, so tests can move the clock.
func (s *Service) SetClock(now func() time.Time) { s.now = now }
