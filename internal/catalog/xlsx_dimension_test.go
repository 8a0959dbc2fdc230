package catalog

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The export declares each sheet's real used range, so that readers that
// trust <dimension> see every column and row.
func TestXLSXDimension(t *testing.T) {
	in := transferEntries()
	data := exportXLSX(t, in)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dim := regexp.MustCompile(`<dimension ref="([A-Z0-9:]+)"`)
	for i, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		cols := 0
		for _, r := range rows {
			cols = max(cols, len(r))
		}
		last, _ := excelize.CoordinatesToCellName(cols, len(rows))
		part, err := zr.Open("xl/worksheets/sheet" + string(rune('1'+i)) + ".xml")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(part)
		m := dim.FindStringSubmatch(b.String())
		if m == nil {
			t.Fatalf("%s: no <dimension>", sheet)
		}
		if got, want := m[1], "A1:"+last; got != want {
			t.Errorf("%s: dimension %s, want %s", sheet, got, want)
		}
	}
}

// openpyxl in read-only mode (what large files need) reads the used range
// from <dimension>: it must see every row and column of the export.
func TestXLSXReadOnlyReader(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-openpyxl is not installed; .ci/run must install it")
		}
		t.Skip("install Debian's python3-openpyxl to read the export as openpyxl does")
	}
	in := transferEntries()
	path := filepath.Join(t.TempDir(), "catalog.xlsx")
	if err := os.WriteFile(path, exportXLSX(t, in), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", `import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for ws in wb.worksheets[:2]:
    rows = [r for r in ws.iter_rows(values_only=True)]
    print(ws.title, len(rows), max(len([c for c in r if c is not None]) for r in rows))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	items := 0
	for _, x := range in {
		items += len(x.Entry.Items)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, want := range []struct {
		sheet string
		rows  int
		cols  int
	}{{SheetEntries, len(in) + 1, len(entryColumns)}, {SheetItems, items + 1, len(itemColumns)}} {
		f := strings.Fields(lines[i])
		if f[0] != want.sheet || f[1] != strconv.Itoa(want.rows) || f[2] != strconv.Itoa(want.cols) {
			t.Errorf("openpyxl read %q, want sheet %s with %d rows and %d filled header columns", lines[i], want.sheet, want.rows, want.cols)
		}
	}
}
