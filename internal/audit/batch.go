package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// ErrClosed is returned by Batcher.Record after Close.
var ErrClosed = errors.New("audit: batcher closed")

// Batcher records entries that have no transaction of their own, such as
// data-service calls, by group commit: callers of Record queue up, and one
// goroutine appends up to maxBatch queued entries in one transaction, then
// tells each caller the outcome. Under load a commit carries many entries, so
// the log's head row and the database's commit are paid once per batch
// rather than once per entry; the chain is the same as if each had been
// recorded alone.
type Batcher struct {
	log      *Log
	maxWait  time.Duration
	maxBatch int

	mu      sync.RWMutex // guards closed against sends on queue
	closed  bool
	queue   chan *pending
	stopped chan struct{}

	// Used by run alone.
	stmts      *appendStmts // on SQLite, prepared at the first commit
	unprepared bool         // preparing them failed: not tried again
}

type pending struct {
	ctx  context.Context
	e    Entry
	done chan error
}

// NewBatcher starts a Batcher writing to log. After the first entry of a
// batch it waits at most maxWait for more (none when zero), and commits at
// most maxBatch entries at a time (256 when zero or less). Close it to
// flush the queue and stop its goroutine.
func NewBatcher(log *Log, maxWait time.Duration, maxBatch int) *Batcher {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	b := &Batcher{log: log, maxWait: maxWait, maxBatch: maxBatch,
		queue: make(chan *pending, 4*maxBatch), stopped: make(chan struct{})}
	go b.run()
	return b
}

