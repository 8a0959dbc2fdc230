package licence

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// An import file (CSV or the type's Excel template) holds one licence a
// row: row 1 names the columns, each cell "label (code)" or just the code;
// the licence's own fields (baseColumns), then the type's surface items.
//
// An import is all or nothing as to its rows: every row is checked first
// (against its type, within the file, and against the licences already
// issued) and any problem refuses the whole file, naming each bad row and
// field, with nothing written; a department fixes its file and sends it
// again. A file that passes is written in transactions of ImportBatch
// licences, each with its leaves (one ledger append a batch). A row
// identical to a licence already issued (same identifier and data) is
// skipped, so a file sent again after an interruption completes the import
// instead of failing on what went in the first time.

// baseColumns are the import columns of a licence's own fields.
var baseColumns = []string{"identifier", "serial", "number", "holder_name", "holder_id", "issued_on", "valid_from", "valid_until"}

var baseLabels = map[string]string{"identifier": "电子证照标识", "serial": "流水号", "number": "证照编号", "holder_name": "持证主体",
	"holder_id": "持证主体代码", "issued_on": "颁发日期", "valid_from": "有效期起始日期", "valid_until": "有效期截止日期"}

// Import formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// MaxProblems bounds the problems an import answers with.
const MaxProblems = 1000

// RowProblem is one problem of an import file: its row (1 is the header),
// its column (a code) and the rule it breaks.
type RowProblem struct {
	Row     int       `json:"row"`
	Column  string    `json:"column,omitempty"`
	Message string    `json:"message"`
	Text    errs.Text `json:"-"`
}

// ImportReport is what an import did, or the problems that refused it.
type ImportReport struct {
	Type     string       `json:"type"`
	Rows     int          `json:"rows" doc:"Licence rows in the file"`
	Issued   int          `json:"issued"`
	Already  int          `json:"already" doc:"Rows identical to licences already issued (a file sent again after an interruption): skipped"`
	Batches  int          `json:"batches" doc:"Transactions written, one ledger append each"`
	Problems []RowProblem `json:"problems,omitempty"`
	More     int          `json:"more_problems,omitempty" doc:"Problems beyond those listed"`
}

// In says the problems in lang.
func (r ImportReport) In(lang string) ImportReport {
	for i := range r.Problems {
		r.Problems[i].Message = r.Problems[i].Text.In(lang)
	}
	return r
}

func (r *ImportReport) add(row int, column string, t errs.Text) {
	if len(r.Problems) >= MaxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, RowProblem{Row: row, Column: column, Message: t.String(), Text: t})
}

// ErrImportProblems is the error of an import refused for its rows'
// problems; the report lists them.
var ErrImportProblems = errors.New("licence: the import file has problems")

// Import issues the licences of a file of one type, for the type's issuing
// department (see the rules above). On problems the report lists them and
// the error is Invalid (it wraps ErrImportProblems).
func (s *Service) Import(ctx context.Context, p org.Principal, typeCode, format string, data []byte) (ImportReport, error) {
	return s.importRows(ctx, p, "licence.import", typeCode, func(t Type, fn rowFunc) error { return eachRow(format, data, t, fn) })
}

// IssueBatch issues many licences of one type as Import does, all or none:
// a problem names its input by position (row 1 is the first).
func (s *Service) IssueBatch(ctx context.Context, p org.Principal, typeCode string, ins []IssueInput) (ImportReport, error) {
	return s.importRows(ctx, p, "licence.issue", typeCode, func(t Type, fn rowFunc) error {
		for i, in := range ins {
			in.Type = t.Code
			if err := fn(i+1, in, errs.Text{}); err != nil {
				return err
			}
		}
		return nil
	})
}

// rowFunc takes one licence row of an import, with a problem of its shape.
type rowFunc func(row int, in IssueInput, problem errs.Text) error

