package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/ledger"
)

// TestWitness runs "govshare witness" against a platform that knows its
// key: it cosigns checkpoints as the log grows, the platform serves them
// cosigned, and a checkpoint signed by the platform's keys that conflicts
// with one the witness cosigned is raised as a split view, recorded and
// audited. The demo's own witness cosigns too.
func TestWitness(t *testing.T) {
	dir, wdir := t.TempDir(), t.TempDir()
	keyFile := filepath.Join(wdir, "w1.key")
	c, err := ledger.LoadCosigner(keyFile, "witness.test/w1")
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, "--demo", "--data-dir", dir, "--ledger-interval", "50ms", "--ledger-witnesses", c.VerifierKey())
	anon := &client{t: t, base: p.URL}
	xzsp := login(t, p.URL, "xzsp.admin", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)
	witness := func() (string, error) {
		var out syncBuffer
		err := Run(context.Background(), []string{"witness", "--log", p.URL, "--key", keyFile, "--once",
			"--log-keys", filepath.Join(dir, "keys", ledger.PublicKeyFile)}, env(nil), &out, &out)
		return out.String(), err
	}
	waitGrown := func(size float64) float64 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			_, info := anon.do("GET", "/api/v1/ledger", nil)
			cp, _ := info["checkpoint"].(map[string]any)
			if s, _ := cp["size"].(float64); s > size {
				return s
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no checkpoint beyond %v", size)
		return 0
	}
	size := waitGrown(0)
	if out, err := witness(); err != nil || !strings.Contains(out, "cosigned the checkpoint") {
		t.Fatalf("witness: %v\n%s", err, out)
	}
	_, cp := anon.raw("GET", "/ledger/checkpoint", nil)
	if !strings.Contains(string(cp), "\n— witness.test/w1 ") {
		t.Fatalf("the checkpoint does not carry the witness's cosignature:\n%s", cp)
	}
	// The log grows; the witness checks consistency and cosigns again.
	if status, body := xzsp.do("POST", "/api/v1/ledger/anchors", map[string]any{"hash": strings.Repeat("12", 32)}); status != 201 {
		t.Fatalf("anchor: %d %v", status, body)
	}
	size = waitGrown(size)
	if out, err := witness(); err != nil || !strings.Contains(out, fmt.Sprintf("size %d", int(size))) {
		t.Fatalf("witness after growth: %v\n%s", err, out)
	}
	// The demo's witness cosigns too.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, info := anon.do("GET", "/api/v1/ledger", nil)
		if ws := fmt.Sprint(info["witnesses"]); strings.Contains(ws, "witness.demo.govshare.local") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo witness cosigned nothing: %v", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A cosignature by an unknown witness is refused.
	other, _ := ledger.LoadCosigner(filepath.Join(wdir, "other.key"), "witness.test/other")
	text := string(cp)[:strings.Index(string(cp), "\n\n")+1]
	if status, _ := anon.do("POST", "/api/v1/ledger/cosignatures", map[string]any{"checkpoint": string(cp), "cosignature": other.Cosign(text)}); status != 400 {
		t.Errorf("unknown witness's cosignature: %d, want 400", status)
	}
	// Split view: the platform's keys sign a second tree of the size the
	// witness cosigned last (as a log showing different views would).
	sealer, err := cryptosuite.LoadSealer(filepath.Join(dir, "keys", "secrets.key"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.LoadSigner(filepath.Join(dir, "keys"), "", "", sealer)
	if err != nil {
		t.Fatal(err)
	}
	state, _ := os.ReadFile(keyFile + ".state")
	var stateSize uint64
	fmt.Sscanf(strings.Split(string(state), "\n")[1], "%d", &stateSize)
	forged, err := signer.Sign(stateSize, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile+".state", []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	// Until the log grows past it, the witness sees the same size with another root.
	out, err := witness()
	if err == nil || !strings.Contains(err.Error(), "split view") {
		t.Fatalf("witness with a conflicting checkpoint = %v, want a split view\n%s", err, out)
	}
	_, info := anon.do("GET", "/api/v1/ledger", nil)
	if svs, _ := info["split_views"].([]any); len(svs) != 1 {
		t.Errorf("split views recorded: %v, want 1", info["split_views"])
	}
	_, audited := auditor.do("GET", "/api/v1/audit?action=ledger.split_view", nil)
	if total, _ := audited["total"].(float64); total != 1 {
		t.Errorf("split view audited %v times, want 1", audited["total"])
	}
	// Consistent evidence is no split view.
	if status, _ := anon.do("POST", "/api/v1/ledger/split-views", map[string]any{"witness": "x", "older": string(state), "newer": string(cp)}); status != 400 {
		t.Errorf("a consistent pair reported as a split view: %d, want 400", status)
	}
}
