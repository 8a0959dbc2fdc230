package division

import (
	"cmp"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// DefaultVersion is the version of the embedded table.
const DefaultVersion = "NBS 2022-10-31"

//go:embed data/provinces.csv data/cities.csv data/areas.csv
var data embed.FS

// Division is one administrative division.
type Division struct {
	Code   string // six digits, GB/T 2260: 430200
	Name   string // 株洲市
	Level  int    // 1 province, 2 prefecture, 3 county
	Parent string // the containing division's code; "" for provinces
}

// Table is a versioned set of divisions. It is safe for concurrent use and is
// never modified after Load returns it.
type Table struct {
	version  string
	byCode   map[string]Division
	children map[string][]Division // by parent code, sorted by code; "" holds the provinces
}

// Lookup returns the division with the six-digit code, and whether the table
// has it. Its Parent is the table's: for a county, the prefecture named in
// the data, which may be a summary code such as 110100 (市辖区) or 419000
// (省直辖县级行政区划).
func (t *Table) Lookup(code string) (Division, bool) {
	d, ok := t.byCode[code]
	return d, ok
}

// Children returns the divisions whose parent is code, sorted by code, or
// the provinces if code is "". The slice is the caller's to keep.
func (t *Table) Children(code string) []Division {
	return slices.Clone(t.children[code])
}

// Version returns the label given to Load, such as "NBS 2022-10-31".
func (t *Table) Version() string { return t.version }

// Len returns the number of divisions in the table.
func (t *Table) Len() int { return len(t.byCode) }

var defaultTable = sync.OnceValue(func() *Table {
	open := func(name string) io.Reader {
		f, err := data.Open("data/" + name)
		if err != nil {
			panic("division: embedded " + name + ": " + err.Error())
		}
		return f
	}
	t, err := Load(open("provinces.csv"), open("cities.csv"), open("areas.csv"), DefaultVersion)
	if err != nil {
		panic("division: embedded table: " + err.Error())
	}
	return t
})

// Default returns the embedded table (version DefaultVersion), parsed on
// first use. It panics if the embedded files are malformed, which tests rule
// out.
func Default() *Table { return defaultTable() }

// Load reads a table from CSV files in the layout of the embedded ones, each
// with a header row naming its columns (in any order; others are ignored):
//
//	provinces: code (2 digits), name
//	cities:    code (4 digits), name, provinceCode
//	areas:     code (6 digits), name, cityCode, provinceCode
//
// Codes are padded with zeros to six digits. Every city must belong to a
// province given earlier, and every area to a city. An area with the code of
// its own city (a city without counties, such as 441900 东莞市) is kept once,
// as the city. version labels the table, for Version.
//
// A malformed row stops Load with an error naming the file and line.
func Load(provinces, cities, areas io.Reader, version string) (*Table, error) {
	if strings.TrimSpace(version) == "" {
		return nil, errors.New("division: version must not be empty")
	}
	l := loader{t: &Table{version: version, byCode: map[string]Division{}, children: map[string][]Division{}}, line: map[string]int{}}

	err := readCSV("provinces.csv", provinces, []string{"code", "name"}, func(line int, f []string) error {
		code, name := f[0], f[1]
		if !isDigits(code, 2) || code == "00" {
			return fmt.Errorf("code %q is not two digits for a province", code)
		}
		return l.add(line, Division{Code: code + "0000", Name: name, Level: 1})
	})
	if err != nil {
		return nil, err
	}

	err = readCSV("cities.csv", cities, []string{"code", "name", "provinceCode"}, func(line int, f []string) error {
		code, name, prov := f[0], f[1], f[2]
		if !isDigits(code, 4) || code[2:] == "00" {
			return fmt.Errorf("code %q is not four digits for a prefecture", code)
		}
		parent, err := l.parent(prov, 2, 1, code)
		if err != nil {
			return err
		}
		return l.add(line, Division{Code: code + "00", Name: name, Level: 2, Parent: parent})
	})
	if err != nil {
		return nil, err
	}

	err = readCSV("areas.csv", areas, []string{"code", "name", "cityCode", "provinceCode"}, func(line int, f []string) error {
		code, name, city, prov := f[0], f[1], f[2], f[3]
		if !isDigits(code, 6) {
			return fmt.Errorf("code %q is not six digits", code)
		}
		if !isDigits(prov, 2) || !strings.HasPrefix(code, prov) || !strings.HasPrefix(city, prov) {
			return fmt.Errorf("code %q and city %q are not in province %q", code, city, prov)
		}
		parent, err := l.parent(city, 4, 2, code)
		if err != nil {
			return err
		}
		if code == parent {
			return nil // a city without counties, listed again as its own county
		}
		if Level(code) != 3 {
			return fmt.Errorf("code %q is not a county-level code", code)
		}
		return l.add(line, Division{Code: code, Name: name, Level: 3, Parent: parent})
	})
	if err != nil {
		return nil, err
	}

	t := l.t
	for _, d := range t.byCode {
		t.children[d.Parent] = append(t.children[d.Parent], d)
	}
	for _, c := range t.children {
		slices.SortFunc(c, func(a, b Division) int { return cmp.Compare(a.Code, b.Code) })
	}
	return t, nil
}

// loader builds a Table, remembering where each code was defined.
type loader struct {
	t    *Table
	line map[string]int
}

func (l *loader) add(line int, d Division) error {
	if prev, ok := l.line[d.Code]; ok {
		return fmt.Errorf("code %s is already defined, on line %d", d.Code, prev)
	}
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		return fmt.Errorf("code %s has no name", d.Code)
	}
	l.t.byCode[d.Code] = d
	l.line[d.Code] = line
	return nil
}

// parent returns the six-digit code of the parent named by short, a code of
// n digits at the given level, after checking that it exists and that child
// is inside it.
func (l *loader) parent(short string, n, level int, child string) (string, error) {
	if !isDigits(short, n) {
		return "", fmt.Errorf("parent code %q is not %d digits", short, n)
	}
	if !strings.HasPrefix(child, short[:2]) {
		return "", fmt.Errorf("code %q is not in province %q", child, short[:2])
	}
	code := short + strings.Repeat("0", 6-n)
	if d, ok := l.t.byCode[code]; !ok || d.Level != level {
		return "", fmt.Errorf("parent %s of %s is not defined", short, child)
	}
	return code, nil
}

// readCSV reads the CSV file called name from r, finds the columns cols by
// the header row, and calls row with each later row's line number and those
// columns' values. Errors name the file and line.
func readCSV(name string, r io.Reader, cols []string, row func(line int, fields []string) error) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("division: %s: empty, want a header row", name)
	}
	if err != nil {
		return csvError(name, err)
	}
	header = slices.Clone(header)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\uFEFF") // a byte order mark, as spreadsheets write
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		if idx[i] = slices.Index(header, c); idx[i] < 0 {
			return fmt.Errorf("division: %s line 1: no column %q in header %q", name, c, strings.Join(header, ","))
		}
	}
	fields := make([]string, len(cols))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(name, err)
		}
		line, _ := cr.FieldPos(0)
		for i, j := range idx {
			fields[i] = rec[j]
		}
		if err := row(line, fields); err != nil {
			return fmt.Errorf("division: %s line %d: %w", name, line, err)
		}
	}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("division: %s line %d: %w", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("division: %s: %w", name, err)
}

// isDigits reports whether s is n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range n {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
