package sharing

import (
	"context"

	"github.com/govshare/govshare/internal/org"
)

// Todo is the sharing work waiting for a person.
type Todo struct {
	Reviewer bool // approves applications (of its department as provider, or of the data authority)
	Queue    int  // applications waiting for this person's approval
	Overdue  int  // of those, the ones past their step's due date
	Pending  int  // the department's own applications still under approval, for its consumers
}

// Todo counts the applications p can act on. Overdue ones are counted only
// for those who approve them: an applicant can only wait.
func (s *Service) Todo(ctx context.Context, p org.Principal) (Todo, error) {
	var t Todo
	var err error
	if p.Can(org.ReviewCatalog) && p.DepartmentID != 0 {
		t.Reviewer = true
		if _, t.Queue, err = s.Applications(ctx, p, ApplicationFilter{Box: "review", PageSize: 1}); err != nil {
			return t, err
		}
		if _, t.Overdue, err = s.Applications(ctx, p, ApplicationFilter{Box: "review", Overdue: true, PageSize: 1}); err != nil {
			return t, err
		}
	}
	if p.Can(org.ConsumeData) && p.DepartmentID != 0 {
		for _, state := range []string{StateProvider, StateAuthority} {
			_, n, err := s.Applications(ctx, p, ApplicationFilter{Box: "mine", State: state, PageSize: 1})
			if err != nil {
				return t, err
			}
			t.Pending += n
		}
	}
	return t, nil
}
