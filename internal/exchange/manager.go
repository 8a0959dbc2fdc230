package exchange

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// ManagerOptions tune a Manager; the zero value is usable.
type ManagerOptions struct {
	Tick       time.Duration // how often the leader reads the channels' states; default 500ms
	StatsEvery time.Duration // how often statistics are written; default 2s
	LeaseTTL   time.Duration // the leader's lease: another replica takes over this long after the leader died; default 6s
	Retain     time.Duration // per-minute samples are kept this long; default 7 days
	Bucket     string        // KV bucket of the lease; default "govshare_exchange_lease"
	Logger     *slog.Logger
	// Shape answers what a grant's channel may deliver (the sharing policy);
	// a channel created by a grant does not run without it.
	Shape func(ctx context.Context, grant, consumer int64) (*Shape, error)
	// Mandate answers what an aggregation mandate's channel may deliver
	// (internal/aggregation); it fails once the mandate is no longer
	// confirmed, which stops the channel at its next batch.
	Mandate func(ctx context.Context, mandate, consumer int64) (*Shape, error)
	// Rules answers the rules a channel's rows are checked against (the
	// catalog's items of its source table); see ChannelRules.
	Rules func(ctx context.Context, c ChannelInfo) (ChannelRules, error)
	// Nodes is the registry of front-end nodes, for channels whose tables
	// are on nodes; nil takes the resolver's when it has one (NodeResolver).
	Nodes Nodes
}

// Manager keeps the platform's channels: it stores them, checks who may
// see and operate them, and, once started, runs the active ones with an
// Engine. Of several platform replicas only the one that holds the lease (a
// key with a TTL in a NATS KV bucket) runs channels; the others serve reads
// and writes to the database, which the leader follows every Tick.
type Manager struct {
	db       *store.DB
	audit    *audit.Log
	org      *org.Service
	resolver Resolver
	engine   *Engine
	o        ManagerOptions
	log      *slog.Logger
	now      func() time.Time
	holder   string
	leading  atomic.Bool

	wake   chan struct{}
	nodes  Nodes
	kvs    sync.Map // node id → jetstream.KeyValue of its bucket
	passes sync.Map // channel id → passMark of its running full pass (arrived.go)

	mu      sync.Mutex
	runners map[string]*runner
	base    map[string]Stats // engine statistics already written
	cleared map[string]bool  // channels on nodes not to run, withdrawn from the nodes
	cancel  context.CancelFunc
	done    chan struct{}
}

// runner is one channel running in this process.
type runner struct {
	id     string
	ch     ChannelInfo
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{}
	ranAt  string // the run request it served last

	// A channel whose tables are on nodes (see nodes.go).
	node    bool
	gen     string
	link    *Engine                // names along the channel's Link
	nodes   map[string]int64       // side → node id that runs it
	sides   map[string]*sideReport // last report per side
	acc     Stats                  // what the nodes counted for this runner
	applyAt time.Time              // last report of the apply side

	mu        sync.Mutex
	running   bool
	full      bool  // a full pass is running
	total     int64 // source rows when it began
	startDel  int64 // engine deliveries when it began
	caughtUp  time.Time
	lastError string
	errAt     time.Time
}

// NewManager returns a manager. It does no I/O; Start runs channels.
func NewManager(db *store.DB, log *audit.Log, orgs *org.Service, r Resolver, e *Engine, o ManagerOptions) *Manager {
	if o.Tick <= 0 {
		o.Tick = 500 * time.Millisecond
	}
	if o.StatsEvery <= 0 {
		o.StatsEvery = 2 * time.Second
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 6 * time.Second
	}
	if o.Retain <= 0 {
		o.Retain = 7 * 24 * time.Hour
	}
	if o.Bucket == "" {
		o.Bucket = "govshare_exchange_lease"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 8)
	rand.Read(b)
	if o.Nodes == nil {
		if nr, ok := r.(interface{ Nodes() Nodes }); ok {
			o.Nodes = nr.Nodes()
		}
	}
	return &Manager{db: db, audit: log, org: orgs, resolver: r, engine: e, o: o, log: o.Logger, now: time.Now, nodes: o.Nodes,
		holder: hex.EncodeToString(b), wake: make(chan struct{}, 1), runners: map[string]*runner{}, base: map[string]Stats{}}
}

