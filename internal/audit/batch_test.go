package audit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func svcEntry(app string, i int) audit.Entry {
	return audit.Entry{Actor: app, Action: "svc.query", Target: fmt.Sprintf("resource:%d", i), Outcome: audit.Success, Detail: "姓名=张三 rows=1"}
}

// TestBatcherKeepsTheChain records from many goroutines at once, through
// the Batcher and, interleaved, alone; the chain must verify and hold every
// entry.
func TestBatcherKeepsTheChain(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		b := audit.NewBatcher(log, 2*time.Millisecond, 50)
		const recorders, each = 32, 25
		var wg sync.WaitGroup
		errc := make(chan error, recorders*each+each)
		for r := range recorders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					errc <- b.Record(ctx, svcEntry(fmt.Sprintf("app%d", r), i))
				}
			}()
		}
		wg.Add(1)
		go func() { // another writer with transactions of its own
			defer wg.Done()
			for i := range each {
				errc <- log.Record(ctx, audit.Entry{Actor: "admin", Action: "user.update", Outcome: audit.Success, Target: fmt.Sprint(i)})
			}
		}()
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		n, err := log.Verify(ctx)
		if want := int64(recorders*each + each); err != nil || n != want {
			t.Fatalf("Verify() = %d, %v; want %d, nil", n, err, want)
		}
		_, total, err := log.List(ctx, audit.Filter{Action: "svc."})
		if err != nil || total != recorders*each {
			t.Errorf("List(svc.) = %d entries, %v; want %d", total, err, recorders*each)
		}
	})
}

func TestBatcherRefuses(t *testing.T) {
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), []store.Migration{audit.Migration})
	log := audit.New(db)
	b := audit.NewBatcher(log, 0, 0)
	ctx := context.Background()
	if err := b.Record(ctx, audit.Entry{Actor: "a"}); err == nil {
		t.Error("an entry without action and outcome was accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Record(cancelled, svcEntry("a", 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Record(cancelled) = %v, want context.Canceled", err)
	}
	if err := b.Record(ctx, svcEntry("a", 2)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if err := b.Record(ctx, svcEntry("a", 3)); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Record after Close = %v, want ErrClosed", err)
	}
	b.Close() // twice is harmless
	if n, err := log.Verify(ctx); err != nil || n != 1 {
		t.Errorf("Verify() = %d, %v; want only the one entry recorded", n, err)
	}
}

// BenchmarkRecord compares one transaction per entry with group commit by
// 64 concurrent recorders, on SQLite (synchronous=FULL, as the platform
// opens it), for three waits. 64 recorders never fill a batch of 256, so
// each batch waits the whole maxWait; with no wait, entries still gather
// while the previous batch commits.
func BenchmarkRecord(b *testing.B) {
	open := func(b *testing.B) *audit.Log {
		db := storetest.Open(b, filepath.Join(b.TempDir(), "govshare.db"), []store.Migration{audit.Migration})
		return audit.New(db)
	}
	ctx := context.Background()
	b.Run("sqlite/sequential-tx", func(b *testing.B) {
		log := open(b)
		b.ResetTimer()
		for i := range b.N {
			if err := log.Record(ctx, svcEntry("app", i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	for _, wait := range []time.Duration{0, 500 * time.Microsecond, 2 * time.Millisecond} {
		b.Run(fmt.Sprintf("sqlite/batcher-64/wait=%v", wait), func(b *testing.B) {
			log := open(b)
			bt := audit.NewBatcher(log, wait, 256)
			defer bt.Close()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if err := bt.Record(ctx, svcEntry("app", int(i))); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
