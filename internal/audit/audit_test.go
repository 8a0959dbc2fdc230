package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func seed(t *testing.T, db *store.DB, n int) *audit.Log {
	t.Helper()
	log := audit.New(db)
	for i := 1; i <= n; i++ {
		if err := log.Record(context.Background(), audit.Entry{Actor: "admin", Action: "user.create", Target: fmt.Sprintf("user:%d", i), Outcome: audit.Success, Detail: "张三"}); err != nil {
			t.Fatal(err)
		}
	}
	return log
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  []string // SQL run against the log after 5 entries
		wantSeq int64
		wantMsg string
	}{
		{"intact", nil, 0, ""},
		{"edited", []string{"UPDATE audit_log SET target = 'user:99' WHERE seq = 3"}, 3, "edited"},
		{"deleted in the middle", []string{"DELETE FROM audit_log WHERE seq = 2"}, 2, "missing"},
		{"deleted at the end", []string{"DELETE FROM audit_log WHERE seq = 5"}, 5, "removed"},
		{"reordered", []string{"UPDATE audit_log SET seq = 100 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3", "UPDATE audit_log SET seq = 3 WHERE seq = 100"}, 2, "previous-hash"},
		{"inserted past head", []string{"INSERT INTO audit_log (seq, at, actor, action, outcome, prev_hash, hash) SELECT 6, at, actor, action, outcome, hash, hash FROM audit_log WHERE seq = 5"}, 6, "outside"},
		{"rehashed edit", []string{"UPDATE audit_log SET hash = 'x' WHERE seq = 4"}, 4, "edited"},
	}
	storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				// A fresh log per case: clear the previous one outside the API.
				db.InTx(ctx, func(tx *store.Tx) error {
					tx.Exec(ctx, "DELETE FROM audit_log")
					_, err := tx.Exec(ctx, "UPDATE audit_head SET seq = 0, hash = ''")
					return err
				})
				log := seed(t, db, 5)
				for _, q := range tt.tamper {
					if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q); return err }); err != nil {
						t.Fatal(err)
					}
				}
				n, err := log.Verify(ctx)
				if tt.wantSeq == 0 {
					if err != nil || n != 5 {
						t.Fatalf("Verify() = %d, %v; want 5, nil", n, err)
					}
					return
				}
				var b *audit.Break
				if !errors.As(err, &b) {
					t.Fatalf("Verify() error = %v, want a *Break", err)
				}
				if b.Seq != tt.wantSeq || !strings.Contains(b.Reason, tt.wantMsg) {
					t.Errorf("Break = %d %q, want %d containing %q", b.Seq, b.Reason, tt.wantSeq, tt.wantMsg)
				}
			})
		}
	})
}

func TestAppendRollsBackWithTheChange(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := seed(t, db, 2)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := log.Append(ctx, tx, audit.Entry{Actor: "a", Action: "x", Outcome: audit.Success}); err != nil {
				return err
			}
			return errors.New("change failed")
		})
		if err == nil {
			t.Fatal("want the transaction error")
		}
		if n, err := log.Verify(ctx); err != nil || n != 2 {
			t.Fatalf("Verify() = %d, %v; want 2, nil", n, err)
		}
	})
}

func TestListFilters(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := seed(t, db, 25)
		log.Record(ctx, audit.Entry{Actor: "bob", Action: "session.create", Outcome: audit.Failure, ClientAddr: "127.0.0.9"})
		tests := []struct {
			name      string
			f         audit.Filter
			wantTotal int
			wantLen   int
		}{
			{"all, first page", audit.Filter{}, 26, 20},
			{"second page", audit.Filter{Page: 2}, 26, 6},
			{"by actor", audit.Filter{Actor: "bob"}, 1, 1},
			{"by action prefix", audit.Filter{Action: "user."}, 25, 20},
			{"by outcome", audit.Filter{Outcome: audit.Failure}, 1, 1},
			{"by text", audit.Filter{Q: "user:2"}, 7, 7},
			{"by Chinese text", audit.Filter{Q: "张三"}, 25, 20},
			{"like metacharacters are literal", audit.Filter{Q: "%"}, 0, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := log.List(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if total != tt.wantTotal || len(got) != tt.wantLen {
					t.Errorf("List() = %d rows of %d, want %d of %d", len(got), total, tt.wantLen, tt.wantTotal)
				}
			})
		}
	})
}
