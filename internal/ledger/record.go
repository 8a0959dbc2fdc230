package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// HashSize is the size of a leaf, node or record hash (SHA-256 or SM3).
const HashSize = 32

// Kinds of record the platform anchors itself; departments anchor
// documents under KindDocument or a kind of their own (ParseKind).
const (
	KindDocument  = "document"   // a document hash a department anchors by API
	KindAuditHead = "audit.head" // the audit log's head: Ref is its sequence number
)

// entryHeader starts every canonical record, naming its format.
const entryHeader = "govshare-ledger/v1"

// Record is one anchored fact: what kind of thing, the hash of its content
// (kept by its owner), and when it was anchored. Ref names the record inside
// the platform (an audit sequence number, a note) and is not part of the
// leaf.
type Record struct {
	Kind         string
	Hash         string // 64 lower-case hex digits
	At           time.Time
	Ref          string
	DepartmentID int64
}

// Entry is the record's canonical text: the leaf data whose RFC 6962 leaf
// hash the tree holds, and what the entry bundles serve.
func (r Record) Entry() []byte {
	return []byte(entryHeader + "\nkind " + r.Kind + "\nhash " + r.Hash + "\ntime " + store.FormatTime(r.At) + "\n")
}

// LeafHash is the record's leaf hash in the tree (RFC 6962: SHA-256 of 0x00
// and the entry).
func (r Record) LeafHash() []byte { return rfc6962.DefaultHasher.HashLeaf(r.Entry()) }

// ParseEntry reads a canonical entry back into a record (without Ref);
// anything but the one canonical spelling is refused.
func ParseEntry(b []byte) (Record, error) {
	lines := strings.Split(string(b), "\n")
	if len(lines) != 5 || lines[0] != entryHeader || lines[4] != "" {
		return Record{}, fmt.Errorf("not a %s entry", entryHeader)
	}
	kind, ok1 := strings.CutPrefix(lines[1], "kind ")
	hash, ok2 := strings.CutPrefix(lines[2], "hash ")
	at, ok3 := strings.CutPrefix(lines[3], "time ")
	if !ok1 || !ok2 || !ok3 {
		return Record{}, fmt.Errorf("not a %s entry", entryHeader)
	}
	t, err := time.Parse(store.TimeFormat, at)
	if err != nil {
		return Record{}, fmt.Errorf("entry time: %w", err)
	}
	r := Record{Kind: kind, Hash: hash, At: t}
	if _, err := ParseKind(kind); err != nil {
		return Record{}, err
	}
	if h, err := ParseHash(hash); err != nil || h != hash || store.FormatTime(t) != at {
		return Record{}, fmt.Errorf("not a canonical %s entry", entryHeader)
	}
	return r, nil
}

// ParseHash reads a 32-byte hash written as 64 hex digits (either case),
// optionally prefixed with "sha256:" or "sm3:", and returns it in lower
// case without the prefix.
func ParseHash(s string) (string, error) {
	s = strings.TrimSpace(s)
	if p, rest, ok := strings.Cut(s, ":"); ok && (strings.EqualFold(p, "sha256") || strings.EqualFold(p, "sm3")) {
		s = rest
	}
	if len(s) != 2*HashSize {
		return "", errs.New(errs.Invalid, msgHashForm)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", errs.New(errs.Invalid, msgHashForm)
	}
	return hex.EncodeToString(b), nil
}

// ParseKind checks a record kind: 1 to 40 of a-z, 0-9, '.', '_', '-',
// starting with a letter.
func ParseKind(s string) (string, error) {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return "", errs.New(errs.Invalid, msgKindForm)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "", errs.New(errs.Invalid, msgKindForm)
		}
	}
	return s, nil
}

// sum is SHA-256, the tree's hash.
func sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }
