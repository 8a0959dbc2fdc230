package exchange

import (
	"context"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
)

// TestLateCommit: a row whose transaction wrote its watermark before a pass
// read past it, and committed after, still arrives; without the late window
// it is skipped for ever.
func TestLateCommit(t *testing.T) {
	js := newBus(t).JS
	for _, driver := range []string{connector.Postgres, connector.MySQL, connector.SQLite} {
		for _, window := range []time.Duration{0, -1} {
			name := driver + "/window"
			if window < 0 {
				name = driver + "/no-window"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				src, dst := newBackend(t, driver, "source"), newBackend(t, connector.SQLite, "target")
				fixture(t, src, 200)
				ch := channel("late-"+driver+map[bool]string{true: "-off"}[window < 0], src, dst, 100)
				e := New(js, Options{LateWindow: window})
				sync := func(when string) Stats {
					t.Helper()
					if err := e.Sync(ctx, ch); err != nil {
						t.Fatalf("Sync (%s): %v", when, err)
					}
					return e.Stats(ch.ID)
				}
				sync("full")
				insert := func(id int64, g int) {
					src.exec(t, `INSERT INTO {人口} VALUES (?, ?, ?, ?, ?, ?)`, id, "新行", "1.00", nil, stamp(g), false)
				}
				insert(1000, 10)
				before := sync("incremental")
				// Committed now, written at generation 9: behind the position.
				insert(1001, 9)
				src.exec(t, `UPDATE {人口} SET {姓名} = ?, {更新} = ? WHERE {编号} = ?`, "晚到的修改", stamp(8), 5)
				insert(1002, 11)
				after := sync("after the late commits")
				if window < 0 {
					wantN, wantSum := checksum(t, ch.Source, srcLive)
					if gotN, gotSum := checksum(t, ch.Target, dstTable); gotN == wantN && gotSum == wantSum {
						t.Fatalf("without the window the late rows arrived too: the test does not show what the window is for")
					}
					return
				}
				sameAsSource(t, ch, "after the late commits")
				if got := after.Deliveries - before.Deliveries; got != 3 {
					t.Errorf("the pass delivered %d rows, want 3 (two late, one new): rows sent before are not sent again", got)
				}
				idle := sync("idle")
				if idle.Published != after.Published {
					t.Errorf("an idle pass published %d batches, want 0", idle.Published-after.Published)
				}
			})
		}
	}
}
