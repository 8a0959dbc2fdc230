package demo

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the demo departments' databases

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// Services are what the demo fills.
type Services struct {
	Org     *org.Service
	Catalog *catalog.Service
	Lists   *lists.Service
	Sharing *sharing.Service // when set, applications and grants (sharing.go)
	Gateway *gateway.Service // with Sharing, apps and data-service calls (services.go)
	// Exchange and Aggregation, when set, get the demo's aggregation
	// mandates and their channels.
	Exchange    *exchange.Manager
	Aggregation *aggregation.Service
	// Anchors, when set, gets the demo's anchored documents (ledger.go).
	Anchors *ledger.Anchors
	// Licences, when set, gets the demo's licence types and licences (licences.go).
	Licences *licence.Service
	// API, when set with Sharing and Gateway, is the demo's running
	// department API (StartAPI): an entry mounted to it and its grant.
	API *API
	// OpenData, when set, gets a month of synthetic use of the open entries.
	OpenData *opendata.Service
	// Assess, when set, gets the first assessment, sharing results and a
	// project's acceptance check (assess.go).
	Assess *assess.Service
}

// Load creates the whole demo city: organisations and accounts, then each
// department's demo database, its catalog entries taken through review,
// publishing and mounting, and the three lists. dir is the platform's
// folder of SQLite datasources (catalog.Service.SQLiteRoot): each
// department's database lies in its own folder, DatabasePath(dir, key).
// If the platform already has users it only moves the
// demo API's mount to where svc.API now listens.
func Load(ctx context.Context, svc Services, dir string, out io.Writer) error {
	n, err := svc.Org.CountUsers(ctx)
	if err != nil {
		return err
	}
	if err := LoadOrg(ctx, svc.Org, out); err != nil {
		return err
	}
	if n > 0 {
		if svc.API != nil {
			// A mount left behind breaks one demo service, not the platform.
			if err := svc.API.reattach(ctx, svc); err != nil {
				fmt.Fprintf(out, "Demo API at %s: %v; its data service fails until the mount is moved there.\n", svc.API.URL(), err)
			} else {
				svc.API.describe(out)
			}
		}
		return nil
	}
	if err := loadCatalog(ctx, svc, dir); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	if err := loadOpenData(ctx, svc, dir); err != nil {
		return fmt.Errorf("demo open data: %w", err)
	}
	if svc.Sharing != nil {
		if err := loadSharing(ctx, svc); err != nil {
			return fmt.Errorf("demo sharing: %w", err)
		}
	}
	if svc.API != nil && svc.Sharing != nil && svc.Gateway != nil {
		if err := loadAPIService(ctx, svc); err != nil {
			return fmt.Errorf("demo API service: %w", err)
		}
	}
	_, total, err := svc.Catalog.Counts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo catalog: %d entries, %d published, %d published and mounted (demo tables in %s).\n", total.Entries, total.Published, total.Mounted, dir)
	if svc.Exchange != nil && svc.Aggregation != nil {
		login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
		if err := loadExchange(ctx, svc, dir, login); err != nil {
			return fmt.Errorf("demo exchange: %w", err)
		}
		fmt.Fprintf(out, "Demo exchange: %d aggregation mandates (归集任务), confirmed, and their channels into the approval bureau's shared database.\n", len(DemoChannels))
	}
	if svc.Sharing != nil && svc.Gateway != nil {
		if err := loadServices(ctx, svc); err != nil {
			return fmt.Errorf("demo data services: %w", err)
		}
	}
	// The licences before the anchored documents, so the ledger's newest
	// records show both kinds.
	if svc.Licences != nil {
		if err := loadLicences(ctx, svc, out); err != nil {
			return fmt.Errorf("demo licences: %w", err)
		}
	}
	if svc.Licences != nil && svc.Exchange != nil && svc.Aggregation != nil {
		if err := loadLicenceFeed(ctx, svc, dir, out); err != nil {
			return fmt.Errorf("demo licence feed: %w", err)
		}
	}
	if svc.Anchors != nil {
		if err := loadLedger(ctx, svc, out); err != nil {
			return fmt.Errorf("demo ledger: %w", err)
		}
	}
	if svc.Assess != nil {
		if err := loadAssess(ctx, svc, out); err != nil {
			return fmt.Errorf("demo assessment: %w", err)
		}
	}
	if svc.API != nil && svc.Sharing != nil && svc.Gateway != nil {
		svc.API.describe(out)
	}
	return nil
}

