package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
)

// openTables are the demo's open data (数据开放): two entries open to the
// public with tables to download, one open without a table yet, and one
// open on conditions. Every other demo entry is closed (不予开放).
func openTables() []demoTable {
	item := func(name, id, typ string, length int, extra ...func(*catalog.Item)) catalog.Item {
		it := catalog.Item{Name: name, Identifier: id, DataType: typ, Length: length}
		for _, f := range extra {
			f(&it)
		}
		return it
	}
	key := func(it *catalog.Item) { it.Key, it.Required = true, true }
	closed := func(it *catalog.Item) { it.OpenType = catalog.OpenNone }
	mask := func(m string) func(*catalog.Item) { return func(it *catalog.Item) { it.Masking = m } }
	entry := func(name, summary, cat, item, sub, open, cycle, format string, keywords []string, items ...catalog.Item) catalog.Entry {
		e := catalog.Entry{Name: name, Summary: summary + "（演示数据，合成生成）", Category: cat, CategoryItem: item, CategorySubItem: sub,
			Format: format, ShareType: catalog.ShareUnconditional, OpenType: open, UpdateCycle: cycle, Keywords: keywords, Items: items,
			Contact: "演示联系人", Phone: "0731-28000000", SourceSystem: "演示业务系统"}
		e.NameEN = namesEN[name]
		if open == catalog.OpenConditional {
			e.OpenCondition = "仅限安全生产研究和社会监督使用；申请人须注册并说明用途，经提供部门审核同意"
		}
		return e
	}
	day := func(i int) time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%30) }
	stations := []string{"市监测站", "天台山", "株洲火车站", "市四中", "大京水库", "醴陵市监测站"}
	return []demoTable{
		{"sthj", "air_quality", entry("环境空气质量日报", "各空气质量监测站点的每日空气质量指数和首要污染物", "thematic", "11", "002", catalog.OpenUnconditional, "daily", "database",
			[]string{"空气质量", "环境", "AQI"},
			item("监测站点", "station", "C", 30, key),
			item("日期", "day", "D", 0, key),
			item("空气质量指数", "aqi", "I", 0),
			item("首要污染物", "pollutant", "C", 20),
			item("空气质量等级", "level", "C", 10)),
			func(r *rand.Rand, i int) []any {
				aqi := 20 + r.IntN(160)
				level := map[bool]string{true: "优", false: "良"}[aqi <= 50]
				if aqi > 100 {
					level = "轻度污染"
				}
				return []any{stations[i%len(stations)], day(i / len(stations)).Format("2006-01-02"), aqi, []string{"PM2.5", "PM10", "O3", "NO2"}[r.IntN(4)], level}
			}, catalog.StatusPublished},
		{"cgj", "parking_lots", entry("公共停车场信息", "城区公共停车场的位置、泊位数和收费标准", "departmental", "07", "003", catalog.OpenUnconditional, "monthly", "database",
			[]string{"停车场", "泊位", "交通"},
			item("停车场编号", "lot_id", "C", 20, key),
			item("停车场名称", "name", "C", 100),
			item("地址", "address", "C", 200),
			item("泊位数", "spaces", "I", 0),
			item("收费标准", "fee", "C", 100),
			item("管理人联系电话", "manager_phone", "C", 20, mask("phone"), closed)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("ZZP%05d", i), fmt.Sprintf("演示第%d公共停车场", i), fmt.Sprintf("株洲市芦淞区演示大道%d号", 1+r.IntN(800)),
					20 + r.IntN(400), []string{"首小时 2 元，之后每小时 1 元", "免费", "每次 5 元"}[r.IntN(3)], fmt.Sprintf("139%08d", r.IntN(100000000))}
			}, catalog.StatusPublished},
		{"zrzy", "", entry("城市公园名录", "城区公园和绿地的名称、位置和面积", "departmental", "11", "002", catalog.OpenUnconditional, "yearly", "document",
			[]string{"公园", "绿地"},
			item("公园名称", "name", "C", 100, key),
			item("所在区", "district", "C", 20),
			item("面积（公顷）", "hectares", "N", 10, func(it *catalog.Item) { it.Precision = 2 })), nil, catalog.StatusPublished},
		{"scj", "special_equipment", entry("特种设备使用登记信息", "电梯、锅炉等特种设备的使用登记证号、使用单位和下次检验日期", "departmental", "05", "002", catalog.OpenConditional, "weekly", "database",
			[]string{"特种设备", "电梯", "使用登记"},
			item("使用登记证编号", "cert_no", "C", 30, key),
			item("使用单位", "user_unit", "C", 100),
			item("设备类别", "kind", "C", 20),
			item("安全管理员", "safety_officer", "C", 50, mask("name")),
			item("下次检验日期", "next_check", "D", 0)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("TZS-430200-%06d", i), fmt.Sprintf("株洲演示%03d物业公司", i), []string{"电梯", "锅炉", "压力容器", "起重机械"}[r.IntN(4)],
					person(r, i), day(i).AddDate(1, 0, 0).Format("2006-01-02")}
			}, catalog.StatusPublished},
	}
}