// poke makes the leader look at the channels now.
func (m *Manager) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// halt stops a channel running in this process at once; it does not wait.
func (m *Manager) halt(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.runners[id]; ok {
		r.cancel()
	}
}

// Start runs the manager until Shutdown or until ctx ends.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cancel != nil {
		return errors.New("exchange: manager already started")
	}
	if err := m.engine.setup(ctx); err != nil {
		return err
	}
	var sub interface{ Unsubscribe() error }
	if m.nodes != nil {
		s, err := m.subscribeReports()
		if err != nil {
			return err
		}
		sub = s
	}
	ctx, m.cancel = context.WithCancel(ctx)
	m.done = make(chan struct{})
	go func() {
		m.loop(ctx)
		if sub != nil {
			sub.Unsubscribe()
		}
	}()
	return nil
}

// Leading reports whether this replica holds the lease and runs the
// channels.
func (m *Manager) Leading() bool { return m.leading.Load() }

// Shutdown stops every channel this process runs, writes their statistics
// and gives up the lease.
func (m *Manager) Shutdown() {
	m.mu.Lock()
	cancel, done := m.cancel, m.done
	m.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

func (m *Manager) loop(ctx context.Context) {
	defer close(m.done)
	lease := &lease{m: m}
	tick := time.NewTicker(m.o.Tick)
	defer tick.Stop()
	statsAt, pruneAt := time.Now(), time.Time{}
	for {
		leader := lease.hold(ctx)
		m.leading.Store(leader)
		if leader {
			if err := m.reconcile(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("exchange: reconcile channels", "err", err)
			}
		} else {
			m.stopAll()
		}
		if time.Since(statsAt) >= m.o.StatsEvery {
			statsAt = time.Now()
			m.flush(context.WithoutCancel(ctx))
		}
		if leader && time.Since(pruneAt) >= time.Minute {
			pruneAt = time.Now()
			if err := m.db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "DELETE FROM exchange_samples WHERE minute < ?", minuteOf(m.now().Add(-m.o.Retain)))
				return err
			}); err != nil && ctx.Err() == nil {
				m.log.Warn("exchange: prune samples", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			m.stopAll()
			m.flush(context.Background())
			lease.release()
			return
		case <-tick.C:
		case <-m.wake:
		}
	}
}

// stopAll stops every runner and waits for them.
func (m *Manager) stopAll() {
	m.mu.Lock()
	rs := make([]*runner, 0, len(m.runners))
	for _, r := range m.runners {
		r.cancel()
		rs = append(rs, r)
	}
	m.mu.Unlock()
	for _, r := range rs {
		<-r.done
	}
}

