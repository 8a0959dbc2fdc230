package exchange

import (
	"context"
	"testing"
	"time"
)

// TestLease: of two managers on one bus only one holds the lease; the other
// takes it when the first gives it up or stops renewing it.
func TestLease(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	e := New(js, Options{})
	o := ManagerOptions{LeaseTTL: 2 * time.Second, Bucket: "lease_test"}
	a, b := &lease{m: NewManager(nil, nil, nil, nil, e, o)}, &lease{m: NewManager(nil, nil, nil, nil, e, o)}
	renewNow := func(l *lease) *lease { l.at = time.Time{}; return l } // as if a third of the TTL had passed
	check := func(name string, l *lease, want bool) {
		t.Helper()
		if got := l.hold(ctx); got != want {
			t.Errorf("%s: hold = %v, want %v", name, got, want)
		}
	}
	check("a takes it", a, true)
	check("b cannot", renewNow(b), false)
	rev := a.rev
	check("a renews it", renewNow(a), true)
	if a.rev == rev {
		t.Errorf("renewal left the revision at %d", rev)
	}
	check("b still cannot", renewNow(b), false)
	a.release()
	check("b takes it once a gave it up", b, true)
	check("a cannot then", a, false)
	time.Sleep(o.LeaseTTL + time.Second) // b stops renewing
	check("a takes it once b's has expired", a, true)
	check("b has lost it", renewNow(b), false)
}
