package ledger

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// Options tune a Log; the zero value is usable.
type Options struct {
	Interval time.Duration // between checkpoints when the tree grew; default 1 s
	MaxBatch int           // records in one append transaction; default 4096
	Logger   *slog.Logger
	// Witnesses are the witnesses whose cosignatures the log accepts.
	Witnesses []WitnessKey
	// Audit, when set, records the split views witnesses raise.
	Audit *audit.Log
}

// Within runs inside an append's transaction, after the leaves are written,
// with the index of the caller's first record: the caller's own rows (an
// audit entry, an event) commit or roll back with its leaves.
type Within func(ctx context.Context, tx *store.Tx, first uint64) error

// Log is the evidence ledger stored in the platform's database.
type Log struct {
	db      *store.DB
	signer  *Signer
	opts    Options
	tiles   *tileCache
	lockKey int64

	queue   chan *pending
	mu      sync.RWMutex // guards closed and the send on queue
	closed  bool
	stopped chan struct{}
	tree    *tree // owned by the sequencer goroutine
	now     func() time.Time

	grown chan struct{} // the tree grew since the last checkpoint

	commits, appended atomic.Uint64
	latest            atomic.Pointer[Checkpoint] // the latest checkpoint seen
}

// Stats returns how many append transactions committed and how many
// records they held.
func (l *Log) Stats() (commits, records uint64) { return l.commits.Load(), l.appended.Load() }

type pending struct {
	ctx    context.Context
	recs   []Record
	within Within
	first  uint64
	done   chan error
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("ledger: closed")

// New returns the ledger stored in db, whose checkpoints signer signs.
// It does no I/O; Start starts its sequencer.
func New(db *store.DB, signer *Signer, opts Options) *Log {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Log{db: db, signer: signer, opts: opts, tiles: newTileCache(2048), lockKey: 7418880011,
		queue: make(chan *pending, 8192), stopped: make(chan struct{}), now: time.Now, grown: make(chan struct{}, 1)}
}

// Origin is the checkpoints' origin line, naming the platform's log.
func (l *Log) Origin() string { return l.signer.Origin() }

// VerifierKeys are the public keys that check the checkpoints.
func (l *Log) VerifierKeys() []string { return l.signer.VerifierKeys() }

// Start starts the sequencer; Close stops it.
func (l *Log) Start() { go l.sequence() }

// Close commits what is queued and stops the sequencer.
func (l *Log) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	<-l.stopped
}

// Append logs recs and returns the index of the first once their leaves
// are durable (recs take consecutive indexes). within, when not nil, runs in
// the same transaction. Records need a kind and a hash (ParseKind,
// ParseHash); a zero At takes the time of the append.
func (l *Log) Append(ctx context.Context, recs []Record, within Within) (uint64, error) {
	if len(recs) == 0 {
		return 0, errors.New("ledger: nothing to append")
	}
	for i := range recs {
		if _, err := ParseKind(recs[i].Kind); err != nil {
			return 0, err
		}
		h, err := ParseHash(recs[i].Hash)
		if err != nil {
			return 0, err
		}
		recs[i].Hash = h
		if recs[i].At.IsZero() {
			recs[i].At = l.now()
		}
	}
	p := &pending{ctx: ctx, recs: recs, within: within, done: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return 0, ErrClosed
	}
	select {
	case l.queue <- p:
	case <-ctx.Done():
		l.mu.RUnlock()
		return 0, ctx.Err()
	}
	l.mu.RUnlock()
	err := <-p.done
	return p.first, err
}

func (l *Log) sequence() {
	defer close(l.stopped)
	batch := make([]*pending, 0, 64)
	for first := range l.queue {
		batch = append(batch[:0], first)
		n := len(first.recs)
	gather:
		for n < l.opts.MaxBatch {
			select {
			case p, ok := <-l.queue:
				if !ok {
					break gather
				}
				batch = append(batch, p)
				n += len(p.recs)
			default:
				break gather
			}
		}
		l.commit(batch)
	}
}

// commit appends a batch in one transaction. When a caller's Within fails,
// the batch is retried without it, so one caller's failure is its own.
func (l *Log) commit(batch []*pending) {
	live := batch[:0:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
	}
	for len(live) > 0 {
		failed, err := l.commitOnce(live)
		if failed != nil {
			failed.done <- err
			live = removePending(live, failed)
			continue
		}
		for _, p := range live {
			p.done <- err
		}
		if err == nil {
			select {
			case l.grown <- struct{}{}:
			default:
			}
		}
		return
	}
}

