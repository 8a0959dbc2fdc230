package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
)

// Apply runs the apply side of a channel until ctx ends (it returns nil) or
// a batch cannot be applied (it returns the error; a *connector.SchemaError
// pauses the channel).
func (e *Engine) Apply(ctx context.Context, ch Channel) error {
	err := e.apply(ctx, ch, false)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Drain applies the batches of a channel until none is pending.
func (e *Engine) Drain(ctx context.Context, ch Channel) error {
	return e.apply(ctx, ch, true)
}

// consumerName is the durable consumer of a channel's applier.
func consumerName(id string) string { return "apply_" + id }

// applier is the apply side of one channel while it runs.
type applier struct {
	e      *Engine
	ch     Channel
	dst    *connector.Source // nil for a platform store (TargetDriver)
	sink   Target
	schema []byte // JSON of the schema sink was opened for
	last   int64  // the target's checkpoint
}

func (e *Engine) apply(ctx context.Context, ch Channel, drain bool) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	if e.o.Link == nil {
		if err := e.setup(ctx); err != nil {
			return err
		}
	} else if err := e.o.Link.validate(); err != nil {
		return err
	}
	// A paused channel runs again when its applier is started again (after
	// the target table was fixed, say); a schema still wrong pauses it anew.
	e.update(ch.ID, func(s *Stats) { s.State, s.Schema = StateRunning, nil })
	cons, err := e.js.CreateOrUpdateConsumer(ctx, e.applyStream(ch.ID), jetstream.ConsumerConfig{
		Durable:       consumerName(ch.ID),
		Description:   "govshare exchange applier of channel " + ch.ID,
		FilterSubject: e.subject(ch.ID),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       e.o.AckWait,
		// One batch in flight: batches apply in sequence order even when one
		// is redelivered, and memory holds one message.
		MaxAckPending: 1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return e.fail(ch.ID, fmt.Errorf("exchange: consumer of channel %q: %w", ch.ID, err))
	}
	var dst *connector.Source
	if ch.Target.Driver != TargetDriver {
		if dst, err = connector.OpenWritable(ctx, ch.Target.Driver, ch.Target.DSN); err != nil {
			return e.fail(ch.ID, err)
		}
		defer dst.Close()
	}
	a := &applier{e: e, ch: ch, dst: dst, last: -1}
	for {
		if err := ctx.Err(); err != nil {
			return e.fail(ch.ID, err)
		}
		wait := time.Second // also how long a cancelled Apply may take to return
		if drain {
			wait = 300 * time.Millisecond
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(wait))
		if err != nil {
			return e.fail(ch.ID, fmt.Errorf("exchange: fetch on channel %q: %w", ch.ID, err))
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			if err := a.handle(ctx, msg); err != nil {
				return e.fail(ch.ID, err)
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, jetstream.ErrNoMessages) {
			if ctx.Err() != nil {
				return e.fail(ch.ID, ctx.Err())
			}
			return e.fail(ch.ID, fmt.Errorf("exchange: fetch on channel %q: %w", ch.ID, err))
		}
		if got == 0 && drain {
			info, err := cons.Info(ctx)
			if err != nil {
				return e.fail(ch.ID, fmt.Errorf("exchange: consumer of channel %q: %w", ch.ID, err))
			}
			if info.NumPending == 0 && info.NumAckPending == 0 {
				e.update(ch.ID, func(s *Stats) { s.State = StateIdle })
				return nil
			}
		}
	}
}

// handle checks, applies and acknowledges one message. It returns an error
// only when the channel must stop; the message is then left for later.
func (a *applier) handle(ctx context.Context, msg jetstream.Msg) error {
	id := a.ch.ID
	b, err := a.verify(msg)
	if err != nil {
		a.e.log.Warn("exchange: batch refused", "channel", id, "error", err)
		a.e.update(id, func(s *Stats) { s.Refused++; s.LastError = err.Error() })
		if err := msg.TermWithReason(err.Error()); err != nil {
			return fmt.Errorf("exchange: channel %q: refuse a batch: %w", id, err)
		}
		return nil
	}
	if err := a.open(ctx, b.Table); err != nil {
		msg.Nak()
		return err
	}
	apply := a.sink.ApplyRange
	if b.Full {
		apply = a.sink.ApplyFull
	}
	applied, err := apply(ctx, id, b.Seq, b.Rows, b.Deletes, b.Range)
	if err != nil {
		msg.NakWithDelay(time.Second)
		return fmt.Errorf("exchange: channel %q: apply batch %d: %w", id, b.Seq, err)
	}
	n := int64(len(b.Rows) + len(b.Deletes))
	// Counted when committed: the ack may still be lost, and the redelivery
	// then counts as Redelivered.
	a.e.update(id, func(s *Stats) {
		if !applied {
			s.Redelivered++
			return
		}
		if a.last >= 0 && b.Seq != a.last+1 {
			s.Gaps++
			s.LastError = fmt.Sprintf("batch %d follows batch %d: %d batches missing", b.Seq, a.last, b.Seq-a.last-1)
		}
		s.Rows += int64(len(b.Rows))
		s.Deletes += int64(len(b.Deletes))
		s.Deliveries += n
		s.Bytes += int64(len(msg.Data()))
		s.Batches++
		s.LastSeq = b.Seq
		s.LastSuccess = time.Now()
	})
	if applied {
		a.last = b.Seq
	}
	if a.e.afterApply != nil && a.e.afterApply(b.Seq, applied) {
		return msg.Nak()
	}
	if err := msg.Ack(); err != nil {
		// Applied already: a redelivery will find it so and ack it then.
		return fmt.Errorf("exchange: channel %q: ack batch %d: %w", id, b.Seq, err)
	}
	return nil
}

// verify checks a message's checksum, then decodes it and checks that its
// payload and its headers agree.
func (a *applier) verify(msg jetstream.Msg) (*Batch, error) {
	h := msg.Headers()
	if got, want := Checksum(msg.Data()), h.Get(hdrChecksum); got != want {
		return nil, fmt.Errorf("checksum %s, the header says %q", got, want)
	}
	if f := h.Get(hdrFormat); f != format {
		return nil, fmt.Errorf("format %q, want %q", f, format)
	}
	data := msg.Data()
	switch enc := h.Get(hdrEncoding); enc {
	case "":
	case encodingS2:
		var err error
		if data, err = decompress(data); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("encoding %q, want %q or none", enc, encodingS2)
	}
	b, err := DecodeBatch(data)
	if err != nil {
		return nil, err
	}
	seq, _ := strconv.ParseInt(h.Get(hdrSeq), 10, 64)
	rows, _ := strconv.Atoi(h.Get(hdrRows))
	dels, _ := strconv.Atoi(h.Get(hdrDeletes))
	if b.Channel != a.ch.ID || h.Get(hdrChannel) != a.ch.ID || b.Seq != seq || seq < 1 || len(b.Rows) != rows || len(b.Deletes) != dels {
		return nil, fmt.Errorf("batch %s/%d of %d rows and %d deletes, the headers say %s/%s of %s and %s",
			b.Channel, b.Seq, len(b.Rows), len(b.Deletes), h.Get(hdrChannel), h.Get(hdrSeq), h.Get(hdrRows), h.Get(hdrDeletes))
	}
	return b, nil
}

// open opens the sink for a schema, again when the schema changes.
func (a *applier) open(ctx context.Context, t connector.Table) error {
	js, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if a.sink != nil && string(js) == string(a.schema) {
		return nil
	}
	var sink Target
	if a.dst == nil {
		sink, err = a.e.openTarget(ctx, a.ch, t)
	} else {
		sink, err = a.dst.OpenSink(ctx, a.ch.Target.Table, t)
	}
	if err != nil {
		return fmt.Errorf("exchange: channel %q: %w", a.ch.ID, err)
	}
	if a.last < 0 {
		if a.last, err = sink.Checkpoint(ctx, a.ch.ID); err != nil {
			return err
		}
	}
	a.sink, a.schema = sink, js
	return nil
}
