package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
)

// TestSync copies 20,000 rows between databases with a full pass, then
// follows inserts, updates and soft deletes that share one update time
// across batch boundaries.
func TestSync(t *testing.T) {
	const n = 20000
	var pairs [][2]string
	for _, from := range []string{connector.Postgres, connector.MySQL, connector.SQLite} {
		for _, to := range []string{connector.MySQL, connector.SQLite, connector.Postgres} {
			pairs = append(pairs, [2]string{from, to})
		}
	}
	js := newBus(t).JS
	for _, p := range pairs {
		t.Run(p[0]+"→"+p[1], func(t *testing.T) {
			ctx := context.Background()
			src, dst := newBackend(t, p[0], "source"), newBackend(t, p[1], "target")
			fixture(t, src, n)
			ch := channel("sync-"+p[0]+"-"+p[1], src, dst, 1000)
			e := New(js, Options{})

			start := time.Now()
			if err := e.Sync(ctx, ch); err != nil {
				t.Fatalf("Sync (full): %v", err)
			}
			took := time.Since(start)
			t.Logf("%s→%s: %d rows in %v: %.0f rows/s", p[0], p[1], n, took.Round(time.Millisecond), n/took.Seconds())
			live := sameAsSource(t, ch, "after the full pass")
			st := e.Stats(ch.ID)
			// The pass ends with the first incremental read, which takes the 50
			// rows at the watermark the full pass began with once more.
			if got, want := st.Deliveries, int64(n+50); got != want {
				t.Errorf("Deliveries = %d, want %d", got, want)
			}
			if got, want := st.Deletes, int64(n)-live; got != want {
				t.Errorf("Deletes = %d, want %d (the soft-deleted rows)", got, want)
			}
			if st.Refused != 0 || st.Gaps != 0 || st.State != StateIdle || st.LastSuccess.IsZero() {
				t.Errorf("Stats = %+v, want no refusals or gaps, idle, a last success", st)
			}

			// Changes that share one update time, read two at a time so that
			// batch boundaries fall inside the tie: three inserts, an update and
			// a soft delete at T, an update at T of a row read in the full pass.
			const g = n/50 + 10
			src.exec(t, `INSERT INTO {人口} VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)`,
				n+2, "新甲", "1.00", nil, stamp(g), false,
				n+1, "新乙", "2.50", "备注", stamp(g), false,
				-5, "新丙", "-3.10", "", stamp(g), false)
			src.exec(t, `UPDATE {人口} SET {姓名} = ?, {金额} = ?, {更新} = ? WHERE {编号} = ?`, "改名", "99.99", stamp(g), 10)
			src.exec(t, `UPDATE {人口} SET {删除} = [true|1|1], {更新} = ? WHERE {编号} = ?`, stamp(g), 11)
			src.exec(t, `UPDATE {人口} SET {备注} = NULL, {更新} = ? WHERE {编号} = ?`, stamp(g), 12)
			ch.BatchSize = 2
			before := e.Stats(ch.ID)
			if err := e.Sync(ctx, ch); err != nil {
				t.Fatalf("Sync (incremental): %v", err)
			}
			sameAsSource(t, ch, "after the incremental pass")
			after := e.Stats(ch.ID)
			if got, want := after.Deliveries-before.Deliveries, int64(6); got != want {
				t.Errorf("incremental Deliveries = %d, want %d", got, want)
			}
			if got, want := after.Deletes-before.Deletes, int64(1); got != want {
				t.Errorf("incremental Deletes = %d, want %d", got, want)
			}

			// Nothing changed: nothing is sent.
			before = after
			if err := e.Sync(ctx, ch); err != nil {
				t.Fatalf("Sync (idle): %v", err)
			}
			if after := e.Stats(ch.ID); after.Published != before.Published {
				t.Errorf("an idle pass published %d batches, want 0", after.Published-before.Published)
			}
		})
	}
}

// lastMsg returns the stream's message with the given sequence.
func streamMsg(t *testing.T, e *Engine, seq uint64) *jetstream.RawStreamMsg {
	t.Helper()
	m, err := e.stream.GetMsg(context.Background(), seq)
	if err != nil {
		t.Fatalf("GetMsg(%d): %v", seq, err)
	}
	return m
}

