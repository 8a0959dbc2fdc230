package assess_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/demo/demotest"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, assess.Migration}

type world struct {
	*demotest.City
	svc *assess.Service
}

func newWorld(t *testing.T, db *store.DB) *world {
	c := demotest.New(t, db)
	w := &world{City: c, svc: assess.NewService(db, c.Log, c.Org, assess.Sources{Catalog: c.Cat, Lists: c.Lists, Sharing: c.Sharing})}
	w.svc.SetClock(func() time.Time { return w.Now })
	return w
}

func (w *world) dept(key string) int64 {
	w.T.Helper()
	ds, _, err := w.Org.Departments(w.Ctx, org.DepartmentFilter{Q: demo.Departments[slicesIndex(key)].Name, PageSize: 5})
	if err != nil || len(ds) == 0 {
		w.T.Fatalf("department %s: %v", key, err)
	}
	return ds[0].ID
}

func slicesIndex(key string) int {
	for i, d := range demo.Departments {
		if d.Key == key {
			return i
		}
	}
	panic(key)
}

func figure(row assess.Row, key string) assess.Figure {
	for _, f := range row.Figures {
		if f.Indicator == key {
			return f
		}
	}
	return assess.Figure{}
}

func TestAssessment(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		// An application filed and approved this month, so that approval
		// times and the sharing results have a record.
		a, err := w.Sharing.Apply(ctx, w.User("rsj.consumer"), sharing.ApplicationInput{EntryCode: w.Code["gaj"], Items: []string{"name"},
			Purpose: "核验参保人员身份", Basis: "《社会保险法》第五十七条（测试）", Scenario: "社保参保登记", Delivery: sharing.DeliveryFile})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, nil, "同意"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, nil, "同意"); err != nil {
			t.Fatal(err)
		}
		w.Now = w.Now.Add(time.Minute)
		period := w.Now.In(lists.Beijing).Format("2006-01")
		authority := w.User("xzsp.approver")

		r, err := w.svc.Generate(ctx, authority, period, assess.LevelDepartment)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Partial || r.Empty || r.RecordsRead == 0 || r.Units != len(demo.Departments) {
			t.Fatalf("report: partial %v empty %v read %d units %d, want a partial report of %d units with records", r.Partial, r.Empty, r.RecordsRead, r.Units, len(demo.Departments))
		}
		gaj := strconv.FormatInt(w.dept("gaj"), 10)
		var row assess.Row
		for _, x := range r.Rows {
			if x.Unit == gaj {
				row = x
			}
		}
		if !row.HasData || row.Rank == 0 || row.Total <= 0 {
			t.Fatalf("公安局 row = %+v, want ranked with a total", row)
		}
		if f := figure(row, assess.KeyCompiled); f.Status != assess.StatusOK || f.Value < 1 {
			t.Errorf("compiled = %+v, want at least one entry", f)
		}
		if f := figure(row, assess.KeyCascade); f.Status != assess.StatusNotMeasured || !strings.Contains(f.Note, "尚未计量") {
			t.Errorf("cascade = %+v, want not yet measured", f)
		}
		if f := figure(row, assess.KeyExchange); f.Status != assess.StatusNotMeasured {
			t.Errorf("exchange without its source = %+v, want not measured", f)
		}
		if f := figure(row, assess.KeyApproval); f.Status != assess.StatusOK || f.Value != 1 || f.Records != 1 {
			t.Errorf("approval = %+v, want one step on time", f)
		}
		// Each figure is traceable to its records.
		recs, err := w.svc.Records(ctx, authority, r.ID, gaj, assess.KeyCompiled)
		if err != nil {
			t.Fatal(err)
		}
		if f := figure(row, assess.KeyCompiled); len(recs) != f.Records || !strings.HasPrefix(recs[0].Ref, "entry:") {
			t.Errorf("drill-down = %+v, want %d entry records", recs, f.Records)
		}
		recs, err = w.svc.Records(ctx, authority, r.ID, gaj, assess.KeyApproval)
		if err != nil || len(recs) != 1 || recs[0].Ref != "application:"+strconv.FormatInt(a.ID, 10) {
			t.Errorf("approval drill-down = %+v, %v", recs, err)
		}
		// Kept, not recomputed: a second read is the same report.
		again, err := w.svc.Assessment(ctx, authority, period, assess.LevelDepartment)
		if err != nil || again.ID != r.ID || !again.DataTo.Equal(r.DataTo) {
			t.Errorf("read again: id %d (%v), want the kept report %d", again.ID, err, r.ID)
		}

		// Districts: 醴陵 and 天元区 have their own departments.
		dr, err := w.svc.Generate(ctx, authority, period, assess.LevelDistrict)
		if err != nil {
			t.Fatal(err)
		}
		if dr.Units != 3 {
			t.Errorf("district units = %d, want the city and two districts", dr.Units)
		}

		// A period with no data says so.
		empty, err := w.svc.Assessment(ctx, authority, "2020-01", assess.LevelDepartment)
		if err != nil {
			t.Fatal(err)
		}
		if !empty.Empty || len(empty.Notes) == 0 || empty.Rows[0].HasData {
			t.Errorf("2020-01: empty %v notes %v, want a report that says it has no data", empty.Empty, empty.Notes)
		}
		for _, bad := range []string{"2026-13", "26-11", "2999-01", "next"} {
			if _, err := w.svc.Assessment(ctx, authority, bad, assess.LevelDepartment); !errs.Is(err, errs.Invalid) {
				t.Errorf("period %q: %v, want invalid", bad, err)
			}
		}
		if _, err := w.svc.Assessment(ctx, authority, period, "city"); !errs.Is(err, errs.Invalid) {
			t.Errorf("level city: %v, want invalid", err)
		}

		// Trends: next month's report shows this one.
		w.Now = r.Period.To.Add(time.Hour)
		n, err := w.svc.Due(ctx)
		if err != nil || n < 3 {
			t.Fatalf("scheduled: %d reports, %v; want the last month's assessments and sharing results", n, err)
		}
		if n, _ := w.svc.Due(ctx); n != 0 {
			t.Errorf("scheduled twice: %d more reports, want none", n)
		}
		next := r.Period.To.In(lists.Beijing).Format("2006-01")
		nr, err := w.svc.Generate(ctx, authority, next, assess.LevelDepartment)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range nr.Rows {
			if x.Unit == gaj && (len(x.Trend) != 1 || x.Trend[0].Period != period || x.Change == nil) {
				t.Errorf("trend = %+v, change %v; want this month's total", x.Trend, x.Change)
			}
		}

		// Sharing results: who uses 公安局's entry, in which scenario.
		sr, err := w.svc.SharingResults(ctx, authority, period)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range sr.Results.Entries {
			if e.Code == w.Code["gaj"] && len(e.Uses) == 1 && e.Uses[0].Consumer == demo.Departments[slicesIndex("rsj")].Name && e.Scenarios[0] == "社保参保登记" {
				found = true
			}
		}
		if !found {
			t.Errorf("sharing results = %+v, want 人社局 using 公安局's entry for 社保参保登记", sr.Results.Entries)
		}
		// The provider traces the use to the grant; another department may not.
		recs, err = w.svc.Records(ctx, w.User("gaj.cataloger"), sr.ID, w.Code["gaj"], "use")
		if err != nil || len(recs) != 1 || !strings.HasPrefix(recs[0].Ref, "grant:") {
			t.Errorf("provider's drill-down: %+v, %v", recs, err)
		}
		if _, err := w.svc.Records(ctx, w.User("scj.approver"), sr.ID, w.Code["gaj"], "use"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another department's drill-down: %v, want forbidden", err)
		}
		if mine, err := w.svc.SharingResults(ctx, w.User("scj.approver"), period); err != nil || len(mine.Results.Entries) != 0 {
			t.Errorf("市场监管局 sees %v (%v), want none of others' use", mine.Results, err)
		}
	})
}

