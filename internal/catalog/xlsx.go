package catalog

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
	"github.com/xuri/excelize/v2"
)

// The Excel template (导入模板) that cataloguers fill in has three sheets:
//
//   - 目录: one row per entry, under the headers of entryColumns;
//   - 信息项: one row per information item, under the headers of itemColumns;
//   - 可选值: the allowed labels of each enumerated column, which the drop-down
//     lists of the other two sheets refer to. Import ignores it.
//
// An item row names its entry in 资源代码 or 资源名称: an entry that has a
// code is named by its code, a new entry (no code yet) by its name. An item
// row whose code or name matches no entry, or a name that two new entries
// share, is a problem. When a row gives both, the name must be the entry's.

// Sheet names of the template.
const (
	SheetEntries = "目录"
	SheetItems   = "信息项"
	SheetValues  = "可选值"
)

func sheetRank(s string) int {
	switch s {
	case SheetEntries:
		return 1
	case SheetItems:
		return 2
	}
	return 0
}

// Bounds of an xlsx package, checked before any part is inflated. Go's zip
// reader never inflates a part beyond its declared size, so bounding the
// declared sizes bounds the work. Worksheets are streamed, so what they
// expand to costs time, not memory; the shared string table is held in
// memory and has its own bound.
const (
	unzipRatio       = 8         // all parts together may expand to 8 × Limits.MaxBytes (512 MiB by default)
	maxSharedStrings = 128 << 20 // the shared string table, uncompressed
	maxStrings       = 1 << 22   // strings in the table
	maxParts         = 10000
	maxXMLInMemory   = 16 << 20 // workbook.xml and its relationships
	maxRows          = 1 << 20  // rows of a sheet, as Excel allows
	maxColumns       = 16384    // columns of a sheet (A to XFD), as Excel allows
	maxRowBytes      = 16 << 20 // the text of one row
)

type colKind uint8

const (
	textCol   colKind = iota
	digitsCol         // 项 and 目: digits, a number such as 1 is padded with zeros
	enumCol           // a label, value or English label of enum
	typeCol           // a data type: label, value, classic letter or older name
	boolCol           // 是/否/true/false/1/0/Y/N
	intCol            // a whole number
	listCol           // values separated by ;
	creditCol         // a unified social credit code
	tieCol            // 信息项 only: names the item's entry (资源代码 or 资源名称)
)

// column is one column of the template.
type column struct {
	header   string // as written in the template
	field    string // the Entry or Item field key; for tie columns "code" or "name"
	kind     colKind
	enum     Enum
	list     string // the 可选值 column its drop-down refers to
	digits   int    // width of a digitsCol
	required bool   // the header must be in the file
	need     bool   // an enumerated value is required (the message lists the labels)
	width    float64
	ptr      func(e *Entry, it *Item, credit *string) any // *string, *int, *int64, *bool or *[]string
}

// Names of the 可选值 lists.
const (
	listCategory  = "资源分类"
	listFormat    = "资源格式"
	listShare     = "共享类型"
	listMode      = "共享方式"
	listChannel   = "共享渠道"
	listOpen      = "开放类型"
	listCycle     = "更新周期"
	listGrade     = "数据分级"
	listDataType  = "数据类型"
	listMasking   = "脱敏规则"
	listValidator = "校验规则"
	listYesNo     = "是否"
)

// classicLetters are the single-letter data types of the national guide.
var classicLetters = []string{"C", "N", "Y", "D", "T", "L", "M", "G", "B", "I", "F"}

func zhLabels(e Enum) []string {
	out := make([]string, len(e))
	for i, o := range e {
		out[i] = o.ZH
	}
	return out
}

// valueLists are the columns of 可选值, in order.
var valueLists = []struct {
	name   string
	values []string
}{
	{listCategory, zhLabels(Categories)},
	{listFormat, zhLabels(Formats)},
	{listShare, zhLabels(ShareTypes)},
	{listMode, zhLabels(ShareModes)},
	{listChannel, zhLabels(ShareChannels)},
	{listOpen, zhLabels(OpenTypes)},
	{listCycle, zhLabels(UpdateCycles)},
	{listGrade, zhLabels(Grades)},
	{listDataType, append(zhLabels(DataTypes), classicLetters...)},
	{listMasking, zhLabels(Maskings)},
	{listValidator, zhLabels(Validators)},
	{listYesNo, []string{"是", "否"}},
}

func text(h, field string, w float64, p func(*Entry) *string) column {
	return column{header: h, field: field, kind: textCol, width: w, ptr: func(e *Entry, _ *Item, _ *string) any { return p(e) }}
}

func enumC(h, field string, en Enum, list string, need bool, p func(*Entry) *string) column {
	return column{header: h, field: field, kind: enumCol, enum: en, list: list, required: need, need: need, width: 14,
		ptr: func(e *Entry, _ *Item, _ *string) any { return p(e) }}
}

func itext(h, field string, w float64, p func(*Item) *string) column {
	return column{header: h, field: field, kind: textCol, width: w, ptr: func(_ *Entry, it *Item, _ *string) any { return p(it) }}
}

func ienum(h, field string, en Enum, list string, p func(*Item) *string) column {
	return column{header: h, field: field, kind: enumCol, enum: en, list: list, width: 14,
		ptr: func(_ *Entry, it *Item, _ *string) any { return p(it) }}
}

func ibool(h, field string, p func(*Item) *bool) column {
	return column{header: h, field: field, kind: boolCol, list: listYesNo, width: 10,
		ptr: func(_ *Entry, it *Item, _ *string) any { return p(it) }}
}

