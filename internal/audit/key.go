package audit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare/internal/store"
)

// KeySize is the length of the audit chain's HMAC-SM3 key.
const KeySize = 32

// pendingSuffix names a key written but not yet confirmed by Rekey.
const pendingSuffix = ".new"

// LoadKey reads the audit chain's key from path. When create is set and
// there is no key yet, it writes a new one beside path (path + ".new") and
// reports pending: the caller re-hashes the chain with Rekey and then calls
// CommitKey, so a crash in between leaves the key that the chain may
// already carry. Without create, a missing key is an error: verifying needs
// the platform's key, and a new one proves nothing.
func LoadKey(path string, create bool) (key []byte, pending bool, err error) {
	key, err = readKey(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return key, false, err
	}
	if !create {
		return nil, false, fmt.Errorf("no audit key at %s: give the platform's key file (--audit-key FILE)", path)
	}
	if key, err = readKey(path + pendingSuffix); err == nil {
		return key, true, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	key = make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path+pendingSuffix, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("write audit key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write audit key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write audit key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write audit key: %w", err)
	}
	return key, true, nil
}

// CommitKey puts a pending key (see LoadKey) in its place.
func CommitKey(path string) error {
	if err := os.Rename(path+pendingSuffix, path); err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	return nil
}

// DiscardPendingKey removes a pending key (see LoadKey) that Rekey refused
// to apply; do not call it after other errors, for the chain may carry it.
func DiscardPendingKey(path string) error { return os.Remove(path + pendingSuffix) }

func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("audit key file %s: want a base64-encoded %d-byte key", path, KeySize)
	}
	return key, nil
}

// rekeyPage is how many entries Rekey re-hashes per round trip.
const rekeyPage = 500

// Rekey moves a chain written before the platform keyed it from plain SM3
// to HMAC-SM3 under the log's key, in one transaction, and records that it
// did (action audit.rekey). It first checks that the plain chain holds and
// refuses to re-hash one that does not, so that a tampered log is not
// laundered. A chain that already verifies under the key, or an empty
// one, is left as it is. It returns the number of entries re-hashed.
func (l *Log) Rekey(ctx context.Context) (int64, error) {
	if l.key == nil {
		return 0, errors.New("audit: rekey needs a key")
	}
	var n int64
	err := l.db.InTx(ctx, func(tx *store.Tx) error {
		var headSeq int64
		var headHash string
		// The UPDATE locks the head against appenders on PostgreSQL.
		if err := tx.QueryRow(ctx, "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash").Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("audit: lock head: %w", err)
		}
		if headSeq == 0 {
			return nil
		}
		plainPrev, keyedPrev := "", ""
		for after := int64(0); after < headSeq; {
			es, err := l.page(ctx, tx, after, headSeq)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				break
			}
			for i := range es {
				e := &es[i]
				if e.Seq == 1 && e.PrevHash == "" && e.hash(l.key) == e.Hash {
					return nil // keyed already (a rekey whose key file was not yet put in place)
				}
				if e.Seq != after+1 || e.PrevHash != plainPrev || e.hash(nil) != e.Hash {
					return &Break{Seq: after + 1, Reason: "the plain SM3 chain does not hold here; it is not re-keyed: keep the database as evidence and find out what changed it"}
				}
				plainPrev = e.Hash
				e.PrevHash = keyedPrev
				e.Hash = e.hash(l.key)
				keyedPrev = e.Hash
				if _, err := tx.Exec(ctx, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", e.PrevHash, e.Hash, e.Seq); err != nil {
					return fmt.Errorf("audit: rekey entry %d: %w", e.Seq, err)
				}
				after = e.Seq
				n++
			}
		}
		if n != headSeq || plainPrev != headHash {
			return &Break{Seq: n + 1, Reason: "the plain SM3 chain does not end at the recorded head; it is not re-keyed"}
		}
		if _, err := tx.Exec(ctx, recordHead, keyedPrev); err != nil {
			return fmt.Errorf("audit: update head: %w", err)
		}
		return l.appendAll(ctx, tx, []Entry{{Actor: "system", Action: "audit.rekey", Target: "audit", Outcome: Success,
			Detail: Keyed(msgRekeyed, n)}}, nil)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (l *Log) page(ctx context.Context, tx *store.Tx, after, upTo int64) ([]Entry, error) {
	rows, err := tx.Query(ctx, selectEntry+" WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", after, upTo, rekeyPage)
	if err != nil {
		return nil, fmt.Errorf("audit: read log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