// reconcile starts the active channels that do not run here, stops those
// that must not run, and passes on run requests.
func (m *Manager) reconcile(ctx context.Context) error {
	rows, err := m.db.Query(ctx, "SELECT "+channelColumns+" WHERE c.state IN ('active', 'error', 'paused', 'revoked')")
	if err != nil {
		return err
	}
	var all []ChannelInfo
	requests := map[string]string{}
	for rows.Next() {
		c, err := m.scan(rows)
		if err != nil {
			rows.Close()
			return err
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rq, err := m.db.Query(ctx, "SELECT id, run_requested FROM exchange_channels WHERE run_requested <> ''")
	if err != nil {
		return err
	}
	for rq.Next() {
		var id, at string
		if err := rq.Scan(&id, &at); err != nil {
			rq.Close()
			return err
		}
		requests[id] = at
	}
	rq.Close()
	var stale []string
	defer func() {
		// A replica that stopped without writing its statistics (a crash, a
		// lost lease) left channels marked running that nothing runs now.
		for _, id := range stale {
			m.db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE exchange_channels SET running = 0 WHERE id = ?", id)
				return err
			})
		}
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range all {
		r, running := m.runners[c.ID]
		if c.Stats.Running && !running {
			stale = append(stale, c.ID)
		}
		runnable := c.State == ChannelActive || c.State == ChannelError
		if !runnable && !running && m.nodeChannel(c) && !m.cleared[c.ID] {
			// Paused or revoked while no runner here placed it (by another
			// replica, or before this one started): make sure no node runs it.
			if m.cleared == nil {
				m.cleared = map[string]bool{}
			}
			m.cleared[c.ID] = true
			go m.withdrawChannel(context.WithoutCancel(ctx), c)
		}
		if runnable {
			delete(m.cleared, c.ID)
		}
		switch {
		case !runnable && running:
			r.cancel()
		case runnable && running && changed(r.ch, c):
			r.cancel() // started anew once it has stopped
		case runnable && !running:
			r = &runner{id: c.ID, ch: c, done: make(chan struct{}), kick: make(chan struct{}, 1), node: c.Source.NodeID != "" || c.Target.NodeID != ""}
			var rctx context.Context
			rctx, r.cancel = context.WithCancel(ctx)
			m.runners[c.ID] = r
			if r.node {
				// The nodes' counts start at zero for each runner (a new
				// generation restarts the nodes' sides).
				m.base[c.ID] = Stats{}
			}
			go m.run(rctx, r)
		}
		if at, ok := requests[c.ID]; ok && runnable && r != nil && at != r.ranAt {
			r.ranAt = at
			select {
			case r.kick <- struct{}{}:
			default:
			}
			go m.clearRequest(context.WithoutCancel(ctx), c.ID, at)
		}
	}
	return nil
}

// changed reports whether a channel's definition differs from what runs.
func changed(a, b ChannelInfo) bool {
	return a.Source != b.Source || a.Target != b.Target || a.Mode != b.Mode || a.Schedule != b.Schedule || a.BatchSize != b.BatchSize ||
		a.Watermark != b.Watermark || a.SoftDelete != b.SoftDelete
}

func (m *Manager) clearRequest(ctx context.Context, id, at string) {
	m.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE exchange_channels SET run_requested = '' WHERE id = ? AND run_requested = ?", id, at)
		return err
	})
}

// engineChannel resolves a channel's tables for the engine.
func (m *Manager) engineChannel(ctx context.Context, c ChannelInfo) (Channel, error) {
	ch := Channel{ID: c.ID, Mode: c.Mode, BatchSize: c.BatchSize, Watermark: c.Watermark, SoftDelete: c.SoftDelete}
	var err error
	if ch.Source.Driver, ch.Source.DSN, err = m.resolver.Resolve(ctx, c.ProviderID, c.Source); err != nil {
		return ch, fmt.Errorf("source %s: %w", c.Source.Datasource, err)
	}
	if ch.Target.Driver, ch.Target.DSN, err = m.resolver.Resolve(ctx, c.ConsumerID, c.Target); err != nil {
		return ch, fmt.Errorf("target %s: %w", c.Target.Datasource, err)
	}
	ch.Source.Table, ch.Target.Table = c.Source.Table, c.Target.Table
	if ch.Rules, err = m.rulesOf(ctx, c); err != nil {
		return ch, err
	}
	ch.Shaper, err = m.basis(c)
	return ch, err
}

// basis answers the shaper of a channel's basis, which the engine asks
// before each pass and each batch: the grant's policy check or the
// mandate's. A channel with neither does not run.
func (m *Manager) basis(c ChannelInfo) (Shaper, error) {
	switch {
	case c.GrantID != 0:
		if m.o.Shape == nil {
			return nil, fmt.Errorf("channel %s delivers grant %d, but this platform has no sharing policy to shape it", c.ID, c.GrantID)
		}
		return func(ctx context.Context) (*Shape, error) { return m.o.Shape(ctx, c.GrantID, c.ConsumerID) }, nil
	case c.MandateID != 0:
		if m.o.Mandate == nil {
			return nil, fmt.Errorf("channel %s delivers aggregation mandate %d, but this platform has no aggregation to shape it", c.ID, c.MandateID)
		}
		return func(ctx context.Context) (*Shape, error) {
			sh, err := m.o.Mandate(ctx, c.MandateID, c.ConsumerID)
			if err == nil && sh == nil {
				err = fmt.Errorf("aggregation mandate %d answered no shape", c.MandateID)
			}
			return sh, err
		}, nil
	}
	return nil, errs.New(errs.Conflict, msgNoBasis, c.ID)
}

