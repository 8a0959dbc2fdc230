package basedb

import "time"

// SetHook makes the merge call hook between its statements.
func (s *Service) SetHook(hook func(step string) error) { s.hook = hook }

// SetNow fixes the service's clock.
func (s *Service) SetNow(now func() time.Time) { s.now = now }

// BusinessTime is businessTime, for the fuzz test.
func BusinessTime(v any) time.Time { return businessTime(v) }