// entryColumns are the columns of 目录, in template order.
var entryColumns = []column{
	func() column {
		c := text("资源代码", "code", 20, func(e *Entry) *string { return &e.Code })
		c.required = true
		return c
	}(),
	func() column {
		c := text("资源名称", "name", 32, func(e *Entry) *string { return &e.Name })
		c.required = true
		return c
	}(),
	text("资源摘要", "summary", 40, func(e *Entry) *string { return &e.Summary }),
	{header: "提供方统一社会信用代码", field: "provider_credit_code", kind: creditCol, width: 24,
		ptr: func(_ *Entry, _ *Item, credit *string) any { return credit }},
	enumC("资源分类", "category", Categories, listCategory, true, func(e *Entry) *string { return &e.Category }),
	{header: "项", field: "category_item", kind: digitsCol, digits: 2, required: true, width: 6,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.CategoryItem }},
	{header: "目", field: "category_sub_item", kind: digitsCol, digits: 3, required: true, width: 6,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.CategorySubItem }},
	text("细目", "category_detail", 8, func(e *Entry) *string { return &e.CategoryDetail }),
	enumC("资源格式", "format", Formats, listFormat, true, func(e *Entry) *string { return &e.Format }),
	text("格式说明", "format_note", 20, func(e *Entry) *string { return &e.FormatNote }),
	enumC("共享类型", "share_type", ShareTypes, listShare, true, func(e *Entry) *string { return &e.ShareType }),
	text("共享条件", "share_condition", 28, func(e *Entry) *string { return &e.ShareCondition }),
	text("不予共享依据", "share_basis", 28, func(e *Entry) *string { return &e.ShareBasis }),
	enumC("共享方式", "share_mode", ShareModes, listMode, false, func(e *Entry) *string { return &e.ShareMode }),
	enumC("共享渠道", "share_channel", ShareChannels, listChannel, false, func(e *Entry) *string { return &e.ShareChannel }),
	enumC("开放类型", "open_type", OpenTypes, listOpen, true, func(e *Entry) *string { return &e.OpenType }),
	text("开放条件", "open_condition", 28, func(e *Entry) *string { return &e.OpenCondition }),
	enumC("更新周期", "update_cycle", UpdateCycles, listCycle, true, func(e *Entry) *string { return &e.UpdateCycle }),
	enumC("数据分级", "grade", Grades, listGrade, false, func(e *Entry) *string { return &e.Grade }),
	{header: "是否物理删除", field: "physical_delete", kind: boolCol, list: listYesNo, width: 12,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.PhysicalDelete }},
	{header: "关联资源代码", field: "related", kind: listCol, width: 24,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.Related }},
	{header: "关键词", field: "keywords", kind: listCol, width: 24,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.Keywords }},
	{header: "数据量（条）", field: "records", kind: intCol, width: 14,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.Records }},
	{header: "数据大小（MB）", field: "size_mb", kind: intCol, width: 14,
		ptr: func(e *Entry, _ *Item, _ *string) any { return &e.SizeMB }},
	text("所属信息系统", "source_system", 20, func(e *Entry) *string { return &e.SourceSystem }),
	text("联系人", "contact", 10, func(e *Entry) *string { return &e.Contact }),
	text("联系电话", "phone", 16, func(e *Entry) *string { return &e.Phone }),
}

// itemColumns are the columns of 信息项, in template order.
var itemColumns = []column{
	{header: "资源代码", field: "code", kind: tieCol, required: true, width: 20},
	{header: "资源名称", field: "name", kind: tieCol, required: true, width: 32},
	func() column {
		c := itext("信息项名称", "name", 20, func(it *Item) *string { return &it.Name })
		c.required = true
		return c
	}(),
	func() column {
		c := itext("英文标识", "identifier", 18, func(it *Item) *string { return &it.Identifier })
		c.required = true
		return c
	}(),
	{header: "数据类型", field: "data_type", kind: typeCol, list: listDataType, required: true, need: true, width: 12,
		ptr: func(_ *Entry, it *Item, _ *string) any { return &it.DataType }},
	{header: "长度", field: "length", kind: intCol, width: 8,
		ptr: func(_ *Entry, it *Item, _ *string) any { return &it.Length }},
	{header: "精度", field: "precision", kind: intCol, width: 8,
		ptr: func(_ *Entry, it *Item, _ *string) any { return &it.Precision }},
	ibool("是否必填", "required", func(it *Item) *bool { return &it.Required }),
	ibool("是否主键", "key", func(it *Item) *bool { return &it.Key }),
	ibool("是否时间戳", "timestamp", func(it *Item) *bool { return &it.Timestamp }),
	ienum("共享类型", "share_type", ShareTypes, listShare, func(it *Item) *string { return &it.ShareType }),
	itext("共享条件", "share_condition", 28, func(it *Item) *string { return &it.ShareCondition }),
	ienum("开放类型", "open_type", OpenTypes, listOpen, func(it *Item) *string { return &it.OpenType }),
	ienum("数据分级", "grade", Grades, listGrade, func(it *Item) *string { return &it.Grade }),
	ibool("是否敏感", "sensitive", func(it *Item) *bool { return &it.Sensitive }),
	ienum("脱敏规则", "masking", Maskings, listMasking, func(it *Item) *string { return &it.Masking }),
	ienum("校验规则", "validator", Validators, listValidator, func(it *Item) *string { return &it.Validator }),
	itext("校验参数", "validator_param", 20, func(it *Item) *string { return &it.ValidatorParam }),
	itext("说明", "description", 30, func(it *Item) *string { return &it.Description }),
}

// set parses v (trimmed, not empty) into the field p points to and returns
// a problem, or "".
func (c *column) set(p any, v string) string {
	switch c.kind {
	case textCol:
		*p.(*string) = v
	case digitsCol:
		if len(v) < c.digits && digits(v, 1, c.digits) {
			v = strings.Repeat("0", c.digits-len(v)) + v
		}
		*p.(*string) = v
	case enumCol:
		val, ok := c.enum.Parse(v)
		if !ok {
			return fmt.Sprintf("%q is not allowed: use one of %s", v, strings.Join(zhLabels(c.enum), ", "))
		}
		*p.(*string) = val
	case typeCol:
		val, ok := ParseDataType(v)
		if !ok {
			return fmt.Sprintf("%q is not a data type: use one of %s, or a letter %s", v, strings.Join(zhLabels(DataTypes), ", "), strings.Join(classicLetters, ", "))
		}
		*p.(*string) = val
	case boolCol:
		b, ok := parseYesNo(v)
		if !ok {
			return fmt.Sprintf("%q is not yes or no: use 是 or 否", v)
		}
		*p.(*bool) = b
	case intCol:
		n, ok := parseWhole(v)
		if !ok {
			return fmt.Sprintf("%q is not a whole number", v)
		}
		switch p := p.(type) {
		case *int:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return fmt.Sprintf("%s is out of range", v)
			}
			*p = int(n)
		case *int64:
			*p = n
		}
	case listCol:
		*p.(*[]string) = splitList(v)
	case creditCol:
		v = strings.ToUpper(v)
		if msg := checkCredit(v); msg != "" {
			return msg
		}
		*p.(*string) = v
	}
	return ""
}

// cell renders the field p points to for export.
func (c *column) cell(p any) any {
	switch c.kind {
	case enumCol:
		return nonEmpty(c.enum.Label(*p.(*string), "zh-CN"))
	case typeCol:
		return nonEmpty(DataTypes.Label(*p.(*string), "zh-CN"))
	case boolCol:
		if *p.(*bool) {
			return "是"
		}
		return "否"
	case intCol:
		var n int64
		switch p := p.(type) {
		case *int:
			n = int64(*p)
		case *int64:
			n = *p
		}
		if n == 0 {
			return nil
		}
		return n
	case listCol:
		return nonEmpty(strings.Join(*p.(*[]string), ";"))
	}
	return nonEmpty(*p.(*string))
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func parseYesNo(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "是", "true", "1", "y", "yes":
		return true, true
	case "否", "false", "0", "n", "no":
		return false, true
	}
	return false, false
}

