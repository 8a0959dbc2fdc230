package ledger

import (
	"context"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the ledger's schema.
var Migration = store.Migration{Domain: "ledger", FS: migrations}

// MaxNote bounds an anchor's note, in characters.
const MaxNote = 200

// AnchorInput is a department's request to anchor a document's hash.
type AnchorInput struct {
	Hash string `json:"hash" maxLength:"80" doc:"SHA-256 or SM3 hash of the document: 64 hex digits (optionally sha256: or sm3:)"`
	Kind string `json:"kind,omitempty" maxLength:"40" doc:"What the document is (e.g. document, permit, zhushima); default document"`
	Note string `json:"note,omitempty" maxLength:"800" doc:"A note kept with the record in the platform (not in the leaf)"`
}

// Anchored is a record once its leaf is durable.
type Anchored struct {
	Index    uint64    `json:"index"`
	LeafHash string    `json:"leaf_hash" doc:"The leaf's RFC 6962 hash (hex): ask for its inclusion proof with it once a checkpoint covers index"`
	Kind     string    `json:"kind"`
	Hash     string    `json:"hash"`
	At       time.Time `json:"at"`
	Entry    string    `json:"entry" doc:"The canonical record the leaf hashes"`
}

// Anchors lets departments anchor document hashes and the platform anchor
// its audit log's head.
type Anchors struct {
	Log   *Log
	Audit *audit.Log
}

// Validate parses the input, rebuilding it from its allowed forms.
func (in *AnchorInput) Validate() error {
	f := errs.Fields{}
	h, err := ParseHash(in.Hash)
	if err != nil {
		f.AddMsg("hash", msgHashForm)
	}
	in.Hash = h
	if in.Kind == "" {
		in.Kind = KindDocument
	}
	if _, err := ParseKind(in.Kind); err != nil {
		f.AddMsg("kind", msgKindForm)
	} else if in.Kind == KindAuditHead {
		f.AddMsg("kind", msgKindReserved, in.Kind)
	}
	if utf8.RuneCountInString(in.Note) > MaxNote || !utf8.ValidString(in.Note) {
		f.AddMsg("note", msgNoteLength, MaxNote)
	} else {
		for _, r := range in.Note {
			if unicode.IsControl(r) {
				f.AddMsg("note", msgNoteControl)
				break
			}
		}
	}
	return f.Err()
}

// MayAnchor reports whether p may anchor its department's documents: a
// department's administrator or cataloger. The three officers anchor nothing.
func MayAnchor(p org.Principal) bool {
	return p.DepartmentID != 0 && (p.Has(org.DeptAdmin) || p.Has(org.Cataloger))
}

// Anchor appends a document's hash for p's department; the leaf and its
// audit entry commit together. A refusal is audited.
func (a *Anchors) Anchor(ctx context.Context, p org.Principal, in AnchorInput) (Anchored, error) {
	if !MayAnchor(p) {
		err := errs.New(errs.Forbidden, msgAnchorRole)
		return Anchored{}, org.Denied(ctx, a.Audit, p, "ledger.anchor", "ledger", err)
	}
	if err := in.Validate(); err != nil {
		if rerr := a.Audit.Record(ctx, org.Entry(p, "ledger.anchor", "ledger", audit.Failure, org.DenialDetail(err))); rerr != nil {
			return Anchored{}, errors.Join(err, rerr)
		}
		return Anchored{}, err
	}
	rec := Record{Kind: in.Kind, Hash: in.Hash, At: a.Log.now().UTC(), Ref: in.Note, DepartmentID: p.DepartmentID}
	idx, err := a.Log.Append(ctx, []Record{rec}, func(ctx context.Context, tx *store.Tx, first uint64) error {
		return a.Audit.Append(ctx, tx, org.Entry(p, "ledger.anchor", "ledger:"+strconv.FormatUint(first, 10), audit.Success,
			audit.Keyed(msgAnchored, rec.Kind, rec.Hash, first)))
	})
	if err != nil {
		return Anchored{}, err
	}
	rec.At = rec.At.Truncate(time.Microsecond)
	return Anchored{Index: idx, LeafHash: hex.EncodeToString(rec.LeafHash()), Kind: rec.Kind, Hash: rec.Hash, At: rec.At, Entry: string(rec.Entry())}, nil
}

// AnchorAuditHead appends the audit log's head unless the last anchored
// head is the same, recording the anchoring in the audit log in the same
// transaction. It returns whether it appended.
func (a *Anchors) AnchorAuditHead(ctx context.Context) (bool, error) {
	seq, hash, err := a.Audit.Head(ctx)
	if err != nil || seq == 0 {
		return false, err
	}
	var lastRef string
	err = a.Log.db.QueryRow(ctx, "SELECT ref FROM ledger_leaves WHERE kind = ? ORDER BY idx DESC LIMIT 1", KindAuditHead).Scan(&lastRef)
	if err == nil && lastRef == strconv.FormatInt(seq, 10) {
		return false, nil
	}
	rec := Record{Kind: KindAuditHead, Hash: hash, Ref: strconv.FormatInt(seq, 10)}
	_, err = a.Log.Append(ctx, []Record{rec}, func(ctx context.Context, tx *store.Tx, first uint64) error {
		return a.Audit.Append(ctx, tx, audit.Entry{Actor: "system", Action: "ledger.anchor_audit", Target: "ledger:" + strconv.FormatUint(first, 10),
			Outcome: audit.Success, Detail: audit.Keyed(msgAuditAnchored, seq, first)})
	})
	return err == nil, err
}

// AuditMismatch is an anchored audit head the audit log no longer holds.
type AuditMismatch struct {
	Leaf uint64
	Seq  int64
	Why  string
}

func (m *AuditMismatch) Error() string {
	return fmt.Sprintf("ledger leaf %d anchored audit entry %d, and the audit log %s: the chain was rebuilt after it was anchored", m.Leaf, m.Seq, m.Why)
}

// CheckAudit compares every anchored audit head with the audit log and
// returns the first that does not match (an *AuditMismatch), and how many
// matched.
func (a *Anchors) CheckAudit(ctx context.Context) (int, error) {
	rows, err := a.Log.db.Query(ctx, "SELECT idx, record_hash, ref FROM ledger_leaves WHERE kind = ? ORDER BY idx", KindAuditHead)
	if err != nil {
		return 0, fmt.Errorf("ledger: read anchored heads: %w", err)
	}
	type anchored struct {
		idx  int64
		hash string
		seq  int64
	}
	var hs []anchored
	for rows.Next() {
		var h anchored
		var ref string
		if err := rows.Scan(&h.idx, &h.hash, &ref); err != nil {
			rows.Close()
			return 0, err
		}
		h.seq, _ = strconv.ParseInt(ref, 10, 64)
		hs = append(hs, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, h := range hs {
		got, ok, err := a.Audit.HashAt(ctx, h.seq)
		if err != nil {
			return i, err
		}
		if !ok {
			return i, &AuditMismatch{uint64(h.idx), h.seq, "has no such entry"}
		}
		if got != h.hash {
			return i, &AuditMismatch{uint64(h.idx), h.seq, "holds another hash there"}
		}
	}
	return len(hs), nil
}

// RunAuditAnchor anchors the audit log's head every interval until ctx ends.
func (a *Anchors) RunAuditAnchor(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.AnchorAuditHead(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
				a.Log.opts.Logger.Warn("anchor audit head", "err", err)
			}
		}
	}
}
