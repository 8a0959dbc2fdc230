package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/ledger"
)

// TestLedgerEndToEnd anchors a document through the API on the demo city,
// serves the checkpoint, proofs and tiles, checks them offline with
// "govshare ledger verify" and the public keys alone, and shows the
// verifier naming a tampered checkpoint, a proof for another tree and a
// wrong leaf.
func TestLedgerEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir, "--ledger-interval", "50ms", "--ledger-origin", "data.zhuzhou.example/ledger")
	anon := &client{t: t, base: p.URL}
	xzsp := login(t, p.URL, "xzsp.admin", demo.Password)
	consumer := login(t, p.URL, "gaj.consumer", demo.Password)
	sysadmin := login(t, p.URL, "admin", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)

	// The demo anchored its documents at start.
	_, info := anon.do("GET", "/api/v1/ledger", nil)
	if size, _ := info["size"].(float64); size < 13 {
		t.Fatalf("demo ledger size %v, want the demo's 13 anchors at least: %v", info["size"], info)
	}

	doc := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name   string
		c      *client
		body   map[string]any
		status int
		fields []string
	}{
		{"department admin anchors", xzsp, map[string]any{"hash": "sha256:" + strings.ToUpper(doc), "kind": "zhushima", "note": "诸事码 E2E"}, 201, nil},
		{"a consumer may not", consumer, map[string]any{"hash": doc}, 403, nil},
		{"the system admin may not", sysadmin, map[string]any{"hash": doc}, 403, nil},
		{"bad hash and kind", xzsp, map[string]any{"hash": "abc", "kind": "Bad Kind"}, 400, []string{"hash", "kind"}},
		{"reserved kind", xzsp, map[string]any{"hash": doc, "kind": ledger.KindAuditHead}, 400, []string{"kind"}},
		{"note with control characters", xzsp, map[string]any{"hash": doc, "note": "a\x07b"}, 400, []string{"note"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.c.do("POST", "/api/v1/ledger/anchors", tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			details, _ := body["details"].(map[string]any)
			for _, f := range tc.fields {
				if details[f] == nil {
					t.Errorf("no message for field %s: %v", f, body)
				}
			}
		})
	}
	// Refusals are audited.
	_, audited := auditor.do("GET", "/api/v1/audit?action=ledger.anchor&outcome=denied", nil)
	if total, _ := audited["total"].(float64); total < 2 {
		t.Errorf("denied anchors audited: %v, want 2", audited["total"])
	}

	_, anchored := xzsp.do("POST", "/api/v1/ledger/anchors", map[string]any{"hash": strings.Repeat("cd", 32), "kind": "permit"})
	leaf, _ := anchored["leaf_hash"].(string)
	index := uint64(anchored["index"].(float64))
	// One more, so that a proof at the first one's tree size is for another tree.
	if status, body := xzsp.do("POST", "/api/v1/ledger/anchors", map[string]any{"hash": strings.Repeat("ef", 32), "kind": "permit"}); status != 201 {
		t.Fatalf("second anchor: %d %v", status, body)
	}

	// Wait for a checkpoint that covers it.
	var note string
	var size uint64
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, raw := anon.raw("GET", "/ledger/checkpoint", nil)
		if status != 200 {
			t.Fatalf("checkpoint: %d %s", status, raw)
		}
		note = string(raw)
		fmt.Sscanf(strings.Split(note, "\n")[1], "%d", &size)
		if size > index+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint covers leaf %d:\n%s", index, note)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.HasPrefix(note, "data.zhuzhou.example/ledger\n") || strings.Count(note, "— data.zhuzhou.example/ledger ") != 2 {
		t.Fatalf("checkpoint is not the platform's, signed twice:\n%s", note)
	}

	status, proofJSON := anon.raw("GET", fmt.Sprintf("/api/v1/ledger/proof/inclusion?hash=%s&size=%d", leaf, size), nil)
	if status != 200 {
		t.Fatalf("inclusion proof: %d %s", status, proofJSON)
	}
	status, older := anon.raw("GET", fmt.Sprintf("/api/v1/ledger/proof/inclusion?hash=%s&size=%d", leaf, index+1), nil)
	if status != 200 {
		t.Fatalf("inclusion proof at size %d: %d %s", index+1, status, older)
	}
	// Offline: the checkpoint, the proof and the public keys in files.
	files := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(files, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cpFile, proofFile := write("checkpoint", note), write("proof.json", string(proofJSON))
	_, keys := anon.raw("GET", "/ledger/keys", nil)
	keysFile := write("keys", string(keys))
	pub, err := os.ReadFile(filepath.Join(dir, "keys", ledger.PublicKeyFile))
	if err != nil || string(pub) != string(keys) {
		t.Fatalf("DATA-DIR/keys/%s differs from /ledger/keys: %v", ledger.PublicKeyFile, err)
	}
	tampered := write("tampered", strings.Replace(note, fmt.Sprintf("\n%d\n", size), fmt.Sprintf("\n%d\n", size+1), 1))
	otherLeaf := strings.Repeat("ee", 32)
	verify := func(args ...string) (string, error) {
		var out syncBuffer
		err := Run(context.Background(), append([]string{"ledger", "verify"}, args...), env(nil), &out, &out)
		return out.String(), err
	}
	if out, err := verify("--checkpoint", cpFile, "--leaf", leaf, "--proof", proofFile, "--keys", keysFile); err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("ledger verify: %v\n%s", err, out)
	}
	// Ed25519 key alone: x/mod's own verifier format.
	if _, err := verify("--checkpoint", cpFile, "--leaf", leaf, "--proof", proofFile, "--key", strings.Split(string(keys), "\n")[0]); err != nil {
		t.Errorf("ledger verify with the Ed25519 key alone: %v", err)
	}
	faults := []struct {
		name string
		args []string
		want string
	}{
		{"tampered checkpoint", []string{"--checkpoint", tampered, "--leaf", leaf, "--proof", proofFile, "--keys", keysFile}, "signature"},
		{"wrong leaf", []string{"--checkpoint", cpFile, "--leaf", otherLeaf, "--proof", proofFile, "--keys", keysFile}, "leaf"},
		{"unknown keys", []string{"--checkpoint", cpFile, "--leaf", leaf, "--proof", proofFile, "--key", otherKey(t)}, "signature"},
		{"proof for another tree", []string{"--checkpoint", cpFile, "--leaf", leaf, "--proof", write("older.json", string(older)), "--keys", keysFile}, "tree"},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			_, err := verify(f.args...)
			if err == nil || !strings.HasPrefix(err.Error(), f.want+":") {
				t.Errorf("ledger verify = %v, want a %s fault", err, f.want)
			}
		})
	}

	// Tiles: the partial level-0 tile holds the leaf hashes; the bundle the records.
	var proof ledger.InclusionProof
	json.Unmarshal(proofJSON, &proof)
	// The leaf's tile: partial when it is the tree's last.
	tileIndex, w := index/256, uint64(0)
	if tileIndex == size/256 {
		w = size % 256
	}
	tilePath := "/ledger/tile/" + ledger.TilePath{Level: 0, Index: tileIndex, Width: int(w)}.String()
	status, tile := anon.raw("GET", tilePath, nil)
	wantLen := 32 * w
	if w == 0 {
		wantLen = 32 * 256
	}
	if status != 200 || uint64(len(tile)) != wantLen {
		t.Fatalf("%s: %d, %d bytes", tilePath, status, len(tile))
	}
	at := index % 256
	if got := fmt.Sprintf("%x", tile[32*at:32*at+32]); got != leaf {
		t.Errorf("tile hash at %d = %s, want the leaf %s", index, got, leaf)
	}
	status, bundle := anon.raw("GET", "/ledger/tile/"+ledger.TilePath{Entries: true, Index: tileIndex, Width: int(w)}.String(), nil)
	if status != 200 || !strings.Contains(string(bundle), "kind permit\nhash "+strings.Repeat("cd", 32)) {
		t.Errorf("entry bundle: %d %q", status, bundle)
	}
	for _, bad := range []string{"/ledger/tile/0/0", "/ledger/tile/0/000.p/0", "/ledger/tile/64/000", "/ledger/tile/0/x000/000", "/ledger/tile/" + ledger.TilePath{Index: size / 256, Width: int(size%256) + 1}.String()} {
		if status, _ := anon.raw("GET", bad, nil); status != 404 {
			t.Errorf("GET %s = %d, want 404", bad, status)
		}
	}
	// Consistency from the first demo anchor's tree to the checkpoint.
	status, cons := anon.do("GET", fmt.Sprintf("/api/v1/ledger/proof/consistency?from=1&to=%d", size), nil)
	if status != 200 {
		t.Fatalf("consistency: %d %v", status, cons)
	}
	for _, q := range []string{"from=01", "from=-1", "from=2&to=99999999", "from=x"} {
		if status, _ := anon.do("GET", "/api/v1/ledger/proof/consistency?"+q, nil); status != 400 {
			t.Errorf("consistency?%s = %d, want 400", q, status)
		}
	}
	if status, _ := anon.do("GET", "/api/v1/ledger/proof/inclusion?hash=zz", nil); status != 400 {
		t.Errorf("inclusion with a bad hash = %d, want 400", status)
	}
	if status, _ := anon.do("GET", "/api/v1/ledger/proof/inclusion?hash="+otherLeaf, nil); status != 400 {
		t.Errorf("inclusion of an unknown leaf = %d, want 400", status)
	}
}

func otherKey(t *testing.T) string {
	s, err := ledger.NewSigner("data.zhuzhou.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	return s.VerifierKeys()[0]
}
