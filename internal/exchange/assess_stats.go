package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// ChannelFact is one channel's deliveries (交换条次) as the assessment
// (考核) and the sharing results (共享成效) count them.
type ChannelFact struct {
	ID         string
	Name       string
	ProviderID int64
	ConsumerID int64
	GrantID    int64
	MandateID  int64
	CreatedAt  time.Time
	RowsTotal  int64 // every record delivered since the channel began
	// Rows are the records delivered in the period asked for, from the
	// per-minute samples; SamplesFrom is the oldest sample kept (samples
	// older than ManagerOptions.Retain are dropped).
	Rows int64
}

// ChannelFacts lists the channels created before to with their totals and
// the records their per-minute samples count in [from, to). SamplesFrom
// is the oldest minute any channel's samples still hold (zero when none).
func (m *Manager) ChannelFacts(ctx context.Context, from, to time.Time) (facts []ChannelFact, samplesFrom time.Time, err error) {
	rows, err := m.db.Query(ctx, `SELECT c.id, c.name, c.provider_id, c.consumer_id, c.grant_id, c.mandate_id, c.created_at, c.rows_total,
		COALESCE((SELECT SUM(s.rows_delivered) FROM exchange_samples s WHERE s.channel_id = c.id AND s.minute >= ? AND s.minute < ?), 0)
		FROM exchange_channels c WHERE c.created_at < ? ORDER BY c.id`, minuteOf(from), minuteOf(to), store.FormatTime(to))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("channel facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f ChannelFact
		var created string
		if err := rows.Scan(&f.ID, &f.Name, &f.ProviderID, &f.ConsumerID, &f.GrantID, &f.MandateID, &created, &f.RowsTotal, &f.Rows); err != nil {
			return nil, time.Time{}, err
		}
		f.CreatedAt, _ = store.ParseTime(created)
		facts = append(facts, f)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	var oldest string
	if err := m.db.QueryRow(ctx, "SELECT COALESCE(MIN(minute), '') FROM exchange_samples").Scan(&oldest); err != nil {
		return nil, time.Time{}, err
	}
	if oldest != "" {
		samplesFrom, _ = time.Parse("2006-01-02T15:04Z", oldest)
	}
	return facts, samplesFrom, nil
}