// Record appends e to the log and returns once it is committed, or with the
// error that kept it out. An entry whose ctx ends while it waits in the queue
// is left out with ctx's error; once its batch has begun, Record waits for
// the commit.
func (b *Batcher) Record(ctx context.Context, e Entry) error {
	if e.Action == "" || e.Outcome == "" {
		return errors.New("audit: entry needs an action and an outcome")
	}
	p := &pending{ctx: ctx, e: e, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	select {
	case b.queue <- p:
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	b.mu.RUnlock()
	return <-p.done
}

// Close commits the entries queued and stops the goroutine. Record fails
// with ErrClosed afterwards.
func (b *Batcher) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	<-b.stopped
	return nil
}

func (b *Batcher) run() {
	defer close(b.stopped)
	defer func() {
		if b.stmts != nil {
			b.stmts.close()
		}
	}()
	batch := make([]*pending, 0, b.maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for first := range b.queue {
		batch = append(batch[:0], first)
		// Take what is queued already, then wait up to maxWait from here
		// for more.
		waiting := false
	gather:
		for len(batch) < b.maxBatch {
			select {
			case p, ok := <-b.queue:
				if !ok {
					break gather
				}
				batch = append(batch, p)
				continue
			default:
			}
			if b.maxWait <= 0 {
				break
			}
			if !waiting {
				timer.Reset(b.maxWait)
				waiting = true
			}
			select {
			case p, ok := <-b.queue:
				if !ok {
					break gather
				}
				batch = append(batch, p)
			case <-timer.C:
				waiting = false
				break gather
			}
		}
		if waiting {
			timer.Stop()
		}
		b.commit(batch)
		clear(batch)
	}
}

// commit appends the live entries of batch in one transaction. If that
// fails, each is tried in a transaction of its own, so that one entry the
// database refuses does not take the others with it.
func (b *Batcher) commit(batch []*pending) {
	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
	}
	if len(live) == 0 {
		return
	}
	ctx := context.Background() // the batch outlives any one caller's context
	es := make([]Entry, len(live))
	for i, p := range live {
		es[i] = p.e
	}
	if b.stmts == nil && !b.unprepared && b.log.db.Dialect == store.SQLite {
		var err error
		if b.stmts, err = prepareAppend(ctx, b.log.db); err != nil {
			b.unprepared = true // the statements parsed per batch work all the same
		}
	}
	err := b.log.db.InTx(ctx, func(tx *store.Tx) error { return b.log.appendAll(ctx, tx, es, b.stmts) })
	if err == nil || len(live) == 1 {
		for _, p := range live {
			p.done <- err
		}
		return
	}
	for _, p := range live {
		p.done <- b.log.db.InTx(ctx, func(tx *store.Tx) error { return b.log.Append(ctx, tx, p.e) })
	}
}

// insertChunk is the number of entries one INSERT statement carries (13
// parameters each, well under every dialect's limit).
const insertChunk = 64

const (
	advanceHead = "UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash"
	insertEntry = "INSERT INTO audit_log (seq, at, actor_id, actor, department_id, department, action, target, outcome, client_addr, detail, prev_hash, hash) VALUES "
	entryValues = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	recordHead  = "UPDATE audit_head SET hash = ? WHERE id = 1"
)

// appendStmts are appendAll's statements prepared once, for a Batcher on
// SQLite: there, parsing the statements of each batch anew costs more than
// running them, and one INSERT per entry costs no round trip.
type appendStmts struct{ advance, insert, head *store.Stmt }

func prepareAppend(ctx context.Context, db *store.DB) (*appendStmts, error) {
	var st appendStmts
	var err error
	if st.advance, err = db.PrepareWrite(ctx, advanceHead); err != nil {
		return nil, err
	}
	if st.insert, err = db.PrepareWrite(ctx, insertEntry+entryValues); err != nil {
		st.close()
		return nil, err
	}
	if st.head, err = db.PrepareWrite(ctx, recordHead); err != nil {
		st.close()
		return nil, err
	}
	return &st, nil
}

func (st *appendStmts) close() {
	for _, s := range []*store.Stmt{st.advance, st.insert, st.head} {
		if s != nil {
			s.Close()
		}
	}
}

// appendAll adds es to the chain inside tx, in order: it advances the head
// once for all of them, inserts them (in multi-row statements, or one by
// one with st's prepared statements when st is not nil) and records the
// last hash in the head. The entries must have an action and an outcome.
func (l *Log) appendAll(ctx context.Context, tx *store.Tx, es []Entry, st *appendStmts) error {
	// The head row serialises appenders: on PostgreSQL the UPDATE locks it
	// until commit; SQLite has a single writer.
	var last int64
	var prev string
	var row *sql.Row
	if st != nil {
		row = tx.QueryRowStmt(ctx, st.advance, len(es))
	} else {
		row = tx.QueryRow(ctx, advanceHead, len(es))
	}
	if err := row.Scan(&last, &prev); err != nil {
		return fmt.Errorf("audit: advance head: %w", err)
	}
	at := l.now().UTC().Truncate(time.Microsecond)
	for i := range es {
		e := &es[i]
		e.Seq = last - int64(len(es)) + int64(i) + 1
		e.At = at
		e.PrevHash = prev
		e.Hash = e.hash(l.key)
		prev = e.Hash
	}
	values := func(e *Entry) []any {
		return []any{e.Seq, store.FormatTime(e.At), nullID(e.ActorID), e.Actor, nullID(e.DepartmentID), e.Department,
			e.Action, e.Target, e.Outcome, e.ClientAddr, e.Detail, e.PrevHash, e.Hash}
	}
	if st != nil {
		for i := range es {
			if _, err := tx.ExecStmt(ctx, st.insert, values(&es[i])...); err != nil {
				return fmt.Errorf("audit: insert: %w", err)
			}
		}
		if _, err := tx.ExecStmt(ctx, st.head, prev); err != nil {
			return fmt.Errorf("audit: update head: %w", err)
		}
		return nil
	}
	for start := 0; start < len(es); start += insertChunk {
		chunk := es[start:min(start+insertChunk, len(es))]
		var q strings.Builder
		q.WriteString(insertEntry)
		args := make([]any, 0, 13*len(chunk))
		for i := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(entryValues)
			args = append(args, values(&chunk[i])...)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("audit: insert: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, recordHead, prev); err != nil {
		return fmt.Errorf("audit: update head: %w", err)
	}
	return nil
}
