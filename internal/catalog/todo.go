package catalog

import (
	"context"

	"github.com/govshare/govshare/internal/org"
)

// Todo is the catalog work waiting for a person.
type Todo struct {
	Reviewer  bool // an approver of the data authority
	Review    int  // entries submitted for review, for a reviewer
	Cataloger bool // a cataloger of a department
	Returned  int  // the department's entries returned for changes, for its catalogers
}

// Todo counts the catalog work p can act on: the entries waiting for review
// for an approver of the data authority, and its department's returned
// entries for a cataloger. Others have none.
func (s *Service) Todo(ctx context.Context, p org.Principal) (Todo, error) {
	var t Todo
	reviewer, err := s.isAuthorityReviewer(ctx, p)
	if err != nil {
		return t, err
	}
	if reviewer {
		res, err := s.Search(ctx, p, Query{Status: StatusSubmitted, PageSize: 1})
		if err != nil {
			return t, err
		}
		t.Reviewer, t.Review = true, res.Total
	}
	if p.DepartmentID != 0 && p.Can(org.EditCatalog) {
		res, err := s.Search(ctx, p, Query{Status: StatusReturned, ProviderID: p.DepartmentID, PageSize: 1})
		if err != nil {
			return t, err
		}
		t.Cataloger, t.Returned = true, res.Total
	}
	return t, nil
}
