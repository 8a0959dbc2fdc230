package sharing

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// StageFact is one approval step of an application (审批环节) as the
// assessment (考核) times it against its limit.
type StageFact struct {
	ApplicationID int64
	EntryCode     string
	Stage         string // StateProvider or StateAuthority
	DepartmentID  int64  // who had to decide: the provider, or the data authority
	Started       time.Time
	Due           time.Time // StageDays working days after it started
	Done          time.Time // zero while it waits
	Action        string    // approve, return, withdraw; "" while it waits
}

// OnTime reports whether the step was decided by its due time (a step
// still waiting at at is late once at passes it).
func (f StageFact) OnTime(at time.Time) bool {
	if f.Done.IsZero() {
		return !at.After(f.Due)
	}
	return !f.Done.After(f.Due)
}

// StageFacts lists the approval steps decided in [from, to) and those
// still waiting at to whose time limit passed before to.
func (s *Service) StageFacts(ctx context.Context, from, to time.Time) ([]StageFact, error) {
	var authority int64
	if ds, _, err := s.org.Departments(ctx, org.DepartmentFilter{Kind: org.KindAuthority, PageSize: 1}); err != nil {
		return nil, err
	} else if len(ds) > 0 {
		authority = ds[0].ID
	}
	rows, err := s.db.Query(ctx, `SELECT a.id, a.entry_code, a.provider_id, st.action, st.from_state, st.to_state, st.at
		FROM sharing_applications a JOIN sharing_steps st ON st.application_id = a.id
		WHERE a.created_at < ? AND a.updated_at >= ? ORDER BY a.id, st.id`, store.FormatTime(to), store.FormatTime(from.AddDate(0, -2, 0)))
	if err != nil {
		return nil, fmt.Errorf("stage facts: %w", err)
	}
	defer rows.Close()
	var out []StageFact
	open := map[int64]*StageFact{}
	flush := func(f *StageFact) {
		switch {
		case f.Done.IsZero():
			if f.Due.Before(to) && !f.Started.After(to) {
				out = append(out, *f)
			}
		case !f.Done.Before(from) && f.Done.Before(to):
			out = append(out, *f)
		}
	}
	for rows.Next() {
		var id, provider int64
		var code, action, fromState, toState, at string
		if err := rows.Scan(&id, &code, &provider, &action, &fromState, &toState, &at); err != nil {
			return nil, err
		}
		t, _ := store.ParseTime(at)
		if f := open[id]; f != nil && f.Stage == fromState {
			if t.Before(to) {
				f.Done, f.Action = t, action
			}
			delete(open, id)
			flush(f)
		}
		if (toState == StateProvider || toState == StateAuthority) && t.Before(to) {
			f := &StageFact{ApplicationID: id, EntryCode: code, Stage: toState, DepartmentID: provider, Started: t,
				Due: s.lists.AddWorkingDays(t, s.StageDays)}
			if toState == StateAuthority {
				f.DepartmentID = authority
			}
			open[id] = f
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range open {
		flush(f)
	}
	return out, nil
}

// GrantFact is one grant (授权) in force at some time of a period, with the
// scenario its application named, for the sharing results (共享成效).
type GrantFact struct {
	ID            int64
	ApplicationID int64
	EntryCode     string
	ProviderID    int64
	ConsumerID    int64
	AppID         int64
	Delivery      string
	Scenario      string
	Purpose       string
	State         string
	CreatedAt     time.Time
}

// GrantFacts lists the grants made before to that were not stopped before
// from.
func (s *Service) GrantFacts(ctx context.Context, from, to time.Time) ([]GrantFact, error) {
	rows, err := s.db.Query(ctx, `SELECT g.id, g.application_id, g.entry_code, g.provider_id, g.consumer_id, g.app_id, g.delivery, a.scenario, a.purpose,
		g.state, g.created_at FROM sharing_grants g JOIN sharing_applications a ON a.id = g.application_id
		WHERE g.created_at < ? AND (g.stopped_at = '' OR g.stopped_at >= ?) AND g.expires_at >= ? ORDER BY g.id`,
		store.FormatTime(to), store.FormatTime(from), store.FormatTime(from))
	if err != nil {
		return nil, fmt.Errorf("grant facts: %w", err)
	}
	defer rows.Close()
	var out []GrantFact
	for rows.Next() {
		var f GrantFact
		var created string
		if err := rows.Scan(&f.ID, &f.ApplicationID, &f.EntryCode, &f.ProviderID, &f.ConsumerID, &f.AppID, &f.Delivery, &f.Scenario, &f.Purpose,
			&f.State, &created); err != nil {
			return nil, err
		}
		f.CreatedAt, _ = store.ParseTime(created)
		out = append(out, f)
	}
	return out, rows.Err()
}