// run runs one channel until its context ends or a schema change pauses it.
func (m *Manager) run(ctx context.Context, r *runner) {
	defer func() {
		m.flushOne(context.Background(), r)
		m.mu.Lock()
		if m.runners[r.id] == r {
			delete(m.runners, r.id)
		}
		m.mu.Unlock()
		close(r.done)
		m.poke()
	}()
	if r.node {
		m.runNode(ctx, r)
		return
	}
	backoff := 5 * time.Second
	continuous := r.ch.Schedule == Continuous
	sched, _ := ParseSchedule(r.ch.Schedule)
	for ctx.Err() == nil {
		if !continuous {
			next := sched.Next(m.now().In(beijing))
			select {
			case <-ctx.Done():
				return
			case <-r.kick:
			case <-time.After(time.Until(next)):
			}
		}
		err := m.pass(ctx, r, continuous)
		if ctx.Err() != nil {
			return
		}
		var se *connector.SchemaError
		switch {
		case errors.As(err, &se):
			m.paused(context.WithoutCancel(ctx), r, "schema: "+se.Error())
			return
		case err != nil:
			m.failed(context.WithoutCancel(ctx), r, err)
			if continuous {
				select {
				case <-ctx.Done():
					return
				case <-r.kick:
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, time.Minute)
			}
		default:
			backoff = 5 * time.Second
			m.succeeded(context.WithoutCancel(ctx), r)
		}
	}
}

// pass runs one Sync of a cron channel, or follows a continuous one until
// it stops or is kicked (a run request restarts it, which reads at once).
func (m *Manager) pass(ctx context.Context, r *runner, continuous bool) error {
	if r.ch.Source.NodeID != "" || r.ch.Target.NodeID != "" {
		return errs.New(errs.Conflict, msgOnNodes, r.id)
	}
	ch, err := m.engineChannel(ctx, r.ch)
	if err != nil {
		return err
	}
	full := ch.Mode == Full
	if ch.Mode == FullThenIncremental {
		full = m.phase(ctx, ch.ID) != phaseIncremental
	}
	started := m.now()
	r.mu.Lock()
	r.running, r.full, r.total = true, full, -1
	r.startDel = m.engine.Stats(ch.ID).Deliveries
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running, r.full = false, false
		r.mu.Unlock()
	}()
	if full {
		if src, err := connector.Open(ctx, ch.Source.Driver, ch.Source.DSN); err == nil {
			if n, err := src.Count(ctx, ch.Source.Table); err == nil {
				r.mu.Lock()
				r.total = n
				r.mu.Unlock()
			}
			src.Close()
		}
	}
	m.flushOne(ctx, r) // shows the pass as running, with its progress, at once
	if !continuous {
		if err := m.engine.Sync(ctx, ch); err != nil {
			return err
		}
		r.mu.Lock()
		r.caughtUp = started
		r.mu.Unlock()
		return nil
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-r.kick:
			cancel()
		case <-rctx.Done():
		}
	}()
	err = m.engine.Run(rctx, ch)
	if err == nil && ctx.Err() == nil {
		return nil // kicked: follow again at once
	}
	return err
}

// phase reads the extractor's phase of a channel from the engine's bucket.
func (m *Manager) phase(ctx context.Context, id string) string {
	if err := m.engine.setup(ctx); err != nil {
		return ""
	}
	entry, err := m.engine.kv.Get(ctx, id)
	if err != nil {
		return ""
	}
	var st state
	if json.Unmarshal(entry.Value(), &st) != nil {
		return ""
	}
	return st.Phase
}

// caughtUp reports whether a continuous channel has nothing left to apply
// and its extractor follows the watermark.
func (m *Manager) caughtUp(ctx context.Context, c ChannelInfo) bool {
	if m.nodeChannel(c) {
		return m.nodeCaughtUp(ctx, c)
	}
	if c.Mode != Incremental && m.phase(ctx, c.ID) != phaseIncremental {
		return false
	}
	cons, err := m.engine.js.Consumer(ctx, m.engine.o.Stream, consumerName(c.ID))
	if err != nil {
		return false
	}
	info, err := cons.Info(ctx)
	return err == nil && info.NumPending == 0 && info.NumAckPending == 0
}

