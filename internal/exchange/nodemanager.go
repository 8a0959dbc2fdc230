package exchange

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// NodeSignatureHeader carries a node's signature of a report's data (the
// same header as node.SignatureHeader).
const NodeSignatureHeader = "Govshare-Node-Signature"

// sideReport is the last report of one side, as the leader counted it.
type sideReport struct {
	run   string
	stats Stats
	total int64
}

func (m *Manager) nodeChannel(c ChannelInfo) bool {
	return c.Source.NodeID != "" || c.Target.NodeID != ""
}

// statsOf is what the engine (or, for a channel on nodes, the nodes) counted
// for a runner.
func (m *Manager) statsOf(r *runner) Stats {
	if !r.node {
		return m.engine.Stats(r.id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.acc
}

func (m *Manager) conn() (*nats.Conn, error) {
	c, ok := m.engine.js.(interface{ Conn() *nats.Conn })
	if !ok || c.Conn() == nil {
		return nil, errors.New("exchange: channels on nodes need a JetStream context with a connection")
	}
	return c.Conn(), nil
}

// subscribeReports listens to the nodes' reports.
func (m *Manager) subscribeReports() (*nats.Subscription, error) {
	nc, err := m.conn()
	if err != nil {
		return nil, err
	}
	sub, err := nc.Subscribe(nodeReportWildcard, m.report)
	if err != nil {
		return nil, fmt.Errorf("exchange: subscribe to node reports: %w", err)
	}
	sub.SetPendingLimits(10000, 64<<20)
	return sub, nil
}

// report adds a node's report to the runners it concerns: only the sides
// this leader placed on that node, for the generation it placed them with.
func (m *Manager) report(msg *nats.Msg) {
	parts := strings.Split(msg.Subject, ".")
	if len(parts) != 4 {
		return
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return
	}
	sig, _ := base64.StdEncoding.DecodeString(msg.Header.Get(NodeSignatureHeader))
	if !m.nodes.Verify(id, msg.Data, sig) {
		m.log.Debug("exchange: node report without a valid signature ignored", "node", id)
		return
	}
	var rep NodeReport
	if len(msg.Data) > 4<<20 || json.Unmarshal(msg.Data, &rep) != nil || rep.NodeID != id {
		return
	}
	for _, s := range rep.Sides {
		m.mu.Lock()
		r := m.runners[s.Channel]
		m.mu.Unlock()
		if r == nil || !r.node {
			continue
		}
		r.mu.Lock()
		if r.gen == s.Gen && r.nodes[s.Side] == id {
			r.count(s)
		}
		r.mu.Unlock()
	}
}

// count adds what a side counted since its last report (all of it, for a
// new run of the side: its counters started at zero). r.mu is held.
func (r *runner) count(s SideReport) {
	last, ok := r.sides[s.Side]
	var b Stats
	if ok && last.run == s.Run {
		b = last.stats
	}
	c, a := s.Stats, &r.acc
	a.Published += c.Published - b.Published
	a.PubDupes += c.PubDupes - b.PubDupes
	a.Quarantined += c.Quarantined - b.Quarantined
	a.Rows += c.Rows - b.Rows
	a.Deletes += c.Deletes - b.Deletes
	a.Bytes += c.Bytes - b.Bytes
	a.Batches += c.Batches - b.Batches
	a.Deliveries += c.Deliveries - b.Deliveries
	a.Redelivered += c.Redelivered - b.Redelivered
	a.Refused += c.Refused - b.Refused
	a.Gaps += c.Gaps - b.Gaps
	if s.Side == SideApply {
		r.applyAt = time.Now()
		a.State, a.LastSeq, a.Schema = c.State, c.LastSeq, c.Schema
		if c.LastSuccess.After(a.LastSuccess) {
			a.LastSuccess = c.LastSuccess
		}
	} else {
		a.PubSeq = c.PubSeq
		if s.Total > 0 {
			r.total = s.Total
		}
	}
	if c.LastError != "" {
		a.LastError = c.LastError
	}
	r.sides[s.Side] = &sideReport{run: s.Run, stats: c, total: s.Total}
}

// nodeKV opens (creating it) node id's bucket on the hub.
func (m *Manager) nodeKV(ctx context.Context, id int64) (jetstream.KeyValue, error) {
	if kv, ok := m.kvs.Load(id); ok {
		return kv.(jetstream.KeyValue), nil
	}
	kv, err := m.engine.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: NodeBucket(id),
		Description: fmt.Sprintf("govshare exchange: the channels node %d runs", id), History: 1, Storage: jetstream.FileStorage,
		Replicas: m.engine.o.Replicas})
	if err != nil {
		return nil, fmt.Errorf("exchange: bucket of node %d: %w", id, err)
	}
	m.kvs.Store(id, kv)
	return kv, nil
}

