package ledger

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// TileWidth is the number of hashes in a full tile (C2SP tlog-tiles).
const TileWidth = 256

// tileHeight is the number of tree levels one tile spans.
const tileHeight = 8

var factory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// querier is a *store.DB or a *store.Tx.
type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// tileKey names a tile: its level and index.
type tileKey struct {
	level int
	index uint64
}

// tileReader reads tiles from a querier, keeping full tiles (which never
// change) in a bounded cache shared by all readers.
type tileReader struct {
	q     querier
	cache *tileCache
	seen  map[tileKey][]byte
}

// tileCache holds tiles, the bottom level apart from the levels above it:
// a proof reads one random bottom tile and a few upper ones, so filling up
// with bottom tiles must not evict the upper ones every proof needs. Each
// part forgets everything when it grows past max.
type tileCache struct {
	mu          sync.Mutex
	bottom, top map[tileKey][]byte
	max         int
}

func newTileCache(max int) *tileCache {
	return &tileCache{bottom: map[tileKey][]byte{}, top: map[tileKey][]byte{}, max: max}
}

func (c *tileCache) part(k tileKey) map[tileKey][]byte {
	if k.level == 0 {
		return c.bottom
	}
	return c.top
}

func (c *tileCache) get(k tileKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.part(k)[k]
	return b, ok
}

func (c *tileCache) put(k tileKey, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.part(k)
	if len(m) >= c.max {
		clear(m)
	}
	if old, ok := m[k]; !ok || len(old) < len(b) {
		m[k] = b
	}
}

// tile returns the stored hashes of tile k (possibly partial), at least
// need of them when the tile has them: the cache holds the widest copy
// seen, and a tile's hashes never change once written, only grow.
func (r *tileReader) tile(ctx context.Context, k tileKey, need uint64) ([]byte, error) {
	if b, ok := r.seen[k]; ok && uint64(len(b)) >= need*HashSize {
		return b, nil
	}
	if r.cache != nil {
		if b, ok := r.cache.get(k); ok && uint64(len(b)) >= need*HashSize {
			return b, nil
		}
	}
	var b []byte
	err := r.q.QueryRow(ctx, "SELECT hashes FROM ledger_tiles WHERE level = ? AND idx = ?", k.level, int64(k.index)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ledger: tile %d/%d is missing", k.level, k.index)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: read tile %d/%d: %w", k.level, k.index, err)
	}
	r.remember(k, b)
	return b, nil
}

// remember keeps a tile read for this reader and the shared cache.
func (r *tileReader) remember(k tileKey, b []byte) {
	if r.seen == nil {
		r.seen = map[tileKey][]byte{}
	}
	r.seen[k] = b
	if r.cache != nil {
		r.cache.put(k, b)
	}
}

// node returns the hash of the perfect subtree id, which must lie inside
// the stored tree: it reads the tile holding the subtree's hashes at the
// tile level below it and hashes them up.
func (r *tileReader) node(ctx context.Context, id compact.NodeID) ([]byte, error) {
	level := int(id.Level) / tileHeight
	up := id.Level % tileHeight
	first := id.Index << up // index of the first hash at the tile level
	k := tileKey{level, first / TileWidth}
	off := first % TileWidth
	n := uint64(1) << up
	t, err := r.tile(ctx, k, off+n)
	if err != nil {
		return nil, err
	}
	if uint64(len(t)) < (off+n)*HashSize {
		return nil, fmt.Errorf("ledger: tile %d/%d holds %d hashes, node %d/%d needs %d", k.level, k.index, len(t)/HashSize, id.Level, id.Index, off+n)
	}
	hs := make([][]byte, n)
	for i := range hs {
		hs[i] = t[(off+uint64(i))*HashSize : (off+uint64(i)+1)*HashSize]
	}
	for len(hs) > 1 {
		next := hs[:len(hs)/2]
		for i := range next {
			next[i] = rfc6962.DefaultHasher.HashChildren(hs[2*i], hs[2*i+1])
		}
		hs = next
	}
	return hs[0], nil
}

// compactRange returns the compact range [0, size) from the stored tiles.
func (r *tileReader) compactRange(ctx context.Context, size uint64) (*compact.Range, error) {
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return factory.NewRange(0, size, hashes)
}

// rootAt returns the tree's root hash at size.
func (r *tileReader) rootAt(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	cr, err := r.compactRange(ctx, size)
	if err != nil {
		return nil, err
	}
	return cr.GetRootHash(nil)
}

// proof fetches and rehashes the nodes of an inclusion or consistency proof.
func (r *tileReader) proof(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	return nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
}

// tree is the sequencer's view of the log's right edge: the compact range
// of the whole tree and the right-most tile of each level.
type tree struct {
	rng  *compact.Range
	edge map[int][]byte // level → the hashes of its right-most, unfinished tile
}

// loadTree reads the right edge of the tree of size from the tiles.
func loadTree(ctx context.Context, r *tileReader, size uint64) (*tree, error) {
	rng, err := r.compactRange(ctx, size)
	if err != nil {
		return nil, err
	}
	t := &tree{rng: rng, edge: map[int][]byte{}}
	for level := 0; size>>(tileHeight*level) > 0; level++ {
		n := size >> (tileHeight * level)
		w := n % TileWidth
		if w == 0 {
			continue
		}
		b, err := r.tile(ctx, tileKey{level, n / TileWidth}, w)
		if err != nil {
			return nil, err
		}
		if uint64(len(b)) < w*HashSize {
			return nil, fmt.Errorf("ledger: tile %d/%d holds %d hashes, the tree of %d needs %d", level, n/TileWidth, len(b)/HashSize, size, w)
		}
		t.edge[level] = append([]byte(nil), b[:w*HashSize]...)
	}
	return t, nil
}

