package sharing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// Move is a step an application has taken, told to the Watchers after it
// has committed.
type Move struct {
	Application Application // as it stands after the step (its steps not read)
	ApplicantID int64       // the user who applied
	Action      string      // the step's action: apply, renew, approve, return, withdraw, auto_approve
	From, To    string      // the states before and after
	Actor       org.Principal
	Reason      string // the approver's note, or why it was returned or withdrawn
	At          time.Time
}

// Watcher hears of the moves of applications (to remind those concerned).
// The step has committed when Moved is called: a watcher reports its own
// failures and never undoes or holds up the step.
type Watcher interface {
	Moved(ctx context.Context, m Move)
}

// moved tells the Watchers of the step application id has just taken.
func (s *Service) moved(ctx context.Context, p org.Principal, id int64) {
	if len(s.Watchers) == 0 {
		return
	}
	m, err := s.lastMove(ctx, id)
	if err != nil {
		s.Log.WarnContext(ctx, "tell the watchers of an application's move", "application", id, "err", err)
		return
	}
	m.Actor = p
	for _, w := range s.Watchers {
		w.Moved(ctx, m)
	}
}

// lastMove reads application id and its latest step.
func (s *Service) lastMove(ctx context.Context, id int64) (Move, error) {
	var m Move
	a, err := s.scanApplication(s.db.QueryRow(ctx, selectApplication+" WHERE a.id = ?", id))
	if err != nil {
		return m, fmt.Errorf("read application %d: %w", id, err)
	}
	a.EntryName = s.entryNames(ctx)(a.EntryCode)
	m.Application = a
	var at string
	if err := s.db.QueryRow(ctx, `SELECT a.applicant_id, s.action, s.from_state, s.to_state, s.reason, s.at
		FROM sharing_applications a JOIN sharing_steps s ON s.application_id = a.id WHERE a.id = ? ORDER BY s.id DESC LIMIT 1`, id).
		Scan(&m.ApplicantID, &m.Action, &m.From, &m.To, &m.Reason, &at); err != nil {
		return m, fmt.Errorf("read the applicant and the last step of %d: %w", id, err)
	}
	m.At, _ = store.ParseTime(at)
	return m, nil
}

// Approvers returns the users who may approve the current step of a
// (enabled accounts): approvers of the providing department, then the data
// authority's approvers other than the applicant. A settled application
// has none.
func (s *Service) Approvers(ctx context.Context, a Application) ([]int64, error) {
	var roles []string
	for _, r := range org.Roles {
		if holder := (org.Principal{Roles: []org.Role{r.Role}}); holder.Can(org.ReviewCatalog) {
			roles = append(roles, string(r.Role))
		}
	}
	if len(roles) == 0 {
		return nil, nil
	}
	q := `SELECT DISTINCT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN departments d ON d.id = u.department_id
		WHERE u.disabled = ? AND ur.role IN (?` + strings.Repeat(", ?", len(roles)-1) + ")"
	args := []any{false}
	for _, r := range roles {
		args = append(args, r)
	}
	switch a.State {
	case StateProvider:
		q, args = q+" AND d.id = ?", append(args, a.ProviderID)
	case StateAuthority:
		q, args = q+" AND d.kind = ? AND u.username <> ?", append(args, org.KindAuthority, a.Applicant)
	default:
		return nil, nil
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY u.id", args...)
	if err != nil {
		return nil, fmt.Errorf("read approvers: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NearingDue lists the pending applications whose current step nears its
// time limit or has passed it (Overdue): a step nears its limit once no
// more than one working day is left before its due day ends, that is from
// the working day before the due day.
func (s *Service) NearingDue(ctx context.Context) ([]Application, error) {
	edge := s.lists.AddWorkingDays(s.now(), 1).Format(lists.DateFormat)
	rows, err := s.db.Query(ctx, selectApplication+" WHERE a.state IN (?, ?) AND a.stage_due <> '' AND a.stage_due <= ? ORDER BY a.id",
		StateProvider, StateAuthority, edge)
	if err != nil {
		return nil, fmt.Errorf("read applications nearing their time limit: %w", err)
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		a, err := s.scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	name := s.entryNames(ctx)
	for i := range out {
		out[i].EntryName = name(out[i].EntryCode)
	}
	return out, nil
}
