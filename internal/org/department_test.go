package org_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestCreateDepartment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustRegion("430200")
		e.mustRegion("430202")
		valid := creditCode(t, "430200", 1)
		lettered := "12430200MB0123456"
		lettered += checkChar(t, lettered)
		pilot := badCheckChar(creditCode(t, "430200", 3))

		// The steps run in order against one database.
		steps := []struct {
			name         string
			in           org.DepartmentInput
			want         org.Department // ID and Users are not compared
			wantWarnings int
			wantCode     string
			wantField    string
		}{
			{
				name: "valid",
				in:   org.DepartmentInput{Name: " 财政局 ", ShortName: "财政", CreditCode: valid, RegionCode: "430200", Contact: "李四", Phone: "0731-28000000"},
				want: org.Department{Name: "财政局", ShortName: "财政", CreditCode: valid, RegionCode: "430200", RegionName: "株洲市", Kind: org.KindDepartment, Contact: "李四", Phone: "0731-28000000"},
			},
			{
				name: "lower-case code upper-cased",
				in:   org.DepartmentInput{Name: "供电公司", CreditCode: " " + strings.ToLower(lettered) + " ", RegionCode: "430202", Kind: org.KindEnterprise},
				want: org.Department{Name: "供电公司", CreditCode: lettered, RegionCode: "430202", RegionName: "荷塘区", Kind: org.KindEnterprise},
			},
			{name: "code too short", in: org.DepartmentInput{Name: "民政局", CreditCode: valid[:17], RegionCode: "430200"}, wantField: "credit_code"},
			{name: "code too long", in: org.DepartmentInput{Name: "民政局", CreditCode: valid + "0", RegionCode: "430200"}, wantField: "credit_code"},
			{name: "code with I", in: org.DepartmentInput{Name: "民政局", CreditCode: "I" + valid[1:], RegionCode: "430200"}, wantField: "credit_code"},
			{name: "code empty", in: org.DepartmentInput{Name: "民政局", RegionCode: "430200"}, wantField: "credit_code"},
			{name: "check character fails", in: org.DepartmentInput{Name: "民政局", CreditCode: pilot, RegionCode: "430200"}, wantField: "credit_code"},
			{name: "override does not excuse length", in: org.DepartmentInput{Name: "民政局", CreditCode: pilot[:17], CreditCodeOverride: true, RegionCode: "430200"}, wantField: "credit_code"},
			{
				name:         "check character overridden",
				in:           org.DepartmentInput{Name: "民政局", CreditCode: pilot, CreditCodeOverride: true, RegionCode: "430200"},
				want:         org.Department{Name: "民政局", CreditCode: pilot, CreditCodeOverride: true, RegionCode: "430200", RegionName: "株洲市", Kind: org.KindDepartment},
				wantWarnings: 1,
			},
			{
				name: "override of a valid code is no override",
				in:   org.DepartmentInput{Name: "公安局", CreditCode: creditCode(t, "430200", 4), CreditCodeOverride: true, RegionCode: "430200", Kind: org.KindAuthority},
				want: org.Department{Name: "公安局", CreditCode: creditCode(t, "430200", 4), RegionCode: "430200", RegionName: "株洲市", Kind: org.KindAuthority},
			},
			{name: "region not on the platform", in: org.DepartmentInput{Name: "卫健委", CreditCode: creditCode(t, "430200", 5), RegionCode: "430203"}, wantField: "region_code"},
			{name: "region unknown", in: org.DepartmentInput{Name: "卫健委", CreditCode: creditCode(t, "430200", 5), RegionCode: "999999"}, wantField: "region_code"},
			{name: "region missing", in: org.DepartmentInput{Name: "卫健委", CreditCode: creditCode(t, "430200", 5)}, wantField: "region_code"},
			{name: "name missing", in: org.DepartmentInput{Name: "  ", CreditCode: creditCode(t, "430200", 5), RegionCode: "430200"}, wantField: "name"},
			{name: "name too long", in: org.DepartmentInput{Name: strings.Repeat("局", 101), CreditCode: creditCode(t, "430200", 5), RegionCode: "430200"}, wantField: "name"},
			{name: "short name too long", in: org.DepartmentInput{Name: "卫健委", ShortName: strings.Repeat("卫", 31), CreditCode: creditCode(t, "430200", 5), RegionCode: "430200"}, wantField: "short_name"},
			{name: "unknown kind", in: org.DepartmentInput{Name: "卫健委", CreditCode: creditCode(t, "430200", 5), RegionCode: "430200", Kind: "company"}, wantField: "kind"},
			{name: "duplicate name", in: org.DepartmentInput{Name: "财政局", CreditCode: creditCode(t, "430200", 6), RegionCode: "430202"}, wantCode: errs.Conflict},
			{name: "duplicate credit code", in: org.DepartmentInput{Name: "税务局", CreditCode: valid, RegionCode: "430200"}, wantCode: errs.Conflict},
			{name: "duplicate credit code in lower case", in: org.DepartmentInput{Name: "税务局", CreditCode: strings.ToLower(lettered), RegionCode: "430200"}, wantCode: errs.Conflict},
		}
		for _, tt := range steps {
			t.Run(tt.name, func(t *testing.T) {
				got, warnings, err := e.svc.CreateDepartment(e.ctx, e.admin, tt.in)
				checkErr(t, fmt.Sprintf("CreateDepartment(%+v)", tt.in), err, tt.wantCode, tt.wantField)
				if err != nil || tt.wantCode != "" || tt.wantField != "" {
					return
				}
				if len(warnings) != tt.wantWarnings {
					t.Errorf("CreateDepartment() warnings = %q, want %d", warnings, tt.wantWarnings)
				}
				for _, w := range warnings {
					if !strings.HasPrefix(w, "credit_code: ") || !strings.Contains(w, "override") {
						t.Errorf("CreateDepartment() warning %q, want one about credit_code and the override", w)
					}
				}
				if got.ID == 0 {
					t.Errorf("CreateDepartment() ID = 0")
				}
				tt.want.ID = got.ID
				if got != tt.want {
					t.Errorf("CreateDepartment() =\n%+v\nwant\n%+v", got, tt.want)
				}
				read, err := e.svc.Department(e.ctx, got.ID)
				if err != nil || read != tt.want {
					t.Errorf("Department(%d) = %+v, %v, want %+v", got.ID, read, err, tt.want)
				}
			})
		}

		if _, err := e.svc.Department(e.ctx, 9999); !errs.Is(err, errs.NotFound) {
			t.Errorf("Department(9999) err = %v, want %s", err, errs.NotFound)
		}
		entries, _, err := e.log.List(e.ctx, audit.Filter{Action: "department.create", Q: "民政局"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || !strings.Contains(audit.DetailText(entries[0].Detail).In("en"), "accepted by override") {
			t.Errorf("audit of the overridden department = %+v, want one entry whose detail has the warning", entries)
		}
		if got, want := e.count(audit.Filter{Action: "department.create"}), 4; got != want {
			t.Errorf("%d department.create audit entries, want %d (refused input is not audited)", got, want)
		}
	})
}

