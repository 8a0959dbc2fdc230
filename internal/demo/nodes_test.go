package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/sharing"
)

// The demo nodes' tables are synthetic and made once: NodeRows people with
// valid ID numbers and 演示 names in the police bureau's node database, a
// note in the approval bureau's; a second start changes nothing.
func TestNodeTables(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, d := range DemoNodes {
		if err := makeDir(filepath.Join(dir, d.Key)); err != nil {
			t.Fatal(err)
		}
	}
	src := filepath.Join(dir, "gaj", DemoNodes[0].File)
	for range 2 {
		if err := seedNodeTable(ctx, src); err != nil {
			t.Fatal(err)
		}
		if err := noteTable(ctx, filepath.Join(dir, "xzsp", DemoNodes[1].File)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := NodeTableRows(ctx, dir, "gaj", "population"); err != nil || n != NodeRows {
		t.Errorf("police bureau's node table: %d rows, %v; want %d", n, err, NodeRows)
	}
	if n, err := NodeTableRows(ctx, dir, "xzsp", "说明"); err != nil || n != 1 {
		t.Errorf("approval bureau's note: %d rows, %v", n, err)
	}
	if n, err := NodeTableRows(ctx, dir, "xzsp", NodeGrantTable); err != nil || n != 0 {
		t.Errorf("a table not delivered yet: %d, %v; want 0", n, err)
	}
	if _, err := NodeTableRows(ctx, dir, "scj", "population"); err == nil {
		t.Errorf("a department without a demo node answers rows")
	}
	db, err := openNodeDB(src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT id_number, name FROM population")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		if err := quality.CheckIDNumber(id); err != nil || !strings.Contains(name, "演示") {
			t.Fatalf("row %s %s: not a valid synthetic person (%v)", id, name, err)
		}
	}
}

// Before the nodes have enrolled, no grant reads from a node and no node
// is a demo node.
func TestNodesBeforeEnrolment(t *testing.T) {
	n := NewNodes(Services{}, nil, NodesOptions{Dir: t.TempDir()})
	if _, ok := n.GrantSource(context.Background(), sharing.Grant{Target: &sharing.Target{Node: "1"}}); ok {
		t.Errorf("a grant reads from a node before the demo's nodes enrolled")
	}
	if n.Demo(1) || n.Running(1) {
		t.Errorf("node 1 is a demo node before enrolment")
	}
	if err := n.StopNode(context.Background(), org.Principal{}, 1); !errs.Is(err, errs.NotFound) {
		t.Errorf("stop an unknown demo node: %v", err)
	}
	n.Stop() // never started: returns at once
}

func makeDir(path string) error { return os.MkdirAll(path, 0o750) }
