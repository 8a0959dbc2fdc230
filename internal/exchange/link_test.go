package exchange

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange/leafnet"
)

// mesh is a hub and two nodes linked as leaf nodes, as in production but
// without TLS.
type mesh struct {
	hub, prov, cons *leafnet.Server
}

func newMesh(t *testing.T) *mesh {
	t.Helper()
	dir := t.TempDir()
	ho, err := leafnet.Hub(filepath.Join(dir, "hub"))
	if err != nil {
		t.Fatal(err)
	}
	m := &mesh{}
	if m.hub, err = leafnet.Start(ho); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.hub.Stop)
	for _, n := range []struct {
		s      **leafnet.Server
		domain string
	}{{&m.prov, "dept-a"}, {&m.cons, "dept-b"}} {
		o, err := leafnet.Leaf(n.domain, filepath.Join(dir, n.domain), m.hub.LeafURL())
		if err != nil {
			t.Fatal(err)
		}
		if *n.s, err = leafnet.Start(o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup((*n.s).Stop)
	}
	if err := m.hub.WaitLeafs(2, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	return m
}

func connect(t *testing.T, s *leafnet.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

var testLink = &Link{Provider: "dept-a", Hub: "hub", Consumer: "dept-b"}

// applier runs an Engine's Apply in the background until stopped.
type bgApply struct {
	e      *Engine
	cancel context.CancelFunc
	done   chan error
}

func startApply(t *testing.T, js jetstream.JetStream, ch Channel) *bgApply {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := &bgApply{e: New(js, Options{Link: testLink}), cancel: cancel, done: make(chan error, 1)}
	go func() { a.done <- a.e.Apply(ctx, ch) }()
	t.Cleanup(func() { a.stop(t) })
	return a
}

func (a *bgApply) stop(t *testing.T) {
	if a.cancel == nil {
		return
	}
	a.cancel()
	if err := <-a.done; err != nil {
		t.Errorf("Apply = %v, want nil when stopped", err)
	}
	a.cancel = nil
}

// waitApplied waits until the applier has applied batch seq.
func (a *bgApply) waitApplied(t *testing.T, ch Channel, seq int64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for a.e.Stats(ch.ID).LastSeq < seq {
		select {
		case err := <-a.done:
			t.Fatalf("Apply stopped: %v", err)
		default:
		}
		if time.Since(start) > within {
			t.Fatalf("batch %d not applied within %v: Stats = %+v", seq, within, a.e.Stats(ch.ID))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// TestLink syncs a table from a provider node through the hub to a consumer
// node, then keeps extracting while the hub is down and keeps delivering
// while the consumer node is down.
func TestLink(t *testing.T) {
	const n = 20000
	ctx := context.Background()
	src, dst := newBackend(t, connector.Postgres, "source"), newBackend(t, connector.MySQL, "target")
	fixture(t, src, n)
	ch := channel("link", src, dst, 1000)
	m := newMesh(t)

	_, hubJS := connect(t, m.hub)
	if err := New(hubJS, Options{Link: testLink}).Route(ctx, ch); err != nil {
		t.Fatalf("Route: %v", err)
	}
	_, provJS := connect(t, m.prov)
	_, consJS := connect(t, m.cons)
	prov := New(provJS, Options{Link: testLink})
	app := startApply(t, consJS, ch)

	// A full sync arrives exactly once.
	start := time.Now()
	if err := prov.Extract(ctx, ch); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	pub := prov.Stats(ch.ID).PubSeq
	app.waitApplied(t, ch, pub, time.Minute)
	t.Logf("%d rows through provider → hub → consumer in %v", n, time.Since(start).Round(time.Millisecond))
	sameAsSource(t, ch, "after the full sync")
	st := app.e.Stats(ch.ID)
	if st.Deliveries != n+50 || st.Batches != pub || st.Redelivered != 0 || st.Refused != 0 || st.Gaps != 0 {
		t.Errorf("Stats = %+v, want %d deliveries in %d batches, none redelivered, refused or missing", st, n+50, pub)
	}
	if got, want := streamMsgs(t, hubJS, prov.hubStream(ch.ID)), uint64(pub); got != want {
		t.Errorf("the hub's stream holds %d batches, want %d", got, want)
	}
	if got, want := streamMsgs(t, consJS, prov.inStream(ch.ID)), uint64(pub); got != want {
		t.Errorf("the consumer node's stream holds %d batches, want %d", got, want)
	}

	// The hub is down: the provider keeps extracting into its own JetStream,
	// and the rows arrive when the hub is back on the same store.
	m.hub.Stop()
	src.exec(t, `UPDATE {人口} SET {姓名} = ?, {更新} = ? WHERE {编号} < ?`, "枢纽停机时改", stamp(1000), 3000)
	src.exec(t, `UPDATE {人口} SET {删除} = [true|1|1], {更新} = ? WHERE {编号} = ?`, stamp(1000), 5)
	if err := prov.Extract(ctx, ch); err != nil {
		t.Fatalf("Extract with the hub down: %v", err)
	}
	pub2 := prov.Stats(ch.ID).PubSeq
	if pub2 <= pub {
		t.Fatalf("with the hub down, the provider published up to batch %d, want more than %d", pub2, pub)
	}
	time.Sleep(500 * time.Millisecond)
	if got := app.e.Stats(ch.ID).LastSeq; got != pub {
		t.Fatalf("with the hub down, batch %d was applied, want %d", got, pub)
	}
	if err := m.hub.Start(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	if err := m.hub.WaitLeafs(2, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	leafs := time.Since(restarted)
	for streamMsgs(t, hubJS, prov.hubStream(ch.ID)) < uint64(pub2) {
		if time.Since(restarted) > time.Minute {
			t.Fatalf("the hub holds %d batches a minute after its restart, want %d", streamMsgs(t, hubJS, prov.hubStream(ch.ID)), pub2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	atHub := time.Since(restarted)
	app.waitApplied(t, ch, pub2, time.Minute)
	t.Logf("hub restarted: leaf links back after %v, the %d batches at the hub after %v, applied at the consumer after %v",
		leafs.Round(time.Millisecond), pub2-pub, atHub.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
	sameAsSource(t, ch, "after the hub came back")

	// The consumer node is down: the hub keeps accepting, and the consumer
	// catches up when it is back.
	app.stop(t)
	m.cons.Stop()
	src.exec(t, `UPDATE {人口} SET {金额} = ?, {更新} = ? WHERE {编号} >= ?`, "7.77", stamp(1001), n-2500)
	src.exec(t, `INSERT INTO {人口} VALUES (?, ?, ?, ?, ?, ?)`, n+10, "新𠀀", "1.00", nil, stamp(1001), false)
	if err := prov.Extract(ctx, ch); err != nil {
		t.Fatalf("Extract with the consumer down: %v", err)
	}
	pub3 := prov.Stats(ch.ID).PubSeq
	hubJS2 := hubJS
	for deadline := time.Now().Add(30 * time.Second); streamMsgs(t, hubJS2, prov.hubStream(ch.ID)) < uint64(pub3); {
		if time.Now().After(deadline) {
			t.Fatalf("the hub holds %d batches, want %d", streamMsgs(t, hubJS2, prov.hubStream(ch.ID)), pub3)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := m.cons.Start(); err != nil {
		t.Fatal(err)
	}
	_, consJS = connect(t, m.cons)
	app = startApply(t, consJS, ch)
	took := app.waitApplied(t, ch, pub3, time.Minute)
	t.Logf("consumer node restarted: caught up %d batches in %v", pub3-pub2, took.Round(time.Millisecond))
	sameAsSource(t, ch, "after the consumer node came back")
	if st := app.e.Stats(ch.ID); st.Redelivered != 0 || st.Refused != 0 || st.Gaps != 0 {
		t.Errorf("Stats = %+v, want nothing redelivered, refused or missing", st)
	}
	if got, want := streamMsgs(t, consJS, prov.inStream(ch.ID)), uint64(pub3); got != want {
		t.Errorf("the consumer node's stream holds %d batches, want %d", got, want)
	}
}