// placement is one spec placed on one node.
type placement struct {
	node int64
	spec NodeSpec
}

// nodeSpecs checks a channel on nodes and says what each node runs.
func (m *Manager) nodeSpecs(ctx context.Context, r *runner) ([]placement, Link, error) {
	c := r.ch
	if c.Source.NodeID == "" || c.Target.NodeID == "" {
		return nil, Link{}, errs.New(errs.Invalid, msgMixedSides, c.ID)
	}
	src, _, err := CheckNodeRef(ctx, m.nodes, c.ProviderID, c.Source)
	if err != nil {
		return nil, Link{}, fmt.Errorf("source %s: %w", c.Source.Datasource, err)
	}
	dst, _, err := CheckNodeRef(ctx, m.nodes, c.ConsumerID, c.Target)
	if err != nil {
		return nil, Link{}, fmt.Errorf("target %s: %w", c.Target.Datasource, err)
	}
	link := Link{Provider: src.Domain, Hub: HubDomain, Consumer: dst.Domain}
	base := NodeSpec{Channel: c.ID, Gen: r.gen, Provider: link.Provider, Hub: link.Hub, Consumer: link.Consumer, Mode: c.Mode, Schedule: c.Schedule,
		BatchSize: c.BatchSize, Watermark: c.Watermark, SoftDelete: c.SoftDelete}
	ext, app := base, base
	ext.Side, ext.Datasource, ext.Table = SideExtract, c.Source.Datasource, c.Source.Table
	app.Side, app.Datasource, app.Table = SideApply, c.Target.Datasource, c.Target.Table
	if ext.Shape, err = m.nodeShape(ctx, c); err != nil {
		return nil, Link{}, err
	}
	if m.o.Rules != nil {
		r, err := m.o.Rules(ctx, c)
		if err != nil {
			return nil, Link{}, fmt.Errorf("rules of channel %s: %w", c.ID, err)
		}
		ext.Rules = r.Rules
	}
	return []placement{{src.ID, ext}, {dst.ID, app}}, link, nil
}

// nodeShape is the shape of a grant's channel as it travels to the
// provider node: columns, masks and the row filter.
func (m *Manager) nodeShape(ctx context.Context, c ChannelInfo) (*Shape, error) {
	shaper, err := m.basis(c)
	if err != nil {
		return nil, err
	}
	return shaper(ctx)
}

// place writes the specs into the nodes' buckets.
func (m *Manager) place(ctx context.Context, ps []placement) error {
	for _, p := range ps {
		kv, err := m.nodeKV(ctx, p.node)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(p.spec)
		if _, err := kv.Put(ctx, p.spec.Key(), b); err != nil {
			return fmt.Errorf("exchange: tell node %d to run %s of channel %s: %w", p.node, p.spec.Side, p.spec.Channel, err)
		}
	}
	return nil
}

