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

func TestCreateRegion(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// The steps run in order against one database.
		steps := []struct {
			name      string
			in        org.RegionInput
			want      org.Region
			wantCode  string
			wantField string
		}{
			{name: "city", in: org.RegionInput{Code: "430200"}, want: org.Region{Code: "430200", Name: "株洲市", Level: 2}},
			{name: "district linked to city", in: org.RegionInput{Code: "430202"}, want: org.Region{Code: "430202", Name: "荷塘区", ParentCode: "430200", Level: 3}},
			{name: "own name trimmed", in: org.RegionInput{Code: "430203", Name: "  芦淞  "}, want: org.Region{Code: "430203", Name: "芦淞", ParentCode: "430200", Level: 3}},
			{name: "code trimmed", in: org.RegionInput{Code: " 430204 "}, want: org.Region{Code: "430204", Name: "石峰区", ParentCode: "430200", Level: 3}},
			{name: "retired code", in: org.RegionInput{Code: "430221"}, wantField: "code"},
			{name: "not digits", in: org.RegionInput{Code: "43020x"}, wantField: "code"},
			{name: "empty code", in: org.RegionInput{}, wantField: "code"},
			{name: "name too long", in: org.RegionInput{Code: "430211", Name: strings.Repeat("区", 51)}, wantField: "name"},
			{name: "duplicate", in: org.RegionInput{Code: "430200"}, wantCode: errs.Conflict},
			{name: "duplicate child", in: org.RegionInput{Code: " 430202"}, wantCode: errs.Conflict},
		}
		for _, tt := range steps {
			t.Run(tt.name, func(t *testing.T) {
				got, err := e.svc.CreateRegion(e.ctx, e.admin, tt.in)
				checkErr(t, fmt.Sprintf("CreateRegion(%+v)", tt.in), err, tt.wantCode, tt.wantField)
				if err != nil || tt.wantCode != "" || tt.wantField != "" {
					return
				}
				if got != tt.want {
					t.Errorf("CreateRegion(%+v) = %+v, want %+v", tt.in, got, tt.want)
				}
				if got, err := e.svc.Region(e.ctx, tt.want.Code); err != nil || got != tt.want {
					t.Errorf("Region(%s) = %+v, %v, want %+v", tt.want.Code, got, err, tt.want)
				}
			})
		}

		regions, err := e.svc.Regions(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []org.Region{
			{Code: "430200", Name: "株洲市", Level: 2},
			{Code: "430202", Name: "荷塘区", ParentCode: "430200", Level: 3},
			{Code: "430203", Name: "芦淞", ParentCode: "430200", Level: 3},
			{Code: "430204", Name: "石峰区", ParentCode: "430200", Level: 3},
		}
		if fmt.Sprint(regions) != fmt.Sprint(want) {
			t.Errorf("Regions() =\n%+v\nwant\n%+v", regions, want)
		}
		if _, err := e.svc.Region(e.ctx, "430211"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Region(430211) err = %v, want %s", err, errs.NotFound)
		}
		if got, want := e.count(audit.Filter{Action: "region.create", Outcome: audit.Success}), 4; got != want {
			t.Errorf("%d region.create success audit entries, want %d", got, want)
		}
	})
}

// TestOrgStructureForbidden checks that only the system admin creates
// regions and departments, and that every refusal is audited.
func TestOrgStructureForbidden(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		principals := []struct {
			name string
			p    org.Principal
		}{
			{name: "security admin", p: w.sec},
			{name: "auditor", p: w.aud},
			{name: "dept admin", p: w.adminA},
			{name: "system principal", p: org.System},
		}
		for _, tt := range principals {
			t.Run(tt.name, func(t *testing.T) {
				w.wantDenied(t, tt.p, "region.create", func() error {
					_, err := w.svc.CreateRegion(w.ctx, tt.p, org.RegionInput{Code: "430202"})
					return err
				})
				w.wantDenied(t, tt.p, "department.create", func() error {
					_, _, err := w.svc.CreateDepartment(w.ctx, tt.p, org.DepartmentInput{Name: "民政局", CreditCode: creditCode(t, "430200", 9), RegionCode: "430200"})
					return err
				})
			})
		}
		if _, err := w.svc.Region(w.ctx, "430202"); !errs.Is(err, errs.NotFound) {
			t.Errorf("Region(430202) after refused creations: err = %v, want %s", err, errs.NotFound)
		}
		if _, n, err := w.svc.Departments(w.ctx, org.DepartmentFilter{Q: "民政局"}); err != nil || n != 0 {
			t.Errorf("Departments(民政局) total = %d, %v, want 0 after refused creations", n, err)
		}
	})
}
