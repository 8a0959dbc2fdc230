package assess

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
)

// Export formats.
const (
	FormatJSON = "json"
	FormatXLSX = "xlsx"
	FormatPDF  = "pdf"
)

// Content types of the exports.
const (
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypePDF  = "application/pdf"
)

// File is an exported report.
type File struct {
	Name        string
	ContentType string
	Body        []byte
}

// CheckFormat reads an export format.
func CheckFormat(f string) error {
	if f != FormatXLSX && f != FormatPDF && f != FormatJSON {
		return errs.FieldMsg("format", msgFormat, f)
	}
	return nil
}

// Display says a figure's value in its indicator's unit.
func Display(ind Indicator, f Figure) string {
	switch f.Status {
	case StatusNotMeasured:
		return "尚未计量"
	case StatusDisabled:
		return "未启用"
	case StatusNoData:
		return "无数据"
	}
	switch ind.Kind {
	case Ratio:
		if pct := f.Value * 100; pct == math.Trunc(pct) {
			return fmt.Sprintf("%.0f%%", pct)
		}
		return fmt.Sprintf("%.1f%%", f.Value*100)
	case Count:
		return strconv.FormatFloat(f.Value, 'f', 0, 64)
	}
	return fmt.Sprintf("%.1f %s", f.Value, ind.Unit)
}

// TargetText says an indicator's target.
func TargetText(ind Indicator) string {
	if ind.Kind == Ratio {
		return fmt.Sprintf("%.0f%%", ind.Target*100)
	}
	return strconv.FormatFloat(ind.Target, 'f', -1, 64) + " " + ind.Unit
}

func indicatorOf(r Report, key string) Indicator {
	for _, ind := range r.Indicators {
		if ind.Key == key {
			return ind
		}
	}
	d, _ := defaultOf(key)
	return d
}

// ExportAssessment exports the kept assessment of period: every unit p
// sees, or one unit (a department's id, a district's code) with the
// records behind its figures.
func (s *Service) ExportAssessment(ctx context.Context, p org.Principal, period, level, unit, format string) (File, error) {
	if err := CheckFormat(format); err != nil {
		return File{}, err
	}
	r, err := s.Assessment(ctx, p, period, level)
	if err != nil {
		return File{}, err
	}
	var records map[string][]Record
	if unit != "" {
		var rows []Row
		for _, row := range r.Rows {
			if row.Unit == unit {
				rows = append(rows, row)
			}
		}
		if len(rows) == 0 {
			return File{}, errs.New(errs.NotFound, msgUnitMissing, unit)
		}
		r.Rows = rows
		records = map[string][]Record{}
		for _, ind := range r.Indicators {
			if records[ind.Key], err = s.Records(ctx, p, r.ID, unit, ind.Key); err != nil {
				return File{}, err
			}
		}
	}
	name := "assessment-" + r.Period.Key + "-" + level
	if unit != "" {
		name += "-" + unit
	}
	if format == FormatXLSX {
		b, err := assessmentXLSX(r, records)
		return File{Name: name + ".xlsx", ContentType: TypeXLSX, Body: b}, err
	}
	fonts, err := s.Fonts.Fonts()
	if err != nil {
		return File{}, err
	}
	b, err := assessmentPDF(fonts, r, records)
	return File{Name: name + ".pdf", ContentType: TypePDF, Body: b}, err
}

func header(r Report) []string {
	h := []string{"排名", "单位", "总分"}
	for _, ind := range r.Indicators {
		h = append(h, ind.NameZH)
	}
	return h
}

func rowCells(r Report, row Row) []string {
	rank := "—"
	if row.Rank > 0 {
		rank = strconv.Itoa(row.Rank)
	}
	total := "无数据"
	if row.HasData {
		total = strconv.FormatFloat(row.Total, 'f', 1, 64)
	}
	out := []string{rank, row.Name, total}
	for _, f := range row.Figures {
		out = append(out, Display(indicatorOf(r, f.Indicator), f))
	}
	return out
}

func dataLine(r Report) string {
	s := fmt.Sprintf("考核期：%s（%s）　数据截至：%s　生成时间：%s", r.PeriodLabel, r.Period.Key, r.DataTo.In(beijing).Format("2006-01-02 15:04"),
		r.GeneratedAt.In(beijing).Format("2006-01-02 15:04"))
	if r.Partial {
		s += "　（考核期未结束）"
	}
	return s
}

