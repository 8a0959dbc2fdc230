package aggregation

import "context"

// Delivery answers mandate id as it stands, for the platform's own work on
// what the mandate delivered (the base databases read its target table).
// It checks no permission: the caller acts for the platform, never for a
// person, and passes nothing of the mandate on.
func (s *Service) Delivery(ctx context.Context, id int64) (Mandate, error) {
	return s.get(ctx, id)
}