func removePending(ps []*pending, p *pending) []*pending {
	out := ps[:0:0]
	for _, q := range ps {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// withinError marks the failure of one caller's Within.
type withinError struct {
	p   *pending
	err error
}

func (e *withinError) Error() string { return e.err.Error() }

func (l *Log) commitOnce(batch []*pending) (*pending, error) {
	ctx := context.Background()
	var next *tree
	var h0 uint64
	err := l.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Lock(ctx, l.lockKey); err != nil {
			return err
		}
		h, err := readHead(ctx, tx)
		if err != nil {
			return err
		}
		t := l.tree
		if t == nil || t.rng.End() != h.Size || !bytes.Equal(l.rootOf(t), h.Root) {
			// First append, or another process (a replica) appended.
			if t, err = loadTree(ctx, &tileReader{q: tx}, h.Size); err != nil {
				return err
			}
			if !bytes.Equal(l.rootOf(t), h.Root) {
				return fmt.Errorf("ledger: the stored tiles do not give the stored root at size %d", h.Size)
			}
		}
		next, h0 = t.clone(), h.Size
		var recs []Record
		for _, p := range batch {
			p.first = h.Size + uint64(len(recs))
			recs = append(recs, p.recs...)
		}
		leaves := make([][]byte, len(recs))
		for i, r := range recs {
			leaves[i] = r.LeafHash()
		}
		touched, err := next.append(leaves)
		if err != nil {
			return err
		}
		if err := writeLeaves(ctx, tx, h.Size, recs, leaves); err != nil {
			return err
		}
		if err := writeTiles(ctx, tx, touched); err != nil {
			return err
		}
		root := l.rootOf(next)
		if _, err := tx.Exec(ctx, "UPDATE ledger_head SET size = ?, root = ? WHERE id = 1", int64(next.rng.End()), hex.EncodeToString(root)); err != nil {
			return fmt.Errorf("ledger: update head: %w", err)
		}
		for _, p := range batch {
			if p.within == nil {
				continue
			}
			if err := p.within(p.ctx, tx, p.first); err != nil {
				return &withinError{p, err}
			}
		}
		return nil
	})
	if we := (*withinError)(nil); errors.As(err, &we) {
		return we.p, we.err
	}
	if err != nil {
		l.tree = nil // reload from the database next time
		return nil, err
	}
	l.tree = next
	l.commits.Add(1)
	l.appended.Add(next.rng.End() - h0)
	return nil, nil
}

func (l *Log) rootOf(t *tree) []byte {
	if t.rng.End() == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	r, _ := t.rng.GetRootHash(nil)
	return r
}

// Run publishes checkpoints until ctx ends: at start when none covers the
// stored tree, then every interval when the tree grew.
func (l *Log) Run(ctx context.Context) {
	if _, err := l.Publish(ctx); err != nil && ctx.Err() == nil {
		l.opts.Logger.Warn("ledger checkpoint", "err", err)
	}
	t := time.NewTicker(l.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		select {
		case <-l.grown:
		default:
			continue
		}
		if _, err := l.Publish(ctx); err != nil && ctx.Err() == nil {
			l.opts.Logger.Warn("ledger checkpoint", "err", err)
		}
	}
}

// Checkpoint is a signed tree head.
type Checkpoint struct {
	Size uint64    `json:"size"`
	Root []byte    `json:"root"`
	Note string    `json:"note" doc:"The C2SP tlog-checkpoint signed note"`
	At   time.Time `json:"at"`
}

// Publish signs and stores a checkpoint of the stored tree unless the
// latest checkpoint has its size already, and returns the latest.
func (l *Log) Publish(ctx context.Context) (Checkpoint, error) {
	h, err := readHead(ctx, l.db)
	if err != nil {
		return Checkpoint{}, err
	}
	last, err := l.Latest(ctx)
	if err == nil && last.Size >= h.Size {
		return last, nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Checkpoint{}, err
	}
	note, err := l.signer.Sign(h.Size, h.Root)
	if err != nil {
		return Checkpoint{}, err
	}
	cp := Checkpoint{Size: h.Size, Root: h.Root, Note: note, At: l.now().UTC()}
	err = l.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO ledger_checkpoints (size, root, note, at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING",
			int64(cp.Size), hex.EncodeToString(cp.Root), cp.Note, store.FormatTime(cp.At))
		return err
	})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: store checkpoint: %w", err)
	}
	return l.Latest(ctx)
}

