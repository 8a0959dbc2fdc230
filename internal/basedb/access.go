package basedb

import (
	"context"

	"github.com/govshare/govshare/internal/org"
)

// access is what a principal sees of the base databases.
type access struct {
	dept      int64
	authority bool // staff of the data authority
	records   bool // reads records in clear (else masked)
	reads     bool // reads records at all
}

// accessOf answers p's access: the staff of the data authority holding
// the consumer or approver role read records in clear, the data consumers
// of other departments read them masked; the officers (三员) and the system
// read none: they move and read no business data.
func (s *Service) accessOf(ctx context.Context, p org.Principal) (access, error) {
	if p.DepartmentID == 0 {
		return access{}, nil
	}
	d, err := s.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return access{}, err
	}
	a := access{dept: d.ID, authority: d.Kind == org.KindAuthority}
	switch {
	case a.authority && (p.Can(org.ConsumeData) || p.Can(org.ReviewCatalog)):
		a.records, a.reads = true, true
	case p.Can(org.ConsumeData):
		a.reads = true
	}
	return a, nil
}

// CanSeeRecords reports whether p reads base database records in clear
// (the console shows the record form to them).
func (s *Service) CanSeeRecords(ctx context.Context, p org.Principal) bool {
	a, err := s.accessOf(ctx, p)
	return err == nil && a.records
}
