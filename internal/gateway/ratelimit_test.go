package gateway_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/gateway"
)

func TestLimiter(t *testing.T) {
	now := clock
	l := gateway.NewLimiter()
	l.Now = func() time.Time { return now }
	allow := func(app string, perSecond float64, burst int) (bool, time.Duration) {
		return l.Allow(app, perSecond, burst)
	}

	// A burst of 3, then refused with the time until the next token.
	for i := range 3 {
		if ok, _ := allow("a", 2, 3); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := allow("a", 2, 3)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request = %v, retry after %v; want refused, 500ms", ok, wait)
	}
	// A refused request takes nothing: after 500 ms exactly one more passes.
	now = now.Add(500 * time.Millisecond)
	if ok, _ := allow("a", 2, 3); !ok {
		t.Fatal("refused after waiting the retry time")
	}
	if ok, _ := allow("a", 2, 3); ok {
		t.Fatal("a second request passed on one token")
	}
	// Another app has its own bucket.
	if ok, _ := allow("b", 2, 3); !ok {
		t.Fatal("app b limited by app a")
	}

}

func TestLimiterChangesApply(t *testing.T) {
	now := clock
	l := gateway.NewLimiter()
	l.Now = func() time.Time { return now }
	for range 5 {
		l.Allow("a", 1, 5)
	}
	if ok, wait := l.Allow("a", 1, 5); ok || wait != time.Second {
		t.Fatalf("empty bucket at 1/s: %v, %v; want refused, 1s", ok, wait)
	}
	// Raising the rate shortens the wait at once.
	if ok, wait := l.Allow("a", 100, 5); ok || wait != 10*time.Millisecond {
		t.Fatalf("empty bucket at 100/s: %v, %v; want refused, 10ms", ok, wait)
	}
	now = now.Add(50 * time.Millisecond) // 5 tokens at 100/s
	n := 0
	for {
		if ok, _ := l.Allow("a", 100, 5); !ok {
			break
		}
		n++
	}
	if n != 5 {
		t.Errorf("after 50ms at 100/s with burst 5: %d passed, want 5", n)
	}
	// Lowering the burst caps the bucket.
	now = now.Add(time.Second)
	n = 0
	for {
		if ok, _ := l.Allow("a", 100, 2); !ok {
			break
		}
		n++
	}
	if n != 2 {
		t.Errorf("after lowering the burst to 2: %d passed, want 2", n)
	}
	// No limit configured: always allowed.
	for range 100 {
		if ok, _ := l.Allow("free", 0, 0); !ok {
			t.Fatal("perSecond 0 (no limit) refused a request")
		}
	}
}

func TestLimiterEvictsIdleApps(t *testing.T) {
	now := clock
	l := gateway.NewLimiter()
	l.Now = func() time.Time { return now }
	for i := range 10_000 {
		l.Allow("app"+strconv.Itoa(i), 10, 10)
	}
	if n := l.Len(); n != 10_000 {
		t.Fatalf("Len() = %d after 10000 apps, want 10000", n)
	}
	// Two minutes later every bucket is full again; the next calls sweep.
	now = now.Add(2 * time.Minute)
	for i := range 1000 {
		l.Allow("later"+strconv.Itoa(i), 10, 10)
	}
	if n := l.Len(); n > 1000 {
		t.Errorf("Len() = %d after the idle apps' buckets refilled, want at most 1000", n)
	}
	// An app in the middle of being limited is not forgotten.
	for range 10 {
		l.Allow("busy", 1, 10)
	}
	now = now.Add(2 * time.Minute) // 120 tokens at 1/s: full again, evicted
	for range 10 {
		l.Allow("busy2", 0.01, 10)
	}
	now = now.Add(2 * time.Minute) // 1.2 tokens at 0.01/s: still limited
	l.Allow("sweeper", 1, 1)
	for i := range 31 {
		l.Allow("sweeper"+strconv.Itoa(i), 1, 1)
	}
	if ok, _ := l.Allow("busy2", 0.01, 10); !ok {
		t.Fatal("busy2 has one token")
	}
	if ok, _ := l.Allow("busy2", 0.01, 10); ok {
		t.Error("busy2's bucket was evicted while limited: a second request passed")
	}
}
