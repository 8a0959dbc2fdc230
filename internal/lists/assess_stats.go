package lists

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// DutyFact is one duty (责任清单) as the assessment (考核) counts it.
type DutyFact struct {
	ID         int64
	Title      string
	ProviderID int64
	Deadline   time.Time // midnight (China Standard Time) after the deadline day: due before it
	EntryCode  string
	LinkedAt   time.Time
	Fulfilled  bool // linked to an entry that is published and mounted
}

// DutyFacts lists the duties whose deadline falls before before.
func (s *Service) DutyFacts(ctx context.Context, before time.Time) ([]DutyFact, error) {
	rows, err := s.db.Query(ctx, `SELECT d.id, d.title, d.provider_id, d.deadline, d.entry_code, d.linked_at, `+fulfilled+`
		FROM list_duties d LEFT JOIN catalog_entries e ON e.code = d.entry_code WHERE d.deadline < ? ORDER BY d.id`,
		before.In(Beijing).AddDate(0, 0, 1).Format(DateFormat))
	if err != nil {
		return nil, fmt.Errorf("duty facts: %w", err)
	}
	defer rows.Close()
	var out []DutyFact
	for rows.Next() {
		var f DutyFact
		var deadline, linked string
		if err := rows.Scan(&f.ID, &f.Title, &f.ProviderID, &deadline, &f.EntryCode, &linked, &f.Fulfilled); err != nil {
			return nil, err
		}
		if d, err := time.ParseInLocation(DateFormat, deadline, Beijing); err == nil {
			f.Deadline = d.AddDate(0, 0, 1)
		}
		f.LinkedAt, _ = store.ParseTime(linked)
		if f.Deadline.IsZero() || !f.Deadline.Before(before) {
			continue
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DemandFact is one demand (需求清单) assigned to a provider, as the
// assessment counts its answer.
type DemandFact struct {
	ID         int64
	Title      string
	ProviderID int64
	State      string
	Resolution string
	CreatedAt  time.Time
	ClosedAt   time.Time
	Due        time.Time // when the answer was due
}

// DemandFacts lists the demands assigned to a provider that were open at
// some time in [from, to): created before to and not closed before from.
func (s *Service) DemandFacts(ctx context.Context, from, to time.Time) ([]DemandFact, error) {
	rows, err := s.db.Query(ctx, `SELECT id, title, provider_id, state, resolution, created_at, closed_at FROM list_demands
		WHERE provider_id IS NOT NULL AND created_at < ? AND (closed_at = '' OR closed_at >= ?) ORDER BY id`,
		store.FormatTime(to), store.FormatTime(from))
	if err != nil {
		return nil, fmt.Errorf("demand facts: %w", err)
	}
	defer rows.Close()
	var out []DemandFact
	for rows.Next() {
		var f DemandFact
		var created, closed string
		if err := rows.Scan(&f.ID, &f.Title, &f.ProviderID, &f.State, &f.Resolution, &created, &closed); err != nil {
			return nil, err
		}
		f.CreatedAt, _ = store.ParseTime(created)
		f.ClosedAt, _ = store.ParseTime(closed)
		f.Due = s.Due(f.CreatedAt)
		out = append(out, f)
	}
	return out, rows.Err()
}
