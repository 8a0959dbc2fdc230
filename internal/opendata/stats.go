package opendata

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// Kinds of use counted per dataset.
const (
	View     = "views"     // a dataset page seen
	Download = "downloads" // a download completed
	APICall  = "api_calls" // a CKAN package_show or resource_show, a feed of the dataset
)

// Stats is a dataset's use.
type Stats struct {
	Views     int64 `json:"views"`
	Downloads int64 `json:"downloads"`
	APICalls  int64 `json:"api_calls"`
	Synthetic bool  `json:"synthetic,omitempty" doc:"Some of the days were generated for the demo"`
	Days      []Day `json:"days,omitempty"`
}

// Day is one day's use.
type Day struct {
	Day       string `json:"day"`
	Views     int64  `json:"views"`
	Downloads int64  `json:"downloads"`
	APICalls  int64  `json:"api_calls"`
}

type statKey struct{ code, day string }

type counts struct{ views, downloads, api int64 }

var cst = time.FixedZone("CST", 8*3600)

// Count notes one use of a dataset. Counts are kept in memory and written
// by Flush (every few seconds while Run runs), so that a page view costs no
// write.
func (s *Service) Count(code, kind string) {
	k := statKey{code, s.now().In(cst).Format(time.DateOnly)}
	s.mu.Lock()
	c := s.pending[k]
	if c == nil {
		c = &counts{}
		s.pending[k] = c
	}
	switch kind {
	case View:
		c.views++
	case Download:
		c.downloads++
	case APICall:
		c.api++
	}
	s.mu.Unlock()
}

// Flush writes the counts noted since the last flush.
func (s *Service) Flush(ctx context.Context) error {
	s.mu.Lock()
	batch := s.pending
	s.pending = map[statKey]*counts{}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for k, c := range batch {
			if err := addStats(ctx, tx, k.code, k.day, c.views, c.downloads, c.api, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put them back for the next flush.
		s.mu.Lock()
		for k, c := range batch {
			p := s.pending[k]
			if p == nil {
				s.pending[k] = c
				continue
			}
			p.views, p.downloads, p.api = p.views+c.views, p.downloads+c.downloads, p.api+c.api
		}
		s.mu.Unlock()
		return fmt.Errorf("usage statistics: %w", err)
	}
	return nil
}

func addStats(ctx context.Context, tx *store.Tx, code, day string, views, downloads, api int64, synthetic bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO opendata_stats (code, day, views, downloads, api_calls, synthetic) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (code, day) DO UPDATE SET views = opendata_stats.views + excluded.views, downloads = opendata_stats.downloads + excluded.downloads,
		api_calls = opendata_stats.api_calls + excluded.api_calls, synthetic = (opendata_stats.synthetic OR excluded.synthetic)`,
		code, day, views, downloads, api, synthetic)
	return err
}

// Run flushes the counts every interval until ctx ends, then once more.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Flush(context.WithoutCancel(ctx)); err != nil {
				s.logger().Warn("open data statistics", "err", err)
			}
			return
		case <-t.C:
			if err := s.Flush(ctx); err != nil {
				s.logger().Warn("open data statistics", "err", err)
			}
		}
	}
}

// Stats returns a public dataset's use over the last days days (its totals
// are of all time).
func (s *Service) Stats(ctx context.Context, code string, days int) (st Stats, err error) {
	if _, err := s.Dataset(ctx, code); err != nil {
		return Stats{}, err
	}
	// The counts not yet flushed are added, so that a page view costs no
	// write.
	today := s.now().In(cst).Format(time.DateOnly)
	s.mu.Lock()
	var mem counts
	for k, c := range s.pending {
		if k.code == code {
			mem.views, mem.downloads, mem.api = mem.views+c.views, mem.downloads+c.downloads, mem.api+c.api
		}
	}
	todayMem := s.pending[statKey{code, today}]
	var tm counts
	if todayMem != nil {
		tm = *todayMem
	}
	s.mu.Unlock()
	defer func() {
		if err != nil {
			return
		}
		st.Views, st.Downloads, st.APICalls = st.Views+mem.views, st.Downloads+mem.downloads, st.APICalls+mem.api
		if tm != (counts{}) {
			if n := len(st.Days); n > 0 && st.Days[n-1].Day == today {
				st.Days[n-1].Views, st.Days[n-1].Downloads, st.Days[n-1].APICalls = st.Days[n-1].Views+tm.views, st.Days[n-1].Downloads+tm.downloads, st.Days[n-1].APICalls+tm.api
			} else if days > 0 {
				st.Days = append(st.Days, Day{Day: today, Views: tm.views, Downloads: tm.downloads, APICalls: tm.api})
			}
		}
	}()
	var synth int64
	if err := s.db.QueryRow(ctx, `SELECT COALESCE(SUM(views), 0), COALESCE(SUM(downloads), 0), COALESCE(SUM(api_calls), 0),
		COUNT(CASE WHEN synthetic THEN 1 END) FROM opendata_stats WHERE code = ?`, code).Scan(&st.Views, &st.Downloads, &st.APICalls, &synth); err != nil {
		return st, fmt.Errorf("usage statistics: %w", err)
	}
	st.Synthetic = synth > 0
	if days <= 0 {
		return st, nil
	}
	from := s.now().In(cst).AddDate(0, 0, -days+1).Format(time.DateOnly)
	rows, err := s.db.Query(ctx, "SELECT day, views, downloads, api_calls FROM opendata_stats WHERE code = ? AND day >= ? ORDER BY day", code, from)
	if err != nil {
		return st, fmt.Errorf("usage statistics: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Day, &d.Views, &d.Downloads, &d.APICalls); err != nil {
			return st, err
		}
		st.Days = append(st.Days, d)
	}
	return st, rows.Err()
}

// AddSynthetic records generated use of a dataset on a day, marked as
// synthetic: for the demo only.
func (s *Service) AddSynthetic(ctx context.Context, code string, day time.Time, views, downloads, api int64) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		return addStats(ctx, tx, code, day.In(cst).Format(time.DateOnly), views, downloads, api, true)
	})
}