// TestPermissions: the authority's staff see all and configure; the
// auditor reads all and changes nothing; a department sees its own row;
// the system and security administrators see nothing.
func TestPermissions(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		period := w.Now.In(lists.Beijing).Format("2006-01")
		if _, err := w.svc.Generate(ctx, w.User("xzsp.approver"), period, assess.LevelDepartment); err != nil {
			t.Fatal(err)
		}
		gaj := strconv.FormatInt(w.dept("gaj"), 10)
		rsj := strconv.FormatInt(w.dept("rsj"), 10)
		for _, tt := range []struct {
			user               string
			read, rows         int // rows: -1 all
			generate, indicate bool
		}{
			{"xzsp.approver", 1, -1, true, true},
			{"auditor", 1, -1, false, false},
			{"gaj.cataloger", 1, 1, false, false},
			{"admin", 0, 0, false, false},
			{"secadmin", 0, 0, false, false},
		} {
			p := w.User(tt.user)
			r, err := w.svc.Assessment(ctx, p, period, assess.LevelDepartment)
			if tt.read == 0 {
				if !errs.Is(err, errs.Forbidden) {
					t.Errorf("%s reads: %v, want forbidden", tt.user, err)
				}
				if _, err := w.svc.Indicators(ctx, p); !errs.Is(err, errs.Forbidden) {
					t.Errorf("%s reads indicators: %v, want forbidden", tt.user, err)
				}
				if _, err := w.svc.Projects(ctx, p); !errs.Is(err, errs.Forbidden) {
					t.Errorf("%s lists projects: %v, want forbidden", tt.user, err)
				}
			} else if err != nil {
				t.Errorf("%s reads: %v", tt.user, err)
			} else if want := tt.rows; (want < 0 && len(r.Rows) != r.Units) || (want > 0 && (len(r.Rows) != want || r.Rows[0].Unit != gaj)) {
				t.Errorf("%s sees %d of %d rows", tt.user, len(r.Rows), r.Units)
			}
			if _, err := w.svc.Generate(ctx, p, period, assess.LevelDepartment); (err == nil) != tt.generate || (err != nil && !errs.Is(err, errs.Forbidden)) {
				t.Errorf("%s generates: %v, want allowed %v", tt.user, err, tt.generate)
			}
			_, err = w.svc.SetIndicators(ctx, p, []assess.IndicatorInput{{Key: assess.KeyMounted, Weight: 20, Target: 0.8, Enabled: true}})
			if (err == nil) != tt.indicate || (err != nil && !errs.Is(err, errs.Forbidden)) {
				t.Errorf("%s configures: %v, want allowed %v", tt.user, err, tt.indicate)
			}
		}
		// A department's staff cannot drill into another's figures.
		r, _ := w.svc.Assessment(ctx, w.User("xzsp.approver"), period, assess.LevelDepartment)
		if _, err := w.svc.Records(ctx, w.User("gaj.cataloger"), r.ID, rsj, assess.KeyCompiled); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another department's records: %v, want forbidden", err)
		}
		if _, err := w.svc.Records(ctx, w.User("gaj.cataloger"), r.ID, gaj, assess.KeyCompiled); err != nil {
			t.Errorf("own records: %v", err)
		}
		// Indicators: bad input names the field; the change is kept.
		_, err := w.svc.SetIndicators(ctx, w.User("xzsp.approver"), []assess.IndicatorInput{{Key: "nope", Weight: 1, Target: 1}, {Key: assess.KeyMounted, Weight: 120, Target: 2}})
		var e *errs.Error
		if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || e.Fields["indicators[0].key"].Msg == nil || e.Fields["indicators[1].weight"].Msg == nil || e.Fields["indicators[1].target"].Msg == nil {
			t.Errorf("bad indicators: %v", err)
		}
		inds, err := w.svc.Indicators(ctx, w.User("auditor"))
		if err != nil {
			t.Fatal(err)
		}
		for _, ind := range inds {
			if ind.Key == assess.KeyMounted && (ind.Weight != 20 || ind.Target != 0.8) {
				t.Errorf("mount rate = %+v, want weight 20 target 0.8", ind)
			}
		}
	})
}