// Latest returns the latest published checkpoint.
func (l *Log) Latest(ctx context.Context) (Checkpoint, error) {
	var size int64
	var root, note, at string
	err := l.db.QueryRow(ctx, "SELECT size, root, note, at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1").Scan(&size, &root, &note, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, errs.New(errs.NotFound, msgNoCheckpoint)
	}
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger: read checkpoint: %w", err)
	}
	cp := Checkpoint{Size: uint64(size), Note: note}
	cp.Root, _ = hex.DecodeString(root)
	cp.At, _ = store.ParseTime(at)
	l.latest.Store(&cp)
	return cp, nil
}

// Size returns the stored tree's size (which the latest checkpoint may not
// cover yet).
func (l *Log) Size(ctx context.Context) (uint64, error) {
	h, err := readHead(ctx, l.db)
	return h.Size, err
}

func (l *Log) reader() *tileReader { return &tileReader{q: l.db, cache: l.tiles} }

// published returns a checkpoint at least as large as want (0: the
// latest), reading the database only when the one seen last is smaller;
// without any, a checkpoint of size 0.
func (l *Log) published(ctx context.Context, want uint64) (Checkpoint, error) {
	if cp := l.latest.Load(); cp != nil && want != 0 && cp.Size >= want {
		return *cp, nil
	}
	cp, err := l.Latest(ctx)
	if errs.Is(err, errs.NotFound) {
		return Checkpoint{Root: rfc6962.DefaultHasher.EmptyRoot()}, nil
	}
	return cp, err
}

// rootAt is the root at size: the checkpoint's when it has that size.
func rootAt(ctx context.Context, r *tileReader, cp Checkpoint, size uint64) ([]byte, error) {
	if size == cp.Size && len(cp.Root) == HashSize {
		return cp.Root, nil
	}
	return r.rootAt(ctx, size)
}

// Lookup returns the index of the first leaf with leafHash below size.
func (l *Log) Lookup(ctx context.Context, leafHash []byte, size uint64) (uint64, Record, error) {
	return l.lookup(ctx, leafHash, size, nil)
}

// lookup is Lookup; given a reader, it also reads the bottom tile holding
// the leaf into it, in the same query (an inclusion proof needs that tile,
// and one round trip fewer is most of a proof's time on PostgreSQL).
func (l *Log) lookup(ctx context.Context, leafHash []byte, size uint64, r *tileReader) (uint64, Record, error) {
	var idx int64
	var rec Record
	var at string
	var tile []byte
	q := "SELECT idx, kind, record_hash, at, ref FROM ledger_leaves WHERE leaf_key = ? AND leaf_hash = ? AND idx < ? ORDER BY idx LIMIT 1"
	dest := []any{&idx, &rec.Kind, &rec.Hash, &at, &rec.Ref}
	if r != nil {
		q = "SELECT l.idx, l.kind, l.record_hash, l.at, l.ref, t.hashes FROM ledger_leaves l" +
			" LEFT JOIN ledger_tiles t ON t.level = 0 AND t.idx = l.idx / " + strconv.Itoa(TileWidth) +
			" WHERE l.leaf_key = ? AND l.leaf_hash = ? AND l.idx < ? ORDER BY l.idx LIMIT 1"
		dest = append(dest, &tile)
	}
	err := l.db.QueryRow(ctx, q, leafKey(leafHash), leafHash, int64(size)).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, Record{}, errs.FieldMsg("hash", msgLeafUnknown, size)
	}
	if err != nil {
		return 0, Record{}, fmt.Errorf("ledger: look up leaf: %w", err)
	}
	if len(tile) > 0 {
		r.remember(tileKey{0, uint64(idx) / TileWidth}, tile)
	}
	rec.At, _ = store.ParseTime(at)
	return uint64(idx), rec, nil
}

// Leaf returns the record at index.
func (l *Log) Leaf(ctx context.Context, index uint64) (Record, error) {
	var r Record
	var at string
	var dept sql.NullInt64
	err := l.db.QueryRow(ctx, "SELECT kind, record_hash, at, ref, department_id FROM ledger_leaves WHERE idx = ?", int64(index)).
		Scan(&r.Kind, &r.Hash, &at, &r.Ref, &dept)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, errs.New(errs.NotFound, msgNoLeaf, index)
	}
	if err != nil {
		return Record{}, fmt.Errorf("ledger: read leaf: %w", err)
	}
	r.At, _ = store.ParseTime(at)
	r.DepartmentID = dept.Int64
	return r, nil
}

