package sharing

import (
	"context"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// MaxBatch is the most applications one batch approval takes.
const MaxBatch = 100

var (
	msgBatchEmpty = errs.Define("sharing.batch.empty", "choose the applications to approve", "请选择要审批同意的申请")
	msgBatchLarge = errs.Define("sharing.batch.too_many", "at most %d applications at once", "一次最多审批 %d 件申请")
)

// BatchOutcome is what a batch approval did with one application.
type BatchOutcome struct {
	ID       int64     `json:"id"`
	Approved bool      `json:"approved"`
	State    string    `json:"state,omitempty" doc:"The application's state after approval"`
	Problem  errs.Text `json:"-"` // why it was not approved
	Message  string    `json:"message,omitempty" doc:"Why it was not approved, in the request's language"`
}

// ApproveMany approves each application of ids at its current step as
// applied for (an approver's queue, 批量审批), each on its own: one that p
// may not approve, or that has moved on, is reported and left as it is.
func (s *Service) ApproveMany(ctx context.Context, p org.Principal, ids []int64, note string) ([]BatchOutcome, error) {
	switch {
	case len(ids) == 0:
		return nil, errs.FieldMsg("ids", msgBatchEmpty)
	case len(ids) > MaxBatch:
		return nil, errs.FieldMsg("ids", msgBatchLarge, MaxBatch)
	}
	out := make([]BatchOutcome, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, err := s.Approve(ctx, p, id, nil, note)
		o := BatchOutcome{ID: id, Approved: err == nil, State: a.State}
		if err != nil {
			if errs.CodeOf(err) == errs.Internal {
				return out, err
			}
			o.State, o.Problem = "", errs.TextOf(err)
		}
		out = append(out, o)
	}
	return out, nil
}
