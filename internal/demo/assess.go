package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/lists"
)

// loadAssess makes the data authority's first reports over the demo's
// activity: this month's assessment (to date) per department and per
// district, and the sharing results; and registers one information-system
// project of 市公安局 for its acceptance check.
func loadAssess(ctx context.Context, svc Services, out io.Writer) error {
	authority, err := svc.login(ctx, "xzsp.approver")
	if err != nil {
		return err
	}
	period := time.Now().In(lists.Beijing).Format("2006-01")
	var r assess.Report
	for _, level := range []string{assess.LevelDepartment, assess.LevelDistrict} {
		if r, err = svc.Assess.Generate(ctx, authority, period, level); err != nil {
			return err
		}
	}
	if _, err := svc.Assess.GenerateSharing(ctx, authority, period); err != nil {
		return err
	}
	cataloger, err := svc.login(ctx, "gaj.cataloger")
	if err != nil {
		return err
	}
	res, err := svc.Catalog.Search(ctx, cataloger, catalog.Query{Q: "户籍人口基本信息", PageSize: 5})
	if err != nil {
		return err
	}
	var codes []string
	for _, h := range res.Items {
		if h.ProviderName == DepartmentName("gaj") {
			codes = append(codes, h.Code)
		}
	}
	if len(codes) > 0 {
		if _, err := svc.Assess.CreateProject(ctx, cataloger, assess.ProjectInput{Name: "株洲市人口信息管理系统（演示）",
			Description: "市公安局建设的人口信息管理系统，产生户籍人口基本信息（演示数据）", Entries: codes}); err != nil {
			return err
		}
	}
	// One that fails: the parks list has no table mounted yet.
	if zrzy, err := svc.login(ctx, "zrzy.cataloger"); err == nil {
		res, err := svc.Catalog.Search(ctx, zrzy, catalog.Query{Q: "城市公园名录", PageSize: 5})
		if err != nil {
			return err
		}
		for _, h := range res.Items {
			if h.Name == "城市公园名录" {
				if _, err := svc.Assess.CreateProject(ctx, zrzy, assess.ProjectInput{Name: "株洲市园林绿化管理系统（演示）",
					Description: "市自然资源和规划局建设的园林绿化管理系统（演示数据）", Entries: []string{h.Code}}); err != nil {
					return err
				}
			}
		}
	}
	fmt.Fprintf(out, "Demo reports: the assessment of %s (to date, %d records read) and its sharing results; two projects for acceptance (项目验收), one passing and one failing.\n", period, r.RecordsRead)
	return nil
}

// DepartmentName is the name of demo department key.
func DepartmentName(key string) string {
	for _, d := range Departments {
		if d.Key == key {
			return d.Name
		}
	}
	return ""
}
