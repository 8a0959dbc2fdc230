package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
)

// ImportOptions configure the catalog import benchmark.
type ImportOptions struct {
	Entries int
	Items   int
	Target
}

// CatalogImport writes opts.Entries entries of opts.Items items each into
// the Excel template, then times parsing and importing it into an empty
// catalog, and importing it a second time (which must change nothing).
func CatalogImport(ctx context.Context, opts ImportOptions, out io.Writer) error {
	db, orgs, svc, err := openCity(ctx, opts.Database, filepath.Join(opts.Dir, "import.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	_, p, err := orgs.Login(ctx, "gaj.cataloger", demo.Password, "127.0.0.1")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(3, 4))
	entries := make([]catalog.Exported, opts.Entries)
	for i := range entries {
		e := generate(r, i)
		e.Items = e.Items[:0]
		for j := 0; j < opts.Items; j++ {
			e.Items = append(e.Items, catalog.Item{Name: fmt.Sprintf("%s%d", itemVocab[j%len(itemVocab)], j), Identifier: fmt.Sprintf("f%d", j),
				DataType: "string", Length: 64})
		}
		entries[i] = catalog.Exported{Entry: e}
	}
	var file bytes.Buffer
	if err := catalog.WriteXLSX(&file, entries); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: template with %d entries × %d items: %.1f MB\n", db.Dialect, opts.Entries, opts.Items, float64(file.Len())/1e6)
	for round := 1; round <= 2; round++ {
		t0 := time.Now()
		items, problems, err := catalog.ParseXLSX(bytes.NewReader(file.Bytes()), catalog.DefaultLimits)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return fmt.Errorf("the generated file has problems: %+v", problems[0])
		}
		parsed := time.Since(t0)
		rep, err := svc.Import(ctx, p, items, catalog.SheetEntries)
		if err != nil {
			return fmt.Errorf("import: %w %+v", err, rep.Problems)
		}
		total := time.Since(t0)
		fmt.Fprintf(out, "import %d: parse %s + write %s = %s (%.0f entries/s): %d created, %d updated, %d unchanged\n", round,
			parsed.Round(time.Millisecond), (total - parsed).Round(time.Millisecond), total.Round(time.Millisecond),
			float64(opts.Entries)/total.Seconds(), rep.Created, rep.Updated, rep.Unchanged)
	}
	return nil
}