// demoTable is a department's synthetic table and the catalog entry that describes it.
type demoTable struct {
	dept  string // Department.Key
	table string
	entry catalog.Entry
	rows  func(r *rand.Rand, i int) []any
	state string // the catalog status the demo leaves it in
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")

// person returns a clearly synthetic name: a surname, 演示 and a number.
func person(r *rand.Rand, i int) string {
	return fmt.Sprintf("%c演示%03d", surnames[r.IntN(len(surnames))], i)
}

// idNumber returns a synthetic citizen ID number of a Zhuzhou county with a
// valid check character (GB 11643).
func idNumber(r *rand.Rand) string {
	areas := []string{"430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"}
	birth := time.Date(1950+r.IntN(55), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	body := fmt.Sprintf("%s%s%03d", areas[r.IntN(len(areas))], birth.Format("20060102"), r.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

func demoTables() []demoTable {
	item := func(name, id, typ string, length int, extra ...func(*catalog.Item)) catalog.Item {
		it := catalog.Item{Name: name, Identifier: id, DataType: typ, Length: length}
		for _, f := range extra {
			f(&it)
		}
		return it
	}
	key := func(it *catalog.Item) { it.Key, it.Required = true, true }
	ts := func(it *catalog.Item) { it.Timestamp = true }
	mask := func(m string) func(*catalog.Item) { return func(it *catalog.Item) { it.Masking = m } }
	valid := func(v string) func(*catalog.Item) { return func(it *catalog.Item) { it.Validator = v } }
	narrow := func(it *catalog.Item) { it.ShareType, it.OpenType = catalog.ShareNone, catalog.OpenNone }
	entry := func(name, summary, cat, item, sub, share, cycle string, keywords []string, items ...catalog.Item) catalog.Entry {
		e := catalog.Entry{Name: name, Summary: summary + "（演示数据，合成生成）", Category: cat, CategoryItem: item, CategorySubItem: sub,
			Format: "database", ShareType: share, OpenType: catalog.OpenNone, UpdateCycle: cycle, Keywords: keywords, Items: items,
			Contact: "演示联系人", Phone: "0731-28000000", SourceSystem: "演示业务系统"}
		switch share {
		case catalog.ShareConditional:
			e.ShareCondition = "仅限政务服务办理和行政执法使用，需经提供部门审核"
		case catalog.ShareNone:
			e.ShareBasis = "《中华人民共和国个人信息保护法》第二十八条（演示）"
		}
		return e
	}
	day := func(r *rand.Rand) time.Time {
		return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(600))
	}
	return []demoTable{
		{"gaj", "population", entry("户籍人口基本信息", "株洲市户籍人口的身份、出生和户籍地址信息", "base", "01", "001", catalog.ShareConditional, "daily", []string{"户籍", "人口", "身份证"},
			item("公民身份号码", "id_number", "C", 18, key, valid("id_number"), mask("id_number")),
			item("姓名", "name", "字符型", 50, mask("name")),
			item("性别", "gender", "C", 2),
			item("出生日期", "birth_date", "D", 0),
			item("户籍地址", "address", "C", 200, mask("address"), narrow),
			item("更新时间", "updated_at", "T", 0, ts)),
			func(r *rand.Rand, i int) []any {
				id := idNumber(r)
				return []any{id, person(r, i), []string{"男", "女"}[r.IntN(2)], id[6:10] + "-" + id[10:12] + "-" + id[12:14],
					fmt.Sprintf("株洲市演示路%d号", 1+r.IntN(500)), day(r).Format(time.RFC3339)}
			}, catalog.StatusPublished},
		{"scj", "enterprises", entry("企业登记注册信息", "在株洲市登记注册的企业的基本信息", "base", "02", "001", catalog.ShareUnconditional, "realtime", []string{"企业", "营业执照", "法人"},
			item("统一社会信用代码", "credit_code", "C", 18, key, valid("credit_code")),
			item("企业名称", "name", "C", 100),
			item("法定代表人", "legal_rep", "C", 50, mask("name")),
			item("成立日期", "founded", "D", 0),
			item("注册资本（万元）", "capital", "N", 18, func(it *catalog.Item) { it.Precision = 2 }),
			item("更新时间", "updated_at", "T", 0, ts)),
			func(r *rand.Rand, i int) []any {
				return []any{CreditCode(1000+i, Department{Region: CityCode, Kind: org.KindEnterprise}), fmt.Sprintf("株洲演示%03d科技有限公司", i), person(r, i), day(r).Format("2006-01-02"),
					fmt.Sprintf("%d.%02d", 10+r.IntN(5000), r.IntN(100)), day(r).Format(time.RFC3339)}
			}, catalog.StatusPublished},
		{"bdc", "real_estate", entry("不动产登记证明信息", "不动产权利登记和证明的记录", "thematic", "01", "004", catalog.ShareConditional, "daily", []string{"不动产", "房产", "登记"},
			item("不动产单元号", "unit_no", "C", 28, key),
			item("权利人", "owner", "C", 50, mask("name")),
			item("坐落", "location", "C", 200, mask("address")),
			item("面积（平方米）", "area", "N", 12, func(it *catalog.Item) { it.Precision = 2 }),
			item("登簿日期", "registered", "D", 0)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("430202%06dGB%05dF%08d", r.IntN(999999), i, r.IntN(99999999)), person(r, i),
					fmt.Sprintf("株洲市荷塘区演示小区%d栋%d室", 1+r.IntN(30), 101+r.IntN(2000)), fmt.Sprintf("%d.%02d", 40+r.IntN(200), r.IntN(100)), day(r).Format("2006-01-02")}
			}, catalog.StatusPublished},
		{"gjj", "housing_fund", entry("住房公积金缴存信息", "个人住房公积金的月度缴存记录", "thematic", "01", "003", catalog.ShareConditional, "monthly", []string{"公积金", "缴存"},
			item("公民身份号码", "id_number", "C", 18, key, valid("id_number"), mask("id_number")),
			item("缴存月份", "month", "C", 7, key),
			item("缴存金额", "amount", "N", 12, func(it *catalog.Item) { it.Precision = 2 })),
			func(r *rand.Rand, i int) []any {
				return []any{idNumber(r), fmt.Sprintf("2026-%02d", 1+i%11), fmt.Sprintf("%d.00", 300+r.IntN(3000))}
			}, catalog.StatusPublished},
		{"rsj", "social_insurance", entry("社会保险参保缴费信息", "职工养老、医疗和失业保险的参保与缴费（社保）记录", "thematic", "01", "002", catalog.ShareConditional, "monthly", []string{"社保", "参保", "缴费"},
			item("公民身份号码", "id_number", "C", 18, key, valid("id_number"), mask("id_number")),
			item("姓名", "name", "C", 50, mask("name")),
			item("险种", "insurance", "C", 20, key, valid("enum"), func(it *catalog.Item) { it.ValidatorParam = "养老,医疗,失业" }),
			item("缴费基数", "base", "N", 12, func(it *catalog.Item) { it.Precision = 2 })),
			func(r *rand.Rand, i int) []any {
				return []any{idNumber(r), person(r, i), []string{"养老", "医疗", "失业"}[i%3], fmt.Sprintf("%d.00", 3000+r.IntN(20000))}
			}, catalog.StatusPublished},
		{"mzj", "marriage", entry("婚姻登记信息", "结婚和离婚登记的记录", "departmental", "05", "001", catalog.ShareConditional, "daily", []string{"婚姻", "登记"},
			item("登记证号", "cert_no", "C", 30, key),
			item("登记类型", "kind", "C", 10),
			item("男方姓名", "man", "C", 50, mask("name")),
			item("女方姓名", "woman", "C", 50, mask("name")),
			item("登记日期", "registered", "D", 0)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("J430200-2026-%06d", i), []string{"结婚", "离婚"}[r.IntN(4)/3], person(r, i), person(r, i+1000), day(r).Format("2006-01-02")}
			}, catalog.StatusPublished},
		{"gdgs", "power_users", entry("居民用电户信息", "居民用电户号和月度用电量，用于一件事办理中的水电气过户", "departmental", "09", "001", catalog.ShareUnconditional, "monthly", []string{"用电", "过户"},
			item("用电户号", "account", "C", 20, key),
			item("户名", "name", "C", 50, mask("name")),
			item("用电地址", "address", "C", 200, mask("address")),
			item("月用电量（千瓦时）", "kwh", "I", 0)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("0731%010d", i), person(r, i), fmt.Sprintf("株洲市天元区演示街道%d号", 1+r.IntN(900)), 50 + r.IntN(800)}
			}, catalog.StatusPublished},
		{"ybj", "medical_insurance", entry("医疗保险参保信息", "城乡居民和职工医疗保险的参保状态", "thematic", "02", "001", catalog.ShareConditional, "monthly", []string{"医保", "参保"},
			item("公民身份号码", "id_number", "C", 18, key, valid("id_number"), mask("id_number")),
			item("参保状态", "status", "C", 10)),
			func(r *rand.Rand, i int) []any {
				return []any{idNumber(r), []string{"参保", "暂停", "终止"}[r.IntN(3)]}
			},
			catalog.StatusSubmitted},
		{"cgj", "enforcement", entry("城市管理执法案件信息", "城市管理综合执法的立案和处罚记录", "departmental", "07", "002", catalog.ShareConditional, "weekly", []string{"城管", "执法"},
			item("案件编号", "case_no", "C", 30, key),
			item("当事人", "party", "C", 100, mask("name")),
			item("案由", "cause", "C", 200)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("ZZCG-2026-%05d", i), person(r, i), []string{"占道经营", "违规广告", "渣土撒漏"}[r.IntN(3)]}
			}, catalog.StatusDraft},
		{"sthj", "discharge_permits", entry("排污许可信息", "排污单位的许可和年度执行报告", "thematic", "11", "001", catalog.ShareUnconditional, "yearly", []string{"排污", "环保"},
			item("许可证编号", "permit_no", "C", 30, key),
			item("单位名称", "company", "C", 100),
			item("有效期至", "valid_until", "D", 0)),
			func(r *rand.Rand, i int) []any {
				return []any{fmt.Sprintf("914302DEMO%05d001P", i), fmt.Sprintf("株洲演示%03d化工厂", i), day(r).AddDate(3, 0, 0).Format("2006-01-02")}
			}, catalog.StatusReturned},
		{"cl", "", entry("残疾人证持证人员信息", "持证残疾人的残疾类别与等级", "thematic", "01", "005", catalog.ShareNone, "monthly", []string{"残疾人"},
			item("残疾人证号", "cert_no", "C", 22, key, narrow),
			item("残疾类别", "category", "C", 10, narrow)), nil, catalog.StatusPublished},
	}
}