// parseWhole reads a whole number, also as Excel stores one (12, 12.0, 1.2E+3).
func parseWhole(v string) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func splitList(v string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// normHeader makes headers comparable: no spaces or * marks, full-width
// parentheses.
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '*' || r == '＊':
		case r == '(':
			b.WriteRune('（')
		case r == ')':
			b.WriteRune('）')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// layout is how a sheet's header row places the template's columns.
type layout struct {
	sheet    string
	cols     []*column // by position; nil for an empty or unknown header
	headers  []string  // the headers as written
	byField  map[string]int
	unknown  map[int]bool // positions with an unknown header (already reported)
	noHeader map[int]bool // positions without a header where a value was reported
}

func readHeader(sheet string, cells []string, defs []column, ps *problems) (*layout, error) {
	lay := &layout{sheet: sheet, cols: make([]*column, len(cells)), headers: make([]string, len(cells)),
		byField: map[string]int{}, unknown: map[int]bool{}, noHeader: map[int]bool{}}
	byHeader := map[string]int{}
	for i := range defs {
		byHeader[normHeader(defs[i].header)] = i
	}
	seen := map[int]int{}
	for i, h := range cells {
		lay.headers[i] = strings.TrimSpace(h)
		n := normHeader(h)
		if n == "" {
			continue
		}
		d, ok := byHeader[n]
		if !ok {
			lay.unknown[i] = true
			ps.add(Problem{Sheet: sheet, Row: 1, Column: lay.headers[i], Message: fmt.Sprintf("unknown column %q: remove it or use a header of the template", lay.headers[i])}, sheetRank(sheet), i)
			continue
		}
		if j, dup := seen[d]; dup {
			return nil, refuse(errs.Invalid, "sheet %s has the column %s twice (columns %s and %s)", sheet, defs[d].header, colName(j), colName(i))
		}
		seen[d] = i
		lay.cols[i] = &defs[d]
		lay.byField[fieldKey(&defs[d])] = i
	}
	var missing []string
	for d := range defs {
		if _, ok := seen[d]; !ok && defs[d].required {
			missing = append(missing, defs[d].header)
		}
	}
	if len(missing) > 0 {
		return nil, refuse(errs.Invalid, "sheet %s lacks the column %s (row 1 must hold the template's headers)", sheet, strings.Join(missing, ", "))
	}
	return lay, nil
}

// fieldKey tells the tie columns of 信息项 from the item fields of the same name.
func fieldKey(c *column) string {
	if c.kind == tieCol {
		return "entry." + c.field
	}
	return c.field
}

func colName(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

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
			err = refuseCause(fmt.Errorf("%w: %v\n%s", errPanic, v, debug.Stack()), errs.Invalid, "the workbook could not be read")
		}
	}()
	pkg, err := checkPackage(data, unzipRatio*lim.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	for _, sheet := range []string{SheetEntries, SheetItems} {
		if pkg.sheets[sheet] == nil {
			return nil, nil, refuse(errs.Invalid, "the workbook has no sheet %s: use the template's sheets 目录 and 信息项", sheet)
		}
	}
	// A cell's text is kept up to textCap bytes: enough to tell that it
	// is longer than MaxCellChars.
	textCap := max(1<<20, 4*lim.MaxCellChars+4)
	var sst []string
	if pkg.sharedStrings != nil {
		if sst, err = readSharedStrings(pkg.sharedStrings, textCap); err != nil {
			return nil, nil, refuseCause(err, errs.Invalid, "the workbook's shared strings could not be read")
		}
	}
	p := &xlsxParser{lim: lim, byCode: map[string]int{}, byName: map[string][]int{}, named: map[string]int{}}
	if err := p.readSheet(pkg.sheets[SheetEntries], sst, textCap, SheetEntries, entryColumns, p.entryRow); err != nil {
		return p.finish(err)
	}
	if len(p.out) == 0 {
		p.ps.add(Problem{Sheet: SheetEntries, Message: "no entries: fill one row per entry below the headers"}, 1, 0)
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
		return refuseCause(err, errs.Invalid, "sheet %s could not be read", sheet)
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
				return refuse(errs.TooLarge, "sheet %s has more than %d rows", sheet, maxRows)
			case errors.As(err, &se):
				return refuseCause(err, errs.Invalid, "sheet %s could not be read: %s", sheet, se)
			case errors.Is(err, io.ErrUnexpectedEOF):
				return refuseCause(err, errs.Invalid, "sheet %s could not be read: it is cut short", sheet)
			}
			return refuseCause(err, errs.Invalid, "sheet %s could not be read", sheet)
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
			return refuse(errs.Invalid, "sheet %s holds more than %d formulas: formulas are not accepted (公式不被接受), paste values only", sheet, MaxProblems)
		}
		if err := handle(row); err != nil {
			return err
		}
		if p.ps.full {
			return errStop
		}
	}
	if !header {
		return refuse(errs.Invalid, "sheet %s is empty: row 1 must hold the template's headers", sheet)
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
	problem := func(i int, key, msg string) {
		if bad == nil {
			key = ""
		} else if key != "" {
			bad[key] = true
		}
		p.ps.add(Problem{Sheet: lay.sheet, Row: row.num, Column: lay.headers[i], Field: key, Message: msg}, rank, i)
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
			p.ps.add(Problem{Sheet: lay.sheet, Row: row.num, Column: colName(i), Message: fmt.Sprintf("a value in column %s, which has no header: remove it", colName(i))}, rank, i)
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
			problem(i, key(), "formula not accepted (公式不被接受): type the value itself")
		case len(v) > p.lim.MaxCellChars && utf8.RuneCountInString(v) > p.lim.MaxCellChars:
			problem(i, key(), fmt.Sprintf("longer than %d characters", p.lim.MaxCellChars))
		default:
			if msg := c.set(target(c), v); msg != "" {
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
			problem(i, key, "required: use one of "+strings.Join(labels, ", "))
		}
	}
}

