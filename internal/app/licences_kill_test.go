package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/store"
)

// importLicences posts a CSV file of licences of type typ.
func importLicences(ctx context.Context, base, token, typ, content string) (int, map[string]any, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "licences.csv")
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/licences/import?type="+typ, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	json.Unmarshal(b, &out)
	return resp.StatusCode, out, nil
}

// TestKillDuringLicenceImport kills the platform with SIGKILL in the middle
// of a bulk import of licences: after a restart no licence event is without
// its leaf, no licence leaf without its event, every issued licence has its
// issued event, the log's new checkpoint is consistent with the last one
// before the kill, and the file sent again completes the import.
func TestKillDuringLicenceImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	cmd, base := startProcess(t, "--demo", "--data-dir", dir, "--ledger-interval", "100ms")
	bdc := login(t, base, "bdc.cataloger", demo.Password)
	_, raw := bdc.raw("GET", "/api/v1/licence-types", nil)
	var types []licence.Type
	json.Unmarshal(raw, &types)
	var typ licence.Type
	for _, x := range types {
		if x.Name == "不动产权证书" {
			typ = x
		}
	}
	const n = 40000
	var file strings.Builder
	file.WriteString(strings.Join(licence.TemplateHeader(typ), ",") + "\n")
	for i := range n {
		id := fmt.Sprintf("43020219700101%03d", i%1000)
		id += checkOf(id)
		fmt.Fprintf(&file, ",,湘（2026）株洲市不动产权第K%07d号,测试%d,%s,2026-11-01,,,株洲市天元区%d号,U%d,所有权,住宅,80\n", i, i, id, i, i)
	}
	_, info := bdc.do("GET", "/api/v1/ledger", nil)
	size0 := uint64(info["size"].(float64))

	ctx, cancel := context.WithCancel(context.Background())
	go importLicences(ctx, base, bdc.token, typ.Code, file.String())
	// Kill once a few batches are in (the ledger grew), the checkpoint of
	// that moment kept.
	var before string
	for deadline := time.Now().Add(120 * time.Second); ; {
		_, info := bdc.do("GET", "/api/v1/ledger", nil)
		if size := uint64(info["size"].(float64)); size >= size0+2*5000 {
			_, cp := bdc.raw("GET", "/ledger/checkpoint", nil)
			before = string(cp)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import never got two batches in: ledger at %v", info["size"])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	cancel()

	_, base = startProcess(t, "--demo", "--data-dir", dir, "--ledger-interval", "100ms")
	bdc = login(t, base, "bdc.cataloger", demo.Password)
	db, err := store.Open(context.Background(), filepath.Join(dir, "govshare.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkLicenceLedger(t, db)
	var issued int
	t.Logf("killed at a ledger of %s", strings.SplitN(before, "\n", 3)[1])
	db.QueryRow(context.Background(), "SELECT COUNT(*) FROM licences WHERE number LIKE '%第K%'").Scan(&issued)
	if issued == 0 || issued == n || issued%5000 != 0 {
		t.Fatalf("%d licences of the file survived the kill: want whole batches, not all", issued)
	}

	// The new checkpoint extends the one published before the kill.
	keys, _ := ledger.ParseVerifierKeys(func() string { _, k := bdc.raw("GET", "/ledger/keys", nil); return string(k) }())
	older, err := ledger.OpenCheckpoint([]byte(before), keys)
	if err != nil {
		t.Fatalf("checkpoint before the kill: %v\n%s", err, before)
	}
	var newer ledger.ParsedCheckpoint
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, cp := bdc.raw("GET", "/ledger/checkpoint", nil)
		if newer, err = ledger.OpenCheckpoint(cp, keys); err == nil && newer.Size > older.Size {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint after the restart beyond %d: %v", older.Size, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, raw = bdc.raw("GET", fmt.Sprintf("/api/v1/ledger/proof/consistency?from=%d&to=%d", older.Size, newer.Size), nil)
	var proof ledger.ConsistencyProof
	if err := json.Unmarshal(raw, &proof); err != nil {
		t.Fatalf("consistency proof: %s", raw)
	}
	if err := ledger.VerifyConsistency(older, newer, proof); err != nil {
		t.Fatalf("the tree after the restart is not consistent with the checkpoint before the kill: %v", err)
	}

	// Sent again, the file completes: what went in is skipped.
	status, rep, err := importLicences(context.Background(), base, bdc.token, typ.Code, file.String())
	if err != nil || status != 200 || int(rep["already"].(float64)) != issued || int(rep["issued"].(float64)) != n-issued {
		t.Fatalf("import again: %d %v %v (survived %d)", status, rep, err, issued)
	}
	checkLicenceLedger(t, db)
	t.Logf("%d licences survived the kill; the file sent again issued %v", issued, rep["issued"])
}

// checkLicenceLedger checks that every licence event has its leaf holding
// its record's hash, every licence leaf its event, and every licence its
// issued event.
func checkLicenceLedger(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT e.leaf_index, e.name, e.identifier, e.version, e.data, e.use_id, e.reason, e.at, COALESCE(l.kind, ''), COALESCE(l.record_hash, '')
		FROM licence_events e LEFT JOIN ledger_leaves l ON l.idx = e.leaf_index`)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for rows.Next() {
		var e licence.Event
		var idx int64
		var at, kind, hash string
		if err := rows.Scan(&idx, &e.Name, &e.Identifier, &e.Version, &e.Data, &e.Use, &e.Reason, &at, &kind, &hash); err != nil {
			t.Fatal(err)
		}
		e.At, _ = store.ParseTime(at)
		if kind != "licence."+e.Name || hash != e.Record().Hash() {
			rows.Close()
			t.Fatalf("event at leaf %d (%s %s): the leaf holds %q %q", idx, e.Name, e.Identifier, kind, hash)
		}
		events++
	}
	rows.Close()
	var orphans, leaves, licences, withoutIssued int
	db.QueryRow(ctx, "SELECT COUNT(*) FROM ledger_leaves WHERE kind LIKE 'licence.%'").Scan(&leaves)
	db.QueryRow(ctx, "SELECT COUNT(*) FROM ledger_leaves l LEFT JOIN licence_events e ON e.leaf_index = l.idx WHERE l.kind LIKE 'licence.%' AND e.leaf_index IS NULL").Scan(&orphans)
	db.QueryRow(ctx, "SELECT COUNT(*) FROM licences").Scan(&licences)
	db.QueryRow(ctx, "SELECT COUNT(*) FROM licences c WHERE NOT EXISTS (SELECT 1 FROM licence_events e WHERE e.licence_id = c.id AND e.name = 'issued')").Scan(&withoutIssued)
	if orphans != 0 || leaves != events || withoutIssued != 0 || licences == 0 {
		t.Fatalf("%d licence leaves, %d events, %d leaves without an event, %d of %d licences without their issued event", leaves, events, orphans, withoutIssued, licences)
	}
}
