package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
)

// TestNodeCommand runs "govshare serve" with a leaf listener and "govshare
// node" against it: enrolment with a token, the heartbeat in the API, and
// the node stopping with a clear error once revoked.
func TestNodeCommand(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--leaf-listen", "127.0.0.1:0")
	if !strings.Contains(p.Stdout.String(), "nodes join at nats-leaf://127.0.0.1:") {
		t.Errorf("serve does not say where nodes join:\n%s", p.Stdout)
	}
	op := login(t, p.URL, "gaj.node", demo.Password)
	cataloger := login(t, p.URL, "gaj.cataloger", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)

	t.Run("only node operators, department admins and system admins add nodes", func(t *testing.T) {
		_, me := op.do("GET", "/api/v1/me", nil)
		other := me["department_id"].(float64) + 1
		for _, tt := range []struct {
			name string
			c    *client
			body map[string]any
		}{
			{"cataloger", cataloger, map[string]any{"name": "越权前置机"}},
			{"another department's operator", op, map[string]any{"name": "越权前置机", "department_id": other}},
			{"auditor", auditor, map[string]any{"name": "越权前置机", "department_id": 1}},
		} {
			status, body := tt.c.do("POST", "/api/v1/nodes/enrollments", tt.body)
			if status != 403 || body["code"] != "forbidden" {
				t.Errorf("%s: %d %v, want 403 forbidden", tt.name, status, body)
			}
		}
		status, body := auditor.do("GET", "/api/v1/audit?action=node.enrollment.create&outcome=denied", nil)
		if status != 200 || body["total"].(float64) < 3 {
			t.Errorf("denied enrolments in the audit log: %d %v, want 3", status, body)
		}
	})

	status, e := op.do("POST", "/api/v1/nodes/enrollments", map[string]any{"name": "公安局前置机-1"})
	if status != 201 {
		t.Fatalf("create enrolment: %d %v", status, e)
	}
	id := int64(e["node_id"].(float64))

	// The node's datasources: a SQLite file.
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "hr.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE 人员 (id INTEGER PRIMARY KEY, 姓名 TEXT)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := filepath.Join(dir, "node.yaml")
	os.WriteFile(cfg, []byte("datasources:\n  - name: hr\n    driver: sqlite\n    path: hr.db\n"), 0o644)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nodeOut, nodeErr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	args := []string{"node", "--platform", p.URL, "--token", e["token"].(string), "--data-dir", t.TempDir(), "--config", cfg,
		"--heartbeat", "500ms", "--log-format", "text"}
	go func() { done <- Run(ctx, args, env(nil), nodeOut, nodeErr) }()

	deadline := time.Now().Add(20 * time.Second)
	var n map[string]any
	for time.Now().Before(deadline) {
		if _, n = op.do("GET", fmt.Sprintf("/api/v1/nodes/%d", id), nil); n["online"] == true {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("node exited: %v\n%s", err, nodeErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if n["online"] != true || n["state"] != "active" || !strings.Contains(fmt.Sprint(n["datasources"]), "人员") {
		t.Fatalf("node after enrolment: %v\nnode log:\n%s", n, nodeErr)
	}
	if status, other := cataloger.do("GET", fmt.Sprintf("/api/v1/nodes/%d", id), nil); status != 403 {
		t.Errorf("a cataloger reads a node: %d %v", status, other)
	}

	t.Run("responses match the OpenAPI document", func(t *testing.T) {
		_, doc := openAPIDocument(t, p.URL)
		checkResponses(t, openAPIValidator(t, doc), p.URL, op.token, "/api/v1/nodes", fmt.Sprintf("/api/v1/nodes/%d", id))
	})

	if status, body := op.do("POST", fmt.Sprintf("/api/v1/nodes/%d/revoke", id), map[string]any{"reason": ""}); status != 400 {
		t.Errorf("revoke without a reason: %d %v, want 400", status, body)
	}
	if status, body := op.do("POST", fmt.Sprintf("/api/v1/nodes/%d/revoke", id), map[string]any{"reason": "前置机更换"}); status != 200 || body["state"] != "revoked" {
		t.Fatalf("revoke: %d %v", status, body)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "certificate revoked or not trusted") {
			t.Errorf("node exited with %v, want certificate revoked or not trusted", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("node still running 30s after revoke\n%s", nodeErr)
	}

	t.Run("help", func(t *testing.T) {
		out := &syncBuffer{}
		if err := Run(ctx, []string{"node", "--help"}, env(nil), out, out); !errors.Is(err, ErrHelp) {
			t.Errorf("node --help: %v", err)
		}
		for _, want := range []string{"--platform", "--token", "node.yaml", "driver: files"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("node --help lacks %q", want)
			}
		}
	})
	t.Run("no identity and no token", func(t *testing.T) {
		err := Run(ctx, []string{"node", "--data-dir", t.TempDir()}, env(nil), &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "enrol first") {
			t.Errorf("node without identity: %v", err)
		}
	})
	t.Run("a used token", func(t *testing.T) {
		err := Run(ctx, []string{"node", "--platform", p.URL, "--token", e["token"].(string), "--data-dir", t.TempDir()}, env(nil), &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "already been used") {
			t.Errorf("node with a used token: %v", err)
		}
	})
	t.Run("a bad node.yaml names the entry", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "node.yaml")
		os.WriteFile(bad, []byte("datasources:\n  - {name: crm, driver: oracle, dsn: x}\n"), 0o644)
		err := Run(ctx, []string{"node", "--data-dir", t.TempDir(), "--config", bad}, env(nil), &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), "datasources[0] (crm)") || !strings.Contains(err.Error(), "oracle") {
			t.Errorf("bad node.yaml: %v", err)
		}
	})
}