func streamCount(t *testing.T, e *Engine) uint64 {
	t.Helper()
	info, err := e.stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func republish(t *testing.T, js jetstream.JetStream, m *jetstream.RawStreamMsg, msgID string, data []byte) *jetstream.PubAck {
	t.Helper()
	msg := &nats.Msg{Subject: m.Subject, Header: nats.Header{}, Data: data}
	for k, v := range m.Header {
		msg.Header[k] = slices.Clone(v)
	}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	ack, err := js.PublishMsg(context.Background(), msg)
	if err != nil {
		t.Fatalf("republish: %v", err)
	}
	return ack
}

// TestExactlyOnce redelivers a batch after it was applied, replays an
// extractor that lost its saved state, and republishes a batch with its own
// and with a new message ID: the target never changes and each row counts
// once.
func TestExactlyOnce(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	fixture(t, src, 500)
	ch := channel("once", src, dst, 50)
	e := New(js, Options{})
	naked := false
	e.afterApply = func(seq int64, applied bool) bool {
		if seq == 3 && applied && !naked {
			naked = true
			return true // as if the process died between the commit and the ack
		}
		return false
	}
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	sameAsSource(t, ch, "after the sync")
	st := e.Stats(ch.ID)
	if !naked || st.Redelivered != 1 || st.Deliveries != 550 || st.Batches != 11 {
		t.Fatalf("after a nak: Stats = %+v, want 1 redelivered, 550 deliveries in 11 batches (10 full, 1 incremental)", st)
	}

	// The extractor saved the state of batch 5 and then died; the stream's
	// last batch is 10. It resumes after 10, publishing nothing new.
	msgs := streamCount(t, e)
	var st5 state
	if err := jsonUnmarshal(streamMsg(t, e, 5).Header.Get(hdrState), &st5); err != nil {
		t.Fatal(err)
	}
	if _, err := e.kv.Put(ctx, ch.ID, mustJSON(t, st5)); err != nil {
		t.Fatal(err)
	}
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if got := e.Stats(ch.ID); got.Published != st.Published || streamCount(t, e) != msgs || got.Deliveries != 550 {
		t.Errorf("after a lost state: published %d more, stream %d more, deliveries %d; want none, none, 550",
			got.Published-st.Published, streamCount(t, e)-msgs, got.Deliveries)
	}

	// Republished with the same message ID: JetStream drops it.
	m4 := streamMsg(t, e, 4)
	if ack := republish(t, js, m4, "once:4", m4.Data); !ack.Duplicate {
		t.Errorf("republish with the same ID: PubAck.Duplicate = false, want true")
	}
	if got := streamCount(t, e); got != msgs {
		t.Errorf("stream holds %d messages after a duplicate, want %d", got, msgs)
	}
	// Republished with another ID (after the de-duplication window, say):
	// stored, delivered, and left as it was by the sink.
	if ack := republish(t, js, m4, "once:4:again", m4.Data); ack.Duplicate {
		t.Errorf("republish with a new ID: PubAck.Duplicate = true, want false")
	}
	if err := e.Drain(ctx, ch); err != nil {
		t.Fatal(err)
	}
	got := e.Stats(ch.ID)
	if got.Redelivered != 2 || got.Deliveries != 550 || got.Batches != 11 {
		t.Errorf("after a republish: Stats = %+v, want 2 redelivered, 550 deliveries in 11 batches", got)
	}
	sameAsSource(t, ch, "after the republish")
}

// TestRefused sends a batch whose payload does not match its checksum and
// one whose payload matches but does not decode: both are refused and
// counted, and the batches after them apply.
func TestRefused(t *testing.T) {
	ctx := context.Background()
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	fixture(t, src, 300)
	ch := channel("refused", src, dst, 100)
	e := New(js, Options{})
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	// Claim the next sequence, so a batch that slipped through would take it.
	m := streamMsg(t, e, 1)
	next := fmt.Sprint(e.Stats(ch.ID).LastSeq + 1)
	m.Header.Set(hdrSeq, next)
	bad := slices.Clone(m.Data)
	bad[len(bad)/2] ^= 0xff
	republish(t, js, m, "refused:bad-checksum", bad)
	garbage := []byte("GSB1 not a batch")
	m.Header.Set(hdrChecksum, Checksum(garbage))
	republish(t, js, m, "refused:garbage", garbage)

	src.exec(t, `UPDATE {人口} SET {姓名} = ?, {更新} = ? WHERE {编号} < ?`, "改", stamp(99), 20)
	if err := e.Sync(ctx, ch); err != nil {
		t.Fatal(err)
	}
	sameAsSource(t, ch, "after refusals")
	if st := e.Stats(ch.ID); st.Refused != 2 || st.Gaps != 0 || st.LastError == "" {
		t.Errorf("Stats = %+v, want 2 refused, no gaps, the last error", st)
	}
}

// TestRestart stops the extractor and then the applier in the middle of a
// pass; engines started again finish the copy without repeating a batch.
func TestRestart(t *testing.T) {
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	fixture(t, src, 1000)
	ch := channel("restart", src, dst, 100)

	ctx, cancel := context.WithCancel(context.Background())
	e1 := New(js, Options{})
	e1.afterPublish = func(seq int64) {
		if seq == 3 {
			cancel()
		}
	}
	if err := e1.Sync(ctx, ch); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync stopped after batch 3 = %v, want context.Canceled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	e2 := New(js, Options{})
	e2.afterApply = func(seq int64, applied bool) bool {
		if seq == 6 {
			cancel()
		}
		return false
	}
	if err := e2.Sync(ctx, ch); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync stopped after applying batch 6 = %v, want context.Canceled", err)
	}
	cancel()

	e3 := New(js, Options{})
	if err := e3.Sync(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	sameAsSource(t, ch, "after two restarts")
	p1, p2, p3 := e1.Stats(ch.ID).Published, e2.Stats(ch.ID).Published, e3.Stats(ch.ID).Published
	a2, a3 := e2.Stats(ch.ID).Batches, e3.Stats(ch.ID).Batches
	// 10 batches of the full pass and 1 of the first incremental pass.
	if p1+p2+p3 != 11 || a2+a3 != 11 {
		t.Errorf("published %d+%d+%d and applied %d+%d batches, want 11 of each", p1, p2, p3, a2, a3)
	}
}

// TestSchemaPause pauses a channel whose target table lacks a column.
func TestSchemaPause(t *testing.T) {
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	fixture(t, src, 10)
	dst.exec(t, `CREATE TABLE {人口_副本} ({编号} INTEGER NOT NULL PRIMARY KEY, {姓名} VARCHAR(64))`)
	ch := channel("paused", src, dst, 100)
	e := New(js, Options{})
	err := e.Sync(context.Background(), ch)
	var se *connector.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("Sync = %v, want a *connector.SchemaError", err)
	}
	st := e.Stats(ch.ID)
	if st.State != StatePaused || st.Schema == nil || !slices.Contains(st.Schema.Columns(), "金额") || st.Batches != 0 {
		t.Errorf("Stats = %+v, want paused on the missing column 金额, nothing applied", st)
	}
}

