package opendata

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/govshare/govshare/internal/errs"
)

// ThrottleLimits bound the downloads of one address, and of one key or
// public user.
type ThrottleLimits struct {
	PerMinute  int // downloads started a minute, on average
	Burst      int // downloads started at once after a quiet while
	Concurrent int // downloads running at once
}

// DefaultThrottle is 20 downloads a minute, 5 at once after a pause, 2 running.
var DefaultThrottle = ThrottleLimits{PerMinute: 20, Burst: 5, Concurrent: 2}

// Throttle limits downloads per client address and per key or public
// user, in this process (each replica counts its own).
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

// Start admits a download counted against each of subjects (a client
// address, and the key or public user the download is made with), or
// refuses it with RateLimited when any of them is over its limits; the
// returned func ends it.
func (t *Throttle) Start(subjects ...string) (done func(), err error) {
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
	cs := make([]*client, 0, len(subjects))
	for _, subject := range subjects {
		c := t.clients[subject]
		if c == nil {
			c = &client{bucket: rate.NewLimiter(rate.Limit(float64(t.lim.PerMinute)/60), t.lim.Burst)}
			t.clients[subject] = c
		}
		c.seen = now
		if c.running >= t.lim.Concurrent {
			return nil, errs.New(errs.RateLimited, msgBusy)
		}
		if c.bucket.TokensAt(now) < 1 {
			return nil, errs.New(errs.RateLimited, msgThrottled)
		}
		cs = append(cs, c)
	}
	for _, c := range cs {
		c.bucket.AllowN(now, 1)
		c.running++
	}
	return func() {
		t.mu.Lock()
		for _, c := range cs {
			c.running--
		}
		t.mu.Unlock()
	}, nil
}