func (s *Service) importRows(ctx context.Context, p org.Principal, action, typeCode string, each func(t Type, fn rowFunc) error) (ImportReport, error) {
	rep := ImportReport{Type: typeCode}
	t, err := s.TypeByCode(ctx, typeCode)
	if errs.Is(err, errs.NotFound) {
		return rep, s.refused(ctx, p, action, "licence_type", errs.FieldMsg("type", msgTypeNotFound, typeCode))
	}
	if err != nil {
		return rep, err
	}
	if !MayIssue(p, t.DepartmentID) {
		return rep, s.denied(ctx, p, action, "licence_type:"+t.Code, errs.New(errs.Forbidden, msgIssueRole, t.DepartmentName))
	}
	now := s.now()
	seen := map[uint64]int{} // hash of base or number → row
	already := map[uint64]bool{}
	var seed = maphash.MakeSeed()
	key := func(kind, v string) uint64 { return maphash.String(seed, kind+"\x00"+v) }
	var pending []Licence
	var pendingRows []int
	checkPending := func() error {
		if len(pending) == 0 {
			return nil
		}
		dup, same, err := s.existing(ctx, pending)
		if err != nil {
			return err
		}
		for i, l := range pending {
			switch {
			case same[i]:
				already[key("b", baseOf(l.Identifier))] = true
				rep.Already++
			case dup[i] != "":
				rep.add(pendingRows[i], dup[i], msgDuplicateIssued.With(fieldWord(dup[i])))
			}
		}
		pending, pendingRows = pending[:0], pendingRows[:0]
		return nil
	}
	// Pass 1: check every row.
	err = each(t, func(row int, in IssueInput, colErr errs.Text) error {
		rep.Rows++
		if !colErr.IsZero() {
			rep.add(row, "", colErr)
			return nil
		}
		f := errs.Fields{}
		l := prepare(in, t, now, f)
		if len(f) > 0 {
			for _, c := range fieldOrder(f) {
				rep.add(row, strings.TrimPrefix(c, "items."), f[c])
			}
			return nil
		}
		for _, k := range []struct{ kind, v, field string }{{"b", baseOf(l.Identifier), "identifier"}, {"n", l.Number, "number"}} {
			h := key(k.kind, k.v)
			if first, ok := seen[h]; ok {
				rep.add(row, k.field, msgDuplicateRow.With(fieldWord(k.field), first))
				return nil
			}
			seen[h] = row
		}
		pending, pendingRows = append(pending, l), append(pendingRows, row)
		if len(pending) >= 500 {
			return checkPending()
		}
		return nil
	})
	if err == nil {
		err = checkPending()
	}
	if err != nil {
		return rep, s.refused(ctx, p, action, "licence_type:"+t.Code, err)
	}
	if rep.Rows == 0 {
		rep.add(2, "", msgNoRows.With())
	}
	if len(rep.Problems) > 0 {
		err := errs.WrapMsg(ErrImportProblems, errs.Invalid, msgImportProblems, len(rep.Problems)+rep.More)
		return rep, s.refused(ctx, p, action, "licence_type:"+t.Code, err)
	}
	// Pass 2: write, a batch a transaction.
	seen = nil
	batch := make([]Licence, 0, s.ImportBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.write(ctx, p, batch, nil); err != nil {
			return err
		}
		rep.Issued += len(batch)
		rep.Batches++
		batch = batch[:0]
		return nil
	}
	err = each(t, func(row int, in IssueInput, _ errs.Text) error {
		f := errs.Fields{}
		l := prepare(in, t, now, f)
		if len(f) > 0 {
			return fmt.Errorf("row %d changed between the passes", row)
		}
		if already[key("b", baseOf(l.Identifier))] {
			return nil
		}
		batch = append(batch, l)
		if len(batch) >= s.ImportBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return rep, err
}

// baseOf is the base of a well-formed identifier (Identifier.Base): without
// the root, the version and the check character.
func baseOf(identifier string) string {
	s := strings.TrimPrefix(identifier, Root+".")
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		if j := strings.LastIndexByte(s[:i], '.'); j > 0 {
			return s[:j]
		}
	}
	return s
}

// fieldOrder lists the fields of f in the file's column order.
func fieldOrder(f errs.Fields) []string {
	var out []string
	for _, c := range baseColumns {
		if _, ok := f[c]; ok {
			out = append(out, c)
		}
	}
	for c := range f {
		if strings.HasPrefix(c, "items.") || !contains(baseColumns, c) {
			out = append(out, c)
		}
	}
	return out
}

// existing compares licences with those already issued: dup names the
// field another licence holds already (identifier or number), same marks
// one identical to an issued licence.
func (s *Service) existing(ctx context.Context, ls []Licence) (dup []string, same []bool, err error) {
	dup, same = make([]string, len(ls)), make([]bool, len(ls))
	byBase, byNumber := map[string]int{}, map[string]int{}
	args := make([]any, 0, len(ls))
	for i, l := range ls {
		b := baseOf(l.Identifier)
		byBase[b] = i
		args = append(args, b)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ls)), ", ")
	rows, err := s.db.Query(ctx, "SELECT base, number, data_hash, version FROM licences WHERE base IN ("+marks+")", args...)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var b, n, h, v string
		if err := rows.Scan(&b, &n, &h, &v); err != nil {
			rows.Close()
			return nil, nil, err
		}
		i := byBase[b]
		if h == ls[i].DataHash && n == ls[i].Number && v == ls[i].Version {
			same[i] = true
		} else {
			dup[i] = "identifier"
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	args = append(args[:0], ls[0].TypeCode)
	for i, l := range ls {
		byNumber[l.Number] = i
		args = append(args, l.Number)
	}
	rows, err = s.db.Query(ctx, "SELECT number, base FROM licences WHERE type_code = ? AND number IN ("+marks+")", args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n, b string
		if err := rows.Scan(&n, &b); err != nil {
			return nil, nil, err
		}
		if i := byNumber[n]; b != baseOf(ls[i].Identifier) && dup[i] == "" {
			dup[i] = "number"
		}
	}
	return dup, same, rows.Err()
}

