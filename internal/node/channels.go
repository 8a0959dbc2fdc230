package node

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
)

// The channels a node runs (see exchange/nodes.go): the platform writes a
// spec per side into the node's bucket on the hub (exchange.NodeBucket); the
// agent reads the bucket through the leaf link whenever its last sequence
// moves (checked every ChannelPoll), runs the extract side of the channels
// whose source it holds and the apply side of those whose target it holds,
// and reports their statistics every second, signed, on
// exchange.NodeReportSubject. The specs are kept in channels.json in the
// data directory, so that a node that restarts while the platform is away
// goes on extracting into its local store.

const channelsFile = "channels.json"

// channelPoll is how often the agent looks at its bucket.
const channelPoll = 300 * time.Millisecond

// side is one side of a channel running on this node.
type side struct {
	spec   exchange.NodeSpec
	run    string
	e      *exchange.Engine
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	err   string // an error outside the engine (a datasource missing from node.yaml)
	total int64
}

func (s *side) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = ""
	if err != nil {
		s.err = err.Error()
	}
}

// channels runs the channels until ctx ends; it stops them before it returns.
func (a *Agent) channels(ctx context.Context) {
	defer close(a.chDone)
	running := map[string]*side{}
	sources := &exchange.Sources{} // the channels' datasources, open between extract passes
	defer func() {
		for _, s := range running {
			s.cancel()
		}
		for _, s := range running {
			<-s.done
		}
		sources.Close()
	}()
	// Rows that fail their checks at the source wait here, on the node.
	q, err := exchange.OpenQuarantine(ctx, filepath.Join(a.o.DataDir, "quarantine.db"))
	if err != nil {
		a.log.Error("channels: quarantine", "err", err)
		return
	}
	defer q.Close()
	a.quarantine = q
	specs := a.loadSpecs()
	a.reconcile(ctx, running, specs, sources)
	hub, err := jetstream.NewWithDomain(a.nc, exchange.HubDomain)
	if err != nil {
		a.log.Error("channels: hub JetStream", "err", err)
		return
	}
	var kv jetstream.KeyValue
	var seen uint64
	var lookAt time.Time // when to look for the bucket again
	poll := time.NewTicker(channelPoll)
	defer poll.Stop()
	reportAt := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
		if time.Since(reportAt) >= time.Second {
			reportAt = time.Now()
			a.report(running)
		}
		if !a.Connected() || (kv == nil && time.Now().Before(lookAt)) {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		if kv == nil {
			kv, err = hub.KeyValue(rctx, exchange.NodeBucket(a.Identity.NodeID))
			if err != nil {
				// The platform creates the bucket when it first places a
				// channel here; until then, look every two seconds.
				kv, lookAt = nil, time.Now().Add(2*time.Second)
				if !errors.Is(err, jetstream.ErrBucketNotFound) {
					a.log.Debug("channels: bucket", "err", err)
				}
				cancel()
				continue
			}
		}
		st, err := kv.Status(rctx)
		if err != nil {
			cancel()
			continue
		}
		last := uint64(0)
		if bs, ok := st.(*jetstream.KeyValueBucketStatus); ok {
			last = bs.StreamInfo().State.LastSeq
		}
		if last == seen && last != 0 {
			cancel()
			continue
		}
		next, err := readSpecs(rctx, kv, a.Identity.NodeID)
		cancel()
		if err != nil {
			a.log.Warn("channels: read the platform's channels", "err", err)
			continue
		}
		seen = last
		if !reflect.DeepEqual(next, specs) {
			specs = next
			a.saveSpecs(specs)
		}
		a.reconcile(ctx, running, specs, sources)
	}
}

// readSpecs reads every spec in the bucket.
func readSpecs(ctx context.Context, kv jetstream.KeyValue, id int64) (map[string]exchange.NodeSpec, error) {
	out := map[string]exchange.NodeSpec{}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for k := range keys.Keys() {
		names = append(names, k)
	}
	for _, k := range names {
		e, err := kv.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var s exchange.NodeSpec
		if json.Unmarshal(e.Value(), &s) != nil || s.Key() != k {
			continue
		}
		out[k] = s
	}
	return out, nil
}

func (a *Agent) loadSpecs() map[string]exchange.NodeSpec {
	out := map[string]exchange.NodeSpec{}
	b, err := os.ReadFile(filepath.Join(a.o.DataDir, channelsFile))
	if err == nil {
		json.Unmarshal(b, &out)
	}
	return out
}

func (a *Agent) saveSpecs(specs map[string]exchange.NodeSpec) {
	b, _ := json.MarshalIndent(specs, "", "  ")
	if err := writeFileAtomic(filepath.Join(a.o.DataDir, channelsFile), b, 0o600); err != nil {
		a.log.Warn("channels: save", "err", err)
	}
}

