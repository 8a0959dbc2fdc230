package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/org"
)

// LedgerAnchors are the documents the demo anchors in the evidence ledger
// (存证账本): synthetic 诸事码 records of the approval bureau and
// urban-management permits (城市管理行政许可), by hash only.
var LedgerAnchors = []struct {
	Dept, Kind, Note string
	N                int
}{
	{"xzsp", "zhushima", "诸事码记录（演示）", 8},
	{"cgj", "permit", "城市管理行政许可准许证（演示）", 5},
}

// loadLedger anchors the demo's documents through the departments' own
// accounts, as a department's system would by API.
func loadLedger(ctx context.Context, svc Services, out io.Writer) error {
	n := 0
	for _, a := range LedgerAnchors {
		d := departmentByKey(a.Dept)
		role := org.Cataloger
		if d.Key == "xzsp" {
			role = org.DeptAdmin
		}
		p, err := svc.login(ctx, Username(d, role))
		if err != nil {
			return err
		}
		for i := 1; i <= a.N; i++ {
			sum := sha256.Sum256([]byte(fmt.Sprintf("govshare demo %s %s %d", a.Dept, a.Kind, i)))
			if _, err := svc.Anchors.Anchor(ctx, p, ledger.AnchorInput{Hash: hex.EncodeToString(sum[:]), Kind: a.Kind, Note: fmt.Sprintf("%s %d", a.Note, i)}); err != nil {
				return err
			}
			n++
		}
	}
	fmt.Fprintf(out, "Demo ledger: %d document hashes anchored (诸事码, permits); checkpoint at /ledger/checkpoint.\n", n)
	return nil
}

func departmentByKey(key string) Department {
	for _, d := range Departments {
		if d.Key == key {
			return d
		}
	}
	panic("demo: no department " + key)
}
