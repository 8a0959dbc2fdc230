package gateway

import (
	"hash/maphash"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const limitShards = 32

// Limiter is a token bucket per app: perSecond tokens a second, up to burst
// at once. The zero value is not usable; call NewLimiter.
type Limiter struct {
	// Now is the clock (time.Now when nil); set it before the first Allow.
	Now    func() time.Time
	seed   maphash.Seed
	shards [limitShards]limitShard
}

type limitShard struct {
	mu        sync.Mutex
	apps      map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim       *rate.Limiter
	perSecond float64
	burst     int
}

// sweepEvery is how often a shard drops the buckets of idle apps.
const sweepEvery = time.Minute

// NewLimiter returns a Limiter with no buckets.
func NewLimiter() *Limiter {
	l := &Limiter{seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].apps = make(map[string]*bucket)
	}
	return l
}

// Allow takes a token from appKey's bucket, which refills at perSecond and
// holds at most burst tokens (at least 1; perSecond <= 0 means no limit). A
// change of perSecond or burst applies from this call, keeping the tokens
// the bucket has. When no token is left it returns false and how long until
// one is (for Retry-After), and takes nothing.
//
// An app's bucket is dropped once it is full again, which loses nothing: a
// new bucket starts full. So memory follows the apps active in the last
// burst/perSecond, however many apps there are.
func (l *Limiter) Allow(appKey string, perSecond float64, burst int) (ok bool, retryAfter time.Duration) {
	if perSecond <= 0 || math.IsInf(perSecond, 1) || math.IsNaN(perSecond) {
		return true, 0
	}
	if burst < 1 {
		burst = 1
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	s := &l.shards[maphash.String(l.seed, appKey)%limitShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSweep) >= sweepEvery {
		s.sweep(now)
	}
	b := s.apps[appKey]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst), perSecond: perSecond, burst: burst}
		// A new bucket is full at now, whatever the clock says.
		b.lim.AllowN(now, 0)
		s.apps[appKey] = b
	} else if b.perSecond != perSecond || b.burst != burst {
		b.lim.SetLimitAt(now, rate.Limit(perSecond))
		b.lim.SetBurstAt(now, burst)
		b.perSecond, b.burst = perSecond, burst
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets that are full.
func (s *limitShard) sweep(now time.Time) {
	s.lastSweep = now
	for k, b := range s.apps {
		if b.lim.TokensAt(now) >= float64(b.burst) {
			delete(s.apps, k)
		}
	}
}

// Len returns the number of apps with a bucket.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.apps)
		s.mu.Unlock()
	}
	return n
}