func TestDepartments(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustRegion("430200")
		e.mustRegion("430202")
		codes := map[string]string{}
		add := func(name, short, region, kind string) {
			codes[name] = creditCode(t, region, len(codes)+1)
			e.mustDept(org.DepartmentInput{Name: name, ShortName: short, CreditCode: codes[name], RegionCode: region, Kind: kind})
		}
		// Created against pinyin order, so that ids do not give it.
		add("住房公积金中心", "", "430202", "")
		add("民政局", "", "430202", "")
		add("公安局", "", "430202", "")
		add("财政局", "", "430202", "")
		add("信息_中心", "", "430200", "")
		add("信息a中心", "", "430200", "")
		add("完成率100%", "", "430200", "")
		add("完成率1000", "", "430200", "")
		add(`路径\局`, "", "430200", "")
		add("大数据中心", "DSJ", "430200", org.KindAuthority)

		names := func(ds []org.Department) []string {
			out := []string{}
			for _, d := range ds {
				out = append(out, d.Name)
			}
			return out
		}
		tests := []struct {
			name      string
			f         org.DepartmentFilter
			want      []string // in order
			wantTotal int
		}{
			{name: "pinyin order", f: org.DepartmentFilter{RegionCode: "430202"}, want: []string{"财政局", "公安局", "民政局", "住房公积金中心"}, wantTotal: 4},
			{name: "page 1 of 2", f: org.DepartmentFilter{RegionCode: "430202", PageSize: 3}, want: []string{"财政局", "公安局", "民政局"}, wantTotal: 4},
			{name: "page 2 of 2", f: org.DepartmentFilter{RegionCode: "430202", Page: 2, PageSize: 3}, want: []string{"住房公积金中心"}, wantTotal: 4},
			{name: "page past the end", f: org.DepartmentFilter{RegionCode: "430202", Page: 3, PageSize: 3}, want: []string{}, wantTotal: 4},
			{name: "q and region", f: org.DepartmentFilter{RegionCode: "430202", Q: "局"}, want: []string{"财政局", "公安局", "民政局"}, wantTotal: 3},
			{name: "underscore is literal", f: org.DepartmentFilter{Q: "信息_中心"}, want: []string{"信息_中心"}, wantTotal: 1},
			{name: "lone underscore", f: org.DepartmentFilter{Q: "_"}, want: []string{"信息_中心"}, wantTotal: 1},
			{name: "percent is literal", f: org.DepartmentFilter{Q: "100%"}, want: []string{"完成率100%"}, wantTotal: 1},
			{name: "lone percent", f: org.DepartmentFilter{Q: "%"}, want: []string{"完成率100%"}, wantTotal: 1},
			{name: "backslash is literal", f: org.DepartmentFilter{Q: `\`}, want: []string{`路径\局`}, wantTotal: 1},
			{name: "short name", f: org.DepartmentFilter{Q: "DSJ"}, want: []string{"大数据中心"}, wantTotal: 1},
			{name: "q ignores case", f: org.DepartmentFilter{Q: "dsj"}, want: []string{"大数据中心"}, wantTotal: 1},
			{name: "credit code", f: org.DepartmentFilter{Q: codes["民政局"]}, want: []string{"民政局"}, wantTotal: 1},
			{name: "credit code prefix", f: org.DepartmentFilter{Q: "11430202"}, want: []string{"财政局", "公安局", "民政局", "住房公积金中心"}, wantTotal: 4},
			{name: "kind", f: org.DepartmentFilter{Kind: org.KindAuthority}, want: []string{"大数据中心"}, wantTotal: 1},
			{name: "no match", f: org.DepartmentFilter{Q: "不存在"}, want: []string{}, wantTotal: 0},
			{name: "all", f: org.DepartmentFilter{}, wantTotal: 10},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := e.svc.Departments(e.ctx, tt.f)
				if err != nil {
					t.Fatalf("Departments(%+v) error: %v", tt.f, err)
				}
				if total != tt.wantTotal {
					t.Errorf("Departments(%+v) total = %d, want %d", tt.f, total, tt.wantTotal)
				}
				if tt.want == nil {
					if len(got) != tt.wantTotal {
						t.Errorf("Departments(%+v) returned %d, want %d", tt.f, len(got), tt.wantTotal)
					}
					return
				}
				if g, w := fmt.Sprint(names(got)), fmt.Sprint(tt.want); g != w {
					t.Errorf("Departments(%+v) = %s, want %s", tt.f, g, w)
				}
			})
		}
	})
}

func TestSortKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"财政局", "公安局"},
		{"公安局", "民政局"},
		{"民政局", "住房公积金中心"},
		{"阿", "波"},
		{"长沙", "株洲"},
		{"株洲", "株洲市"},
	}
	for _, tt := range tests {
		t.Run(tt.a+"<"+tt.b, func(t *testing.T) {
			if ka, kb := org.SortKey(tt.a), org.SortKey(tt.b); !(ka < kb) {
				t.Errorf("SortKey(%q) = %s, SortKey(%q) = %s, want the first to sort before the second", tt.a, ka, tt.b, kb)
			}
		})
	}
}