// withdraw removes the specs of a channel from the nodes' buckets.
func (m *Manager) withdraw(ctx context.Context, ps []placement) {
	for _, p := range ps {
		kv, err := m.nodeKV(ctx, p.node)
		if err == nil {
			err = kv.Delete(ctx, p.spec.Key())
		}
		if err != nil {
			m.log.Warn("exchange: withdraw a channel from a node", "channel", p.spec.Channel, "node", p.node, "err", err)
		}
	}
}

// runNode runs a channel on nodes: it checks the channel, routes it, tells
// the nodes, and then follows their reports and the grant until the channel
// must stop. It withdraws the channel from the nodes when the channel is no
// longer to run (paused, revoked, changed); a leader that only stops (lost
// lease, shutdown) leaves the nodes running, as the platform may be away
// while the nodes keep extracting.
func (m *Manager) runNode(ctx context.Context, r *runner) {
	b := make([]byte, 6)
	rand.Read(b)
	r.mu.Lock()
	r.gen, r.nodes, r.sides, r.total = hex.EncodeToString(b), map[string]int64{}, map[string]*sideReport{}, -1
	r.mu.Unlock()
	var placed []placement
	defer func() {
		if len(placed) == 0 {
			return
		}
		ctx := context.WithoutCancel(ctx)
		if c, err := m.get(ctx, r.id); err == nil && (c.State == ChannelActive || c.State == ChannelError) && !changed(r.ch, c) {
			return
		}
		m.withdraw(ctx, placed)
	}()
	backoff := 2 * time.Second
	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-r.kick:
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Minute)
		return true
	}
	for ctx.Err() == nil {
		ps, link, err := m.nodeSpecs(ctx, r)
		if err == nil {
			le := New(m.engine.js, Options{Link: &link})
			r.mu.Lock()
			r.link = le
			r.mu.Unlock()
			err = le.Route(ctx, ps[0].spec.EngineChannel(connector.SQLite, "node"))
			if err != nil {
				err = fmt.Errorf("%w (are both nodes online?)", err)
			}
		}
		if err == nil {
			err = m.place(ctx, ps)
			placed = ps
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if len(placed) > 0 && errs.Is(err, errs.Invalid) {
				m.withdraw(context.WithoutCancel(ctx), placed)
				placed = nil
			}
			m.failed(context.WithoutCancel(ctx), r, err)
			if !wait() {
				return
			}
			continue
		}
		r.mu.Lock()
		for _, p := range ps {
			r.nodes[p.spec.Side] = p.node
		}
		r.running, r.full = true, r.ch.Mode != Incremental
		r.startDel = r.acc.Deliveries
		r.mu.Unlock()
		m.flushOne(ctx, r)
		if err := m.superviseNode(ctx, r, ps); err != nil {
			if ctx.Err() != nil {
				return
			}
			var se *connector.SchemaError
			if errors.As(err, &se) {
				m.paused(context.WithoutCancel(ctx), r, "schema: "+se.Error())
				return // withdrawn by the deferred check: the channel is paused
			}
			m.withdraw(context.WithoutCancel(ctx), placed)
			placed = nil
			m.failed(context.WithoutCancel(ctx), r, err)
			if !wait() {
				return
			}
			continue
		}
		return
	}
}