// reconcile stops the sides that are gone or changed and starts the new ones.
func (a *Agent) reconcile(ctx context.Context, running map[string]*side, specs map[string]exchange.NodeSpec, sources *exchange.Sources) {
	var stopped []*side
	for k, s := range running {
		if next, ok := specs[k]; !ok || !reflect.DeepEqual(next, s.spec) {
			s.cancel()
			stopped = append(stopped, s)
			delete(running, k)
		}
	}
	for _, s := range stopped {
		<-s.done // one extractor per channel at a time
		a.log.Info("channel side stopped", "channel", s.spec.Channel, "side", s.spec.Side)
	}
	for k, spec := range specs {
		if _, ok := running[k]; ok {
			continue
		}
		b := make([]byte, 6)
		rand.Read(b)
		s := &side{spec: spec, run: hex.EncodeToString(b), done: make(chan struct{}),
			e: exchange.New(a.js, exchange.Options{Link: spec.Link(), Logger: a.log, Poll: time.Second, Quarantine: a.quarantine, Sources: sources})}
		var sctx context.Context
		sctx, s.cancel = context.WithCancel(ctx)
		running[k] = s
		a.log.Info("channel side started", "channel", spec.Channel, "side", spec.Side, "table", spec.Table)
		go a.runSide(sctx, s)
	}
}

var beijing = time.FixedZone("CST", 8*3600)

// runSide runs one side until ctx ends, retrying failures with a backoff. A
// target that cannot hold the schema stops the apply side: the platform
// pauses the channel.
func (a *Agent) runSide(ctx context.Context, s *side) {
	defer close(s.done)
	spec := s.spec
	backoff := time.Second
	wait := func(d time.Duration) bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
			return true
		}
	}
	for ctx.Err() == nil {
		d, ok := a.Datasource(spec.Datasource)
		if !ok || d.Driver == DriverFiles {
			s.setErr(errors.New("no database datasource " + spec.Datasource + " in this node's node.yaml"))
			if !wait(5 * time.Second) {
				return
			}
			continue
		}
		s.setErr(nil)
		ch := spec.EngineChannel(d.Driver, d.Target())
		var err error
		if spec.Side == exchange.SideApply {
			err = s.e.Apply(ctx, ch)
			var se *connector.SchemaError
			if errors.As(err, &se) {
				a.log.Warn("channel paused: the target cannot hold the source's schema", "channel", spec.Channel, "err", err)
				<-ctx.Done()
				return
			}
		} else {
			err = a.extractLoop(ctx, s, ch)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			a.log.Warn("channel side failed", "channel", spec.Channel, "side", spec.Side, "err", err)
			if !wait(backoff) {
				return
			}
			backoff = min(2*backoff, 30*time.Second)
		}
	}
}

// extractLoop runs extract passes: every second for a continuous channel,
// on its schedule (Beijing time) for a cron one, at once on a run request.
func (a *Agent) extractLoop(ctx context.Context, s *side, ch exchange.Channel) error {
	spec := s.spec
	sched, err := exchange.ParseSchedule(spec.Schedule)
	if err != nil {
		return err
	}
	if spec.Mode != exchange.Incremental {
		if src, err := a.Source(ctx, spec.Datasource); err == nil {
			if n, err := src.Count(ctx, spec.Table); err == nil {
				s.mu.Lock()
				s.total = n
				s.mu.Unlock()
			}
		}
	}
	now := spec.RunAt != "" && a.ranAt(spec.Channel, spec.RunAt)
	for {
		if sched != nil && !now {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Until(sched.Next(time.Now().In(beijing)))):
			}
		}
		now = false
		if err := s.e.Extract(ctx, ch); err != nil {
			return err
		}
		if sched == nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			}
		}
	}
}

// ranAt records a run request and reports whether it is new.
func (a *Agent) ranAt(channel, at string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.runs == nil {
		a.runs = map[string]string{}
	}
	if a.runs[channel] == at {
		return false
	}
	a.runs[channel] = at
	return true
}

// report publishes the statistics of the sides running here.
func (a *Agent) report(running map[string]*side) {
	rep := exchange.NodeReport{NodeID: a.Identity.NodeID, At: time.Now().UTC(), Sides: []exchange.SideReport{}}
	for _, s := range running {
		st := s.e.Stats(s.spec.Channel)
		s.mu.Lock()
		if s.err != "" {
			st.State, st.LastError = exchange.StateFailed, s.err
		}
		total := s.total
		s.mu.Unlock()
		rep.Sides = append(rep.Sides, exchange.SideReport{Channel: s.spec.Channel, Side: s.spec.Side, Gen: s.spec.Gen, Run: s.run, Stats: st, Total: total})
	}
	if len(rep.Sides) == 0 {
		return
	}
	b, _ := json.Marshal(rep)
	msg := nats.NewMsg(exchange.NodeReportSubject(a.Identity.NodeID))
	msg.Data = b
	if sig, err := a.Sign(b); err == nil {
		msg.Header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	}
	if err := a.nc.PublishMsg(msg); err != nil {
		a.log.Debug("channels: report", "err", err)
	}
}
