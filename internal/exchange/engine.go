package exchange

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
)

// Options configure an Engine. The zero value is usable.
type Options struct {
	Stream     string        // the exchange's stream; default "GOVSHARE_EXCHANGE"
	Subject    string        // subject prefix, one subject per channel below it; default "govshare.exchange"
	Bucket     string        // KV bucket of the extractors' state; default "govshare_exchange"
	MaxAge     time.Duration // how long the stream keeps a batch; default 7 days
	Duplicates time.Duration // de-duplication window (one message ID per batch); default 10 minutes
	MaxBytes   int           // most payload bytes in one message; default the server's max payload less 16 KiB
	AckWait    time.Duration // before an unacknowledged batch is redelivered; default 30s
	Poll       time.Duration // between extract passes in Run; default 5s
	// LateWindow is how long a source transaction may take between writing
	// a watermark and committing: each incremental pass reads again from that
	// long before the highest watermark of the pass before it, so that rows
	// committed late are not skipped (datetime watermarks); default 30s,
	// negative turns it off.
	LateWindow time.Duration
	Logger     *slog.Logger

	// Link, when set, runs the channels across JetStream domains (provider
	// node, hub, consumer node) instead of through one stream; see Link.
	Link *Link

	// Quarantine, when set, receives the rows that fail their channel's
	// Rules or their column's type; the extractor checks rows only when
	// there is one. A channel with Rules and no Quarantine does not run.
	Quarantine Quarantine

	// Targets are the platform stores a channel may apply to, by the name
	// its target DSN gives with driver TargetDriver (see Target).
	Targets map[string]OpenTarget

	// NoCompression sends payloads as plain gsb1 instead of S2 blocks.
	NoCompression bool

	// Sources keeps the extract passes' datasources open between passes;
	// default one of the engine's own, which Engine.Close closes.
	Sources *Sources

	// Replicas is how many copies the platform's JetStream keeps of the
	// streams and buckets this engine creates in its own domain (the hub's
	// when the platform's replicas form a cluster); default 1. The streams it
	// creates on nodes (Route) always have one.
	Replicas int
}

// Channel states in Stats.
const (
	StateIdle    = "idle"
	StateRunning = "running"
	StatePaused  = "paused" // the target cannot hold the schema; see Stats.Schema
	StateFailed  = "failed" // stopped on an error; see Stats.LastError
)

// Stats are the statistics of one channel since the Engine started.
type Stats struct {
	State       string
	Published   int64 // batches the extractor published (duplicates included)
	PubDupes    int64 // of which JetStream found the message ID already stored
	Rows        int64 // rows upserted by the batches applied
	Deletes     int64 // deletes applied
	Bytes       int64 // payload bytes of the batches applied
	Batches     int64 // batches applied
	Deliveries  int64 // 交换条次: Rows + Deletes
	Redelivered int64 // batches received again after they were applied, left as they were
	Refused     int64 // batches whose checksum or encoding was wrong: terminated, never applied
	Gaps        int64 // times a batch's sequence skipped over missing ones
	LastSeq     int64 // sequence of the last batch applied
	PubSeq      int64 // sequence of the last batch published (extract side)
	Quarantined int64 // rows that failed the channel's rules and went to quarantine instead
	LastSuccess time.Time
	LastError   string
	Schema      *connector.SchemaError // what the target cannot hold, when paused
}

// Engine runs channels: the extract side and the apply side, which talk
// only through the bus. Its methods are safe for concurrent use on
// different channels; run each channel in one place at a time.
type Engine struct {
	js         jetstream.JetStream
	o          Options
	ownSources bool
	log        *slog.Logger
	prefix     string // of the channels' subjects

	setupMu sync.Mutex
	ready   bool
	stream  jetstream.Stream
	kv      jetstream.KeyValue

	mu         sync.Mutex
	stats      map[string]*Stats
	extracting map[string]chan struct{} // one extract pass or retry at a time per channel in this process
	recent     map[string]*recentRows   // per channel: rows sent lately, as the late-commit reading meets them again

	// test hooks
	afterPublish func(seq int64)                    // after a batch is published and the state saved
	afterApply   func(seq int64, applied bool) bool // after Sink.Apply; true naks the message instead of acking it
}

