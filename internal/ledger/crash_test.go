package ledger

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestCrashAppender is the process TestKillDuringAppends kills: it appends
// from many goroutines and publishes checkpoints as fast as it can.
func TestCrashAppender(t *testing.T) {
	dsn := os.Getenv("GOVSHARE_LEDGER_CRASH_DSN")
	if dsn == "" {
		t.Skip("run by TestKillDuringAppends")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := NewSigner(testOrigin)
	l := New(db, s, Options{Interval: 5 * time.Millisecond})
	l.Start()
	go l.Run(ctx)
	var n atomic.Int64
	for w := range 16 {
		go func() {
			for i := 0; ; i++ {
				k := int(n.Add(1))
				recs := []Record{{Kind: "crash", Hash: docHash(k)}}
				if w%4 == 0 {
					recs = append(recs, Record{Kind: "crash", Hash: docHash(-k)}, Record{Kind: "crash", Hash: docHash(-k - 1)})
				}
				if _, err := l.Append(ctx, recs, nil); err != nil {
					os.Exit(3)
				}
			}
		}()
	}
	os.WriteFile(os.Getenv("GOVSHARE_LEDGER_CRASH_READY"), []byte("1"), 0o600)
	select {}
}

// TestKillDuringAppends kills an appending, checkpointing process with
// SIGKILL, twice, and then finds every leaf with its nodes, the head
// matching the leaves, the last checkpoint consistent with the tree, and
// the log taking appends again.
func TestKillDuringAppends(t *testing.T) {
	storetest.Each(t, []store.Migration{Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		dsn := ""
		if db.Dialect == store.SQLite {
			// storetest.Each opened it in a temp dir; use a file of our own.
			dsn = filepath.Join(t.TempDir(), "crash.db")
			db = storetest.Open(t, dsn, []store.Migration{Migration})
		} else {
			dsn = storetest.PostgresSchema(t)
			db = storetest.Open(t, dsn, []store.Migration{Migration})
		}
		for round := range 2 {
			ready := filepath.Join(t.TempDir(), "ready")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashAppender$", "-test.count=1")
			cmd.Env = append(os.Environ(), "GOVSHARE_LEDGER_CRASH_DSN="+dsn, "GOVSHARE_LEDGER_CRASH_READY="+ready)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the appender did not start")
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(time.Duration(400+300*round) * time.Millisecond)
			cmd.Process.Kill()
			cmd.Wait()
			checkConsistent(t, ctx, db)
		}
		// The log carries on.
		s, _ := NewSigner(testOrigin)
		l := New(db, s, Options{})
		l.Start()
		defer l.Close()
		if _, err := l.Append(ctx, []Record{{Kind: "after", Hash: docHash(1)}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		checkConsistent(t, ctx, db)
	})
}

func checkConsistent(t *testing.T, ctx context.Context, db *store.DB) {
	t.Helper()
	h, err := readHead(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(ctx, "SELECT idx, leaf_hash, kind, record_hash, at FROM ledger_leaves ORDER BY idx")
	if err != nil {
		t.Fatal(err)
	}
	var leaves [][]byte
	for rows.Next() {
		var idx int64
		var leaf []byte
		var r Record
		var at string
		if err := rows.Scan(&idx, &leaf, &r.Kind, &r.Hash, &at); err != nil {
			t.Fatal(err)
		}
		r.At, _ = store.ParseTime(at)
		if idx != int64(len(leaves)) {
			t.Fatalf("leaf %d follows %d leaves: a gap", idx, len(leaves))
		}
		if !bytes.Equal(leaf, r.LeafHash()) {
			t.Fatalf("leaf %d does not hash its record", idx)
		}
		leaves = append(leaves, leaf)
	}
	rows.Close()
	if uint64(len(leaves)) != h.Size {
		t.Fatalf("%d leaves, head size %d", len(leaves), h.Size)
	}
	if !bytes.Equal(h.Root, refRoot(leaves)) {
		t.Fatalf("the head's root is not the root of the %d leaves", len(leaves))
	}
	// The tiles give the same root and support proofs at every size checked.
	r := &tileReader{q: db}
	if root, err := r.rootAt(ctx, h.Size); err != nil || !bytes.Equal(root, h.Root) {
		t.Fatalf("root from tiles: %x, %v", root, err)
	}
	l := New(db, nil, Options{})
	cp, err := l.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size > h.Size || !bytes.Equal(cp.Root, refRoot(leaves[:cp.Size])) {
		t.Fatalf("checkpoint %d %x is not a prefix of the tree of %d", cp.Size, cp.Root, h.Size)
	}
	t.Logf("after the kill: %d leaves, last checkpoint at %d", h.Size, cp.Size)
	if h.Size < 10 {
		t.Errorf("only %d leaves appended before the kill: the test shows little", h.Size)
	}
}
