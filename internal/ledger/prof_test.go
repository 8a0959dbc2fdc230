package ledger

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestProfAppend(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	db := storetest.Open(t, t.TempDir()+"/p.db", []store.Migration{Migration})
	l, _ := openTestLog(t, db)
	ctx := context.Background()
	var wg sync.WaitGroup
	deadline := time.Now().Add(4 * time.Second)
	for w := range 512 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				l.Append(ctx, []Record{{Kind: "b", Hash: docHash(w*1000000 + i)}}, nil)
			}
		}()
	}
	wg.Wait()
	c, r := l.Stats()
	t.Logf("%d commits %d records", c, r)
}