// InclusionProof proves that the leaf leafHash is in the tree of size, which
// no published checkpoint may be smaller than (0: the latest checkpoint's).
func (l *Log) InclusionProof(ctx context.Context, leafHash []byte, size uint64) (InclusionProof, error) {
	cp, err := l.published(ctx, size)
	if err != nil {
		return InclusionProof{}, err
	}
	if size == 0 {
		size = cp.Size
	}
	if err := checkSize("size", size, cp.Size); err != nil {
		return InclusionProof{}, err
	}
	r := l.reader()
	idx, rec, err := l.lookup(ctx, leafHash, size, r)
	if err != nil {
		return InclusionProof{}, err
	}
	nodes, err := proof.Inclusion(idx, size)
	if err != nil {
		return InclusionProof{}, err
	}
	hashes, err := r.proof(ctx, nodes)
	if err != nil {
		return InclusionProof{}, err
	}
	root, err := rootAt(ctx, r, cp, size)
	if err != nil {
		return InclusionProof{}, err
	}
	if hashes == nil {
		hashes = [][]byte{}
	}
	return InclusionProof{Index: idx, TreeSize: size, LeafHash: hex.EncodeToString(leafHash), Root: root, Hashes: hashes, Entry: string(rec.Entry())}, nil
}

// ConsistencyProof proves that the tree of from is a prefix of the tree of
// to; to may not exceed the latest checkpoint's size (0: that size).
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) (ConsistencyProof, error) {
	cp, err := l.published(ctx, to)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if to == 0 {
		to = cp.Size
	}
	if err := checkSize("to", to, cp.Size); err != nil {
		return ConsistencyProof{}, err
	}
	if from > to {
		return ConsistencyProof{}, errs.FieldMsg("from", msgFromBeyond, from, to)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return ConsistencyProof{}, err
	}
	r := l.reader()
	hashes, err := r.proof(ctx, nodes)
	if err != nil {
		return ConsistencyProof{}, err
	}
	fromRoot, err := rootAt(ctx, r, cp, from)
	if err != nil {
		return ConsistencyProof{}, err
	}
	toRoot, err := rootAt(ctx, r, cp, to)
	if err != nil {
		return ConsistencyProof{}, err
	}
	if hashes == nil {
		hashes = [][]byte{}
	}
	return ConsistencyProof{From: from, To: to, FromRoot: fromRoot, ToRoot: toRoot, Hashes: hashes}, nil
}

// Tile returns tile level/index cut to width hashes (0: the full tile), as
// C2SP tlog-tiles serves it; a tile not yet that wide is NotFound.
func (l *Log) Tile(ctx context.Context, level int, index uint64, width int) ([]byte, error) {
	if width == 0 {
		width = TileWidth
	}
	b, err := l.reader().tile(ctx, tileKey{level, index}, uint64(width))
	if err != nil || len(b) < width*HashSize {
		return nil, errs.New(errs.NotFound, msgNoTile)
	}
	return b[:width*HashSize], nil
}

// Bundle returns the entry bundle index cut to width entries (0: full):
// big-endian uint16 length-prefixed canonical records.
func (l *Log) Bundle(ctx context.Context, index uint64, width int) ([]byte, error) {
	if width == 0 {
		width = TileWidth
	}
	first := int64(index) * TileWidth
	rows, err := l.db.Query(ctx, "SELECT kind, record_hash, at FROM ledger_leaves WHERE idx >= ? AND idx < ? ORDER BY idx", first, first+int64(width))
	if err != nil {
		return nil, fmt.Errorf("ledger: read entries: %w", err)
	}
	defer rows.Close()
	var out []byte
	n := 0
	for rows.Next() {
		var r Record
		var at string
		if err := rows.Scan(&r.Kind, &r.Hash, &at); err != nil {
			return nil, err
		}
		r.At, _ = store.ParseTime(at)
		e := r.Entry()
		out = append(out, byte(len(e)>>8), byte(len(e)))
		out = append(out, e...)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n < width {
		return nil, errs.New(errs.NotFound, msgNoTile)
	}
	return out, nil
}

// Leaf is a stored record with its index, for lists.
type Leaf struct {
	Index uint64
	Record
}

// Recent returns the newest n records, newest first.
func (l *Log) Recent(ctx context.Context, n int) ([]Leaf, error) {
	rows, err := l.db.Query(ctx, "SELECT idx, kind, record_hash, at, ref, department_id FROM ledger_leaves ORDER BY idx DESC LIMIT ?", n)
	if err != nil {
		return nil, fmt.Errorf("ledger: read leaves: %w", err)
	}
	defer rows.Close()
	var out []Leaf
	for rows.Next() {
		var x Leaf
		var idx int64
		var at string
		var dept sql.NullInt64
		if err := rows.Scan(&idx, &x.Kind, &x.Hash, &at, &x.Ref, &dept); err != nil {
			return nil, err
		}
		x.Index, x.DepartmentID = uint64(idx), dept.Int64
		x.At, _ = store.ParseTime(at)
		out = append(out, x)
	}
	return out, rows.Err()
}