// TestRun follows a source until the context ends.
func TestRun(t *testing.T) {
	js := newBus(t).JS
	src, dst := newBackend(t, connector.SQLite, "source"), newBackend(t, connector.SQLite, "target")
	fixture(t, src, 200)
	ch := channel("run", src, dst, 50)
	e := New(js, Options{Poll: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, ch) }()
	wait := func(deliveries int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); e.Stats(ch.ID).Deliveries < deliveries; {
			if time.Now().After(deadline) {
				t.Fatalf("Stats = %+v, want %d deliveries within 10s", e.Stats(ch.ID), deliveries)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait(200 + 50)
	src.exec(t, `UPDATE {人口} SET {姓名} = ?, {更新} = ? WHERE {编号} < ?`, "改", stamp(99), 5)
	wait(200 + 50 + 5)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after the context ends", err)
	}
	sameAsSource(t, ch, "while running")
}

// TestFullDeletes runs full passes of a Full channel: rows deleted at the
// source (the first, a span across batches, the last) and rows the target
// holds that the source never had (before the first key and after the
// last) are gone from the target after the next pass. One pair per target
// dialect.
func TestFullDeletes(t *testing.T) {
	const n = 2000
	js := newBus(t).JS
	for _, p := range [][2]string{{connector.Postgres, connector.MySQL}, {connector.MySQL, connector.SQLite}, {connector.SQLite, connector.Postgres}} {
		t.Run(p[0]+"→"+p[1], func(t *testing.T) {
			ctx := context.Background()
			src, dst := newBackend(t, p[0], "source"), newBackend(t, p[1], "target")
			fixture(t, src, n)
			ch := channel("full-"+p[0]+"-"+p[1], src, dst, 100)
			ch.Mode, ch.Watermark = Full, ""
			e := New(js, Options{})
			// n is a multiple of the batch size: the pass ends with an empty
			// batch that closes the range.
			if err := e.Sync(ctx, ch); err != nil {
				t.Fatal(err)
			}
			sameAsSource(t, ch, "after the first pass")
			first := e.Stats(ch.ID)

			src.exec(t, `DELETE FROM {人口} WHERE {编号} = 0 OR ({编号} >= 550 AND {编号} < 760) OR {编号} >= ?`, n-10)
			src.exec(t, `UPDATE {人口} SET {姓名} = ? WHERE {编号} = ?`, "改", 100)
			src.exec(t, `INSERT INTO {人口} VALUES (?, ?, ?, ?, ?, ?)`, n+5, "新", "1.00", nil, stamp(1), false)
			dst.exec(t, `INSERT INTO {人口_副本} VALUES (?, ?, ?, ?, ?, ?)`, -100, "多余", "1.00", nil, stamp(1), false)
			dst.exec(t, `INSERT INTO {人口_副本} VALUES (?, ?, ?, ?, ?, ?)`, n+1000, "多余", "1.00", nil, stamp(1), false)
			if err := e.Sync(ctx, ch); err != nil {
				t.Fatal(err)
			}
			sameAsSource(t, ch, "after a second pass")
			if st := e.Stats(ch.ID); st.Batches-first.Batches != 18 || st.Refused != 0 || st.Gaps != 0 {
				t.Errorf("second pass: %d batches (Stats %+v), want 18 (1780 rows by 100), nothing refused or missing", st.Batches-first.Batches, st)
			}
		})
	}
}