// entryRow reads one row of 目录.
func (p *xlsxParser) entryRow(row *sheetRow) error {
	if blank(row) {
		return nil
	}
	if len(p.out) == p.lim.MaxEntries {
		return refuse(errs.TooLarge, "sheet %s has more than %d entries", SheetEntries, p.lim.MaxEntries)
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
			p.ps.add(Problem{Sheet: SheetEntries, Row: row.num, Column: p.entries.headers[codeCol], Field: "code",
				Message: fmt.Sprintf("code %s repeats the entry at row %d", e.Code, p.out[j].Row)}, 1, codeCol)
		} else {
			p.byCode[e.Code] = k
		}
		if _, ok := p.named[e.Name]; !ok {
			p.named[e.Name] = k
		}
	case e.Name != "":
		if prev := p.byName[e.Name]; len(prev) > 0 {
			p.ps.add(Problem{Sheet: SheetEntries, Row: row.num, Column: p.entries.headers[nameCol], Field: "name",
				Message: fmt.Sprintf("repeats the name of the new entry at row %d: new entries are tied to their items by name, so names must differ", p.out[prev[0]].Row)}, 1, nameCol)
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
		if msg != "" {
			at := p.items.byField["entry."+field]
			p.ps.add(Problem{Sheet: SheetItems, Row: row.num, Column: p.items.headers[at], Message: msg}, 2, at)
		}
		p.readCells(p.items, row, "", nil, target)
		return nil
	}
	e, st := &p.out[k].Entry, p.states[k]
	if len(e.Items) == p.lim.MaxItemsPerEntry {
		return refuse(errs.TooLarge, "the entry at row %d of %s has more than %d information items", p.out[k].Row, SheetEntries, p.lim.MaxItemsPerEntry)
	}
	p.readCells(p.items, row, fmt.Sprintf("items[%d].", len(e.Items)), st.bad, target)
	e.Items = append(e.Items, it)
	st.itemRows = append(st.itemRows, row.num)
	return nil
}

// tie finds the entry an item row names: by code when the row gives one,
// else by the name of a new entry. It returns -1 and a problem (with the
// tie column it concerns) when there is no single entry.
func (p *xlsxParser) tie(code, name string) (int, string, string) {
	if code != "" {
		k, ok := p.byCode[code]
		if !ok {
			return -1, fmt.Sprintf("no entry in %s has the code %s", SheetEntries, code), "code"
		}
		if name != "" && name != p.out[k].Entry.Name {
			return -1, fmt.Sprintf("the entry with code %s is named %q, not %q", code, p.out[k].Entry.Name, name), "name"
		}
		return k, "", ""
	}
	if name == "" {
		return -1, "give the entry's 资源代码, or 资源名称 for a new entry", "code"
	}
	switch ks := p.byName[name]; len(ks) {
	case 0:
		if k, ok := p.named[name]; ok {
			return -1, fmt.Sprintf("the entry %q has the code %s: give it in 资源代码", name, p.out[k].Entry.Code), "code"
		}
		return -1, fmt.Sprintf("no new entry in %s is named %q", SheetEntries, name), "name"
	case 1:
		return ks[0], "", ""
	default:
		rows := make([]string, len(ks))
		for i, k := range ks {
			rows[i] = strconv.Itoa(p.out[k].Row)
		}
		return -1, fmt.Sprintf("%d new entries are named %q (rows %s of %s): give them distinct names", len(ks), name, strings.Join(rows, ", "), SheetEntries), "name"
	}
}

// validate normalizes and validates every entry, locating each problem at
// the cell it concerns (as long as the problem list has room).
func (p *xlsxParser) validate() {
	for k := range p.out {
		imp, st := &p.out[k], p.states[k]
		imp.Entry.Normalize()
		for key, msg := range fieldErrors(imp.Entry.Validate()) {
			if suppressed(st.bad, key) {
				continue
			}
			pr := Problem{Sheet: SheetEntries, Row: imp.Row, Field: key, Message: msg}
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

// oleHeader starts an old .xls workbook or an encrypted .xlsx.
var oleHeader = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// xlsxPackage is what ParseXLSX reads of a workbook's zip package.
type xlsxPackage struct {
	sheets        map[string]*zip.File // worksheet parts by sheet name
	sharedStrings *zip.File            // nil when the workbook has none
}

// checkPackage refuses what is not a sane xlsx package before any part is
// inflated, and finds the worksheet and shared string parts.
func checkPackage(data []byte, maxUnzipped int64) (*xlsxPackage, error) {
	if bytes.HasPrefix(data, oleHeader) {
		return nil, refuse(errs.Invalid, "not an xlsx workbook: an old .xls file or an encrypted workbook; save it as .xlsx without a password")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuseCause(err, errs.Invalid, "not an xlsx workbook: the file is not a zip archive; save it as .xlsx (Excel 2007 or later)")
	}
	if len(zr.File) > maxParts {
		return nil, refuse(errs.Invalid, "not an xlsx workbook: the archive holds more than %d files", maxParts)
	}
	var total uint64
	parts := map[string]*zip.File{}
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > uint64(maxUnzipped) || total > uint64(maxUnzipped) {
			return nil, refuse(errs.TooLarge, "the workbook expands to more than %s: split it into smaller files", sizeText(maxUnzipped))
		}
		parts[strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))] = zf
	}
	wb, rels := parts["xl/workbook.xml"], parts["xl/_rels/workbook.xml.rels"]
	if parts["[content_types].xml"] == nil || wb == nil || rels == nil {
		return nil, refuse(errs.Invalid, "not an xlsx workbook: a zip archive without a workbook")
	}
	var book struct {
		Sheets []struct {
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var links struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(wb, &book); err != nil {
		return nil, refuseCause(err, errs.Invalid, "not an xlsx workbook: xl/workbook.xml is not readable")
	}
	if err := decodePart(rels, &links); err != nil {
		return nil, refuseCause(err, errs.Invalid, "not an xlsx workbook: xl/_rels/workbook.xml.rels is not readable")
	}
	pkg := &xlsxPackage{sheets: map[string]*zip.File{}, sharedStrings: parts["xl/sharedstrings.xml"]}
	targets := map[string]string{}
	for _, r := range links.Rels {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		t = strings.ToLower(t)
		targets[r.ID] = t
		if strings.HasSuffix(r.Type, "/sharedStrings") && parts[t] != nil {
			pkg.sharedStrings = parts[t]
		}
	}
	if ss := pkg.sharedStrings; ss != nil && ss.UncompressedSize64 > maxSharedStrings {
		return nil, refuse(errs.TooLarge, "the workbook's shared strings expand to more than %s: split it into smaller files", sizeText(maxSharedStrings))
	}
	for _, s := range book.Sheets {
		var name, id string
		for _, a := range s.Attrs {
			switch {
			case a.Name.Local == "name" && a.Name.Space == "":
				name = a.Value
			case a.Name.Local == "id" && a.Name.Space != "":
				id = a.Value
			}
		}
		if zf := parts[targets[id]]; zf != nil && name != "" {
			pkg.sheets[name] = zf
		}
	}
	return pkg, nil
}

func decodePart(zf *zip.File, v any) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, maxXMLInMemory)).Decode(v)
}

