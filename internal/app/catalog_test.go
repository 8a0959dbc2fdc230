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
	// The default export holds the cataloger's own department's entries, and
	// importing it back changes nothing.
	readEntries := func(file string) []map[string]any {
		raw, _ := os.ReadFile(file)
		var doc struct {
			Entries []map[string]any `json:"entries"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Entries
	}
	own := readEntries(filepath.Join(dir, "catalog.json"))
	if len(own) == 0 {
		t.Fatal("the default export is empty")
	}
	for _, e := range own {
		if e["provider_name"] != "株洲市公安局" {
			t.Fatalf("the default export holds %v of %v", e["name"], e["provider_name"])
		}
	}
	for _, format := range []string{"json", "xlsx"} {
		if out, err := run("catalog", "import", filepath.Join(dir, "catalog."+format)); err != nil || !strings.Contains(out, "0 created, 0 updated") {
			t.Fatalf("round trip of the %s export = %q, %v", format, out, err)
		}
	}
	// --all adds the published entries of other departments; importing that
	// file back leaves them aside, unchanged, with a note.
	allFile := filepath.Join(dir, "all.json")
	if _, err := run("catalog", "export", "--all", "--out", allFile); err != nil {
		t.Fatal(err)
	}
	all := readEntries(allFile)
	if len(all) <= len(own) {
		t.Fatalf("--all exported %d entries, the default %d", len(all), len(own))
	}
	out, err := run("catalog", "import", allFile)
	if err != nil || !strings.Contains(out, "0 created, 0 updated") || !strings.Contains(out, "left aside: ") {
		t.Fatalf("round trip of --all = %q, %v", out, err)
	}
	// A changed row of another department's entry is still refused.
	for _, e := range all {
		if e["provider_name"] != "株洲市公安局" {
			e["summary"] = "changed by another department"
			break
		}
	}
	b, _ := json.Marshal(map[string]any{"entries": all})
	os.WriteFile(allFile, b, 0o600)
	if out, err := run("catalog", "import", allFile); err == nil || !strings.Contains(out, "own department") {
		t.Fatalf("import changing another department's entry = %q, %v", out, err)
	}
	ownFile := filepath.Join(dir, "own.json")
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
