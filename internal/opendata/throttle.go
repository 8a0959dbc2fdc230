package opendata

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/govshare/govshare/internal/errs"
)

// ThrottleLimits bound the downloads of one address.
type ThrottleLimits struct {
	PerMinute  int // downloads started a minute, on average
	Burst      int // downloads started at once after a quiet while
	Concurrent int // downloads running at once
}

// DefaultThrottle is 20 downloads a minute, 5 at once after a pause, 2 running.
var DefaultThrottle = ThrottleLimits{PerMinute: 20, Burst: 5, Concurrent: 2}

// Throttle limits downloads per client address, in this process (each
// replica counts its own).
type Throttle struct {
	lim     ThrottleLimits
	mu      sync.Mutex
	clients map[string]*client
	swept   time.Time
}

type client struct {
	bucket  *rate.Limiter
	running int
	seen    time.Time
}

// NewThrottle returns a throttle with the given limits.
func NewThrottle(l ThrottleLimits) *Throttle {
	return &Throttle{lim: l, clients: map[string]*client{}}
}

// Start admits a download from addr, or refuses it with RateLimited; the
// returned func ends it.
func (t *Throttle) Start(addr string) (done func(), err error) {
	if t == nil {
		return func() {}, nil
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > time.Minute {
		for a, c := range t.clients {
			if c.running == 0 && now.Sub(c.seen) > 10*time.Minute {
				delete(t.clients, a)
			}
		}
		t.swept = now
	}
	c := t.clients[addr]
	if c == nil {
		c = &client{bucket: rate.NewLimiter(rate.Limit(float64(t.lim.PerMinute)/60), t.lim.Burst)}
		t.clients[addr] = c
	}
	c.seen = now
	if c.running >= t.lim.Concurrent {
		return nil, errs.New(errs.RateLimited, msgBusy)
	}
	if !c.bucket.AllowN(now, 1) {
		return nil, errs.New(errs.RateLimited, msgThrottled)
	}
	c.running++
	return func() {
		t.mu.Lock()
		c.running--
		t.mu.Unlock()
	}, nil
}