// rowSource yields a file's rows; io.EOF ends it.
type rowSource interface {
	Next() ([]string, error)
	Close()
}

type csvSource struct{ r *csv.Reader }

func (c csvSource) Next() ([]string, error) { return c.r.Read() }
func (c csvSource) Close()                  {}

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
}

func (x *xlsxSource) Next() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return x.rows.Columns(excelize.Options{RawCellValue: false})
}

func (x *xlsxSource) Close() {
	x.rows.Close()
	x.f.Close()
}

func openSource(format string, data []byte) (rowSource, error) {
	switch format {
	case FormatCSV:
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		return csvSource{r}, nil
	case FormatXLSX:
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 8*int64(len(data)) + 32<<20, UnzipXMLSizeLimit: 16 << 20})
		if err != nil {
			return nil, errs.WrapMsg(err, errs.Invalid, msgFileUnreadable)
		}
		sheets := f.GetSheetList()
		if len(sheets) == 0 {
			f.Close()
			return nil, errs.New(errs.Invalid, msgFileUnreadable)
		}
		rows, err := f.Rows(sheets[0])
		if err != nil {
			f.Close()
			return nil, errs.WrapMsg(err, errs.Invalid, msgFileUnreadable)
		}
		return &xlsxSource{f: f, rows: rows}, nil
	}
	return nil, errs.FieldMsg("format", msgFormat)
}

// eachRow reads a file of type t and hands each licence row to fn, with a
// problem of the row's shape when it has one. Fully empty rows are skipped.
func eachRow(format string, data []byte, t Type, fn rowFunc) (err error) {
	defer func() {
		// A hostile file that trips the reader costs its sender a refusal.
		if v := recover(); v != nil {
			err = errs.WrapMsg(fmt.Errorf("panic: %v\n%s", v, debug.Stack()), errs.Invalid, msgFileUnreadable)
		}
	}()
	src, err := openSource(format, data)
	if err != nil {
		return err
	}
	defer src.Close()
	header, err := src.Next()
	if err == io.EOF {
		return errs.New(errs.Invalid, msgNoHeader)
	}
	if err != nil {
		return errs.WrapMsg(err, errs.Invalid, msgFileUnreadable)
	}
	cols, err := columns(header, t)
	if err != nil {
		return err
	}
	row := 1
	for {
		cells, err := src.Next()
		row++
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return errs.WrapMsg(err, errs.Invalid, msgCSVRow, pe.Line)
			}
			return errs.WrapMsg(err, errs.Invalid, msgFileUnreadable)
		}
		if empty(cells) {
			continue
		}
		in := IssueInput{Type: t.Code, Items: map[string]string{}}
		var problem errs.Text
		if len(cells) > len(cols) {
			problem = msgExtraCells.With(len(cols))
		}
		for i, c := range cols {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			switch c {
			case "identifier":
				in.Identifier = v
			case "serial":
				in.Serial = v
			case "number":
				in.Number = v
			case "holder_name":
				in.HolderName = v
			case "holder_id":
				in.HolderID = v
			case "issued_on":
				in.IssuedOn = v
			case "valid_from":
				in.ValidFrom = v
			case "valid_until":
				in.ValidUntil = v
			default:
				if strings.TrimSpace(v) != "" {
					in.Items[c] = v
				}
			}
		}
		if err := fn(row, in, problem); err != nil {
			return err
		}
	}
}