// readSharedStrings reads the shared string table: the text of each <si>,
// its runs joined and its phonetic guides (<rPh>) left out, as Excel shows it.
func readSharedStrings(zf *zip.File, textCap int) ([]string, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	x := newXMLScanner(rc, textCap)
	var out []string
	var cur []byte
	in, inPh := false, 0
	for {
		kind, name, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch string(name) {
		case "si":
			if len(out) == maxStrings {
				return nil, sheetError(fmt.Sprintf("more than %d shared strings", maxStrings))
			}
			switch kind {
			case startTag:
				in, inPh, cur = true, 0, cur[:0]
			case endTag:
				out = append(out, unescapeBSTR(string(cur)))
				in = false
			case emptyTag:
				out = append(out, "")
			}
		case "rPh":
			if kind == startTag {
				inPh++
			} else if kind == endTag {
				inPh--
			}
		case "t":
			if in && inPh == 0 && kind == startTag {
				t, err := x.text()
				if err != nil {
					return nil, err
				}
				if len(cur) < textCap {
					cur = append(cur, t...)
				}
			}
		}
	}
}

var (
	errTooManyRows = errors.New("too many rows")
	errPanic       = errors.New("panic while parsing")
)

// sheetError is what is wrong with a worksheet's XML, in words fit for the
// user.
type sheetError string

func (e sheetError) Error() string { return string(e) }

// sheetRow is one row of a worksheet: the cell values by column (from A),
// raw as stored, and whether each cell holds a formula.
type sheetRow struct {
	num     int // 1-based
	cells   []string
	formula []bool
}

// sheetReader streams the rows of a worksheet part. It reads only what
// cell values need: <row r>, <c r t>, <v>, <f> (to flag formulas) and
// inline strings <is>, and takes shared strings from the table. Row and
// cell references are honoured when present and counted when not, as
// Excel does. Values are raw: numbers as stored, booleans as 1 and 0,
// formulas never evaluated.
type sheetReader struct {
	x      *xmlScanner
	sst    []string
	inData bool
	done   bool
	rows   int // <row> elements read
	row    sheetRow
	text   []byte
}

func newSheetReader(r io.Reader, sst []string, textCap int) *sheetReader {
	return &sheetReader{x: newXMLScanner(r, textCap), sst: sst}
}

