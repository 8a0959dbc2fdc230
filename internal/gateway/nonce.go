package gateway

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/errs"
)

// NonceStore remembers the nonces of accepted requests.
type NonceStore interface {
	// Claim records the nonce of appKey for ttl and reports whether it is
	// fresh: false when it was claimed before and has not expired.
	Claim(ctx context.Context, appKey, nonce string, ttl time.Duration) (fresh bool, err error)
}

// nonceKey identifies an app's nonce; the app key and nonce cannot run
// into each other, as a nonce holds no newline.
func nonceKey(appKey, nonce string) [sha256.Size]byte {
	return sha256.Sum256([]byte(appKey + "\n" + nonce))
}

const nonceShards = 64

// DefaultMaxNonces bounds MemoryNonces when NewMemoryNonces is given zero.
const DefaultMaxNonces = 1 << 20

// MemoryNonces keeps nonces in this process: enough for one platform
// replica. It runs no goroutine: every Claim first drops the expired entries
// at the front of its shard's queue, so memory follows the requests of the
// last ttl. It holds at most the given number of nonces; when a shard is
// full of live ones, Claim fails (errs.Unavailable) rather than forget a
// nonce that could be replayed. Make one with NewMemoryNonces.
type MemoryNonces struct {
	// Now is the clock (time.Now when nil); set it before the first Claim.
	Now    func() time.Time
	max    int // per shard
	shards [nonceShards]nonceShard
}

type nonceShard struct {
	mu    sync.Mutex
	seen  map[[16]byte]int64 // key -> expiry, Unix nanoseconds
	queue []queued           // in claim order
	head  int                // queue[head:] is live
}

type queued struct {
	key    [16]byte
	expiry int64
}

// NewMemoryNonces returns an empty store for at most max nonces
// (DefaultMaxNonces when max <= 0).
func NewMemoryNonces(max int) *MemoryNonces {
	if max <= 0 {
		max = DefaultMaxNonces
	}
	m := &MemoryNonces{max: max/nonceShards + 1}
	for i := range m.shards {
		m.shards[i].seen = make(map[[16]byte]int64)
	}
	return m
}

// Len returns the number of nonces held, expired ones not yet dropped
// included.
func (m *MemoryNonces) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.seen)
		s.mu.Unlock()
	}
	return n
}

// Claim implements NonceStore.
func (m *MemoryNonces) Claim(_ context.Context, appKey, nonce string, ttl time.Duration) (bool, error) {
	sum := nonceKey(appKey, nonce)
	var key [16]byte // 128 bits: a collision, vanishingly unlikely, refuses a fresh nonce
	copy(key[:], sum[:])
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	t := now.UnixNano()
	s := &m.shards[binary.LittleEndian.Uint64(sum[16:])%nonceShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(t)
	if exp, ok := s.seen[key]; ok && exp > t {
		return false, nil
	}
	if len(s.seen) >= m.max {
		s.compact(t)
	}
	if len(s.seen) >= m.max {
		return false, errs.New(errs.Unavailable, msgNonceFull)
	}
	exp := t + int64(ttl)
	s.seen[key] = exp
	s.queue = append(s.queue, queued{key, exp})
	return true, nil
}

// sweep drops the expired entries at the front of the queue. With one ttl
// for all, the queue is in expiry order and this drops every expired entry.
func (s *nonceShard) sweep(now int64) {
	for s.head < len(s.queue) && s.queue[s.head].expiry <= now {
		q := s.queue[s.head]
		if exp, ok := s.seen[q.key]; ok && exp == q.expiry {
			delete(s.seen, q.key)
		}
		s.queue[s.head] = queued{}
		s.head++
	}
	// Reuse the front of the slice once half of it is dead.
	if s.head > 64 && s.head*2 >= len(s.queue) {
		n := copy(s.queue, s.queue[s.head:])
		clear(s.queue[n:])
		s.queue = s.queue[:n]
		s.head = 0
	}
}

// compact drops every expired entry, wherever it is in the queue (an entry
// with a long ttl at the front holds back the sweep of those behind it), and
// rebuilds the queue in expiry order.
func (s *nonceShard) compact(now int64) {
	q := s.queue[:0]
	for k, exp := range s.seen {
		if exp <= now {
			delete(s.seen, k)
		} else {
			q = append(q, queued{k, exp})
		}
	}
	slices.SortFunc(q[:len(q):len(q)], func(a, b queued) int { return cmp.Compare(a.expiry, b.expiry) })
	clear(s.queue[len(q):])
	s.queue, s.head = q, 0
}

// KVNonces keeps nonces in a NATS JetStream key-value bucket, shared by every
// platform replica connected to the same NATS. The bucket is held in memory
// and drops each key after its TTL; a restarted server forgets the nonces it
// held, so a cluster should replicate the bucket.
type KVNonces struct {
	kv  jetstream.KeyValue
	ttl time.Duration
}

// OpenKVNonces creates the bucket, or updates it to this configuration,
// with memory storage, one value per key and the given TTL, which must be
// at least the ttl Claim is given (twice the Verifier's window).
// replicas is the bucket's replica count (1 when zero); a NATS cluster
// should use 3, so that a restarted server does not forget the nonces.
func OpenKVNonces(ctx context.Context, js jetstream.JetStream, bucket string, ttl time.Duration, replicas int) (*KVNonces, error) {
	if ttl <= 0 {
		return nil, errors.New("gateway: the nonce bucket needs a TTL")
	}
	if replicas <= 0 {
		replicas = 1
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      bucket,
		Description: "govshare data-service request nonces",
		TTL:         ttl,
		History:     1,
		Storage:     jetstream.MemoryStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: open nonce bucket %s: %w", bucket, err)
	}
	return &KVNonces{kv: kv, ttl: ttl}, nil
}

// Claim implements NonceStore: it creates the key hex(SHA-256(app key \n
// nonce)), which fails if the key exists and has not expired.
func (k *KVNonces) Claim(ctx context.Context, appKey, nonce string, ttl time.Duration) (bool, error) {
	if ttl > k.ttl {
		return false, fmt.Errorf("gateway: a nonce must be kept %v, longer than the bucket's TTL %v", ttl, k.ttl)
	}
	sum := nonceKey(appKey, nonce)
	_, err := k.kv.Create(ctx, hex.EncodeToString(sum[:]), []byte{1})
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("gateway: claim nonce: %w", err)
	}
	return true, nil
}
