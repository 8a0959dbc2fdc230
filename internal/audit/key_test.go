package audit_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var (
	platformKey = bytes.Repeat([]byte{7}, audit.KeySize)
	otherKey    = bytes.Repeat([]byte{9}, audit.KeySize)
)

func seedKeyed(t *testing.T, db *store.DB, key []byte, n int) *audit.Log {
	t.Helper()
	log := audit.NewKeyed(db, key)
	for range n {
		if err := log.Record(context.Background(), audit.Entry{Actor: "admin", Action: "user.create", Target: "user:1", Outcome: audit.Success, Detail: "张三"}); err != nil {
			t.Fatal(err)
		}
	}
	return log
}

// rebuild does what someone who can write the database but lacks the key
// can: edit entry from, then recompute the chain from there on (and the
// head) with key (nil: plain SM3).
func rebuild(t *testing.T, db *store.DB, from int64, key []byte) {
	t.Helper()
	ctx := context.Background()
	es, _, err := audit.New(db).List(ctx, audit.Filter{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(es)
	prev := ""
	for i := range es {
		e := &es[i]
		if e.Seq < from {
			prev = e.Hash
			continue
		}
		if e.Seq == from {
			e.Detail = "edited"
		}
		e.PrevHash = prev
		e.Hash = e.HashWith(key)
		prev = e.Hash
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE seq = ?", e.Detail, e.PrevHash, e.Hash, e.Seq)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE audit_head SET hash = ? WHERE id = 1", prev)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestKeyedChainTellsRebuiltFromEdited: a chain rebuilt without the
// platform's key is reported as not the platform's; an edit as an edit.
func TestKeyedChainTellsRebuiltFromEdited(t *testing.T) {
	tests := []struct {
		name        string
		tamper      func(t *testing.T, db *store.DB)
		wantSeq     int64
		wantForeign bool
		wantMsg     string
	}{
		{"intact", func(*testing.T, *store.DB) {}, 0, false, ""},
		{"rebuilt with plain SM3 from entry 3", func(t *testing.T, db *store.DB) { rebuild(t, db, 3, nil) }, 3, true, "plain SM3"},
		{"rebuilt with plain SM3 from entry 1", func(t *testing.T, db *store.DB) { rebuild(t, db, 1, nil) }, 1, true, "plain SM3"},
		{"rebuilt with another key from entry 2", func(t *testing.T, db *store.DB) { rebuild(t, db, 2, otherKey) }, 2, true, "not under this platform's key"},
		{"edited entry 3", func(t *testing.T, db *store.DB) {
			db.InTx(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Exec(context.Background(), "UPDATE audit_log SET detail = 'edited' WHERE seq = 3")
				return err
			})
		}, 3, false, "edited"},
		{"deleted entry 4", func(t *testing.T, db *store.DB) {
			db.InTx(context.Background(), func(tx *store.Tx) error {
				_, err := tx.Exec(context.Background(), "DELETE FROM audit_log WHERE seq = 4")
				return err
			})
		}, 4, false, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
				log := seedKeyed(t, db, platformKey, 5)
				tt.tamper(t, db)
				n, err := log.Verify(context.Background())
				if tt.wantSeq == 0 {
					if err != nil || n != 5 {
						t.Fatalf("Verify() = %d, %v; want 5, nil", n, err)
					}
					return
				}
				var b *audit.Break
				if !errors.As(err, &b) {
					t.Fatalf("Verify() = %d, %v; want a *Break", n, err)
				}
				if b.Seq != tt.wantSeq || b.Foreign != tt.wantForeign || !strings.Contains(b.Reason, tt.wantMsg) {
					t.Errorf("Verify() break = %+v, want entry %d, foreign %v, reason containing %q", b, tt.wantSeq, tt.wantForeign, tt.wantMsg)
				}
			})
		})
	}
}

// TestRekey: a plain chain from before the key is verified and re-hashed
// once; a broken one is refused and left as it was.
func TestRekey(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db, 4) // plain SM3, as written before the key
		keyed := audit.NewKeyed(db, platformKey)
		var b *audit.Break
		if _, err := keyed.Verify(ctx); !errors.As(err, &b) || !b.Foreign || b.Seq != 1 {
			t.Fatalf("Verify(plain chain) with the key = %v, want not the platform's from entry 1", err)
		}
		n, err := keyed.Rekey(ctx)
		if err != nil || n != 4 {
			t.Fatalf("Rekey() = %d, %v; want 4, nil", n, err)
		}
		if n, err := keyed.Verify(ctx); err != nil || n != 5 {
			t.Fatalf("Verify() after Rekey = %d, %v; want 5 (with the rekey entry), nil", n, err)
		}
		if n, err := keyed.Rekey(ctx); err != nil || n != 0 {
			t.Errorf("second Rekey() = %d, %v; want 0, nil", n, err)
		}
		// A tampered plain chain is not laundered.
		db.InTx(ctx, func(tx *store.Tx) error {
			tx.Exec(ctx, "DELETE FROM audit_log")
			_, err := tx.Exec(ctx, "UPDATE audit_head SET seq = 0, hash = ''")
			return err
		})
		seed(t, db, 3)
		db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE audit_log SET detail = 'edited' WHERE seq = 2")
			return err
		})
		if _, err := keyed.Rekey(ctx); !errors.As(err, &b) || b.Seq != 2 {
			t.Errorf("Rekey(tampered plain chain) = %v, want a break at entry 2", err)
		}
		if _, err := audit.New(db).Verify(ctx); !errors.As(err, &b) || b.Seq != 2 || !strings.Contains(b.Reason, "edited") {
			t.Errorf("plain Verify() after the refused Rekey = %v, want the edit at entry 2 still there", err)
		}
	})
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "audit.key")
	if _, _, err := audit.LoadKey(path, false); err == nil {
		t.Fatal("LoadKey(missing, create=false) succeeded")
	}
	key, pending, err := audit.LoadKey(path, true)
	if err != nil || !pending || len(key) != audit.KeySize {
		t.Fatalf("LoadKey(missing, create) = %d bytes, %v, %v", len(key), pending, err)
	}
	again, pending, err := audit.LoadKey(path, true)
	if err != nil || !pending || !bytes.Equal(again, key) {
		t.Fatalf("LoadKey() before CommitKey = %v, %v; want the same pending key", pending, err)
	}
	if err := audit.CommitKey(path); err != nil {
		t.Fatal(err)
	}
	got, pending, err := audit.LoadKey(path, false)
	if err != nil || pending || !bytes.Equal(got, key) {
		t.Fatalf("LoadKey() after CommitKey = %v, %v", pending, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, _, err := audit.LoadKey(path, true); err == nil {
		t.Error("LoadKey(malformed) succeeded")
	}
}