// namesEN are the English names (英文名称) of the demo's public entries,
// which the portal's English view, DCAT and CKAN show beside the Chinese.
var namesEN = map[string]string{
	"环境空气质量日报":   "Daily air quality report",
	"公共停车场信息":    "Public car parks",
	"城市公园名录":     "City parks",
	"特种设备使用登记信息": "Registrations of special equipment in use",
}

// loadOpenData adds the demo's open entries and, with svc.OpenData, a
// month of generated, clearly synthetic use of each.
func loadOpenData(ctx context.Context, svc Services, dir string) error {
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	approver, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(2026, 14))
	var codes []string
	for _, t := range openTables() {
		cataloger, err := login(t.dept + ".cataloger")
		if err != nil {
			return err
		}
		e, err := svc.Catalog.Create(ctx, cataloger, t.entry)
		if err != nil {
			return fmt.Errorf("%s: %w", t.entry.Name, err)
		}
		codes = append(codes, e.Code)
		if t.table != "" {
			path := DatabasePath(dir, t.dept)
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return err
			}
			if err := writeTable(ctx, path, t, r); err != nil {
				return fmt.Errorf("demo table %s: %w", t.table, err)
			}
			var dsID int64
			list, err := svc.Catalog.Datasources(ctx, cataloger)
			if err != nil {
				return err
			}
			for _, d := range list {
				if d.Driver == "sqlite" {
					dsID = d.ID
				}
			}
			if dsID == 0 {
				ds, err := svc.Catalog.CreateDatasource(ctx, cataloger, catalog.Datasource{Name: t.dept + "-业务库", Driver: "sqlite", DSN: path})
				if err != nil {
					return fmt.Errorf("datasource of %s: %w", t.dept, err)
				}
				dsID = ds.ID
			}
			if _, err := svc.Catalog.AddMount(ctx, cataloger, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: dsID, Table: t.table}); err != nil {
				return fmt.Errorf("mount %s: %w", t.entry.Name, err)
			}
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			p := approver
			if a == catalog.ActionSubmit {
				p = cataloger
			}
			if _, err := svc.Catalog.Transition(ctx, p, e.Code, a, ""); err != nil {
				return fmt.Errorf("%s %s: %w", a, t.entry.Name, err)
			}
		}
	}
	if svc.OpenData == nil {
		return nil
	}
	if err := loadPublicUser(ctx, svc, codes[3]); err != nil {
		return err
	}
	// A month of synthetic use, up to yesterday.
	today := time.Now()
	for i, code := range codes {
		for d := 30; d >= 1; d-- {
			views := int64(30 + r.IntN(150) + 40*(i%2))
			if err := svc.OpenData.AddSynthetic(ctx, code, today.AddDate(0, 0, -d), views, int64(r.IntN(int(views/4)+1)), int64(r.IntN(60))); err != nil {
				return err
			}
		}
	}
	return nil
}

// PublicUser is the demo's registered public user (公众用户), clearly
// synthetic, whose application for the conditionally open entry the
// providing department approved.
const PublicUser = "demo.public@example.com"

// loadPublicUser registers the demo's public user and has the providing
// department approve their application for the conditional entry code;
// with the gateway wired (serve --demo) the approval issues their key.
func loadPublicUser(ctx context.Context, svc Services, code string) error {
	u, err := svc.OpenData.RegisterUser(ctx, PublicUser, "演示公众用户（合成）")
	if err != nil {
		return fmt.Errorf("demo public user: %w", err)
	}
	a, err := svc.OpenData.Apply(ctx, u, code, "演示：用于电梯安全社会监督研究，统计各类特种设备的下次检验日期分布（合成申请）", "127.0.0.1")
	if err != nil {
		return fmt.Errorf("demo public application: %w", err)
	}
	approver, err := svc.login(ctx, "scj.approver")
	if err != nil {
		return err
	}
	if _, err := svc.OpenData.Decide(ctx, approver, a.ID, true, "演示：同意（合成）"); err != nil {
		return fmt.Errorf("approve the demo public application: %w", err)
	}
	return nil
}
