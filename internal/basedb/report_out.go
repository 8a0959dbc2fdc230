package basedb

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
)

// ReportTitle is the title of the monthly quality report.
const ReportTitle = "数据质量月度报告"

// ReportName is the file name of a report, by month, department and format.
func ReportName(month string, department int64, format string) string {
	return fmt.Sprintf("quality-%s-%d.%s", month, department, format)
}

// SetFonts gives the service the fonts its PDF reports are printed with.
func (s *Service) SetFonts(l *pdfdoc.Loader) { s.fonts = l }

// QualityReportFile answers the report as a file: xlsx or pdf.
func (s *Service) QualityReportFile(ctx context.Context, p org.Principal, month string, department int64, format string) ([]byte, error) {
	r, err := s.QualityReport(ctx, p, month, department)
	if err != nil {
		return nil, err
	}
	if format == "pdf" {
		loader := s.fonts
		if loader == nil {
			loader = &pdfdoc.Loader{}
		}
		fonts, err := loader.Fonts()
		if err != nil {
			return nil, err
		}
		return r.PDF(fonts, s.now())
	}
	return r.XLSX()
}

func (r Report) scope() string {
	if r.Department == "" {
		return "全部部门"
	}
	return r.Department
}

// pct renders a score per mille as a percentage.
func pct(n int64) string { return fmt.Sprintf("%d.%d%%", n/10, n%10) }

// XLSX writes the report as a workbook: 概况 (the sources), 趋势 (per day),
// 问题数据 (the worst rows).
func (r Report) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const summary = "概况"
	if err := f.SetSheetName("Sheet1", summary); err != nil {
		return nil, err
	}
	rows := [][]any{
		{ReportTitle},
		{"月份", r.Month, "部门", r.scope()},
		{"疑义数据", r.Disputes.Raised, "未处理", r.Disputes.Open, "按时处理", r.Disputes.SettledInTime, "超期", r.Disputes.Overdue},
		{},
		{"基础库", "数据来源", "报送条数", "隔离条数", "完整性", "准确性", "一致性", "及时性", "唯一性"},
	}
	for _, x := range r.Sources {
		rows = append(rows, []any{x.DBName, x.SourceName, x.Rows, x.Quarantined, pct(x.Completeness), pct(x.Accuracy), pct(x.Consistency), pct(x.Timeliness), pct(x.Uniqueness)})
	}
	if err := setRows(f, summary, rows); err != nil {
		return nil, err
	}
	const trend = "趋势"
	if _, err := f.NewSheet(trend); err != nil {
		return nil, err
	}
	rows = [][]any{{"日期", "基础库", "数据来源", "报送条数", "完整性", "准确性", "一致性", "及时性"}}
	for _, d := range r.Days {
		rows = append(rows, []any{d.Day, d.DB, d.Source, d.Rows, pct(d.Completeness), pct(d.Accuracy), pct(d.Consistency), pct(d.Timeliness)})
	}
	if err := setRows(f, trend, rows); err != nil {
		return nil, err
	}
	const worst = "问题数据"
	if _, err := f.NewSheet(worst); err != nil {
		return nil, err
	}
	rows = [][]any{{"到达时间", "基础库", "数据来源", "来源记录", "字段", "原因"}}
	for _, b := range r.Worst {
		rows = append(rows, []any{b.ArrivedAt.In(beijing).Format("2006-01-02 15:04"), b.DB, b.Source, b.RowKey, b.Field, b.ReasonZH})
	}
	if err := setRows(f, worst, rows); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var beijing = time.FixedZone("CST", 8*3600)

func setRows(f *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	return nil
}

// PDF prints the report on A4 paper.
func (r Report) PDF(fonts *pdfdoc.Fonts, printed time.Time) ([]byte, error) {
	L, V := pdfdoc.Label, pdfdoc.Value
	c := func(s string) pdfdoc.Cell { return pdfdoc.Cell{Text: s, Align: pdfdoc.Center} }
	d := fonts.New(pdfdoc.Info{Title: ReportTitle, Subject: r.Month + " " + r.scope(), Author: r.scope(),
		Footer: ReportTitle + " · " + r.Month + " · " + r.scope(), Created: printed})
	d.Title(ReportTitle, 0)
	d.Pair("部门："+r.scope(), "月份："+r.Month, 0)
	d.Pair(fmt.Sprintf("疑义数据 %d 条，未处理 %d 条，超期 %d 条", r.Disputes.Raised, r.Disputes.Open, r.Disputes.Overdue),
		"打印时间："+printed.In(beijing).Format("2006-01-02 15:04"), 0)
	d.Space(4)
	t := pdfdoc.Table{Widths: []float64{1.3, 1.8, 1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}, Header: 2, Rows: []pdfdoc.Row{
		{L("一、各数据来源的质量").Spans(9)},
		{L("基础库"), L("数据来源"), L("报送"), L("隔离"), L("完整性"), L("准确性"), L("一致性"), L("及时性"), L("唯一性")},
	}}
	for _, x := range r.Sources {
		t.Rows = append(t.Rows, pdfdoc.Row{V(x.DBName), V(x.SourceName), c(strconv.FormatInt(x.Rows, 10)), c(strconv.FormatInt(x.Quarantined, 10)),
			c(pct(x.Completeness)), c(pct(x.Accuracy)), c(pct(x.Consistency)), c(pct(x.Timeliness)), c(pct(x.Uniqueness))})
	}
	d.Table(t)
	t = pdfdoc.Table{Widths: []float64{1.2, 1.6, 1, 1, 1, 1, 1}, Header: 2, Rows: []pdfdoc.Row{
		{L("二、每日质量趋势").Spans(7)},
		{L("日期"), L("数据来源"), L("报送"), L("完整性"), L("准确性"), L("一致性"), L("及时性")},
	}}
	for _, x := range r.Days {
		t.Rows = append(t.Rows, pdfdoc.Row{c(x.Day), V(x.Source), c(strconv.FormatInt(x.Rows, 10)), c(pct(x.Completeness)), c(pct(x.Accuracy)),
			c(pct(x.Consistency)), c(pct(x.Timeliness))})
	}
	d.Table(t)
	t = pdfdoc.Table{Widths: []float64{1.3, 1.5, 1.2, 0.9, 3}, Header: 2, Rows: []pdfdoc.Row{
		{L("三、问题数据（隔离的记录）").Spans(5)},
		{L("到达时间"), L("数据来源"), L("来源记录"), L("字段"), L("原因")},
	}}
	for _, b := range r.Worst {
		t.Rows = append(t.Rows, pdfdoc.Row{c(b.ArrivedAt.In(beijing).Format("01-02 15:04")), V(b.Source), V(b.RowKey), c(b.Field), V(b.ReasonZH)})
	}
	d.Table(t)
	return d.Bytes()
}
