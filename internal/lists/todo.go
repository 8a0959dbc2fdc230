package lists

import (
	"context"

	"github.com/govshare/govshare/internal/org"
)

// OverdueFor returns the overdue duties p can act on: every one for an
// approver of the data authority (who links and chases them), its own
// department's for a cataloger; none for anyone else.
func (s *Service) OverdueFor(ctx context.Context, p org.Principal) ([]Duty, error) {
	authority, err := s.IsAuthority(ctx, p)
	if err != nil {
		return nil, err
	}
	if authority {
		return s.Overdue(ctx)
	}
	if p.DepartmentID == 0 || !p.Can(org.EditCatalog) {
		return nil, nil
	}
	ds, _, err := s.Duties(ctx, DutyFilter{State: DutyOverdue, ProviderID: p.DepartmentID, PageSize: 100})
	return ds, err
}
