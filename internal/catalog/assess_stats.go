package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// EntryFact is one catalog entry as the assessment (考核, package assess)
// counts it: who provides it, where its review stands, whether it is
// mounted and how it may be shared.
type EntryFact struct {
	Code        string
	Name        string
	ProviderID  int64
	Status      string
	Published   bool
	Mounted     bool
	ShareType   string
	OpenType    string
	CreatedAt   time.Time
	PublishedAt time.Time
}

// EntryFacts lists the entries created before before, as they stand now,
// ordered by code in the database's collation.
func (s *Service) EntryFacts(ctx context.Context, before time.Time) ([]EntryFact, error) {
	rows, err := s.db.Query(ctx, `SELECT code, name, provider_id, status, published, mounted, share_type, open_type, created_at, published_at
		FROM catalog_entries WHERE created_at < ? ORDER BY code`, store.FormatTime(before))
	if err != nil {
		return nil, fmt.Errorf("entry facts: %w", err)
	}
	defer rows.Close()
	var out []EntryFact
	for rows.Next() {
		var f EntryFact
		var created, published string
		if err := rows.Scan(&f.Code, &f.Name, &f.ProviderID, &f.Status, &f.Published, &f.Mounted, &f.ShareType, &f.OpenType, &created, &published); err != nil {
			return nil, err
		}
		f.CreatedAt, _ = store.ParseTime(created)
		f.PublishedAt, _ = store.ParseTime(published)
		out = append(out, f)
	}
	return out, rows.Err()
}