// superviseNode follows a placed channel: run requests go to the nodes, the
// grant is checked again every few seconds (a narrowed shape is sent on, an
// ended grant stops the channel), and the sides' reports turn into the
// channel's state. It returns nil when ctx ends.
func (m *Manager) superviseNode(ctx context.Context, r *runner, ps []placement) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastErr string
	checked, nodesAt := time.Now(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
			ps[0].spec.RunAt = store.FormatTime(m.now())
			if err := m.place(ctx, ps[:1]); err != nil && ctx.Err() == nil {
				m.log.Warn("exchange: pass a run request to a node", "channel", r.id, "err", err)
			}
			continue
		case <-tick.C:
		}
		if time.Since(nodesAt) >= 2*time.Second {
			// A node disabled or revoked, or a datasource it no longer
			// reports, stops the channel (and the other node's side).
			nodesAt = time.Now()
			if _, _, err := CheckNodeRef(ctx, m.nodes, r.ch.ProviderID, r.ch.Source); err != nil && ctx.Err() == nil {
				return fmt.Errorf("source %s: %w", r.ch.Source.Datasource, err)
			}
			if _, _, err := CheckNodeRef(ctx, m.nodes, r.ch.ConsumerID, r.ch.Target); err != nil && ctx.Err() == nil {
				return fmt.Errorf("target %s: %w", r.ch.Target.Datasource, err)
			}
		}
		if time.Since(checked) >= 5*time.Second {
			checked = time.Now()
			sh, err := m.nodeShape(ctx, r.ch)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(sh, ps[0].spec.Shape) {
				ps[0].spec.Shape = sh
				if err := m.place(ctx, ps[:1]); err != nil {
					return err
				}
			}
		}
		r.mu.Lock()
		st := r.acc
		var total int64 = -1
		if x := r.sides[SideExtract]; x != nil && x.total > 0 {
			total = x.total
		}
		if r.full {
			r.total = total
		}
		r.mu.Unlock()
		if st.State == StatePaused && st.Schema != nil {
			return st.Schema
		}
		r.mu.Lock()
		var failure string
		for _, side := range []string{SideExtract, SideApply} {
			if x := r.sides[side]; x != nil && x.stats.State == StateFailed && x.stats.LastError != "" {
				failure = fmt.Sprintf("%s side on node %d: %s", side, r.nodes[side], x.stats.LastError)
			}
		}
		r.mu.Unlock()
		if failure != "" && failure != lastErr {
			lastErr = failure
			m.failed(context.WithoutCancel(ctx), r, errors.New(failure))
		}
	}
}

// nodeCaughtUp reports whether a channel on nodes has nothing left to
// apply and its extractor follows the watermark; it asks the nodes'
// JetStream domains through the hub.
func (m *Manager) nodeCaughtUp(ctx context.Context, c ChannelInfo) bool {
	m.mu.Lock()
	r := m.runners[c.ID]
	m.mu.Unlock()
	if r == nil {
		return false
	}
	r.mu.Lock()
	le, heard := r.link, r.applyAt
	r.mu.Unlock()
	if le == nil || time.Since(heard) > 5*time.Second {
		return false // not routed yet, or the consumer node is not heard from: do not wait on it
	}
	nc, err := m.conn()
	if err != nil {
		return false
	}
	l := le.o.Link
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if c.Mode != Incremental {
		prov, err := jetstream.NewWithDomain(nc, l.Provider)
		if err != nil {
			return false
		}
		kv, err := prov.KeyValue(ctx, le.o.Bucket)
		if err != nil {
			return false
		}
		entry, err := kv.Get(ctx, c.ID)
		var st state
		if err != nil || json.Unmarshal(entry.Value(), &st) != nil || st.Phase != phaseIncremental {
			return false
		}
	}
	cons, err := jetstream.NewWithDomain(nc, l.Consumer)
	if err != nil {
		return false
	}
	cc, err := cons.Consumer(ctx, le.inStream(c.ID), consumerName(c.ID))
	if err != nil {
		return false
	}
	info, err := cc.Info(ctx)
	return err == nil && info.NumPending == 0 && info.NumAckPending == 0
}

// withdrawChannel removes both sides of a channel from the nodes its
// tables name.
func (m *Manager) withdrawChannel(ctx context.Context, c ChannelInfo) {
	var ps []placement
	for _, p := range []struct {
		side string
		ref  TableRef
	}{{SideExtract, c.Source}, {SideApply, c.Target}} {
		if id, err := strconv.ParseInt(p.ref.NodeID, 10, 64); err == nil && id > 0 {
			ps = append(ps, placement{node: id, spec: NodeSpec{Channel: c.ID, Side: p.side}})
		}
	}
	m.withdraw(ctx, ps)
}