func (m *Manager) paused(ctx context.Context, r *runner, reason string) {
	m.log.Warn("exchange: channel paused", "channel", r.id, "reason", reason)
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		now := store.FormatTime(m.now())
		if _, err := tx.Exec(ctx, "UPDATE exchange_channels SET state = ?, reason = ?, last_error = ?, last_error_at = ?, updated_at = ? WHERE id = ? AND state IN ('active', 'error')",
			ChannelPaused, reason, reason, now, now, r.id); err != nil {
			return err
		}
		return m.record(ctx, tx, org.System, "channel.pause", r.id, audit.ReasonDetail(reason))
	})
	if err != nil {
		m.log.Error("exchange: pause channel", "channel", r.id, "err", err)
	}
}

func (m *Manager) failed(ctx context.Context, r *runner, err error) {
	msg := err.Error()
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	m.log.Warn("exchange: channel pass failed", "channel", r.id, "err", msg)
	now := m.now()
	r.mu.Lock()
	r.lastError, r.errAt = msg, now
	r.mu.Unlock()
	m.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE exchange_channels SET state = ?, reason = ?, last_error = ?, last_error_at = ? WHERE id = ? AND state IN ('active', 'error')",
			ChannelError, msg, msg, store.FormatTime(now), r.id)
		return err
	})
}

func (m *Manager) succeeded(ctx context.Context, r *runner) {
	m.flushOne(ctx, r)
	m.db.InTx(ctx, func(tx *store.Tx) error {
		now := store.FormatTime(m.now())
		_, err := tx.Exec(ctx, "UPDATE exchange_channels SET state = ?, reason = '', last_success = ? WHERE id = ? AND state IN ('active', 'error')",
			ChannelActive, now, r.id)
		return err
	})
}

// flush writes the statistics of every channel running here.
func (m *Manager) flush(ctx context.Context) {
	m.mu.Lock()
	rs := make([]*runner, 0, len(m.runners))
	for _, r := range m.runners {
		rs = append(rs, r)
	}
	m.mu.Unlock()
	for _, r := range rs {
		m.flushOne(ctx, r)
	}
}

func minuteOf(t time.Time) string { return t.UTC().Truncate(time.Minute).Format("2006-01-02T15:04Z") }