func empty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// columns reads the header row: each cell a code, a label, or "label (code)".
func columns(header []string, t Type) ([]string, error) {
	byLabel := map[string]string{}
	known := map[string]bool{}
	for _, c := range baseColumns {
		byLabel[baseLabels[c]], known[c] = c, true
	}
	for _, d := range t.Items {
		byLabel[d.Label], known[d.Code] = d.Code, true
	}
	cols := make([]string, len(header))
	used := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		code := h
		if j := strings.LastIndexAny(h, "(（"); j >= 0 && (strings.HasSuffix(h, ")") || strings.HasSuffix(h, "）")) {
			_, size := utf8.DecodeRuneInString(h[j:])
			code = strings.TrimSpace(strings.TrimRight(h[j+size:], ")）"))
		}
		if c, ok := byLabel[code]; ok {
			code = c
		}
		if !known[code] {
			return nil, errs.New(errs.Invalid, msgUnknownColumn, i+1, clip(h, 40), t.Code)
		}
		if used[code] {
			return nil, errs.New(errs.Invalid, msgColumnTwice, code)
		}
		used[code], cols[i] = true, code
	}
	for _, c := range []string{"number", "holder_name", "holder_id"} {
		if !used[c] {
			return nil, errs.New(errs.Invalid, msgMissingColumn, c)
		}
	}
	for _, d := range t.Items {
		if d.Required && !used[d.Code] {
			return nil, errs.New(errs.Invalid, msgMissingColumn, d.Code)
		}
	}
	return cols, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// TemplateHeader is the header row of the type's import file.
func TemplateHeader(t Type) []string {
	var h []string
	for _, c := range baseColumns {
		h = append(h, baseLabels[c]+" ("+c+")")
	}
	for _, d := range t.Items {
		h = append(h, d.Label+" ("+d.Code+")")
	}
	return h
}

// WriteTemplate writes the type's import template: a CSV header (UTF-8
// with a byte-order mark, as Excel reads it) or an Excel workbook whose
// cells are text, with a sheet of notes.
func WriteTemplate(w io.Writer, t Type, format string) error {
	h := TemplateHeader(t)
	if format == FormatCSV {
		w.Write([]byte("\xef\xbb\xbf"))
		cw := csv.NewWriter(w)
		cw.Write(h)
		cw.Flush()
		return cw.Error()
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "证照"
	f.SetSheetName("Sheet1", sheet)
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, NumFmt: 49})
	if err != nil {
		return err
	}
	for i, v := range h {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr(sheet, cell, v)
	}
	last, _ := excelize.ColumnNumberToName(len(h))
	f.SetColStyle(sheet, "A:"+last, text)
	f.SetColWidth(sheet, "A", last, 22)
	f.SetCellStyle(sheet, "A1", last+"1", head)
	notes := "说明"
	f.NewSheet(notes)
	lines := []string{
		t.Name + "（" + t.Code + "）导入模板：第 1 行为列名，自第 2 行起每行一本证照。",
		"电子证照标识、流水号可空：为空时由平台按类型代码、颁发机构代码与证照编号生成。",
		"日期格式 YYYY-MM-DD；有效期截止日期为空时按证照类型的有效期计算，无有效期为长期。",
		"持证主体代码：自然人填公民身份号码（GB 11643），法人填统一社会信用代码（GB 32100）。",
		"整份文件逐行校验，任一行有误则整份不导入，并逐行逐列列出问题。",
	}
	for i, l := range lines {
		f.SetCellStr(notes, "A"+strconv.Itoa(i+1), l)
	}
	return f.Write(w)
}
