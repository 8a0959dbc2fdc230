package audit

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// MaxExport is the most entries one export holds; a narrower filter gets
// the rest.
const MaxExport = 200000

var (
	exportSheet   = errs.Define("audit.export.sheet", "Audit log", "审计日志")
	exportHeaders = []*errs.Msg{
		errs.Define("audit.export.seq", "No.", "序号"),
		errs.Define("audit.export.time", "Time (Beijing)", "时间（北京时间）"),
		errs.Define("audit.export.actor", "User", "用户"),
		errs.Define("audit.export.department", "Department", "部门"),
		errs.Define("audit.export.action", "Action", "操作"),
		errs.Define("audit.export.action_code", "Action code", "操作代码"),
		errs.Define("audit.export.target", "Target", "对象"),
		errs.Define("audit.export.outcome", "Outcome", "结果"),
		errs.Define("audit.export.client", "Client address", "客户端地址"),
		errs.Define("audit.export.detail", "Detail", "详情"),
		errs.Define("audit.export.hash", "Chain hash", "链哈希"),
	}
	outcomeWords = map[string]*errs.Msg{
		Success: errs.Define("audit.outcome.success", "success", "成功"),
		Failure: errs.Define("audit.outcome.failure", "failure", "失败"),
		Denied:  errs.Define("audit.outcome.denied", "denied", "拒绝"),
	}
)

// OutcomeText says an outcome in words.
func OutcomeText(o string) errs.Text {
	if m, ok := outcomeWords[o]; ok {
		return m.With()
	}
	return errs.Raw(o)
}

var beijing = time.FixedZone("CST", 8*3600)

// WriteXLSX writes the entries matching f, newest first, as a workbook in
// lang, at most MaxExport of them; it returns how many it wrote.
func (l *Log) WriteXLSX(ctx context.Context, w io.Writer, f Filter, lang string) (int, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := exportSheet.With().In(lang)
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	// Entries appended while the export runs stay out of it, so that
	// the pages do not shift.
	head, total, err := l.List(ctx, Filter{Actor: f.Actor, Action: f.Action, Outcome: f.Outcome, DepartmentID: f.DepartmentID, Q: f.Q, From: f.From, To: f.To, PageSize: 1})
	if err != nil {
		return 0, err
	}
	if len(head) > 0 {
		f.UpTo = head[0].Seq
	}
	f.Page, f.PageSize = 1, store.MaxPageSize
	rows := min(total, MaxExport)
	last, _ := excelize.CoordinatesToCellName(len(exportHeaders), rows+1)
	if err := x.SetSheetDimension(sheet, "A1:"+last); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	for i, width := range []float64{8, 18, 16, 24, 22, 24, 28, 8, 16, 60, 20} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return 0, err
		}
	}
	header := make([]any, len(exportHeaders))
	for i, h := range exportHeaders {
		header[i] = h.With().In(lang)
	}
	if err := sw.SetRow("A1", header); err != nil {
		return 0, err
	}
	n := 0
	for n < rows {
		es, _, err := l.List(ctx, f)
		if err != nil {
			return n, err
		}
		for _, e := range es {
			if n >= rows {
				break
			}
			n++
			t := ParseTarget(e.Target)
			target := e.Target
			if t.Kind != "" {
				target = KindText(t.Kind).In(lang) + " " + t.ID
			}
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			if err := sw.SetRow(cell, []any{e.Seq, e.At.In(beijing).Format("2006-01-02 15:04:05"), e.Actor, e.Department,
				ActionText(e.Action).In(lang), e.Action, target, OutcomeText(e.Outcome).In(lang), e.ClientAddr,
				DetailText(e.Detail).In(lang), e.Hash}); err != nil {
				return n, err
			}
		}
		if len(es) == 0 {
			break
		}
		f.Page++
	}
	if err := sw.Flush(); err != nil {
		return n, err
	}
	if err := x.Write(w); err != nil {
		return n, fmt.Errorf("audit: write xlsx: %w", err)
	}
	return n, nil
}
