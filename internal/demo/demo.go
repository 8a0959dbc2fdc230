// Package demo loads the synthetic demo city: 株洲市 (430200) with its nine
// county-level divisions, departments such a city has, and a user for every
// role. Department names are real kinds of bodies; every code, person and
// account is made up: credit codes carry the organisation-code body "DM"
// followed by digits, and user names are pinyin abbreviations.
//
// Load goes through the same services as a person would: the system admin
// creates regions, departments and accounts; the security admin grants
// roles. Later capabilities extend it.
package demo

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
)

// Password is every demo account's password.
const Password = "Demo@2026-zz"

// CityCode is the demo city's division code.
const CityCode = "430200"

// Department is one demo department with its accounts.
type Department struct {
	Key    string // pinyin abbreviation used in user names
	Name   string
	Short  string
	Region string
	Kind   string
	Roles  []org.Role // one demo account per role
	Pilot  bool       // an early pilot credit code whose check character fails (accepted by override)
}

var dept = []org.Role{org.DeptAdmin, org.Cataloger, org.Approver, org.Consumer, org.NodeOperator}

// Departments are the demo city's departments.
var Departments = []Department{
	{"xzsp", "株洲市行政审批服务局", "市审批局", CityCode, org.KindAuthority, dept, false},
	{"gaj", "株洲市公安局", "市公安局", CityCode, org.KindDepartment, dept, false},
	{"cgj", "株洲市城市管理和综合执法局", "市城管局", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
	{"scj", "株洲市市场监督管理局", "市市场监管局", CityCode, org.KindDepartment, dept, false},
	{"bdc", "株洲市不动产登记中心", "市不动产中心", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Approver, org.NodeOperator}, false},
	{"gjj", "株洲市住房公积金中心", "市公积金中心", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Approver, org.Consumer}, true}, // its approver confirms the housing fund mandate
	{"mzj", "株洲市民政局", "市民政局", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Approver}, false},
	{"rsj", "株洲市人力资源和社会保障局", "市人社局", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Approver, org.Consumer}, false},
	{"sthj", "株洲市生态环境局", "市生态环境局", CityCode, org.KindDepartment, []org.Role{org.Cataloger}, false},
	{"ybj", "株洲市医疗保障局", "市医保局", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
	{"cl", "株洲市残疾人联合会", "市残联", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
	{"zrzy", "株洲市自然资源和规划局", "市自然资源局", CityCode, org.KindDepartment, []org.Role{org.Cataloger}, false},
	{"wjw", "株洲市卫生健康委员会", "市卫健委", CityCode, org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
	{"jyj", "株洲市教育局", "市教育局", CityCode, org.KindDepartment, []org.Role{org.Consumer}, false},
	{"gdgs", "国网株洲供电公司", "供电公司", CityCode, org.KindEnterprise, []org.Role{org.Cataloger, org.NodeOperator}, false},
	{"ll", "醴陵市行政审批服务局", "醴陵审批局", "430281", org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
	{"ty", "株洲市天元区行政审批服务局", "天元区审批局", "430211", org.KindDepartment, []org.Role{org.Cataloger, org.Consumer}, false},
}

// DepartmentCode returns the credit code of demo department key, "" for
// an unknown key.
func DepartmentCode(key string) string {
	for i, d := range Departments {
		if d.Key == key {
			return CreditCode(i, d)
		}
	}
	return ""
}

// DatabasePath is where the SQLite database of demo department key lies
// under root, the platform's folder of SQLite datasources: in the
// department's own folder, named by its credit code, as the catalog
// requires (catalog.Service.SQLiteFolder).
func DatabasePath(root, key string) string {
	for i, d := range Departments {
		if d.Key == key {
			return filepath.Join(root, CreditCode(i, d), key+".db")
		}
	}
	return filepath.Join(root, key, key+".db")
}

// CreditCode returns the synthetic unified social credit code of the i-th
// demo department: 1 (机构编制) 1 (机关) or 9 1 (enterprise), the region, the
// organisation code DM000ii with its check character, and the GB 32100 check
// character (deliberately wrong for a pilot code).
func CreditCode(i int, d Department) string {
	prefix := "11"
	if d.Kind == org.KindEnterprise {
		prefix = "91"
	}
	body := fmt.Sprintf("DM%06d", i+1)
	oc, err := quality.OrgCodeCheckChar(body)
	if err != nil {
		panic(err)
	}
	first := prefix + d.Region + body + string(oc)
	c, err := quality.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	if d.Pilot {
		const set = "0123456789ABCDEFGHJKLMNPQRTUWXY"
		for j := 0; j < len(set); j++ {
			if set[j] == c {
				c = set[(j+1)%len(set)]
				break
			}
		}
	}
	return first + string(c)
}

// Username is the demo account of department d for role r.
func Username(d Department, r org.Role) string {
	short := map[org.Role]string{org.DeptAdmin: "admin", org.Cataloger: "cataloger", org.Approver: "approver", org.Consumer: "consumer", org.NodeOperator: "node"}
	return d.Key + "." + short[r]
}

// Officers are the three platform officers' demo accounts.
var Officers = []struct {
	Username, Name string
	Role           org.Role
}{
	{org.AdminUsername, "平台系统管理员（演示）", org.SystemAdmin},
	{"secadmin", "平台安全管理员（演示）", org.SecurityAdmin},
	{"auditor", "平台安全审计员（演示）", org.Auditor},
}

// LoadOrg creates the demo city's regions, departments and accounts unless
// the platform already has users; it prints how to log in to out.
func LoadOrg(ctx context.Context, svc *org.Service, out io.Writer) error {
	if _, created, err := svc.Bootstrap(ctx, Password); err != nil {
		return err
	} else if !created {
		fmt.Fprintf(out, "Demo city already loaded. Demo accounts log in with %s unless their password was changed (%s: or the one --admin-password gave at the first start).\n", Password, org.AdminUsername)
		return nil
	}
	login := func(user string) (org.Principal, error) {
		_, p, err := svc.Login(ctx, user, Password, "127.0.0.1")
		return p, err
	}
	admin, err := login(org.AdminUsername)
	if err != nil {
		return err
	}
	if _, err := svc.CreateRegion(ctx, admin, org.RegionInput{Code: CityCode}); err != nil {
		return err
	}
	for _, d := range svc.Divisions().Children(CityCode) {
		if _, err := svc.CreateRegion(ctx, admin, org.RegionInput{Code: d.Code}); err != nil {
			return err
		}
	}
	// Officers: the system admin appoints the first security admin and auditor.
	for _, o := range Officers[1:] {
		u, _, err := svc.CreateUser(ctx, admin, org.UserInput{Username: o.Username, DisplayName: o.Name, Password: Password})
		if err != nil {
			return err
		}
		if _, err := svc.SetRoles(ctx, admin, u.ID, []org.Role{o.Role}); err != nil {
			return err
		}
	}
	sec, err := login("secadmin")
	if err != nil {
		return err
	}
	for i, d := range Departments {
		created, _, err := svc.CreateDepartment(ctx, admin, org.DepartmentInput{Name: d.Name, ShortName: d.Short, CreditCode: CreditCode(i, d),
			CreditCodeOverride: d.Pilot, RegionCode: d.Region, Kind: d.Kind, Contact: "演示联系人", Phone: fmt.Sprintf("0731-2800%04d", i+1)})
		if err != nil {
			return fmt.Errorf("department %s: %w", d.Name, err)
		}
		for _, r := range d.Roles {
			info, _ := r.Info()
			u, _, err := svc.CreateUser(ctx, admin, org.UserInput{Username: Username(d, r), DisplayName: d.Short + info.NameZH + "（演示）",
				DepartmentID: created.ID, Password: Password})
			if err != nil {
				return fmt.Errorf("user %s: %w", Username(d, r), err)
			}
			if _, err := svc.SetRoles(ctx, sec, u.ID, []org.Role{r}); err != nil {
				return fmt.Errorf("roles of %s: %w", Username(d, r), err)
			}
		}
	}
	if err := svc.Logout(ctx, admin); err != nil {
		return err
	}
	if err := svc.Logout(ctx, sec); err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo city 株洲市 loaded (synthetic data): %d regions, %d departments.\n", 10, len(Departments))
	fmt.Fprintf(out, "Log in with password %s as: admin (系统管理员), secadmin (安全管理员), auditor (安全审计员), "+
		"xzsp.admin / xzsp.approver (行政审批服务局), gaj.cataloger / gaj.consumer / gaj.node (公安局), ...\n", Password)
	return nil
}
