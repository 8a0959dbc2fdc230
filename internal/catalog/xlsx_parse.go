package catalog

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// xlsxParser holds the state of one ParseXLSX call.
type xlsxParser struct {
	lim      Limits
	ps       problems
	formulas int // formula cells seen
	out      []Imported
	states   []*entryState
	byCode   map[string]int   // entry index by code
	byName   map[string][]int // new entries (no code) by name
	named    map[string]int   // entries with a code, by name, for hints
	entries  *layout
	items    *layout
}

// entryState is what the parser knows about one entry beyond the Entry.
type entryState struct {
	bad      map[string]bool // field keys already reported
	itemRows []int           // the 信息项 row of each item
}

// ParseXLSX reads entries from a workbook in the template's form (see
// WriteTemplate). Every cell is checked and every problem is returned at
// once, located by sheet, row and column header; each entry is normalized
// and validated. Entries are returned even when there are problems.
//
// A file that is too large, not an xlsx workbook, expands too much, lacks a
// sheet or a required column, or holds more entries or items than lim
// allows is refused with an error wrapping ErrRefused. Formulas are never
// evaluated: a cell holding one is a problem.
//
// The worksheets are read by a streaming scanner of the few SpreadsheetML
// elements cells use (see sheetReader), not by excelize: its Rows
// iterator, built on encoding/xml, took 6.9 s just to read the 4 million
// cells of 10,000 entries of 20 items, most of the 10 s an import may take;
// ParseXLSX does all its work on that file in 1.1 s.
func ParseXLSX(r io.Reader, lim Limits) (out []Imported, probs []Problem, err error) {
	lim = lim.orDefault()
	data, err := readLimited(r, lim.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		// A bug met by a hostile file should cost the user a refusal, not
		// the server a goroutine; the stack goes to the log with the cause.
		if v := recover(); v != nil {
			out, probs = nil, nil
			err = refuseCause(fmt.Errorf("%w: %v\n%s", errPanic, v, debug.Stack()), errs.Invalid, msgWorkbookUnreadable)
		}
	}()
	pkg, err := checkPackage(data, unzipRatio*lim.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	for _, sheet := range []string{SheetEntries, SheetItems} {
		if pkg.sheets[sheet] == nil {
			return nil, nil, refuse(errs.Invalid, msgNoSheet, sheet)
		}
	}
	// A cell's text is kept up to textCap bytes: enough to tell that it
	// is longer than MaxCellChars.
	textCap := max(1<<20, 4*lim.MaxCellChars+4)
	var sst []string
	if pkg.sharedStrings != nil {
		if sst, err = readSharedStrings(pkg.sharedStrings, textCap); err != nil {
			return nil, nil, refuseCause(err, errs.Invalid, msgSharedStrings)
		}
	}
	p := &xlsxParser{lim: lim, byCode: map[string]int{}, byName: map[string][]int{}, named: map[string]int{}}
	if err := p.readSheet(pkg.sheets[SheetEntries], sst, textCap, SheetEntries, entryColumns, p.entryRow); err != nil {
		return p.finish(err)
	}
	if len(p.out) == 0 {
		p.ps.add(Problem{Sheet: SheetEntries}.withText(msgNoEntries.With()), 1, 0)
	}
	if err := p.readSheet(pkg.sheets[SheetItems], sst, textCap, SheetItems, itemColumns, p.itemRow); err != nil {
		return p.finish(err)
	}
	return p.finish(nil)
}

// finish validates what was read, unless the file was refused.
func (p *xlsxParser) finish(err error) ([]Imported, []Problem, error) {
	if err != nil && err != errStop {
		return nil, nil, err
	}
	p.validate()
	return p.out, p.ps.sorted(), nil
}

// readSheet streams the rows of a sheet, reading the header from row 1 and
// handing each later row to handle.
func (p *xlsxParser) readSheet(part *zip.File, sst []string, textCap int, sheet string, defs []column, handle func(*sheetRow) error) error {
	rc, err := part.Open()
	if err != nil {
		return refuseCause(err, errs.Invalid, msgSheetUnreadable, sheet)
	}
	defer rc.Close()
	sr := newSheetReader(rc, sst, textCap)
	header := false
	for {
		row, err := sr.next()
		if err != nil {
			var se sheetError
			switch {
			case errors.Is(err, errTooManyRows):
				return refuse(errs.TooLarge, msgSheetTooManyRows, sheet, maxRows)
			case errors.As(err, &se):
				return refuseCause(err, errs.Invalid, msgSheetMalformed, sheet, se)
			case errors.Is(err, io.ErrUnexpectedEOF):
				return refuseCause(err, errs.Invalid, msgSheetCut, sheet)
			}
			return refuseCause(err, errs.Invalid, msgSheetUnreadable, sheet)
		}
		if row == nil {
			break
		}
		if !header {
			header = true
			cells := row.cells
			if row.num != 1 {
				cells = nil
			}
			lay, err := readHeader(sheet, cells, defs, &p.ps)
			if err != nil {
				return err
			}
			if sheet == SheetEntries {
				p.entries = lay
			} else {
				p.items = lay
			}
			if row.num == 1 {
				continue
			}
		}
		for _, f := range row.formula {
			if f {
				p.formulas++
			}
		}
		if p.formulas > MaxProblems {
			return refuse(errs.Invalid, msgTooManyFormulas, sheet, MaxProblems)
		}
		if err := handle(row); err != nil {
			return err
		}
		if p.ps.full {
			return errStop
		}
	}
	if !header {
		return refuse(errs.Invalid, msgSheetEmpty, sheet)
	}
	return nil
}

// blank reports whether a row holds nothing but spaces and no formula.
func blank(row *sheetRow) bool {
	for i, c := range row.cells {
		if row.formula[i] {
			return false
		}
		for _, r := range c {
			if !unicode.IsSpace(r) {
				return false
			}
		}
	}
	return true
}

// readCells reads the cells of one row into the fields target points to,
// reporting every problem. keyPrefix turns a column's field into the
// Entry field key (items[3].); bad records the keys reported. A nil bad
// means the row belongs to no entry: its problems name no field.
func (p *xlsxParser) readCells(lay *layout, row *sheetRow, keyPrefix string, bad map[string]bool, target func(c *column) any) {
	rank := sheetRank(lay.sheet)
	problem := func(i int, key string, msg errs.Text) {
		if bad == nil {
			key = ""
		} else if key != "" {
			bad[key] = true
		}
		p.ps.add(Problem{Sheet: lay.sheet, Row: row.num, Column: lay.headers[i], Field: key}.withText(msg), rank, i)
	}
	for i, raw := range row.cells {
		formula := row.formula[i]
		v := strings.TrimSpace(raw)
		if v == "" && !formula {
			continue
		}
		if i >= len(lay.cols) || lay.cols[i] == nil {
			if i < len(lay.cols) && lay.unknown[i] || lay.noHeader[i] {
				continue
			}
			lay.noHeader[i] = true
			p.ps.add(Problem{Sheet: lay.sheet, Row: row.num, Column: colName(i)}.withText(msgNoHeader.With(colName(i))), rank, i)
			continue
		}
		c := lay.cols[i]
		key := func() string { // built only for a problem
			if c.kind == tieCol {
				return ""
			}
			return keyPrefix + c.field
		}
		switch {
		case formula:
			problem(i, key(), msgFormula.With())
		case len(v) > p.lim.MaxCellChars && utf8.RuneCountInString(v) > p.lim.MaxCellChars:
			problem(i, key(), msgLongerThan.With(p.lim.MaxCellChars))
		default:
			if msg := c.set(target(c), v); !msg.IsZero() {
				problem(i, key(), msg)
			}
		}
	}
	for i, c := range lay.cols {
		if c == nil || !c.need {
			continue
		}
		key := keyPrefix + c.field
		if s, ok := target(c).(*string); ok && *s == "" && (bad == nil || !bad[key]) {
			labels := zhLabels(c.enum)
			if c.kind == typeCol {
				labels = zhLabels(DataTypes)
			}
			problem(i, key, msgRequiredOneOf.With(strings.Join(labels, ", ")))
		}
	}
}

// entryRow reads one row of 目录.
func (p *xlsxParser) entryRow(row *sheetRow) error {
	if blank(row) {
		return nil
	}
	if len(p.out) == p.lim.MaxEntries {
		return refuse(errs.TooLarge, msgSheetTooManyEnt, SheetEntries, p.lim.MaxEntries)
	}
	imp := Imported{Row: row.num}
	st := &entryState{bad: map[string]bool{}}
	p.readCells(p.entries, row, "", st.bad, func(c *column) any {
		return c.ptr(&imp.Entry, nil, &imp.ProviderCreditCode)
	})
	k := len(p.out)
	e := &imp.Entry
	codeCol, nameCol := p.entries.byField["code"], p.entries.byField["name"]
	switch {
	case e.Code != "":
		if j, dup := p.byCode[e.Code]; dup {
			st.bad["code"] = true
			p.ps.add(Problem{Sheet: SheetEntries, Row: row.num, Column: p.entries.headers[codeCol], Field: "code"}.
				withText(msgCodeRepeatsRow.With(e.Code, p.out[j].Row)), 1, codeCol)
		} else {
			p.byCode[e.Code] = k
		}
		if _, ok := p.named[e.Name]; !ok {
			p.named[e.Name] = k
		}
	case e.Name != "":
		if prev := p.byName[e.Name]; len(prev) > 0 {
			p.ps.add(Problem{Sheet: SheetEntries, Row: row.num, Column: p.entries.headers[nameCol], Field: "name"}.
				withText(msgNameRepeatsRow.With(p.out[prev[0]].Row)), 1, nameCol)
			st.bad["name"] = true
		}
		p.byName[e.Name] = append(p.byName[e.Name], k)
	}
	p.out = append(p.out, imp)
	p.states = append(p.states, st)
	return nil
}

// itemRow reads one row of 信息项 and ties it to its entry.
func (p *xlsxParser) itemRow(row *sheetRow) error {
	if blank(row) {
		return nil
	}
	tieValue := func(field string) string {
		i, ok := p.items.byField["entry."+field]
		if !ok || i >= len(row.cells) || row.formula[i] {
			return ""
		}
		return strings.TrimSpace(row.cells[i])
	}
	var it Item
	var ignored string
	target := func(c *column) any {
		if c.kind == tieCol {
			return &ignored
		}
		return c.ptr(nil, &it, nil)
	}
	k, msg, field := p.tie(tieValue("code"), tieValue("name"))
	if k < 0 {
		if !msg.IsZero() {
			at := p.items.byField["entry."+field]
			p.ps.add(Problem{Sheet: SheetItems, Row: row.num, Column: p.items.headers[at]}.withText(msg), 2, at)
		}
		p.readCells(p.items, row, "", nil, target)
		return nil
	}
	e, st := &p.out[k].Entry, p.states[k]
	if len(e.Items) == p.lim.MaxItemsPerEntry {
		return refuse(errs.TooLarge, msgRowTooManyItems, p.out[k].Row, SheetEntries, p.lim.MaxItemsPerEntry)
	}
	p.readCells(p.items, row, fmt.Sprintf("items[%d].", len(e.Items)), st.bad, target)
	e.Items = append(e.Items, it)
	st.itemRows = append(st.itemRows, row.num)
	return nil
}

// tie finds the entry an item row names: by code when the row gives one,
// else by the name of a new entry. It returns -1 and a problem (with the
// tie column it concerns) when there is no single entry.
func (p *xlsxParser) tie(code, name string) (int, errs.Text, string) {
	if code != "" {
		k, ok := p.byCode[code]
		if !ok {
			return -1, msgTieNoCode.With(SheetEntries, code), "code"
		}
		if name != "" && name != p.out[k].Entry.Name {
			return -1, msgTieNameDiffers.With(code, p.out[k].Entry.Name, name), "name"
		}
		return k, errs.Text{}, ""
	}
	if name == "" {
		return -1, msgTieNeedCode.With(), "code"
	}
	switch ks := p.byName[name]; len(ks) {
	case 0:
		if k, ok := p.named[name]; ok {
			return -1, msgTieHasCode.With(name, p.out[k].Entry.Code), "code"
		}
		return -1, msgTieNoName.With(SheetEntries, name), "name"
	case 1:
		return ks[0], errs.Text{}, ""
	default:
		rows := make([]string, len(ks))
		for i, k := range ks {
			rows[i] = strconv.Itoa(p.out[k].Row)
		}
		return -1, msgTieNamedTwice.With(len(ks), name, strings.Join(rows, ", "), SheetEntries), "name"
	}
}

// validate normalizes and validates every entry, locating each problem at
// the cell it concerns (as long as the problem list has room).
func (p *xlsxParser) validate() {
	for k := range p.out {
		imp, st := &p.out[k], p.states[k]
		imp.Entry.Normalize()
		for key, t := range fieldErrors(imp.Entry.Validate()) {
			if suppressed(st.bad, key) {
				continue
			}
			pr := Problem{Sheet: SheetEntries, Row: imp.Row, Field: key}.withText(t)
			lay, field := p.entries, key
			if rest, ok := strings.CutPrefix(key, "items["); ok {
				n, f, _ := strings.Cut(rest, "].")
				i, _ := strconv.Atoi(n)
				if i < len(st.itemRows) {
					pr.Sheet, pr.Row, lay, field = SheetItems, st.itemRows[i], p.items, f
				}
			}
			col, ok := lay.byField[field]
			if ok {
				pr.Column = lay.headers[col]
			} else {
				col = 1 << 20
			}
			p.ps.add(pr, sheetRank(pr.Sheet), col)
		}
	}
}
