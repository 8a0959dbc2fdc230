package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

func TestCatalogCommands(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	c := login(t, p.URL, "gaj.cataloger", demo.Password)
	status, tok := c.do("POST", "/api/v1/tokens", map[string]any{"name": "catalog script"})
	if status != 201 {
		t.Fatalf("token: %d %v", status, tok)
	}
	vars := map[string]string{"GOVSHARE_TOKEN": tok["token"].(string), "GOVSHARE_URL": p.URL}
	dir := t.TempDir()
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := Run(context.Background(), args, env(vars), &out, io.Discard)
		return out.String(), err
	}
	for _, format := range []string{"json", "xlsx", "dcat"} {
		file := filepath.Join(dir, "catalog."+format)
		if _, err := run("catalog", "export", "--format", format, "--out", file); err != nil {
			t.Fatalf("export %s: %v", format, err)
		}
		if fi, err := os.Stat(file); err != nil || fi.Size() < 100 {
			t.Fatalf("export %s wrote %v, %v", format, fi, err)
		}
	}
	// The cataloger sees the published entries of every department and the
	// drafts of their own; re-importing their own department's entries changes nothing.
	raw, _ := os.ReadFile(filepath.Join(dir, "catalog.json"))
	var doc struct {
		Entries []map[string]any `json:"entries"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var own []map[string]any
	for _, e := range doc.Entries {
		if e["provider_name"] == "株洲市公安局" {
			own = append(own, e)
		}
	}
	if len(own) == 0 {
		t.Fatalf("no 公安局 entry in the export of %d", len(doc.Entries))
	}
	ownFile := filepath.Join(dir, "own.json")
	b, _ := json.Marshal(map[string]any{"entries": own})
	os.WriteFile(ownFile, b, 0o600)
	out, err := run("catalog", "import", ownFile)
	if err != nil || !strings.Contains(out, "0 created, 0 updated") {
		t.Fatalf("re-import = %q, %v", out, err)
	}
	// A broken file: every problem is reported and nothing is written.
	own[0]["share_type"] = "sometimes"
	own[0]["items"] = []any{map[string]any{"name": "姓名", "identifier": "Bad Name", "data_type": "Q"}}
	b, _ = json.Marshal(map[string]any{"entries": own})
	os.WriteFile(ownFile, b, 0o600)
	out, err = run("catalog", "import", ownFile)
	if err == nil {
		t.Fatalf("broken import succeeded: %s", out)
	}
	for _, want := range []string{"share_type", "identifier", "data_type"} {
		if !strings.Contains(out, want) {
			t.Errorf("problems %q do not mention %s", out, want)
		}
	}
	if _, err := run("catalog", "import", filepath.Join(dir, "catalog.dcat")); err == nil {
		t.Error("importing a DCAT file succeeded")
	}
}
