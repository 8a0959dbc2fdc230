package catalog

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/govshare/govshare/internal/errs"
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
// a problem, or a zero Text.
func (c *column) set(p any, v string) errs.Text {
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
			return msgNotAllowed.With(v, strings.Join(zhLabels(c.enum), ", "))
		}
		*p.(*string) = val
	case typeCol:
		val, ok := ParseDataType(v)
		if !ok {
			return msgXLSXNotDataType.With(v, strings.Join(zhLabels(DataTypes), ", "), strings.Join(classicLetters, ", "))
		}
		*p.(*string) = val
	case boolCol:
		b, ok := parseYesNo(v)
		if !ok {
			return msgNotYesNo.With(v)
		}
		*p.(*bool) = b
	case intCol:
		n, ok := parseWhole(v)
		if !ok {
			return msgNotWhole.With(v)
		}
		switch p := p.(type) {
		case *int:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return msgOutOfRange.With(v)
			}
			*p = int(n)
		case *int64:
			*p = n
		}
	case listCol:
		*p.(*[]string) = splitList(v)
	case creditCol:
		v = strings.ToUpper(v)
		if msg := checkCredit(v); !msg.IsZero() {
			return msg
		}
		*p.(*string) = v
	}
	return errs.Text{}
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
			ps.add(Problem{Sheet: sheet, Row: 1, Column: lay.headers[i]}.withText(msgUnknownColumn.With(lay.headers[i])), sheetRank(sheet), i)
			continue
		}
		if j, dup := seen[d]; dup {
			return nil, refuse(errs.Invalid, msgColumnTwice, sheet, defs[d].header, colName(j), colName(i))
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
		return nil, refuse(errs.Invalid, msgLacksColumn, sheet, strings.Join(missing, ", "))
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