func asErr(err error, e **errs.Error) bool {
	x, ok := err.(*errs.Error)
	*e = x
	return ok
}

func TestProjectAcceptance(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		gajCat := w.User("gaj.cataloger")
		// A draft entry the system also produces: not compiled, not mounted.
		draft, err := w.Cat.Create(ctx, gajCat, catalog.Entry{Name: "出入境证件信息（测试）", Summary: "测试", Category: "departmental", CategoryItem: "05", CategorySubItem: "001",
			Format: "database", ShareType: catalog.ShareNone, ShareBasis: "《出境入境管理法》（测试）", OpenType: catalog.OpenNone, UpdateCycle: "daily",
			Items: []catalog.Item{{Name: "证件号码", Identifier: "doc_no", DataType: "C", Length: 20}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreateProject(ctx, gajCat, assess.ProjectInput{Name: "人口信息系统", DepartmentID: w.dept("rsj"), Entries: []string{w.Code["gaj"]}}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another department's project: %v, want forbidden", err)
		}
		if _, err := w.svc.CreateProject(ctx, w.User("auditor"), assess.ProjectInput{Name: "审计项目", Entries: []string{w.Code["gaj"]}}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("auditor registers: %v, want forbidden", err)
		}
		if _, err := w.svc.CreateProject(ctx, gajCat, assess.ProjectInput{Name: "x", Entries: []string{"nope"}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad project: %v, want invalid", err)
		}
		good, err := w.svc.CreateProject(ctx, gajCat, assess.ProjectInput{Name: "人口信息管理系统", Entries: []string{w.Code["gaj"]}})
		if err != nil {
			t.Fatal(err)
		}
		bad, err := w.svc.CreateProject(ctx, gajCat, assess.ProjectInput{Name: "出入境管理系统", Entries: []string{w.Code["gaj"], draft.Code}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.svc.Check(ctx, gajCat, good.ID, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if !a.Pass || len(a.Reasons) != 1 {
			t.Errorf("good project: pass %v, reasons %v", a.Pass, a.Reasons)
		}
		a, err = w.svc.Check(ctx, w.User("xzsp.approver"), bad.ID, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if a.Pass || len(a.NotCompiled) != 1 || len(a.NotMounted) != 1 || len(a.NotShared) != 1 || !strings.Contains(strings.Join(a.Reasons, "\n"), "未完成编目") {
			t.Errorf("bad project: pass %v, missing %v %v %v, reasons %v", a.Pass, a.NotCompiled, a.NotMounted, a.NotShared, a.Reasons)
		}
		if _, err := w.svc.Check(ctx, w.User("rsj.approver"), bad.ID, "zh-CN"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another department's project: %v, want not found", err)
		}
		if list, err := w.svc.Projects(ctx, w.User("auditor")); err != nil || len(list) != 2 {
			t.Errorf("auditor lists %d projects, %v", len(list), err)
		}
		// A duty due today and not done: three days on, the department's
		// projects fail on it and the assessment counts it late.
		duty, err := w.Lists.CreateDuty(ctx, w.User("xzsp.approver"), lists.DutyInput{Title: "提供出入境证件信息（测试）", ProviderID: good.DepartmentID,
			Deadline: time.Now().In(lists.Beijing).Format("2006-01-02")})
		if err != nil {
			t.Fatal(err)
		}
		w.Now = time.Now().AddDate(0, 0, 3)
		a, err = w.svc.Check(ctx, gajCat, good.ID, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if a.Pass || len(a.Overdue) != 1 || a.Overdue[0] != "duty:"+strconv.FormatInt(duty.ID, 10) || !strings.Contains(a.Reasons[0], "逾期未完成") {
			t.Errorf("with a duty overdue: pass %v, overdue %v, reasons %v", a.Pass, a.Overdue, a.Reasons)
		}
		r, err := w.svc.Generate(ctx, w.User("xzsp.approver"), w.Now.In(lists.Beijing).Format("2006-01"), assess.LevelDepartment)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range r.Rows {
			if row.Unit == strconv.FormatInt(good.DepartmentID, 10) {
				if f := figure(row, assess.KeyDuties); f.Status != assess.StatusOK || f.Value != 0 || f.Records != 1 {
					t.Errorf("duties on time = %+v, want one late", f)
				}
			}
		}
		f, err := w.svc.ExportAcceptance(ctx, gajCat, bad.ID, assess.FormatPDF)
		if err != nil {
			t.Fatal(err)
		}
		if text := pdftest.Squeezed(t, f.Body); !strings.Contains(text, "不通过") || !strings.Contains(text, "出入境管理系统") {
			t.Errorf("printed check lacks the verdict: %s", text)
		}
	})
}

// TestExports: XLSX read back by openpyxl, PDF with a department name
// outside the BMP (CJK Extension B).
func TestExports(t *testing.T) {
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), migrations)
	w := newWorld(t, db)
	ctx := w.Ctx
	admin := w.User("admin")
	const rare = "株洲市𠮷祥区数据测试局"
	d, _, err := w.Org.CreateDepartment(ctx, admin, org.DepartmentInput{Name: rare, CreditCode: demo.CreditCode(40, demo.Department{Region: demo.CityCode, Kind: org.KindDepartment}),
		RegionCode: demo.CityCode, Kind: org.KindDepartment})
	if err != nil {
		t.Fatal(err)
	}
	authority := w.User("xzsp.approver")
	period := w.Now.In(lists.Beijing).Format("2006-01")
	unit := strconv.FormatInt(d.ID, 10)
	f, err := w.svc.ExportAssessment(ctx, authority, period, assess.LevelDepartment, unit, assess.FormatPDF)
	if err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Squeezed(t, f.Body); !strings.Contains(text, rare) || !strings.Contains(text, "政务数据共享考核报告") {
		t.Errorf("PDF lacks %s: %s", rare, text)
	}
	f, err = w.svc.ExportAssessment(ctx, authority, period, assess.LevelDepartment, "", assess.FormatPDF)
	if err != nil || !strings.Contains(pdftest.Squeezed(t, f.Body), rare) {
		t.Errorf("PDF of all departments: %v", err)
	}
	if _, err := w.svc.ExportAssessment(ctx, authority, period, assess.LevelDepartment, "", "doc"); !errs.Is(err, errs.Invalid) {
		t.Errorf("format doc: %v, want invalid", err)
	}
	f, err = w.svc.ExportAssessment(ctx, authority, period, assess.LevelDepartment, "", assess.FormatXLSX)
	if err != nil {
		t.Fatal(err)
	}
	out := openpyxl(t, f.Body)
	if !strings.Contains(out, "考核结果 "+strconv.Itoa(len(demo.Departments)+1+3)) || !strings.Contains(out, rare) {
		t.Errorf("openpyxl read:\n%s", out)
	}
	f, err = w.svc.ExportSharing(ctx, authority, period, assess.FormatXLSX)
	if err != nil {
		t.Fatal(err)
	}
	if out := openpyxl(t, f.Body); !strings.Contains(out, "按目录") || !strings.Contains(out, "按部门") {
		t.Errorf("sharing results xlsx:\n%s", out)
	}
	if f, err = w.svc.ExportSharing(ctx, authority, period, assess.FormatPDF); err != nil || !strings.Contains(pdftest.Squeezed(t, f.Body), "政务数据共享成效报告") {
		t.Errorf("sharing results PDF: %v", err)
	}
}

// openpyxl reads an xlsx as openpyxl does (read-only, from <dimension>) and
// prints each sheet's title and row count, then every cell.
func openpyxl(t *testing.T, b []byte) string {
	t.Helper()
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3-openpyxl is not installed; .ci/run must install it")
		}
		t.Skip("install Debian's python3-openpyxl")
	}
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", `import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for ws in wb.worksheets:
    rows = [r for r in ws.iter_rows(values_only=True)]
    print(ws.title, len(rows))
    for r in rows:
        print("|".join("" if c is None else str(c) for c in r))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	return string(out)
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-11", "2026-Q4", "2026", "2026-13", "2026-Q5", "+026", "2026-1", "", "２０２６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := assess.ParsePeriod(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%q: %v, want invalid", s, err)
			}
			return
		}
		if !p.From.Before(p.To) {
			t.Fatalf("%q: empty span %v", s, p)
		}
		if q, err := assess.ParsePeriod(p.Key); err != nil || q != p {
			t.Fatalf("%q: key %q reads back as %v, %v", s, p.Key, q, err)
		}
	})
}
