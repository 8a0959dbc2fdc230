package exchange

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestDatabaseQuarantine keeps the platform's quarantine in its database on
// SQLite and PostgreSQL: entries count once per key, resolve once, reshape
// as a file's do, and the entries of the file an earlier version kept move
// in once, even when the move is run again over the same file.
func TestDatabaseQuarantine(t *testing.T) {
	ms := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := NewQuarantine(db)
		row := func(key string) QuarantinedRow {
			return QuarantinedRow{Channel: "c1", Key: key, Row: `{"sfz":"x"}`, Column: "sfz", Reason: "check character"}
		}
		fresh, err := q.putNew(ctx, []QuarantinedRow{row("[1]"), row("[2]")})
		if err != nil || fresh != 2 {
			t.Fatalf("first put: %d new, %v; want 2", fresh, err)
		}
		if fresh, err = q.putNew(ctx, []QuarantinedRow{row("[1]")}); err != nil || fresh != 0 {
			t.Fatalf("the same row again: %d new, %v; want 0", fresh, err)
		}
		open, err := q.List(ctx, "c1", QuarantineOpen, 0, 0)
		if err != nil || len(open) != 2 || open[0].Passes != 2 || open[0].Shaped {
			t.Fatalf("open entries: %+v, %v", open, err)
		}
		if err := q.Resolve(ctx, open[1].ID, QuarantineSkipped); err != nil {
			t.Fatal(err)
		}
		if err := q.Resolve(ctx, open[1].ID, QuarantineSkipped); err == nil {
			t.Error("an entry resolved twice")
		}
		if n, err := q.Count(ctx, "c1", ""); err != nil || n != 2 {
			t.Errorf("Count = %d, %v; want 2", n, err)
		}
		legacy, err := q.unshaped(ctx, "c1")
		if err != nil || len(legacy) != 2 {
			t.Fatalf("unshaped entries: %+v, %v", legacy, err)
		}
		legacy[0].Shaped, legacy[0].RawRow = true, legacy[0].Row
		if err := q.reshape(ctx, legacy[0]); err != nil {
			t.Fatal(err)
		}
		if e, err := q.Entry(ctx, legacy[0].ID); err != nil || !e.Shaped || e.RawRow == "" {
			t.Errorf("reshaped entry: %+v, %v", e, err)
		}

		// The file an earlier version kept in the data directory.
		path := filepath.Join(t.TempDir(), "quarantine.db")
		file, err := OpenQuarantine(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		moved := []QuarantinedRow{{Channel: "old", Key: "[7]", Row: "{}", Column: "sfz", Reason: "r", At: at},
			{Channel: "old", Key: "[8]", Row: "{}", Column: "sfz", Reason: "r", At: at}}
		if err := file.Put(ctx, moved); err != nil {
			t.Fatal(err)
		}
		if err := file.Resolve(ctx, 2, QuarantineRetried); err != nil {
			t.Fatal(err)
		}
		file.Close()
		if n, err := q.MoveFrom(ctx, path); err != nil || n != 2 {
			t.Fatalf("MoveFrom = %d, %v; want 2", n, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("the file is still there after the move: %v", err)
		}
		if n, err := q.MoveFrom(ctx, path); err != nil || n != 0 {
			t.Errorf("MoveFrom without the file = %d, %v; want 0", n, err)
		}
		// A crash between the commit and the rename: the file is moved again.
		if err := os.Rename(path+".moved", path); err != nil {
			t.Fatal(err)
		}
		if _, err := q.MoveFrom(ctx, path); err != nil {
			t.Fatal(err)
		}
		got, err := q.List(ctx, "old", "", 0, 0)
		if err != nil || len(got) != 2 || got[0].State != QuarantineOpen || got[1].State != QuarantineRetried ||
			got[1].Resolved.IsZero() || !got[0].At.Equal(at) {
			t.Errorf("moved entries: %+v, %v; want one open and one retried, each once", got, err)
		}
		m := &Manager{log: slog.New(slog.DiscardHandler)}
		if err := m.reshapeLegacy(ctx, q, ChannelInfo{ID: "old"}); err != nil {
			t.Errorf("reshape without a grant: %v", err)
		}
	})
}
