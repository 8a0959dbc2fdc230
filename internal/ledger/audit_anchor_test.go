package ledger

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var auditColumns = "seq, at, actor_id, actor, department_id, department, action, target, outcome, client_addr, detail, prev_hash, hash"

// TestRebuiltAuditChainNoLongerMatches shows why the audit log's head is
// anchored: someone holding the audit key rebuilds the chain with one entry
// changed. The rebuilt chain verifies on its own, and the ledger names the
// anchored entry that no longer matches.
func TestRebuiltAuditChainNoLongerMatches(t *testing.T) {
	ms := []store.Migration{audit.Migration, Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		key := make([]byte, audit.KeySize)
		key[0] = 7
		entries := func(changed bool) []audit.Entry {
			var es []audit.Entry
			for _, d := range []string{"grant 1", "grant 2", "export 3", "login 4", "grant 5"} {
				if changed && d == "export 3" {
					d = "nothing exported" // the entry someone wants gone
				}
				es = append(es, audit.Entry{Actor: "u", Action: "test.act", Outcome: audit.Success, Detail: d})
			}
			return es
		}
		log := audit.NewKeyed(db, key)
		for _, e := range entries(false) {
			if err := log.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		l, _ := openTestLog(t, db)
		a := &Anchors{Log: l, Audit: log}
		if ok, err := a.AnchorAuditHead(ctx); err != nil || !ok {
			t.Fatalf("anchor the audit head: %v, %v", ok, err)
		}
		if n, err := a.CheckAudit(ctx); err != nil || n != 1 {
			t.Fatalf("CheckAudit before the rebuild = %d, %v; want 1 match", n, err)
		}
		// The rebuild: the same entries (and the anchoring's own) with one
		// changed, chained under the same key in another database, then
		// put in place of the platform's audit log.
		other := storetest.Open(t, filepath.Join(t.TempDir(), "rebuilt.db"), ms)
		rebuilt := audit.NewKeyed(other, key)
		es := entries(true)
		es = append(es, audit.Entry{Actor: "system", Action: "ledger.anchor_audit", Outcome: audit.Success, Target: "ledger:0"})
		for _, e := range es {
			if err := rebuilt.Record(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		replaceAudit(t, ctx, other, db)
		if n, err := log.Verify(ctx); err != nil {
			t.Fatalf("the rebuilt chain should verify on its own (%d entries): %v", n, err)
		}
		_, err := a.CheckAudit(ctx)
		var m *AuditMismatch
		if !errors.As(err, &m) || m.Seq != 5 || m.Leaf != 0 {
			t.Fatalf("CheckAudit after the rebuild = %v, want the anchored entry 5 at leaf 0 named", err)
		}
	})
}

func replaceAudit(t *testing.T, ctx context.Context, from, to *store.DB) {
	t.Helper()
	rows, err := from.Query(ctx, "SELECT "+auditColumns+" FROM audit_log ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	var all [][]any
	for rows.Next() {
		vals := make([]any, 13)
		ptrs := make([]any, 13)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		all = append(all, vals)
	}
	rows.Close()
	var seq int64
	var hash string
	if err := from.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		t.Fatal(err)
	}
	err = to.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM audit_log"); err != nil {
			return err
		}
		for _, v := range all {
			if _, err := tx.Exec(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", v...); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, hash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
