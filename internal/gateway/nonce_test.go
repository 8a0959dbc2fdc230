package gateway_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/store/storetest"
)

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// kvNonces opens a fresh bucket on the NATS server of GOVSHARE_TEST_NATS
// (skipped when unset, failed in CI) and deletes it when the test ends. It
// returns the bucket's name.
func kvNonces(t testing.TB, ttl time.Duration) (*gateway.KVNonces, string) {
	t.Helper()
	bucket := randomName("test_nonces_")
	k := openKV(t, bucket, ttl)
	t.Cleanup(func() {
		if js := jetStream(t); js != nil {
			js.DeleteKeyValue(context.Background(), bucket)
		}
	})
	return k, bucket
}

// openKV opens the bucket over a connection of its own, as a replica would.
func openKV(t testing.TB, bucket string, ttl time.Duration) *gateway.KVNonces {
	t.Helper()
	k, err := gateway.OpenKVNonces(context.Background(), jetStream(t), bucket, ttl, 0)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jetStream(t testing.TB) jetstream.JetStream {
	t.Helper()
	url := storetest.Require(t, "GOVSHARE_TEST_NATS", "nats://127.0.0.1:4222")
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// testClaims checks a store's common behaviour: fresh once per app and nonce.
func testClaims(t *testing.T, s gateway.NonceStore, ttl time.Duration) {
	ctx := context.Background()
	for _, c := range []struct {
		app, nonce string
		want       bool
	}{
		{"app1", "n-000001", true},
		{"app1", "n-000001", false},
		{"app2", "n-000001", true},
		{"app1", "n-000002", true},
		{"app1\nn", "-000001", true}, // not app1's n-000001 run together
		{"app2", "n-000001", false},
	} {
		got, err := s.Claim(ctx, c.app, c.nonce, ttl)
		if err != nil || got != c.want {
			t.Errorf("Claim(%q, %q) = %v, %v; want %v", c.app, c.nonce, got, err, c.want)
		}
	}
	// Concurrent claims of one nonce: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.Claim(ctx, "app1", "n-race-1", ttl); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 16 concurrent claims of one nonce won, want 1", wins.Load())
	}
}

func TestMemoryNonces(t *testing.T) {
	testClaims(t, gateway.NewMemoryNonces(0), time.Minute)
}

func TestMemoryNoncesExpireAndStayBounded(t *testing.T) {
	now := clock
	m := gateway.NewMemoryNonces(64 * 100) // 101 per shard
	m.Now = func() time.Time { return now }
	ctx := context.Background()
	if ok, _ := m.Claim(ctx, "a", "n-expire", 10*time.Minute); !ok {
		t.Fatal("first claim not fresh")
	}
	now = now.Add(10*time.Minute - time.Nanosecond)
	if ok, _ := m.Claim(ctx, "a", "n-expire", 10*time.Minute); ok {
		t.Fatal("claim before expiry is fresh")
	}
	now = now.Add(time.Nanosecond)
	if ok, _ := m.Claim(ctx, "a", "n-expire", 10*time.Minute); !ok {
		t.Fatal("claim after expiry is not fresh")
	}

	// Many nonces over time: old ones are swept as new ones arrive.
	for i := range 50_000 {
		now = now.Add(time.Millisecond)
		if _, err := m.Claim(ctx, "a", "n-"+strconv.Itoa(i), time.Second); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if n := m.Len(); n > 64*101 {
		t.Errorf("Len() = %d after 50000 claims of 1 s at 1000/s, want at most the bound", n)
	}

	// A burst beyond the bound fails closed instead of forgetting.
	var full error
	for i := range 64 * 200 {
		if _, err := m.Claim(ctx, "b", "n-burst-"+strconv.Itoa(i), time.Hour); err != nil {
			full = err
			break
		}
	}
	if !errs.Is(full, errs.Unavailable) {
		t.Errorf("a burst past the bound: %v, want an Unavailable error", full)
	}
}

func TestKVNonces(t *testing.T) {
	k, _ := kvNonces(t, 2*time.Second)
	testClaims(t, k, 2*time.Second)
	ctx := context.Background()
	if _, err := k.Claim(ctx, "a", "n-too-long", time.Hour); err == nil {
		t.Error("a ttl longer than the bucket's was accepted")
	}
	if ok, err := k.Claim(ctx, "a", "n-expiring", 2*time.Second); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	// After the bucket's TTL the nonce is gone (JetStream expires messages
	// about once a second).
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := k.Claim(ctx, "a", "n-expiring", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the nonce did not expire within 10 s of a 2 s TTL")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKVNoncesShared shows two replicas, each with its own connection,
// sharing the bucket: a nonce used at one is refused at the other.
func TestKVNoncesShared(t *testing.T) {
	a, bucket := kvNonces(t, time.Minute)
	b := openKV(t, bucket, time.Minute)
	ctx := context.Background()
	if ok, err := a.Claim(ctx, "app1", "n-shared-1", time.Minute); !ok || err != nil {
		t.Fatalf("Claim at replica a = %v, %v", ok, err)
	}
	if ok, err := b.Claim(ctx, "app1", "n-shared-1", time.Minute); ok || err != nil {
		t.Fatalf("Claim of the same nonce at replica b = %v, %v; want false", ok, err)
	}
}

// benchmarkClaim claims fresh nonces from 50 apps in parallel, each kept for
// ttl (for the memory store a short one, so that the benchmark measures the
// steady state with sweeping rather than filling the store).
func benchmarkClaim(b *testing.B, s gateway.NonceStore, ttl time.Duration) {
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			ok, err := s.Claim(ctx, "app"+strconv.FormatInt(i%50, 10), fmt.Sprintf("bench-%012d", i), ttl)
			if err != nil || !ok {
				b.Fatalf("Claim = %v, %v", ok, err)
			}
		}
	})
}

func BenchmarkClaim(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchmarkClaim(b, gateway.NewMemoryNonces(0), 100*time.Millisecond) })
	b.Run("nats-kv", func(b *testing.B) {
		k, _ := kvNonces(b, time.Minute)
		benchmarkClaim(b, k, time.Minute)
	})
	// As a busy replica would: 16 requests in flight at once per CPU.
	b.Run("nats-kv-16x", func(b *testing.B) {
		k, _ := kvNonces(b, time.Minute)
		b.SetParallelism(16)
		benchmarkClaim(b, k, time.Minute)
	})
}

// TestVerifyAcrossReplicas replays a request accepted by one replica's
// Verifier at another's: the shared bucket refuses it.
func TestVerifyAcrossReplicas(t *testing.T) {
	a, bucket := kvNonces(t, 2*gateway.DefaultWindow)
	b := openKV(t, bucket, 2*gateway.DefaultWindow)
	ctx := context.Background()
	r, body := signed(t, "app1", "secret-1", "", clock, "replica-nonce-1", "{}", nil)
	if _, err := verifier(a).Verify(ctx, r, body); err != nil {
		t.Fatalf("replica a: %v", err)
	}
	r, body = signed(t, "app1", "secret-1", "", clock, "replica-nonce-1", "{}", nil)
	if _, err := verifier(b).Verify(ctx, r, body); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("replay at replica b: %v, want nonce already used", err)
	}
}