// flushOne adds what the engine counted since the last write to a
// channel's totals and to its sample of this minute, with its run state.
func (m *Manager) flushOne(ctx context.Context, r *runner) {
	st := m.statsOf(r)
	m.mu.Lock()
	b := m.base[r.id]
	m.base[r.id] = st
	m.mu.Unlock()
	d := Stats{Rows: st.Rows - b.Rows, Deletes: st.Deletes - b.Deletes, Bytes: st.Bytes - b.Bytes, Deliveries: st.Deliveries - b.Deliveries,
		Batches: st.Batches - b.Batches, Refused: st.Refused - b.Refused}
	quar := st.Quarantined - b.Quarantined

	r.mu.Lock()
	running, full, total, done := r.running, r.full, r.total, st.Deliveries-r.startDel
	caught := r.caughtUp
	r.mu.Unlock()
	now := m.now()
	recovered := false
	if running && r.ch.Schedule == Continuous && m.caughtUp(ctx, r.ch) {
		caught, full, recovered = now, false, true
		r.mu.Lock()
		r.caughtUp, r.full = now, false
		r.mu.Unlock()
	}
	m.markPass(r.id, full, total, done)
	if !full {
		total, done = -1, 0
	} else if total < 0 {
		total = passTotalUnknown // a full pass whose source count is not known
	}
	run := 0
	if running {
		run = 1
	}
	sets := []string{"rows_total = rows_total + ?", "deletes_total = deletes_total + ?", "bytes_total = bytes_total + ?", "deliveries = deliveries + ?",
		"batches = batches + ?", "quarantined = quarantined + ?", "refused = refused + ?", "running = ?", "progress_total = ?", "progress_done = ?"}
	args := []any{d.Rows, d.Deletes, d.Bytes, d.Deliveries, d.Batches, quar, d.Refused, run, total, done}
	if !caught.IsZero() {
		sets, args = append(sets, "caught_up_at = ?"), append(args, store.FormatTime(caught))
	}
	if recovered {
		// A continuous channel that holds everything its source held has
		// succeeded; one that was in error has recovered. (The right-hand
		// sides read the row as it was.)
		sets = append(sets, "reason = CASE WHEN state = 'error' THEN '' ELSE reason END", "state = CASE WHEN state = 'error' THEN 'active' ELSE state END",
			"last_success = ?")
		args = append(args, store.FormatTime(now))
	}
	if !recovered && !st.LastSuccess.IsZero() && st.LastSuccess.After(b.LastSuccess) {
		sets = append(sets, "last_success = CASE WHEN last_success < ? THEN ? ELSE last_success END")
		args = append(args, store.FormatTime(st.LastSuccess), store.FormatTime(st.LastSuccess))
	}
	if st.LastError != "" && st.LastError != b.LastError && d.Refused > 0 {
		sets, args = append(sets, "last_error = ?", "last_error_at = ?"), append(args, "refused batch: "+st.LastError, store.FormatTime(now))
	}
	lag := int64(-1)
	if !caught.IsZero() {
		lag = lagOf(r.ch.Schedule, caught, now)
	} else if c, err := m.get(ctx, r.id); err == nil {
		lag = c.Stats.LagSeconds
	}
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE exchange_channels SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, r.id)...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO exchange_samples (channel_id, minute, rows_delivered, bytes, lag_seconds) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (channel_id, minute) DO UPDATE SET rows_delivered = exchange_samples.rows_delivered + excluded.rows_delivered,
			bytes = exchange_samples.bytes + excluded.bytes, lag_seconds = excluded.lag_seconds`,
			r.id, minuteOf(now), d.Deliveries, d.Bytes, max(lag, 0))
		return err
	})
	if err != nil {
		m.mu.Lock()
		m.base[r.id] = b // try again next time
		m.mu.Unlock()
		m.log.Warn("exchange: write statistics", "channel", r.id, "err", err)
	}
}

// SyncNow runs one pass of an active channel in the caller's goroutine and
// writes its statistics, whether or not the manager runs: the demo uses it
// to fill a fresh platform. It must not run while the manager runs the
// channel. It serves a run asked for before (Run).
func (m *Manager) SyncNow(ctx context.Context, id string) error {
	c, err := m.get(ctx, id)
	if err != nil {
		return err
	}
	if m.nodeChannel(c) {
		return errs.New(errs.Conflict, msgOnNodesStart, id)
	}
	// A run asked for before (Run) is served by this pass.
	if err := m.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE exchange_channels SET run_requested = '' WHERE id = ?", id)
		return err
	}); err != nil {
		return err
	}
	r := &runner{id: id, ch: c, done: make(chan struct{}), kick: make(chan struct{})}
	err = m.pass(ctx, r, false)
	var se *connector.SchemaError
	switch {
	case errors.As(err, &se):
		m.paused(ctx, r, "schema: "+se.Error())
	case err != nil:
		m.failed(ctx, r, err)
	default:
		m.succeeded(ctx, r)
	}
	return err
}

// lease is the manager's claim to run channels: a key in a KV bucket whose
// TTL expires unless the holder renews it.
type lease struct {
	m   *Manager
	kv  jetstream.KeyValue
	rev uint64
	at  time.Time
}

const leaseKey = "manager"

// hold takes or renews the lease and reports whether this manager holds it.
func (l *lease) hold(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if l.kv == nil {
		kv, err := l.m.engine.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: l.m.o.Bucket,
			Description: "govshare exchange: which platform replica runs the channels", TTL: l.m.o.LeaseTTL, History: 1, Storage: jetstream.FileStorage,
			Replicas: l.m.engine.o.Replicas})
		if err != nil {
			l.m.log.Warn("exchange: lease bucket", "err", err)
			return false
		}
		l.kv = kv
	}
	if l.rev != 0 && time.Since(l.at) < l.m.o.LeaseTTL/3 {
		return true
	}
	var err error
	if l.rev != 0 {
		l.rev, err = l.kv.Update(ctx, leaseKey, []byte(l.m.holder), l.rev)
	} else {
		l.rev, err = l.kv.Create(ctx, leaseKey, []byte(l.m.holder))
	}
	if err != nil {
		if l.rev != 0 || !errors.Is(err, jetstream.ErrKeyExists) {
			l.m.log.Warn("exchange: lease lost", "err", err)
		}
		l.rev = 0
		return false
	}
	l.at = time.Now()
	return true
}

func (l *lease) release() {
	if l.kv != nil && l.rev != 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		l.kv.Delete(ctx, leaseKey, jetstream.LastRevision(l.rev))
		l.rev = 0
	}
}
