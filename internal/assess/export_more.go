package assess

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
)

func sheetRows(f *excelize.File, sheet string, rows [][]any) {
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow(sheet, cell, &r)
	}
	f.SetColWidth(sheet, "A", "C", 28)
}

// xlsxBytes writes f with each sheet's used range set, which readers that
// trust <dimension> (openpyxl in read-only mode) need.
func xlsxBytes(f *excelize.File) ([]byte, error) {
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			return nil, err
		}
		cols := 1
		for _, r := range rows {
			cols = max(cols, len(r))
		}
		last, _ := excelize.CoordinatesToCellName(cols, max(len(rows), 1))
		if err := f.SetSheetDimension(sheet, "A1:"+last); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ExportSharing exports the kept sharing results (共享成效) of period.
func (s *Service) ExportSharing(ctx context.Context, p org.Principal, period, format string) (File, error) {
	if err := CheckFormat(format); err != nil {
		return File{}, err
	}
	r, err := s.SharingResults(ctx, p, period)
	if err != nil {
		return File{}, err
	}
	res := r.Results
	if res == nil {
		res = &Results{}
	}
	name := "sharing-results-" + r.Period.Key
	entryRows := [][]any{{"资源代码", "目录名称", "提供部门", "使用部门", "授权数", "服务调用次数", "交换条次", "应用场景"}}
	for _, e := range res.Entries {
		for _, u := range e.Uses {
			entryRows = append(entryRows, []any{e.Code, e.Name, e.Provider, u.Consumer, u.Grants, u.Calls, u.Rows, strings.Join(u.Scenarios, "；")})
		}
	}
	deptRows := [][]any{{"部门", "被使用目录数", "使用部门数", "被调用次数", "交换条次", "使用他部门目录数", "调用次数", "接收条次", "应用场景数"}}
	for _, d := range res.Departments {
		deptRows = append(deptRows, []any{d.Name, d.EntriesUsed, d.Consumers, d.Calls, d.Rows, d.EntriesUsing, d.CallsMade, d.RowsReceived, d.ScenarioCount})
	}
	if format == FormatXLSX {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "按目录")
		sheetRows(f, "按目录", entryRows)
		f.NewSheet("按部门")
		sheetRows(f, "按部门", deptRows)
		f.NewSheet("说明")
		sheetRows(f, "说明", [][]any{{"共享成效 " + r.PeriodLabel}, {dataLine(r)}, {res.OneThing}})
		b, err := xlsxBytes(f)
		return File{Name: name + ".xlsx", ContentType: TypeXLSX, Body: b}, err
	}
	fonts, err := s.Fonts.Fonts()
	if err != nil {
		return File{}, err
	}
	title := "政务数据共享成效报告"
	d := fonts.New(pdfdoc.Info{Title: title, Subject: r.PeriodLabel, Author: "数据主管部门", Footer: title + " · " + r.PeriodLabel, Created: r.GeneratedAt})
	d.Title(title, 0)
	d.Text(r.PeriodLabel, 0, pdfdoc.Center)
	d.Text(dataLine(r), 9, pdfdoc.Left)
	d.Text(fmt.Sprintf("本期共有 %d 项授权、%d 次数据服务调用、%d 条库表交换，涉及 %d 个应用场景。", res.Grants, res.Calls, res.Rows, len(res.Scenarios)), 0, pdfdoc.Left)
	d.Text(res.OneThing, 9, pdfdoc.Left)
	for _, n := range r.Notes {
		d.Text(n, 9, pdfdoc.Left)
	}
	d.Space(4)
	d.Text("一、按目录", 0, pdfdoc.Left)
	d.Table(pdfTable(entryRows, []float64{1.6, 2, 1.6, 1.6, 0.6, 0.8, 0.8, 2.2}))
	d.Space(6)
	d.Text("二、按部门", 0, pdfdoc.Left)
	d.Table(pdfTable(deptRows, []float64{2.4, 1, 1, 1, 1, 1, 1, 1, 1}))
	b, err := d.Bytes()
	return File{Name: name + ".pdf", ContentType: TypePDF, Body: b}, err
}

