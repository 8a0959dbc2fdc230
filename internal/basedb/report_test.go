package basedb_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestQualityReport writes 公安's monthly quality report as xlsx and PDF:
// its sources' scores, the trend and the worst rows, among them a value
// with a CJK Extension B character (𠮷, U+20BB7) printed and read back.
func TestQualityReport(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		c.load(t, 400)
		p := basedb.Person(1)
		odd := basedb.Row{Key: p.Key, RowKey: "HJ-EXTB", Time: now, Values: []string{p.Name, p.Sex, p.Birth, "𠮷族", "演示路1号", p.Division, "", ""}}
		if _, err := c.svc.Stage(ctx, "population", basedb.SrcHousehold, []basedb.Row{odd, odd}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.Refresh(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		police := c.login("gaj.approver")
		r, err := c.svc.QualityReport(ctx, police, "2026-12", 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.DepartmentID != c.dept("gaj") || len(r.Sources) != 1 || r.Sources[0].Source != basedb.SrcHousehold || len(r.Days) == 0 || len(r.Worst) == 0 {
			t.Fatalf("report = %+v, want 公安's own household register", r)
		}
		if s := r.Sources[0]; s.Accuracy >= 1000 || s.Quarantined == 0 || s.Uniqueness != 1000 {
			t.Errorf("household = %+v, want quarantined rows counted, row keys unique", s)
		}
		if !strings.Contains(r.Worst[0].ReasonZH, "𠮷族") {
			t.Errorf("worst row = %+v, want the Extension B value", r.Worst[0])
		}
		if _, err := c.svc.QualityReport(ctx, police, "2026-13", 0); !errs.Is(err, errs.Invalid) {
			t.Errorf("month 2026-13: %v, want invalid", err)
		}
		if _, err := c.svc.QualityReport(ctx, c.login("admin"), "2026-12", 0); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the system admin reads a report: %v, want forbidden", err)
		}
		all, err := c.svc.QualityReport(ctx, c.login("xzsp.consumer"), "2026-12", 0)
		if err != nil || len(all.Sources) < 4 {
			t.Errorf("the authority's report of all departments = %d sources, %v", len(all.Sources), err)
		}

		x, err := c.svc.QualityReportFile(ctx, police, "2026-12", 0, "xlsx")
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(x))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("概况")
		if err != nil || len(rows) < 6 || rows[5][1] != "公安户籍信息" {
			t.Errorf("xlsx 概况 = %v, %v", rows, err)
		}
		worst, _ := f.GetRows("问题数据")
		if len(worst) < 2 || !strings.Contains(strings.Join(worst[1], " "), "𠮷族") {
			t.Errorf("xlsx 问题数据 = %v", worst)
		}
		pdf, err := c.svc.QualityReportFile(ctx, police, "2026-12", 0, "pdf")
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.Squeezed(t, pdf)
		for _, want := range []string{"数据质量月度报告", "株洲市公安局", "公安户籍信息", "𠮷族"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q: %.500s", want, text)
			}
		}
	})
}
