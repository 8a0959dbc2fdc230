package exchange

import (
	"context"
	"sync"

	"github.com/govshare/govshare/internal/connector"
)

// Sources keeps the datasources that extract passes read open from one pass
// to the next, one per datasource whatever the number of channels reading
// it. Opening one per pass cost a connection each time, and on PostgreSQL a
// server process with cold caches: fifty channels polling five times a
// second spent the machine on it. database/sql closes connections left idle
// (connector.Open sets how long). Engines of one process may share one
// (Options.Sources). The zero value is ready to use.
type Sources struct {
	mu   sync.Mutex
	open map[[2]string]*connector.Source
}

// get answers the open source for driver and dsn, opening it on first use.
// The caller must not close it.
func (s *Sources) get(ctx context.Context, driver, dsn string) (*connector.Source, error) {
	k := [2]string{driver, dsn}
	s.mu.Lock()
	defer s.mu.Unlock()
	if src := s.open[k]; src != nil {
		return src, nil
	}
	src, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return nil, err
	}
	if s.open == nil {
		s.open = map[[2]string]*connector.Source{}
	}
	s.open[k] = src
	return src, nil
}

// Close closes the sources. They open again on next use.
func (s *Sources) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, src := range s.open {
		src.Close()
		delete(s.open, k)
	}
	return nil
}