// clone copies the tree, so that a failed transaction leaves the original.
func (t *tree) clone() *tree {
	hs := t.rng.Hashes()
	cp := make([][]byte, len(hs))
	copy(cp, hs)
	rng, _ := factory.NewRange(t.rng.Begin(), t.rng.End(), cp)
	edge := make(map[int][]byte, len(t.edge))
	for l, b := range t.edge {
		edge[l] = append([]byte(nil), b...)
	}
	return &tree{rng: rng, edge: edge}
}

// append adds leaf hashes and returns the tiles they changed.
func (t *tree) append(leaves [][]byte) (map[tileKey][]byte, error) {
	touched := map[tileKey][]byte{}
	var bad error
	visit := func(id compact.NodeID, h []byte) {
		if id.Level%tileHeight != 0 || bad != nil {
			return
		}
		level := int(id.Level / tileHeight)
		pos := id.Index % TileWidth
		b := t.edge[level]
		if uint64(len(b)) != pos*HashSize {
			bad = fmt.Errorf("ledger: node %d/%d does not continue tile level %d (it holds %d)", id.Level, id.Index, level, len(b)/HashSize)
			return
		}
		b = append(b, h...)
		touched[tileKey{level, id.Index / TileWidth}] = b
		if pos == TileWidth-1 {
			delete(t.edge, level)
		} else {
			t.edge[level] = b
		}
	}
	for _, h := range leaves {
		if err := t.rng.Append(h, visit); err != nil {
			return nil, err
		}
		if bad != nil {
			return nil, bad
		}
	}
	return touched, nil
}

// head is the stored tree head.
type head struct {
	Size uint64
	Root []byte
}

func readHead(ctx context.Context, q querier) (head, error) {
	var size int64
	var root string
	if err := q.QueryRow(ctx, "SELECT size, root FROM ledger_head WHERE id = 1").Scan(&size, &root); err != nil {
		return head{}, fmt.Errorf("ledger: read head: %w", err)
	}
	b, err := hex.DecodeString(root)
	if err != nil || len(b) != HashSize || size < 0 {
		return head{}, fmt.Errorf("ledger: the stored head is damaged")
	}
	return head{uint64(size), b}, nil
}

// maxRowsPerInsert bounds the rows of one multi-row INSERT.
const maxRowsPerInsert = 400

// writeLeaves inserts the records at first, first+1, ... with multi-row INSERTs.
func writeLeaves(ctx context.Context, tx *store.Tx, first uint64, recs []Record, leaves [][]byte) error {
	for start := 0; start < len(recs); start += maxRowsPerInsert {
		end := min(start+maxRowsPerInsert, len(recs))
		var b strings.Builder
		b.WriteString("INSERT INTO ledger_leaves (idx, leaf_key, leaf_hash, kind, record_hash, at, ref, department_id) VALUES ")
		args := make([]any, 0, 8*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			r := recs[i]
			var dept any
			if r.DepartmentID != 0 {
				dept = r.DepartmentID
			}
			args = append(args, int64(first)+int64(i), leafKey(leaves[i]), leaves[i], r.Kind, r.Hash, store.FormatTime(r.At), r.Ref, dept)
		}
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("ledger: write leaves: %w", err)
		}
	}
	return nil
}

func writeTiles(ctx context.Context, tx *store.Tx, tiles map[tileKey][]byte) error {
	for k, b := range tiles {
		if _, err := tx.Exec(ctx, "INSERT INTO ledger_tiles (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
			k.level, int64(k.index), b); err != nil {
			return fmt.Errorf("ledger: write tile %d/%d: %w", k.level, k.index, err)
		}
	}
	return nil
}

// InclusionProof is the proof that the leaf at Index is in the tree of
// TreeSize whose root is Root.
type InclusionProof struct {
	Index    uint64   `json:"index"`
	TreeSize uint64   `json:"tree_size"`
	LeafHash string   `json:"leaf_hash" doc:"The leaf's RFC 6962 hash (hex)"`
	Root     []byte   `json:"root" doc:"The tree's root hash at tree_size (base64)"`
	Hashes   [][]byte `json:"hashes" doc:"The proof's hashes, from the leaf up (base64)"`
	Entry    string   `json:"entry,omitempty" doc:"The canonical record the leaf hashes"`
}

// ConsistencyProof is the proof that the tree of From is a prefix of the
// tree of To.
type ConsistencyProof struct {
	From     uint64   `json:"from"`
	To       uint64   `json:"to"`
	FromRoot []byte   `json:"from_root"`
	ToRoot   []byte   `json:"to_root"`
	Hashes   [][]byte `json:"hashes"`
}

// checkSize refuses a tree size beyond the latest checkpoint's.
func checkSize(field string, size, published uint64) error {
	if size > published {
		return errs.FieldMsg(field, msgSizeBeyond, size, published)
	}
	return nil
}

// leafKey is the indexed part of a leaf hash: its first 8 bytes.
func leafKey(leaf []byte) int64 {
	if len(leaf) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(leaf))
}