// next returns the next row, or nil after the last. The row is reused by
// the following call.
func (s *sheetReader) next() (*sheetRow, error) {
	for !s.done {
		kind, name, err := s.x.next()
		if err == io.EOF {
			if s.inData {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		switch string(name) {
		case "sheetData":
			switch kind {
			case startTag:
				s.inData = true
			case endTag, emptyTag:
				s.done, s.inData = true, false
			}
		case "row":
			if !s.inData || kind == endTag {
				continue
			}
			s.rows++
			n, err := strconv.Atoi(s.x.attr("r"))
			switch {
			case err != nil || n < 1:
				n = s.row.num + 1
			case n <= s.row.num:
				return nil, sheetError(fmt.Sprintf("row %d after row %d", n, s.row.num))
			}
			if n > maxRows || s.rows > maxRows {
				return nil, errTooManyRows
			}
			s.row.num, s.row.cells, s.row.formula = n, s.row.cells[:0], s.row.formula[:0]
			if kind == emptyTag {
				return &s.row, nil
			}
			if err := s.readRow(); err != nil {
				return nil, err
			}
			return &s.row, nil
		}
	}
	return nil, nil
}

// readRow reads the cells of a row, through </row>.
func (s *sheetReader) readRow() error {
	col, size := 0, 0
	for {
		kind, name, err := s.x.next()
		if err != nil {
			return unexpectedEOF(err)
		}
		switch string(name) {
		case "row", "sheetData":
			if kind == endTag && string(name) == "row" {
				return nil
			}
			return sheetError(fmt.Sprintf("malformed row %d", s.row.num))
		case "c":
			if kind == endTag {
				continue
			}
			ref, t := s.x.attrs("r", "t")
			if len(ref) == 0 {
				col++
			} else if c, _, ok := parseCellRef(ref); ok {
				col = c
			} else {
				return sheetError(fmt.Sprintf("row %d: %q is not a cell reference", s.row.num, ref))
			}
			typ := "" // only shared and inline strings read differently
			switch string(t) {
			case "s":
				typ = "s"
			case "inlineStr":
				typ = "inlineStr"
			}
			if col > maxColumns {
				return sheetError(fmt.Sprintf("row %d has more than %d columns", s.row.num, maxColumns))
			}
			if kind == emptyTag {
				continue
			}
			v, formula, err := s.readCell(typ)
			if err != nil {
				return err
			}
			if size += len(v); size > maxRowBytes {
				return sheetError(fmt.Sprintf("row %d holds more than %s of text", s.row.num, sizeText(maxRowBytes)))
			}
			for len(s.row.cells) < col {
				s.row.cells, s.row.formula = append(s.row.cells, ""), append(s.row.formula, false)
			}
			s.row.cells[col-1], s.row.formula[col-1] = v, formula
		}
	}
}

// readCell reads a cell's content, through </c>, and returns its raw value.
func (s *sheetReader) readCell(typ string) (string, bool, error) {
	var v string
	formula, inIS, inPh := false, false, 0
	s.text = s.text[:0]
	for {
		kind, name, err := s.x.next()
		if err != nil {
			return "", false, unexpectedEOF(err)
		}
		switch string(name) {
		case "c":
			if kind != endTag {
				return "", false, sheetError(fmt.Sprintf("malformed cell in row %d", s.row.num))
			}
			switch typ {
			case "s":
				i, err := strconv.Atoi(strings.TrimSpace(v))
				if v == "" {
					return "", formula, nil
				}
				if err != nil || i < 0 || i >= len(s.sst) {
					return "", false, sheetError(fmt.Sprintf("row %d: shared string %q does not exist", s.row.num, v))
				}
				return s.sst[i], formula, nil
			case "inlineStr":
				return unescapeBSTR(string(s.text)), formula, nil
			}
			return v, formula, nil
		case "row", "sheetData":
			return "", false, sheetError(fmt.Sprintf("malformed cell in row %d", s.row.num))
		case "f":
			formula = true
			if kind == startTag {
				if _, err := s.x.text(); err != nil {
					return "", false, err
				}
			}
		case "v":
			if kind == startTag {
				t, err := s.x.text()
				if err != nil {
					return "", false, err
				}
				v = string(t)
			}
		case "is":
			inIS = kind == startTag
		case "rPh":
			if kind == startTag {
				inPh++
			} else if kind == endTag {
				inPh--
			}
		case "t":
			if kind == startTag && inIS && inPh == 0 {
				t, err := s.x.text()
				if err != nil {
					return "", false, err
				}
				if len(s.text) < s.x.textCap {
					s.text = append(s.text, t...)
				}
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

type tagKind uint8

const (
	startTag tagKind = iota
	endTag
	emptyTag
)

// Bounds of the XML scanner.
const maxTagBytes = 64 << 10

var (
	errTagTooLong = sheetError("an XML tag is longer than 64 KiB")
	errDTD        = sheetError("it holds a document type declaration, which xlsx does not allow")
)

// xmlScanner is a minimal streaming XML tokenizer for the parts of a
// workbook: it returns start, end and empty-element tags with their local
// names, and the character data of leaf elements on request. It expands
// only the predefined and numeric character references, skips comments,
// processing instructions and CDATA outside character data, and refuses a
// DOCTYPE, so no entity can expand. Text beyond textCap bytes is dropped
// (the cell is then too long anyway). It reads through a window of its own
// rather than a bufio.Reader: tags and text are sliced from the window.
type xmlScanner struct {
	r       io.Reader
	buf     []byte // the window; buf[pos:] is unread
	pos     int
	err     error  // the reader's error (io.EOF at the end), once it has one
	lt      bool   // just after a '<'
	tag     []byte // the last tag, without '<' and '>'; valid until the next read
	acc     []byte // text gathered across refills
	textCap int
}

const scanWindow = 256 << 10

func newXMLScanner(r io.Reader, textCap int) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, 0, scanWindow), textCap: textCap}
}

// refill keeps buf[from:], moved to the front, and reads more after it. It
// reports whether any byte was added; when not, the window is full or the
// reader has ended (x.err).
func (x *xmlScanner) refill(from int) bool {
	n := copy(x.buf[:cap(x.buf)], x.buf[from:])
	x.buf = x.buf[:n]
	x.pos -= from
	if x.err != nil || n == cap(x.buf) {
		return false
	}
	m, err := io.ReadAtLeast(x.r, x.buf[n:cap(x.buf)], 1)
	x.buf = x.buf[:n+m]
	if err != nil {
		x.err = err
	}
	return m > 0
}

// readErr is the error to return when input ran out: io.EOF at a clean end.
func (x *xmlScanner) readErr() error {
	if x.err == nil {
		return errTagTooLong
	}
	return x.err
}

// ensure makes up to n unread bytes available and returns them.
func (x *xmlScanner) ensure(n int) []byte {
	for len(x.buf)-x.pos < n && x.refill(x.pos) {
	}
	return x.buf[x.pos:min(len(x.buf), x.pos+n)]
}

// next reads up to and including the next tag and returns its kind and
// local name (valid until the following call).
func (x *xmlScanner) next() (tagKind, []byte, error) {
	for {
		if !x.lt {
			if err := x.skipPast("<"); err != nil {
				return 0, nil, err
			}
		}
		x.lt = false
		if head := x.ensure(1); len(head) > 0 && (head[0] == '!' || head[0] == '?') {
			head = x.ensure(9)
			var err error
			switch {
			case bytes.HasPrefix(head, []byte("!--")):
				err = x.skipPast("-->")
			case bytes.HasPrefix(head, []byte("![CDATA[")):
				err = x.skipPast("]]>")
			case head[0] == '?':
				err = x.skipPast("?>")
			default:
				return 0, nil, errDTD
			}
			if err != nil {
				return 0, nil, unexpectedEOF(err)
			}
			continue
		}
		if err := x.readTag(); err != nil {
			return 0, nil, err
		}
		kind, name := startTag, x.tag
		switch {
		case len(name) > 0 && name[0] == '/':
			kind, name = endTag, name[1:]
		case len(name) > 0 && name[len(name)-1] == '/':
			kind, name = emptyTag, name[:len(name)-1]
		}
		for i, c := range name {
			if isXMLSpace(c) {
				name = name[:i]
				break
			}
		}
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		return kind, name, nil
	}
}

// readTag reads a tag through its '>', minding quoted attribute values.
func (x *xmlScanner) readTag() error {
	start, i := x.pos, x.pos
	var quote byte
	for {
		for ; i < len(x.buf); i++ {
			c := x.buf[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '>':
				if i-start > maxTagBytes {
					return errTagTooLong
				}
				x.tag, x.pos = x.buf[start:i], i+1
				return nil
			case c == '"' || c == '\'':
				quote = c
			}
		}
		if i-start > maxTagBytes {
			return errTagTooLong
		}
		off := i - start
		if !x.refill(start) {
			return unexpectedEOF(x.readErr())
		}
		start, i = 0, off
	}
}

// text reads character data up to the next tag, CDATA sections included,
// and returns it unescaped (valid until the following read).
func (x *xmlScanner) text() ([]byte, error) {
	x.acc = x.acc[:0]
	gathered := false // the text is in acc, not a slice of the window
	keep := func(b []byte) {
		gathered = true
		if n := x.textCap - len(x.acc); n > 0 {
			x.acc = append(x.acc, b[:min(len(b), n)]...)
		}
	}
	for {
		i := bytes.IndexByte(x.buf[x.pos:], '<')
		if i < 0 {
			keep(x.buf[x.pos:])
			x.pos = len(x.buf)
			if !x.refill(x.pos) {
				return nil, unexpectedEOF(x.readErr())
			}
			continue
		}
		seg := x.buf[x.pos : x.pos+i]
		x.pos += i + 1
		if len(x.buf)-x.pos < 8 && x.err == nil {
			keep(seg) // ensure may move the window
			seg = nil
		}
		if !bytes.HasPrefix(x.ensure(8), []byte("![CDATA[")) {
			x.lt = true
			if !gathered {
				if len(seg) > x.textCap {
					seg = seg[:x.textCap]
				}
				return unescapeXML(seg), nil
			}
			keep(seg)
			return unescapeXML(x.acc), nil
		}
		keep(seg)
		x.pos += 8
		keep([]byte(unescapeMarker))
		for {
			j := bytes.Index(x.buf[x.pos:], []byte("]]>"))
			if j >= 0 {
				keep(x.buf[x.pos : x.pos+j])
				x.pos += j + 3
				break
			}
			n := max(x.pos, len(x.buf)-2) // "]]" may straddle the refill
			keep(x.buf[x.pos:n])
			x.pos = n
			if !x.refill(x.pos) {
				return nil, unexpectedEOF(x.readErr())
			}
		}
		keep([]byte(unescapeMarker))
	}
}

// unescapeMarker brackets CDATA content inside collected text, so that
// unescapeXML leaves it as it is.
const unescapeMarker = "\x00"

// unescapeXML expands the predefined and numeric character references of
// s in place; text between unescapeMarker pairs (CDATA) is kept literally.
func unescapeXML(s []byte) []byte {
	if bytes.IndexByte(s, '&') < 0 && bytes.IndexByte(s, 0) < 0 {
		return s
	}
	out := s[:0]
	cdata := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0:
			cdata = !cdata
			continue
		case c != '&' || cdata:
			out = append(out, c)
			continue
		}
		end := bytes.IndexByte(s[i:min(len(s), i+12)], ';')
		if end < 0 {
			out = append(out, c)
			continue
		}
		ref := string(s[i+1 : i+end])
		var r rune = -1
		switch ref {
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "amp":
			r = '&'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			if n, ok := strings.CutPrefix(ref, "#"); ok {
				base := 10
				if h, ok := strings.CutPrefix(n, "x"); ok {
					n, base = h, 16
				}
				if v, err := strconv.ParseUint(n, base, 32); err == nil && utf8.ValidRune(rune(v)) {
					r = rune(v)
				}
			}
		}
		if r < 0 {
			out = append(out, c)
			continue
		}
		out = utf8.AppendRune(out, r)
		i += end
	}
	return out
}

// unescapeBSTR decodes the _xHHHH_ escapes SpreadsheetML uses for
// characters XML cannot hold; _x005F_ is a literal underscore.
func unescapeBSTR(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || i+7 > len(s) {
			b.WriteString(s)
			return b.String()
		}
		v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil || s[i+6] != '_' {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(v))
		s = s[i+7:]
	}
}

