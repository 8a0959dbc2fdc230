package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the audit schema.
var Migration = store.Migration{Domain: "audit", FS: migrations}

// Outcomes of an audited action.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Entry is one audit record.
type Entry struct {
	Seq          int64     `json:"seq"`
	At           time.Time `json:"at"`
	ActorID      int64     `json:"actor_id,omitempty"`
	Actor        string    `json:"actor"`
	DepartmentID int64     `json:"department_id,omitempty"`
	Department   string    `json:"department,omitempty"`
	Action       string    `json:"action"`
	Target       string    `json:"target,omitempty"`
	Outcome      string    `json:"outcome"`
	ClientAddr   string    `json:"client_addr,omitempty"`
	Detail       string    `json:"detail,omitempty"`
	PrevHash     string    `json:"prev_hash"`
	Hash         string    `json:"hash"`

	// Said in the reader's language (see Words); not part of the chain.
	ActionText string `json:"action_text,omitempty" readOnly:"true"`
	DetailText string `json:"detail_text,omitempty" readOnly:"true"`
}

// hash computes the entry's chain hash from its fields and PrevHash: HMAC-SM3
// under key, or plain SM3 when key is nil (a log without a key, in tests
// and tools; anyone can recompute such a chain).
func (e *Entry) hash(key []byte) string {
	var b strings.Builder
	for _, f := range []string{
		strconv.FormatInt(e.Seq, 10), store.FormatTime(e.At),
		strconv.FormatInt(e.ActorID, 10), e.Actor,
		strconv.FormatInt(e.DepartmentID, 10), e.Department,
		e.Action, e.Target, e.Outcome, e.ClientAddr, e.Detail, e.PrevHash,
	} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
		b.WriteByte(';')
	}
	if key == nil {
		sum := sm3.Sum([]byte(b.String()))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(sm3.New, key)
	m.Write([]byte(b.String()))
	return hex.EncodeToString(m.Sum(nil))
}

// Log appends to and reads the audit log.
type Log struct {
	db  *store.DB
	now func() time.Time
	key []byte // HMAC-SM3 key of the chain; nil: plain SM3
}

// New returns the audit log stored in db, chained with plain SM3: whoever
// can write the database can rebuild such a chain, so the platform uses
// NewKeyed; New serves tests and tools.
func New(db *store.DB) *Log { return &Log{db: db, now: time.Now} }

// NewKeyed returns the audit log stored in db, chained with HMAC-SM3 under
// key (see LoadKey): a chain rebuilt without the key does not verify.
func NewKeyed(db *store.DB, key []byte) *Log {
	return &Log{db: db, now: time.Now, key: bytes.Clone(key)}
}

// Append adds e to the chain inside tx; it commits or rolls back with the
// change it records.
func (l *Log) Append(ctx context.Context, tx *store.Tx, e Entry) error {
	if e.Action == "" || e.Outcome == "" {
		return errors.New("audit: entry needs an action and an outcome")
	}
	return l.appendAll(ctx, tx, []Entry{e}, nil)
}

// Record appends e in a transaction of its own.
func (l *Log) Record(ctx context.Context, e Entry) error {
	return l.db.InTx(ctx, func(tx *store.Tx) error { return l.Append(ctx, tx, e) })
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Filter selects entries for List.
type Filter struct {
	Actor   string
	Action  string // prefix match: "user." matches every user action
	Outcome string
	// DepartmentID keeps to the entries of one department's staff.
	DepartmentID int64
	UpTo         int64  // when set, entries up to this sequence number
	Q            string // substring of target, detail, department or client address
	From, To     time.Time
	Page         int // from 1
	PageSize     int
}

const selectEntry = `SELECT seq, at, actor_id, actor, department_id, department, action, target, outcome, client_addr, detail, prev_hash, hash FROM audit_log`

// List returns one page of entries, newest first, and the number matching.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, int, error) {
	var where []string
	var args []any
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.Action != "" {
		where, args = append(where, `action LIKE ? ESCAPE '\'`), append(args, store.LikePrefix(f.Action))
	}
	if f.Outcome != "" {
		where, args = append(where, "outcome = ?"), append(args, f.Outcome)
	}
	if f.DepartmentID != 0 {
		where, args = append(where, "department_id = ?"), append(args, f.DepartmentID)
	}
	if f.UpTo != 0 {
		where, args = append(where, "seq <= ?"), append(args, f.UpTo)
	}
	if f.Q != "" {
		p := store.Like(f.Q)
		where = append(where, `(lower(target) LIKE lower(?) ESCAPE '\' OR lower(detail) LIKE lower(?) ESCAPE '\' OR department LIKE ? ESCAPE '\' OR client_addr LIKE ? ESCAPE '\' OR lower(actor) LIKE lower(?) ESCAPE '\')`)
		args = append(args, p, p, p, p, p)
	}
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, store.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, store.FormatTime(f.To))
	}
	out, total, err := store.List(ctx, l.db, store.Listing{Count: "SELECT count(*) FROM audit_log", Select: selectEntry, Where: where, Args: args,
		Order: "seq DESC", Page: f.Page, Size: f.PageSize}, scanEntry)
	return out, total, err
}