// login signs a demo user in with the demo's password.
func (svc Services) login(ctx context.Context, user string) (org.Principal, error) {
	_, p, err := svc.Org.Login(ctx, user, Password, "127.0.0.1")
	return p, err
}

// loadCatalog builds the departments' demo databases and catalog.
func loadCatalog(ctx context.Context, svc Services, dir string) error {
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	approver, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(2026, 430200))
	codes := map[string]string{}
	for _, t := range demoTables() {
		cataloger, err := login(t.dept + ".cataloger")
		if err != nil {
			return err
		}
		e, err := svc.Catalog.Create(ctx, cataloger, t.entry)
		if err != nil {
			return fmt.Errorf("%s: %w", t.entry.Name, err)
		}
		codes[t.dept] = e.Code
		if t.table != "" {
			path := DatabasePath(dir, t.dept)
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return err
			}
			if err := writeTable(ctx, path, t, r); err != nil {
				return fmt.Errorf("demo table %s: %w", t.table, err)
			}
			ds, err := svc.Catalog.CreateDatasource(ctx, cataloger, catalog.Datasource{Name: t.dept + "-业务库", Driver: "sqlite", DSN: path})
			if err != nil && !strings.Contains(err.Error(), "already has") {
				return err
			}
			if ds.ID == 0 {
				list, err := svc.Catalog.Datasources(ctx, cataloger)
				if err != nil || len(list) == 0 {
					return fmt.Errorf("datasource of %s: %v", t.dept, err)
				}
				ds = list[0]
			}
			if _, err := svc.Catalog.AddMount(ctx, cataloger, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: ds.ID, Table: t.table}); err != nil {
				return fmt.Errorf("mount %s: %w", t.entry.Name, err)
			}
		}
		steps := map[string][]string{
			catalog.StatusDraft:     nil,
			catalog.StatusSubmitted: {catalog.ActionSubmit},
			catalog.StatusReturned:  {catalog.ActionSubmit, catalog.ActionReturn},
			catalog.StatusPublished: {catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish},
		}[t.state]
		for _, a := range steps {
			p, reason := approver, ""
			if a == catalog.ActionSubmit {
				p = cataloger
			}
			if a == catalog.ActionReturn {
				reason = "有效期字段缺少数据来源说明，请补充后重新提交（演示）"
			}
			if _, err := svc.Catalog.Transition(ctx, p, e.Code, a, reason); err != nil {
				return fmt.Errorf("%s %s: %w", a, t.entry.Name, err)
			}
		}
	}
	// A published entry with a change under review: version 2 pending, version 1 in force.
	gaj, err := login("gaj.cataloger")
	if err != nil {
		return err
	}
	pop := demoTables()[0].entry
	pop.Summary = "株洲市户籍人口的身份、出生、户籍地址和迁移信息（演示数据，合成生成）"
	pop.Keywords = append(pop.Keywords, "迁移")
	if _, err := svc.Catalog.Update(ctx, gaj, codes["gaj"], pop); err != nil {
		return fmt.Errorf("version 2: %w", err)
	}
	if _, err := svc.Catalog.Transition(ctx, gaj, codes["gaj"], catalog.ActionSubmit, ""); err != nil {
		return err
	}
	return loadLists(ctx, svc, codes, login, approver)
}

