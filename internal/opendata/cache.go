package opendata

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// The public's reads are many and alike (the same searches, the same
// dataset pages), the catalog's writes few. So Search and Dataset keep
// what they answered while the catalog's generation, which every catalog
// write raises, stays the same, and for at most cacheTTL (a department's
// name, kept elsewhere, changes without raising it).
const (
	cacheTTL       = 30 * time.Second
	maxCachedPages = 4096
)

type answers[T any] struct {
	mu sync.Mutex
	m  map[string]answer[T]
}

type answer[T any] struct {
	gen int64
	at  time.Time
	v   T
}

func (a *answers[T]) get(key string, gen int64, now time.Time) (T, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.m[key]
	if !ok || c.gen != gen || now.Sub(c.at) > cacheTTL {
		var zero T
		return zero, false
	}
	return c.v, true
}

func (a *answers[T]) put(key string, gen int64, now time.Time, v T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil || len(a.m) >= maxCachedPages {
		a.m = map[string]answer[T]{}
	}
	a.m[key] = answer[T]{gen: gen, at: now, v: v}
}

// Generation is the catalog's generation (catalog.Service.Generation),
// for a transport that keeps answers of its own while the public's view
// cannot have changed; -1 when it cannot be read (keep nothing then).
// Usage statistics are not part of it.
func (s *Service) Generation(ctx context.Context) int64 { return s.generation(ctx) }

// generation is the catalog's; -1 (never cached against) on error.
func (s *Service) generation(ctx context.Context) int64 {
	gen, err := s.catalog.Generation(ctx)
	if err != nil {
		return -1
	}
	return gen
}

func (q Query) key() string {
	return fmt.Sprintf("%q|%d|%q|%q|%q|%q|%d|%d", q.Q, q.Department, q.Category, q.Format, q.OpenType, q.Sort, q.Page, q.Size)
}
