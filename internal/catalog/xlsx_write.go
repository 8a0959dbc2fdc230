package catalog

import (
	"fmt"
	"io"

	"github.com/govshare/govshare/internal/quality"
	"github.com/xuri/excelize/v2"
)

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
	err = writeSheet(f, SheetEntries, entryColumns, len(entries), lists, st, func(emit func(cells []any, example bool) error) error {
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
	items := 0
	for _, x := range entries {
		items += len(x.Entry.Items)
	}
	err = writeSheet(f, SheetItems, itemColumns, items, lists, st, func(emit func(cells []any, example bool) error) error {
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
	longest := len(templateNotes)
	for _, l := range valueLists {
		longest = max(longest, len(l.values))
	}
	sw, err := newStreamWriter(f, SheetValues, len(valueLists)+2, longest+1)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := sw.SetColWidth(1, len(valueLists), 16); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	header := make([]any, len(valueLists))
	refs := map[string]string{}
	for i, l := range valueLists {
		header[i] = excelize.Cell{StyleID: st.header, Value: l.name}
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
	for r := range longest {
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
// newStreamWriter starts writing a sheet of cols columns and rows rows
// (header included). The stream writes the sheet's <dimension> before its
// rows, so the used range is set first: readers that trust it (openpyxl in
// read-only mode) would otherwise see only A1.
func newStreamWriter(f *excelize.File, sheet string, cols, rows int) (*excelize.StreamWriter, error) {
	last, err := excelize.CoordinatesToCellName(max(cols, 1), max(rows, 1))
	if err != nil {
		return nil, err
	}
	if err := f.SetSheetDimension(sheet, "A1:"+last); err != nil {
		return nil, err
	}
	return f.NewStreamWriter(sheet)
}

// writeSheet writes a sheet of cols under its header; rows emits n rows.
func writeSheet(f *excelize.File, sheet string, cols []column, n int, lists map[string]string, st sheetStyles, rows func(emit func(cells []any, example bool) error) error) error {
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
	sw, err := newStreamWriter(f, sheet, len(cols), n+1)
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
	row := 1
	shaded := make([]any, len(cols))
	err = rows(func(cells []any, example bool) error {
		row++
		if row > excelize.TotalRows {
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
		cell, _ := excelize.CoordinatesToCellName(1, row)
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