func pdfTable(rows [][]any, widths []float64) pdfdoc.Table {
	t := pdfdoc.Table{Widths: widths, Header: 1, Size: 7.5}
	for i, r := range rows {
		var pr pdfdoc.Row
		for _, c := range r {
			if i == 0 {
				pr = append(pr, pdfdoc.Label(fmt.Sprint(c)))
			} else {
				pr = append(pr, pdfdoc.Value(fmt.Sprint(c)))
			}
		}
		t.Rows = append(t.Rows, pr)
	}
	if len(rows) == 1 {
		t.Rows = append(t.Rows, pdfdoc.Row{pdfdoc.Value("本期没有记录").Spans(len(widths))})
	}
	return t
}

func yes(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// ExportAcceptance prints the acceptance check of project id (项目验收).
func (s *Service) ExportAcceptance(ctx context.Context, p org.Principal, id int64, format string) (File, error) {
	if err := CheckFormat(format); err != nil {
		return File{}, err
	}
	a, err := s.Check(ctx, p, id, "zh-CN")
	if err != nil {
		return File{}, err
	}
	name := "acceptance-" + strconv.FormatInt(id, 10)
	verdict := "不通过"
	if a.Pass {
		verdict = "通过"
	}
	entryRows := [][]any{{"资源代码", "目录名称", "状态", "已编目", "已挂接", "已共享"}}
	for _, e := range a.Entries {
		entryRows = append(entryRows, []any{e.Code, e.Name, statusZH(e.Status), yes(e.Compiled), yes(e.Mounted), yes(e.Shared)})
	}
	if format == FormatXLSX {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "验收结论")
		rows := [][]any{{"项目", a.Project.Name}, {"建设单位", a.Project.Department}, {"检查时间", a.CheckedAt.In(beijing).Format("2006-01-02 15:04")},
			{"结论", verdict}}
		for _, r := range a.Reasons {
			rows = append(rows, []any{"原因", r})
		}
		sheetRows(f, "验收结论", rows)
		f.NewSheet("数据目录")
		sheetRows(f, "数据目录", entryRows)
		b, err := xlsxBytes(f)
		return File{Name: name + ".xlsx", ContentType: TypeXLSX, Body: b}, err
	}
	fonts, err := s.Fonts.Fonts()
	if err != nil {
		return File{}, err
	}
	title := "信息化项目数据共享验收检查表"
	d := fonts.New(pdfdoc.Info{Title: title, Subject: a.Project.Name, Author: a.Project.Department, Footer: title + " · 项目 " + strconv.FormatInt(id, 10), Created: a.CheckedAt})
	d.Title(title, 0)
	L, V := pdfdoc.Label, pdfdoc.Value
	t := pdfdoc.Table{Widths: []float64{1, 3}, Rows: []pdfdoc.Row{
		{L("项目名称"), V(a.Project.Name)},
		{L("建设单位"), V(a.Project.Department)},
		{L("项目说明"), V(orDash(a.Project.Description))},
		{L("检查时间"), V(a.CheckedAt.In(beijing).Format("2006-01-02 15:04"))},
		{L("检查结论"), V(verdict)},
	}}
	for i, r := range a.Reasons {
		t.Rows = append(t.Rows, pdfdoc.Row{L(fmt.Sprintf("原因 %d", i+1)), V(r)})
	}
	d.Table(t)
	d.Space(6)
	d.Text("项目产生的数据目录", 0, pdfdoc.Left)
	d.Table(pdfTable(entryRows, []float64{1.8, 2.4, 1.2, 0.7, 0.7, 0.7}))
	d.Space(10)
	d.Stamp(pdfdoc.Stamp{Label: "数据主管部门（盖章）"})
	b, err := d.Bytes()
	return File{Name: name + ".pdf", ContentType: TypePDF, Body: b}, err
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
