package basedb_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestMergeKilled kills a process with SIGKILL in the middle of a merge,
// its values and records written and not committed: the golden records
// are the old ones, and the next merge does the whole.
func TestMergeKilled(t *testing.T) {
	for _, tc := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "govshare.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresSchema(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := tc.dsn(t)
			db := storetest.Open(t, dsn, migrations)
			svc := basedb.NewService(db, audit.New(db), nil)
			svc.Register(basedb.Population())
			rows, _ := basedb.Synthetic(2000, time.Now())
			for src, rs := range rows {
				if _, err := svc.Stage(ctx, "population", src, rs); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestMergeKilledChild$")
			cmd.Env = append(os.Environ(), "BASEDB_KILL_DSN="+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if strings.Contains(sc.Text(), "merging: disputes") {
						ready <- true
						return
					}
				}
				ready <- false
			}()
			select {
			case ok := <-ready:
				if !ok {
					cmd.Wait()
					t.Fatal("the child ended before the merge's last step")
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatal("the child did not reach the merge's last step")
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			cmd.Wait()
			for _, q := range []string{"SELECT COUNT(*) FROM basedb_g_population", "SELECT COUNT(*) FROM basedb_disputes",
				"SELECT COALESCE(MAX(staged_through), 0) FROM basedb_merges", "SELECT COALESCE(MAX(staged_through), 0) FROM basedb_marks"} {
				if n := count(t, db, q); n != 0 {
					t.Errorf("after the kill, %s = %d, want 0", q, n)
				}
			}
			run, err := svc.Merge(ctx, "population")
			if err != nil || run.From != 0 || run.Records == 0 || run.Disputes == 0 {
				t.Fatalf("resumed merge = %+v, %v", run, err)
			}
			if n := count(t, db, "SELECT COUNT(*) FROM basedb_g_population"); n != int(run.Records) {
				t.Errorf("records = %d, want %d", n, run.Records)
			}
		})
	}
}

// TestMergeKilledChild is the process TestMergeKilled kills: it merges
// and waits at the merge's last step.
func TestMergeKilledChild(t *testing.T) {
	dsn := os.Getenv("BASEDB_KILL_DSN")
	if dsn == "" {
		t.Skip("run by TestMergeKilled")
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc := basedb.NewService(db, audit.New(db), nil)
	svc.Register(basedb.Population())
	svc.SetHook(func(step string) error {
		os.Stdout.WriteString("merging: " + step + "\n")
		if step == "disputes" {
			time.Sleep(time.Hour)
		}
		return nil
	})
	svc.Merge(context.Background(), "population")
}