func assessmentXLSX(r Report, records map[string][]Record) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "考核结果"
	f.SetSheetName("Sheet1", sheet)
	title := "政务数据共享考核 " + r.PeriodLabel
	f.SetSheetRow(sheet, "A1", &[]any{title})
	f.SetSheetRow(sheet, "A2", &[]any{dataLine(r)})
	n := 3
	if r.Empty {
		f.SetSheetRow(sheet, "A3", &[]any{"本考核期没有可统计的数据。"})
		n++
	}
	hdr := header(r)
	row := make([]any, len(hdr))
	for i, h := range hdr {
		row[i] = h
	}
	cell, _ := excelize.CoordinatesToCellName(1, n)
	f.SetSheetRow(sheet, cell, &row)
	for _, x := range r.Rows {
		n++
		cells := rowCells(r, x)
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		if x.HasData {
			vals[2] = x.Total
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		f.SetSheetRow(sheet, cell, &vals)
	}
	const ind = "指标"
	f.NewSheet(ind)
	f.SetSheetRow(ind, "A1", &[]any{"指标", "来源", "权重", "目标", "启用"})
	for i, x := range r.Indicators {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		f.SetSheetRow(ind, cell, &[]any{x.NameZH, x.Source, x.Weight, TargetText(x), map[bool]string{true: "是", false: "否"}[x.Enabled]})
	}
	if records != nil {
		const rec = "计数明细"
		f.NewSheet(rec)
		f.SetSheetRow(rec, "A1", &[]any{"指标", "记录", "名称", "计入", "基数", "说明"})
		k := 1
		for _, x := range r.Indicators {
			for _, y := range records[x.Key] {
				k++
				cell, _ := excelize.CoordinatesToCellName(1, k)
				f.SetSheetRow(rec, cell, &[]any{x.NameZH, y.Ref, y.Label, y.Num, y.Den, y.Note})
			}
		}
	}
	for _, name := range f.GetSheetList() {
		f.SetColWidth(name, "A", "A", 10)
		f.SetColWidth(name, "B", "C", 30)
	}
	return xlsxBytes(f)
}

func assessmentPDF(fonts *pdfdoc.Fonts, r Report, records map[string][]Record) ([]byte, error) {
	title := "政务数据共享考核报告"
	d := fonts.New(pdfdoc.Info{Title: title, Subject: r.PeriodLabel, Author: "数据主管部门", Footer: title + " · " + r.PeriodLabel, Created: r.GeneratedAt})
	d.Title(title, 0)
	d.Text(r.PeriodLabel+"（"+map[string]string{LevelDepartment: "按部门", LevelDistrict: "按区县"}[r.Level]+"）", 0, pdfdoc.Center)
	d.Text(dataLine(r), 9, pdfdoc.Left)
	for _, n := range r.Notes {
		d.Text(n, 9, pdfdoc.Left)
	}
	d.Space(4)
	L, V := pdfdoc.Label, pdfdoc.Value
	if len(r.Rows) == 1 {
		// One unit: its figures down the page, then the records.
		row := r.Rows[0]
		t := pdfdoc.Table{Widths: []float64{2.2, 1.2, 1, 1, 0.8}, Header: 1, Rows: []pdfdoc.Row{
			{L("单位"), V(row.Name).Spans(2), L("总分 / 排名"), V(fmt.Sprintf("%s / %s", rowCells(r, row)[2], rowCells(r, row)[0]))},
			{L("指标"), L("数值"), L("目标"), L("得分"), L("记录数")}}}
		for _, fg := range row.Figures {
			ind := indicatorOf(r, fg.Indicator)
			sc := "—"
			if fg.Status == StatusOK {
				sc = strconv.FormatFloat(fg.Score, 'f', 1, 64)
			}
			t.Rows = append(t.Rows, pdfdoc.Row{V(ind.NameZH), V(Display(ind, fg)), V(TargetText(ind)), V(sc), V(strconv.Itoa(fg.Records))})
		}
		d.Table(t)
		if records != nil {
			d.Space(6)
			d.Text("计数明细（每项数值所计入的记录）", 0, pdfdoc.Left)
			rt := pdfdoc.Table{Widths: []float64{1.4, 1.8, 2.6, 0.6, 0.6, 2}, Header: 1, Size: 8, Rows: []pdfdoc.Row{{L("指标"), L("记录"), L("名称"), L("计入"), L("基数"), L("说明")}}}
			for _, ind := range r.Indicators {
				for _, y := range records[ind.Key] {
					rt.Rows = append(rt.Rows, pdfdoc.Row{V(ind.NameZH), V(y.Ref), V(y.Label), V(num(y.Num)), V(num(y.Den)), V(y.Note)})
				}
			}
			if len(rt.Rows) == 1 {
				rt.Rows = append(rt.Rows, pdfdoc.Row{V("本期没有计入的记录").Spans(6)})
			}
			d.Table(rt)
		}
		return d.Bytes()
	}
	hdr := header(r)
	t := pdfdoc.Table{Header: 1, Size: 6.5}
	var hrow pdfdoc.Row
	for i, h := range hdr {
		w := 1.0
		switch i {
		case 0:
			w = 0.55
		case 1:
			w = 2.6
		}
		t.Widths = append(t.Widths, w)
		hrow = append(hrow, L(h))
	}
	t.Rows = append(t.Rows, hrow)
	for _, row := range r.Rows {
		var pr pdfdoc.Row
		for _, c := range rowCells(r, row) {
			pr = append(pr, V(c))
		}
		t.Rows = append(t.Rows, pr)
	}
	if len(r.Rows) == 0 {
		t.Rows = append(t.Rows, pdfdoc.Row{V("本考核期没有可统计的数据").Spans(len(hdr))})
	}
	d.Table(t)
	return d.Bytes()
}

func num(v float64) string {
	if v == 0 {
		return "0"
	}
	return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
}