// skipPast reads up to and including marker.
func (x *xmlScanner) skipPast(marker string) error {
	for {
		var i int
		if len(marker) == 1 {
			i = bytes.IndexByte(x.buf[x.pos:], marker[0])
		} else {
			i = bytes.Index(x.buf[x.pos:], []byte(marker))
		}
		if i >= 0 {
			x.pos += i + len(marker)
			return nil
		}
		x.pos = max(x.pos, len(x.buf)-len(marker)+1)
		if !x.refill(x.pos) {
			return x.readErr()
		}
	}
}

// attr returns the value of the unprefixed attribute name of the last tag,
// or "".
func (x *xmlScanner) attr(name string) string {
	v, _ := x.attrs(name, "")
	return string(v)
}

// attrs returns the values of two unprefixed attributes of the last tag,
// valid until the next read.
func (x *xmlScanner) attrs(name1, name2 string) (v1, v2 []byte) {
	tag := x.tag
	i := 0
	for i < len(tag) && !isXMLSpace(tag[i]) {
		i++
	}
	skip := func() {
		for i < len(tag) && isXMLSpace(tag[i]) {
			i++
		}
	}
	for i < len(tag) {
		skip()
		start := i
		for i < len(tag) && tag[i] != '=' && !isXMLSpace(tag[i]) {
			i++
		}
		attr := tag[start:i]
		skip()
		if i >= len(tag) || tag[i] != '=' {
			return
		}
		i++
		skip()
		if i >= len(tag) || tag[i] != '"' && tag[i] != '\'' {
			return
		}
		q := tag[i]
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return
		}
		val := tag[i+1 : i+1+end]
		i += end + 2
		if bytes.IndexByte(val, '&') >= 0 {
			val = unescapeXML(bytes.Clone(val))
		}
		switch string(attr) {
		case name1:
			v1 = val
		case name2:
			v2 = val
		}
	}
	return
}

// parseCellRef reads a cell reference such as AB12 into its 1-based column
// and row.
func parseCellRef(ref []byte) (col, row int, ok bool) {
	i := 0
	for ; i < len(ref) && i < 4; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
	}
	if i == 0 || col > maxColumns || i == len(ref) || len(ref)-i > 7 {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, 0, false
		}
		row = row*10 + int(ref[i]-'0')
	}
	return col, row, row >= 1 && row <= maxRows
}

func isXMLSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// WriteXLSX writes entries in the template's form: 目录, 信息项 and 可选值,
// with styled and frozen headers, column widths and drop-down lists.
// ParseXLSX reads it back. The provider is written as its credit code; the
// read-only fields (version, status, provider ID and name, dates, mounted)
// have no column.
func WriteXLSX(w io.Writer, entries []Exported) error {
	return writeWorkbook(w, entries, false)
}

// WriteTemplate writes the empty template with one example entry (its
// name starts with 示例, its rows are shaded) and three items, which
// parse as a valid entry.
func WriteTemplate(w io.Writer) error {
	return writeWorkbook(w, []Exported{exampleEntry()}, true)
}

// ExampleName is the name of the template's example entry.
const ExampleName = "示例：户籍人口基本信息（填写前请删除示例行）"

func exampleEntry() Exported {
	credit := "11530000000000000"
	check, _ := quality.CreditCodeCheckChar(credit)
	return Exported{ProviderCreditCode: credit + string(check), Entry: Entry{
		Name:            ExampleName,
		Summary:         "示例：本市户籍人口的身份证号、姓名等基本信息，每日更新。",
		Category:        "base",
		CategoryItem:    "01",
		CategorySubItem: "001",
		Format:          "database",
		FormatNote:      "关系型数据库表",
		ShareType:       ShareConditional,
		ShareCondition:  "仅用于政务服务身份核验，需经提供方审核",
		ShareMode:       "platform",
		ShareChannel:    "api",
		OpenType:        OpenNone,
		UpdateCycle:     "daily",
		Grade:           "important",
		Keywords:        []string{"户籍", "人口"},
		Records:         1200000,
		SizeMB:          2048,
		SourceSystem:    "人口管理信息系统",
		Contact:         "张三",
		Phone:           "0871-12345678",
		Items: []Item{
			{Name: "公民身份号码", Identifier: "id_number", DataType: "string", Length: 18, Required: true, Key: true,
				ShareType: ShareConditional, OpenType: OpenNone, Grade: "important", Sensitive: true, Masking: "id_number", Validator: "id_number",
				Description: "18 位居民身份证号码"},
			{Name: "姓名", Identifier: "name", DataType: "string", Length: 50, Required: true,
				ShareType: ShareConditional, OpenType: OpenNone, Grade: "important", Sensitive: true, Masking: "name"},
			{Name: "更新时间", Identifier: "updated_at", DataType: "datetime", Timestamp: true,
				ShareType: ShareConditional, OpenType: OpenNone, Grade: "general", Masking: "none",
				Description: "记录最后更新时间，驱动增量交换"},
		},
	}}
}