func writeTable(ctx context.Context, path string, t demoTable, r *rand.Rand) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	var cols, defs []string
	var key []string
	for _, it := range t.entry.Items {
		typ := map[string]string{"string": "VARCHAR(%d)", "date": "DATE", "datetime": "DATETIME", "decimal": "DECIMAL(18,2)", "integer": "INTEGER"}[it.DataType]
		if typ == "" {
			typ = "TEXT"
		}
		if strings.Contains(typ, "%d") {
			typ = fmt.Sprintf(typ, max(it.Length, 1))
		}
		null := ""
		if it.Key {
			null, key = " NOT NULL", append(key, it.Identifier)
		}
		cols, defs = append(cols, it.Identifier), append(defs, it.Identifier+" "+typ+null)
	}
	ddl := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s, PRIMARY KEY (%s))", t.table, strings.Join(defs, ", "), strings.Join(key, ", "))
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("INSERT OR IGNORE INTO %s (%s) VALUES (?%s)", t.table, strings.Join(cols, ", "), strings.Repeat(", ?", len(cols)-1)))
	if err != nil {
		return err
	}
	for i := 1; i <= 300; i++ {
		if _, err := stmt.ExecContext(ctx, t.rows(r, i)...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func loadLists(ctx context.Context, svc Services, codes map[string]string, login func(string) (org.Principal, error), approver org.Principal) error {
	if svc.Lists == nil {
		return nil
	}
	// Negative list: the household address of the population register is withheld.
	gajCat, err := login("gaj.cataloger")
	if err != nil {
		return err
	}
	neg, err := svc.Lists.ProposeNegative(ctx, gajCat, lists.NegativeInput{EntryCode: codes["gaj"], Items: []string{"address"}, Basis: "户籍地址属于敏感个人信息，《中华人民共和国个人信息保护法》第二十八条（演示）"})
	if err != nil {
		return fmt.Errorf("negative list: %w", err)
	}
	if _, err := svc.Lists.ConfirmNegative(ctx, approver, neg.ID); err != nil {
		return err
	}
	// Demand list: the housing fund centre needs marriage records; the civil affairs bureau provides them.
	gjj, err := login("gjj.consumer")
	if err != nil {
		return err
	}
	d, err := svc.Lists.CreateDemand(ctx, gjj, lists.DemandInput{Title: "婚姻登记信息核验", Description: "公积金贷款审批需核验申请人婚姻状况：登记类型、登记日期",
		Scenario: "住房公积金贷款审批（一件事：购房）", Basis: "《住房公积金管理条例》第二十六条（演示）", WantedCode: codes["mzj"]})
	if err != nil {
		return fmt.Errorf("demand: %w", err)
	}
	mzj, _, err := svc.Org.Departments(ctx, org.DepartmentFilter{Q: "民政局"})
	if err != nil || len(mzj) == 0 {
		return fmt.Errorf("民政局: %v", err)
	}
	if _, err := svc.Lists.AssignDemand(ctx, approver, d.ID, mzj[0].ID, "请民政局提供"); err != nil {
		return err
	}
	if _, err := svc.Lists.CloseDemand(ctx, approver, d.ID, codes["mzj"]); err != nil {
		return err
	}
	ll, err := login("ll.consumer")
	if err != nil {
		return err
	}
	if _, err := svc.Lists.CreateDemand(ctx, ll, lists.DemandInput{Title: "医疗保险参保状态查询", Description: "醴陵市办理低保需查询申请人医保参保状态",
		Scenario: "最低生活保障审核", Basis: "《社会救助暂行办法》第十一条（演示）"}); err != nil {
		return err
	}
	// Duty list: what departments owe, one met already.
	deadline := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	for _, dt := range []struct{ dept, title, code string }{
		{"株洲市医疗保障局", "医疗保险参保信息", ""},
		{"株洲市市场监督管理局", "企业登记注册信息", codes["scj"]},
		{"株洲市城市管理和综合执法局", "城市管理执法案件信息", ""},
	} {
		ds, _, err := svc.Org.Departments(ctx, org.DepartmentFilter{Q: dt.dept})
		if err != nil || len(ds) == 0 {
			return fmt.Errorf("%s: %v", dt.dept, err)
		}
		duty, err := svc.Lists.CreateDuty(ctx, approver, lists.DutyInput{Title: dt.title, Description: "按责任清单编目、发布并挂接（演示）", ProviderID: ds[0].ID, Deadline: deadline})
		if err != nil {
			return fmt.Errorf("duty: %w", err)
		}
		if dt.code != "" {
			if _, err := svc.Lists.FulfilDuty(ctx, approver, duty.ID, dt.code); err != nil {
				return fmt.Errorf("fulfil duty: %w", err)
			}
		}
	}
	return nil
}