func scanEntry(rows *sql.Rows) (Entry, error) {
	var e Entry
	var at string
	var actorID, deptID sql.NullInt64
	if err := rows.Scan(&e.Seq, &at, &actorID, &e.Actor, &deptID, &e.Department, &e.Action, &e.Target,
		&e.Outcome, &e.ClientAddr, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
		return e, fmt.Errorf("audit: scan: %w", err)
	}
	e.ActorID, e.DepartmentID = actorID.Int64, deptID.Int64
	t, err := store.ParseTime(at)
	if err != nil {
		return e, fmt.Errorf("audit: entry %d has a malformed time %q", e.Seq, at)
	}
	e.At = t
	return e, nil
}

// Break describes where the chain stops holding.
type Break struct {
	Seq    int64
	Reason string
	// Foreign is set when the entries from Seq on hold together as a chain
	// but not under this platform's key: the chain was rebuilt by someone
	// who could write the database (or belongs to another platform).
	Foreign bool
}

func (b *Break) Error() string {
	if b.Foreign {
		return fmt.Sprintf("audit chain is not this platform's from entry %d on: %s", b.Seq, b.Reason)
	}
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// Verify walks the whole chain and returns the number of entries checked and,
// if the chain does not hold, a *Break naming the first bad entry and
// whether the chain from there was rebuilt without the platform's key.
func (l *Log) Verify(ctx context.Context) (int64, error) {
	var headSeq int64
	var headHash string
	if err := l.db.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return 0, fmt.Errorf("audit: read head: %w", err)
	}
	rows, err := l.db.Query(ctx, selectEntry+" WHERE seq <= ? ORDER BY seq", headSeq)
	if err != nil {
		return 0, fmt.Errorf("audit: read log: %w", err)
	}
	defer rows.Close()
	var n int64
	prev := ""
	var bad *Break // the first entry whose hash is not its content's
	var badNext struct {
		entries, keyed int64 // entries after bad, and how many of them verify under the key
		linked         bool  // they link to each other by their stored hashes
		stored         string
	}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return n, &Break{Seq: n + 1, Reason: err.Error()}
		}
		want := n + 1
		if bad != nil {
			// Past the first bad hash: only see whether the rest hold
			// together under another key (a rebuilt chain) or not.
			badNext.entries++
			if e.hash(l.key) == e.Hash {
				badNext.keyed++
			}
			if e.Seq != want || e.PrevHash != badNext.stored {
				badNext.linked = false
			}
			badNext.stored = e.Hash
			n++
			continue
		}
		switch {
		case e.Seq != want:
			return n, &Break{Seq: want, Reason: fmt.Sprintf("entry %d is missing (next present is %d)", want, e.Seq)}
		case e.PrevHash != prev:
			return n, &Break{Seq: e.Seq, Reason: "previous-hash link does not match: an entry before it was changed, removed or reordered"}
		case e.hash(l.key) != e.Hash:
			if l.key != nil && e.hash(nil) == e.Hash {
				return n, &Break{Seq: e.Seq, Foreign: true, Reason: "the entry carries a plain SM3 hash that anyone can compute, not the platform's HMAC-SM3: the chain was rebuilt outside the platform"}
			}
			bad = &Break{Seq: e.Seq, Reason: "content does not match its hash: the entry was edited"}
			badNext.linked, badNext.stored = true, e.Hash
			n++
			continue
		}
		prev = e.Hash
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("audit: read log: %w", err)
	}
	if bad != nil {
		if l.key != nil && badNext.entries > 0 && badNext.keyed == 0 && badNext.linked && badNext.stored == headHash && n == headSeq {
			bad.Foreign = true
			bad.Reason = "the entries from here on hold together but not under this platform's key: the chain was rebuilt by someone who could write the database, or belongs to another platform"
		}
		return bad.Seq - 1, bad
	}
	if n != headSeq {
		return n, &Break{Seq: n + 1, Reason: fmt.Sprintf("log ends at entry %d but the head records %d: entries at the end were removed", n, headSeq)}
	}
	if prev != headHash {
		return n, &Break{Seq: n, Reason: "last entry does not match the recorded head hash"}
	}
	var extra int64
	if err := l.db.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE seq > ?", headSeq).Scan(&extra); err != nil {
		return n, fmt.Errorf("audit: read log: %w", err)
	}
	if extra > 0 {
		return n, &Break{Seq: headSeq + 1, Reason: fmt.Sprintf("%d entries past the recorded head were inserted outside the log", extra)}
	}
	return n, nil
}