// sheetStyles are the styles of a written workbook.
type sheetStyles struct {
	header, required, text, example, exampleNum int
}

func newStyles(f *excelize.File) (sheetStyles, error) {
	var st sheetStyles
	border := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	head := func(color string) *excelize.Style {
		return &excelize.Style{
			Font:      &excelize.Font{Bold: true, Color: color},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border:    border,
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		}
	}
	text := "@"
	styles := []struct {
		id *int
		s  *excelize.Style
	}{
		{&st.header, head("000000")},
		{&st.required, head("C00000")},
		{&st.text, &excelize.Style{CustomNumFmt: &text}},
		{&st.example, &excelize.Style{CustomNumFmt: &text, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}}},
		{&st.exampleNum, &excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFF2CC"}}}},
	}
	for _, s := range styles {
		id, err := f.NewStyle(s.s)
		if err != nil {
			return st, fmt.Errorf("xlsx style: %w", err)
		}
		*s.id = id
	}
	return st, nil
}

func writeWorkbook(w io.Writer, entries []Exported, example bool) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: %w", cerr)
		}
	}()
	if err := f.SetSheetName("Sheet1", SheetEntries); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for _, s := range []string{SheetItems, SheetValues} {
		if _, err := f.NewSheet(s); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	lists, err := writeValues(f, st)
	if err != nil {
		return err
	}
	err = writeSheet(f, SheetEntries, entryColumns, lists, st, func(emit func(cells []any, example bool) error) error {
		row := make([]any, len(entryColumns))
		for _, x := range entries {
			e, credit := x.Entry, x.ProviderCreditCode
			for i := range entryColumns {
				row[i] = entryColumns[i].cell(entryColumns[i].ptr(&e, nil, &credit))
			}
			if err := emit(row, example); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = writeSheet(f, SheetItems, itemColumns, lists, st, func(emit func(cells []any, example bool) error) error {
		row := make([]any, len(itemColumns))
		for _, x := range entries {
			for j := range x.Entry.Items {
				it := x.Entry.Items[j]
				for i := range itemColumns {
					c := &itemColumns[i]
					switch {
					case c.kind != tieCol:
						row[i] = c.cell(c.ptr(nil, &it, nil))
					case c.field == "code":
						row[i] = nonEmpty(x.Entry.Code)
					default:
						row[i] = nonEmpty(x.Entry.Name)
					}
				}
				if err := emit(row, example); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// templateNotes explain the template beside the allowed values.
var templateNotes = []string{
	"1. “目录”表每行一个资源，“信息项”表每行一个信息项；红色表头的列必须保留。",
	"2. 信息项按“资源代码”关联到目录中的资源；尚无代码的新资源按“资源名称”关联，新资源名称不可重复。",
	"3. 黄色的示例行仅供参考，填写前请删除。",
	"4. 带下拉列表的列请从本表的可选值中选择；是否类的列填“是”或“否”；数据类型也可填 C、N、D 等传统代码。",
	"5. 关联资源代码、关键词之间用分号（;）分隔。",
	"6. 不接受公式，请粘贴为数值；单元格不超过 4000 字。",
}

// writeValues writes 可选值 and returns each list's range, for drop-downs.
func writeValues(f *excelize.File, st sheetStyles) (map[string]string, error) {
	sw, err := f.NewStreamWriter(SheetValues)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.SetColWidth(1, len(valueLists), 16); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	longest := 0
	header := make([]any, len(valueLists))
	refs := map[string]string{}
	for i, l := range valueLists {
		header[i] = excelize.Cell{StyleID: st.header, Value: l.name}
		longest = max(longest, len(l.values))
		col := colName(i)
		refs[l.name] = fmt.Sprintf("'%s'!$%s$2:$%s$%d", SheetValues, col, col, len(l.values)+1)
	}
	header = append(header, nil, excelize.Cell{StyleID: st.header, Value: "填写说明"})
	if err := sw.SetColWidth(len(valueLists)+2, len(valueLists)+2, 60); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	for r := range max(longest, len(templateNotes)) {
		row := make([]any, len(valueLists)+2)
		for i, l := range valueLists {
			if r < len(l.values) {
				row[i] = excelize.Cell{StyleID: st.text, Value: l.values[r]}
			}
		}
		if r < len(templateNotes) {
			row[len(valueLists)+1] = templateNotes[r]
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, row); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return refs, nil
}

// writeSheet writes one data sheet: drop-down lists, column widths and
// styles, a frozen header, then the rows rows emits.
func writeSheet(f *excelize.File, sheet string, cols []column, lists map[string]string, st sheetStyles, rows func(emit func(cells []any, example bool) error) error) error {
	for i, c := range cols {
		if c.list == "" {
			continue
		}
		dv := excelize.NewDataValidation(true)
		col := colName(i)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows)
		dv.SetSqrefDropList(lists[c.list])
		dv.SetError(excelize.DataValidationErrorStyleWarning, "不在可选值中", "请从下拉列表中选择，可选值见“"+SheetValues+"”表。")
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return fmt.Errorf("xlsx %s: %w", sheet, err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx %s: %w", sheet, err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "C2", ActiveCell: "C2", Pane: "bottomRight"}}}); err != nil {
		return fmt.Errorf("xlsx %s: %w", sheet, err)
	}
	// Excel wants the <col> elements in ascending order and excelize puts
	// each new one first: set them from the last column back.
	for i := len(cols) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, cols[i].width); err != nil {
			return fmt.Errorf("xlsx %s: %w", sheet, err)
		}
		if cols[i].kind != intCol {
			if err := sw.SetColStyle(i+1, i+1, st.text); err != nil {
				return fmt.Errorf("xlsx %s: %w", sheet, err)
			}
		}
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		style := st.header
		if c.required {
			style = st.required
		}
		header[i] = excelize.Cell{StyleID: style, Value: c.header}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{Height: 30}); err != nil {
		return fmt.Errorf("xlsx %s: %w", sheet, err)
	}
	n := 1
	shaded := make([]any, len(cols))
	err = rows(func(cells []any, example bool) error {
		n++
		if n > excelize.TotalRows {
			return fmt.Errorf("xlsx %s: more than %d rows", sheet, excelize.TotalRows-1)
		}
		if example {
			for i, v := range cells {
				style := st.example
				if cols[i].kind == intCol {
					style = st.exampleNum
				}
				shaded[i] = excelize.Cell{StyleID: style, Value: v}
			}
			cells = shaded
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("xlsx %s: %w", sheet, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx %s: %w", sheet, err)
	}
	return nil
}