// New returns an engine on a JetStream context. It does no I/O: the stream
// and the bucket are created on first use.
func New(js jetstream.JetStream, o Options) *Engine {
	if o.Stream == "" {
		o.Stream = "GOVSHARE_EXCHANGE"
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.Bucket == "" {
		o.Bucket = "govshare_exchange"
	}
	if o.MaxAge == 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	if o.Duplicates == 0 {
		o.Duplicates = 10 * time.Minute
	}
	if o.AckWait == 0 {
		o.AckWait = 30 * time.Second
	}
	if o.Poll == 0 {
		o.Poll = 5 * time.Second
	}
	if o.LateWindow == 0 {
		o.LateWindow = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	own := o.Sources == nil
	if own {
		o.Sources = &Sources{}
	}
	prefix := o.Subject
	if o.Link != nil {
		l := *o.Link
		if l.Hub == "" {
			l.Hub = "hub"
		}
		o.Link = &l
		prefix += "." + l.Provider
		o.Bucket += "_" + l.Provider
	}
	return &Engine{js: js, o: o, ownSources: own, log: o.Logger, prefix: prefix, stats: map[string]*Stats{}, extracting: map[string]chan struct{}{}, recent: map[string]*recentRows{}}
}

// Close closes the datasources the engine kept open for its extract passes,
// unless they are shared (Options.Sources). The engine stays usable.
func (e *Engine) Close() error {
	if e.ownSources {
		return e.o.Sources.Close()
	}
	return nil
}

func (e *Engine) subject(id string) string { return e.prefix + "." + id }

// lockExtract is taken by an extract pass or a retry of a channel, so that
// the two take turns in this process instead of clashing on the state's
// compare-and-set (which still guards against another process). It answers
// the unlock, or ctx's error when ctx ends first, or ErrExtractBusy after
// wait (when it is not 0).
func (e *Engine) lockExtract(ctx context.Context, id string, wait time.Duration) (func(), error) {
	e.mu.Lock()
	l := e.extracting[id]
	if l == nil {
		l = make(chan struct{}, 1)
		e.extracting[id] = l
	}
	e.mu.Unlock()
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case l <- struct{}{}:
		return func() { <-l }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timeout:
		return nil, fmt.Errorf("exchange: channel %q: %w", id, ErrExtractBusy)
	}
}

// ErrExtractBusy answers a retry that waited too long for the channel's
// running extract pass (a long full sync) to end.
var ErrExtractBusy = errors.New("an extract pass is running; try again when it has ended")

// setup creates or updates the stream and the bucket.
func (e *Engine) setup(ctx context.Context) error {
	e.setupMu.Lock()
	defer e.setupMu.Unlock()
	if e.ready {
		return nil
	}
	if e.o.Link != nil {
		if err := e.o.Link.validate(); err != nil {
			return err
		}
	}
	s, err := e.js.CreateOrUpdateStream(ctx, e.providerStreamConfig(e.o.Replicas))
	if err != nil {
		return fmt.Errorf("exchange: stream %s: %w", e.o.Stream, err)
	}
	kv, err := e.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      e.o.Bucket,
		Description: "govshare exchange: extractor state per channel",
		Storage:     jetstream.FileStorage,
		History:     1,
		Replicas:    e.o.Replicas,
	})
	if err != nil {
		return fmt.Errorf("exchange: bucket %s: %w", e.o.Bucket, err)
	}
	if e.o.MaxBytes <= 0 {
		e.o.MaxBytes = 1<<20 - 16<<10
		if c, ok := e.js.(interface{ Conn() *nats.Conn }); ok && c.Conn() != nil && c.Conn().MaxPayload() > 0 {
			e.o.MaxBytes = int(c.Conn().MaxPayload()) - 16<<10
		}
	}
	e.stream, e.kv, e.ready = s, kv, true
	return nil
}

// Stats returns a copy of a channel's statistics.
func (e *Engine) Stats(id string) Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st, ok := e.stats[id]; ok {
		return *st
	}
	return Stats{State: StateIdle}
}

func (e *Engine) update(id string, f func(*Stats)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.stats[id]
	if !ok {
		st = &Stats{State: StateIdle}
		e.stats[id] = st
	}
	f(st)
}

// fail records an error on a channel and returns it.
func (e *Engine) fail(id string, err error) error {
	var se *connector.SchemaError
	e.update(id, func(s *Stats) {
		s.LastError = err.Error()
		switch {
		case errors.As(err, &se):
			s.State, s.Schema = StatePaused, se
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			s.State = StateIdle
		default:
			s.State = StateFailed
		}
	})
	return err
}

// errOneSide is the error of Sync and Run on an Engine with a Link, which
// runs one side of a channel.
var errOneSide = errors.New("exchange: with a Link, the provider node runs Extract and the consumer node runs Apply; Sync and Run need both sides on one stream")

// Sync runs one extract pass and then applies batches until none is
// pending: when it returns nil, the target holds what the source held when
// the pass read it.
func (e *Engine) Sync(ctx context.Context, ch Channel) error {
	if e.o.Link != nil {
		return errOneSide
	}
	if err := e.Extract(ctx, ch); err != nil {
		return err
	}
	return e.apply(ctx, ch, true)
}

// Run follows a channel: an extract pass every Options.Poll (once, for mode
// Full), and the applier all along, until ctx ends (Run returns nil) or
// either side stops on an error (Run returns it; a *connector.SchemaError
// means the channel is paused).
func (e *Engine) Run(ctx context.Context, ch Channel) error {
	if e.o.Link != nil {
		return errOneSide
	}
	if err := ch.Validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := e.apply(ctx, ch, false); err != nil && ctx.Err() == nil {
			cancel(err)
		}
	}()
	for {
		if err := e.Extract(ctx, ch); err != nil && ctx.Err() == nil {
			cancel(err)
		}
		if ch.Mode == Full {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(e.o.Poll):
			continue
		}
		break
	}
	<-ctx.Done()
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
