package org_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func roles(rs ...org.Role) []org.Role { return rs }

func TestCreateUser(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		// The steps run in order against one database.
		steps := []struct {
			name      string
			by        org.Principal
			in        org.UserInput
			wantCode  string
			wantField string
		}{
			{name: "plain account", by: w.admin, in: org.UserInput{Username: "zhang.san", DisplayName: " 张三 ", Password: userPassword}},
			{name: "in a department", by: w.admin, in: org.UserInput{Username: "li.si", DisplayName: "李四", DepartmentID: w.deptB.ID, Password: userPassword}},
			{name: "name trimmed", by: w.admin, in: org.UserInput{Username: "  wang-wu_1 ", DisplayName: "王五", Password: userPassword}},
			{name: "username taken", by: w.admin, in: org.UserInput{Username: "zhang.san", DisplayName: "张三", Password: userPassword}, wantCode: errs.Conflict},
			{name: "upper-case username", by: w.admin, in: org.UserInput{Username: "Zhang", DisplayName: "张", Password: userPassword}, wantField: "username"},
			{name: "username too short", by: w.admin, in: org.UserInput{Username: "zs", DisplayName: "张", Password: userPassword}, wantField: "username"},
			{name: "username starts with digit", by: w.admin, in: org.UserInput{Username: "1zs", DisplayName: "张", Password: userPassword}, wantField: "username"},
			{name: "username too long", by: w.admin, in: org.UserInput{Username: "z" + strings.Repeat("s", 32), DisplayName: "张", Password: userPassword}, wantField: "username"},
			{name: "display name missing", by: w.admin, in: org.UserInput{Username: "zhao", DisplayName: " ", Password: userPassword}, wantField: "display_name"},
			{name: "display name too long", by: w.admin, in: org.UserInput{Username: "zhao", DisplayName: strings.Repeat("赵", 51), Password: userPassword}, wantField: "display_name"},
			{name: "weak password", by: w.admin, in: org.UserInput{Username: "zhao", DisplayName: "赵", Password: "password"}, wantField: "password"},
			{name: "unknown role", by: w.admin, in: org.UserInput{Username: "zhao", DisplayName: "赵", Password: userPassword, Roles: roles("root")}, wantField: "roles"},
			{name: "unknown department", by: w.admin, in: org.UserInput{Username: "zhao", DisplayName: "赵", Password: userPassword, DepartmentID: 9999}, wantField: "department_id"},
		}
		for _, tt := range steps {
			t.Run(tt.name, func(t *testing.T) {
				u, generated, err := w.svc.CreateUser(w.ctx, tt.by, tt.in)
				checkErr(t, fmt.Sprintf("CreateUser(%+v)", tt.in), err, tt.wantCode, tt.wantField)
				if err != nil || tt.wantCode != "" || tt.wantField != "" {
					return
				}
				if generated != "" {
					t.Errorf("CreateUser() with a password generated %q, want none", generated)
				}
				if got, want := u.Username, strings.TrimSpace(tt.in.Username); got != want {
					t.Errorf("CreateUser().Username = %q, want %q", got, want)
				}
				read, err := w.svc.User(w.ctx, w.admin, u.ID)
				if err != nil {
					t.Fatalf("User(%d) error: %v", u.ID, err)
				}
				if got, want := fmt.Sprintf("%+v", read), fmt.Sprintf("%+v", u); got != want {
					t.Errorf("User(%d) =\n%s\nwant what CreateUser returned\n%s", u.ID, got, want)
				}
			})
		}

		t.Run("generated password", func(t *testing.T) {
			u, pw, err := w.svc.CreateUser(w.ctx, w.admin, org.UserInput{Username: "gen.user", DisplayName: "生成"})
			if err != nil {
				t.Fatal(err)
			}
			if err := org.CheckPasswordPolicy(pw); err != nil {
				t.Errorf("generated password %q fails the policy: %v", pw, err)
			}
			if _, p := w.login("gen.user", pw); p.UserID != u.ID {
				t.Errorf("login with the generated password gave user %d, want %d", p.UserID, u.ID)
			}
		})

		t.Run("department user count", func(t *testing.T) {
			d, err := w.svc.Department(w.ctx, w.deptB.ID)
			if err != nil || d.Users != 1 {
				t.Errorf("Department(公安局).Users = %d, %v, want 1", d.Users, err)
			}
		})
	})
}

// TestSeparationOfOfficers walks through 三员分立: who may give which roles.
func TestSeparationOfOfficers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustRegion("430200")
		deptA := e.mustDept(org.DepartmentInput{Name: "财政局", CreditCode: creditCode(t, "430200", 1), RegionCode: "430200"})
		deptB := e.mustDept(org.DepartmentInput{Name: "公安局", CreditCode: creditCode(t, "430200", 2), RegionCode: "430200"})
		noDept := e.mustUser(e.admin, org.UserInput{Username: "aud"})
		inA := e.mustUser(e.admin, org.UserInput{Username: "a.user", DepartmentID: deptA.ID})
		inA2 := e.mustUser(e.admin, org.UserInput{Username: "a.user2", DepartmentID: deptA.ID})
		inB := e.mustUser(e.admin, org.UserInput{Username: "b.user", DepartmentID: deptB.ID})

		// create: the system admin creates an account with roles.
		create := func(username string, dept int64, rs ...org.Role) func(p org.Principal) error {
			return func(p org.Principal) error {
				_, _, err := e.svc.CreateUser(e.ctx, p, org.UserInput{Username: username, DisplayName: username, DepartmentID: dept, Password: userPassword, Roles: rs})
				return err
			}
		}
		set := func(id int64, rs ...org.Role) func(p org.Principal) error {
			return func(p org.Principal) error {
				_, err := e.svc.SetRoles(e.ctx, p, id, rs)
				return err
			}
		}
		type step struct {
			name      string
			action    string // audit action of a denial
			op        func(p org.Principal) error
			wantCode  string
			wantField string
		}
		run := func(t *testing.T, p org.Principal, steps []step) {
			t.Helper()
			for _, tt := range steps {
				t.Run(tt.name, func(t *testing.T) {
					if tt.wantCode == errs.Forbidden {
						e.wantDenied(t, p, tt.action, func() error { return tt.op(p) })
						return
					}
					checkErr(t, tt.name, tt.op(p), tt.wantCode, tt.wantField)
				})
			}
		}

		t.Run("system admin", func(t *testing.T) {
			run(t, e.admin, []step{
				{name: "appoints the first security admin", op: create("sec", 0, org.SecurityAdmin)},
				{name: "not a second security admin", action: "user.create", op: create("sec2", 0, org.SecurityAdmin), wantCode: errs.Forbidden},
				{name: "appoints the first auditor by SetRoles", op: set(noDept.ID, org.Auditor)},
				{name: "not a second auditor", action: "user.create", op: create("aud2", 0, org.Auditor), wantCode: errs.Forbidden},
				{name: "not a second system admin", action: "user.create", op: create("sys2", 0, org.SystemAdmin), wantCode: errs.Forbidden},
				{name: "no department roles", action: "user.create", op: create("cat", deptA.ID, org.Cataloger), wantCode: errs.Forbidden},
				{name: "no department roles by SetRoles", action: "user.roles", op: set(inA.ID, org.DeptAdmin), wantCode: errs.Forbidden},
				{name: "not own roles", action: "user.roles", op: set(e.admin.UserID), wantCode: errs.Forbidden},
				{name: "officer held alone", action: "user.create", op: create("mixed", deptA.ID, org.SecurityAdmin, org.Cataloger), wantCode: errs.Forbidden},
				{name: "department role needs a department", action: "user.create", op: create("nodept", 0, org.Consumer), wantCode: errs.Forbidden},
			})
		})
		_, sec := e.login("sec", userPassword)
		_, aud := e.login("aud", userPassword)
		if !slices.Equal(aud.Roles, roles(org.Auditor)) {
			t.Fatalf("auditor roles = %v, want [auditor]", aud.Roles)
		}

		t.Run("security admin", func(t *testing.T) {
			run(t, sec, []step{
				{name: "grants dept admin", op: set(inA.ID, org.DeptAdmin)},
				{name: "grants department roles", op: set(inA2.ID, org.Cataloger, org.Approver)},
				{name: "grants in any department", op: set(inB.ID, org.Consumer)},
				{name: "officer held alone", op: set(inB.ID, org.Auditor, org.Consumer), wantField: "roles"},
				{name: "two officer roles", op: set(inB.ID, org.Auditor, org.SystemAdmin), wantField: "roles"},
				{name: "department role needs a department", op: set(noDept.ID, org.Cataloger), wantField: "roles"},
				{name: "not own roles", action: "user.roles", op: set(sec.UserID, org.SecurityAdmin), wantCode: errs.Forbidden},
				{name: "creates no accounts", action: "user.create", op: create("by.sec", deptA.ID), wantCode: errs.Forbidden},
				{name: "unknown user", op: set(9999, org.Consumer), wantCode: errs.NotFound},
			})
		})
		_, adminA := e.login("a.user", userPassword)

		t.Run("dept admin", func(t *testing.T) {
			run(t, adminA, []step{
				{name: "creates in own department", op: create("a.cat", deptA.ID, org.Cataloger, org.Approver)},
				{name: "creates consumer and node operator", op: create("a.ops", deptA.ID, org.Consumer, org.NodeOperator)},
				{name: "not another dept admin", action: "user.create", op: create("a.admin2", deptA.ID, org.DeptAdmin), wantCode: errs.Forbidden},
				{name: "not an officer", action: "user.create", op: create("a.aud", deptA.ID, org.Auditor), wantCode: errs.Forbidden},
				{name: "not in another department", action: "user.create", op: create("b.cat", deptB.ID, org.Cataloger), wantCode: errs.Forbidden},
				{name: "not without department", action: "user.create", op: create("nodept2", 0), wantCode: errs.Forbidden},
				{name: "sets roles in own department", op: set(inA2.ID, org.Consumer)},
				{name: "not in another department by SetRoles", action: "user.roles", op: set(inB.ID, org.Cataloger), wantCode: errs.Forbidden},
				{name: "not dept admin by SetRoles", action: "user.roles", op: set(inA2.ID, org.DeptAdmin), wantCode: errs.Forbidden},
				{name: "not security admin by SetRoles", action: "user.roles", op: set(inA2.ID, org.SecurityAdmin), wantCode: errs.Forbidden},
				{name: "not own roles", action: "user.roles", op: set(adminA.UserID, org.DeptAdmin, org.Cataloger), wantCode: errs.Forbidden},
			})
		})

		t.Run("auditor", func(t *testing.T) {
			e.wantDenied(t, aud, "region.create", func() error {
				_, err := e.svc.CreateRegion(e.ctx, aud, org.RegionInput{Code: "430202"})
				return err
			})
			e.wantDenied(t, aud, "department.create", func() error {
				_, _, err := e.svc.CreateDepartment(e.ctx, aud, org.DepartmentInput{Name: "民政局", CreditCode: creditCode(t, "430200", 3), RegionCode: "430200"})
				return err
			})
			run(t, aud, []step{
				{name: "creates no accounts", action: "user.create", op: create("by.aud", deptA.ID), wantCode: errs.Forbidden},
				{name: "grants no roles", action: "user.roles", op: set(inA2.ID, org.Cataloger), wantCode: errs.Forbidden},
				{name: "grants no officer roles", action: "user.roles", op: set(inB.ID, org.SecurityAdmin), wantCode: errs.Forbidden},
				// Permission comes before validation: an invalid request is still a denied, audited attempt.
				{name: "grants no invalid combination", action: "user.roles", op: set(inB.ID, org.Auditor, org.Consumer), wantCode: errs.Forbidden},
				{name: "not own roles", action: "user.roles", op: set(aud.UserID), wantCode: errs.Forbidden},
			})
			e.wantDenied(t, aud, "user.disable", func() error {
				_, err := e.svc.SetDisabled(e.ctx, aud, inB.ID, true)
				return err
			})
		})

		// What the denied attempts above must have left alone.
		want := map[string][]org.Role{
			"admin":   roles(org.SystemAdmin),
			"sec":     roles(org.SecurityAdmin),
			"aud":     roles(org.Auditor),
			"a.user":  roles(org.DeptAdmin),
			"a.user2": roles(org.Consumer),
			"b.user":  roles(org.Consumer),
			"a.cat":   roles(org.Cataloger, org.Approver),
			"a.ops":   roles(org.Consumer, org.NodeOperator),
		}
		users, total, err := e.svc.Users(e.ctx, sec, org.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != len(want) {
			t.Errorf("Users() total = %d, want %d", total, len(want))
		}
		for _, u := range users {
			if got := u.Roles; !slices.Equal(got, want[u.Username]) {
				t.Errorf("user %s roles = %v, want %v", u.Username, got, want[u.Username])
			}
			if u.Disabled {
				t.Errorf("user %s disabled, want enabled", u.Username)
			}
		}
		if got, want := e.count(audit.Filter{Action: "user.roles", Outcome: audit.Success}), 5; got != want {
			t.Errorf("%d user.roles success audit entries, want %d", got, want)
		}
	})
}

// TestOfficerAppointedOnce races system admin appointments of the first
// security admin: exactly one may succeed.
func TestOfficerAppointedOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		const n = 6
		var ids []int64
		for i := range n {
			ids = append(ids, e.mustUser(e.admin, org.UserInput{Username: fmt.Sprintf("cand%d", i)}).ID)
		}
		if db.Dialect == store.Postgres {
			// Open a connection per racer first, so that they really overlap.
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					db.InTx(e.ctx, func(*store.Tx) error { time.Sleep(20 * time.Millisecond); return nil })
				})
			}
			wg.Wait()
		}
		for _, role := range []org.Role{org.SecurityAdmin, org.Auditor} {
			var wg sync.WaitGroup
			start := make(chan struct{})
			errc := make(chan error, n)
			for _, id := range ids {
				wg.Go(func() {
					<-start
					_, err := e.svc.SetRoles(e.ctx, e.admin, id, []org.Role{role})
					errc <- err
				})
			}
			close(start)
			wg.Wait()
			close(errc)
			ok := 0
			for err := range errc {
				switch {
				case err == nil:
					ok++
				case !errs.Is(err, errs.Forbidden):
					t.Errorf("SetRoles(%s) error: %v, want nil or forbidden", role, err)
				}
			}
			if ok != 1 {
				t.Errorf("%d of %d concurrent appointments of the first %s succeeded, want 1", ok, n, role)
			}
			// Take the winners out of the next round.
			users, _, err := e.svc.Users(e.ctx, e.admin, org.UserFilter{Role: role})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				ids = slices.DeleteFunc(ids, func(id int64) bool { return id == u.ID })
			}
		}
	})
}

func TestUsersVisibility(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		aCat := w.mustUser(w.adminA, org.UserInput{Username: "a.cat", DisplayName: "编目员甲", DepartmentID: w.deptA.ID, Roles: roles(org.Cataloger)})
		bUser := w.mustUser(w.admin, org.UserInput{Username: "b.user", DisplayName: "公安用户", DepartmentID: w.deptB.ID})
		_, cat := w.login("a.cat", userPassword)

		usernames := func(us []org.User) string {
			var out []string
			for _, u := range us {
				out = append(out, u.Username)
			}
			return strings.Join(out, ",")
		}
		all := "a.admin,a.cat,admin,aud,b.user,sec"
		tests := []struct {
			name      string
			p         org.Principal
			f         org.UserFilter
			want      string
			wantTotal int
		}{
			{name: "system admin sees all", p: w.admin, want: all, wantTotal: 6},
			{name: "security admin sees all", p: w.sec, want: all, wantTotal: 6},
			{name: "auditor sees all", p: w.aud, want: all, wantTotal: 6},
			{name: "dept admin sees own department", p: w.adminA, want: "a.admin,a.cat", wantTotal: 2},
			{name: "dept admin cannot ask for another", p: w.adminA, f: org.UserFilter{DepartmentID: w.deptB.ID}, want: "a.admin,a.cat", wantTotal: 2},
			{name: "department filter", p: w.admin, f: org.UserFilter{DepartmentID: w.deptB.ID}, want: "b.user", wantTotal: 1},
			{name: "role filter", p: w.admin, f: org.UserFilter{Role: org.Cataloger}, want: "a.cat", wantTotal: 1},
			{name: "q on display name", p: w.admin, f: org.UserFilter{Q: "公安"}, want: "b.user", wantTotal: 1},
			{name: "q underscore is literal", p: w.admin, f: org.UserFilter{Q: "a_"}, want: "", wantTotal: 0},
			{name: "q on username", p: w.admin, f: org.UserFilter{Q: "a."}, want: "a.admin,a.cat", wantTotal: 2},
			{name: "page 2", p: w.admin, f: org.UserFilter{Page: 2, PageSize: 4}, want: "b.user,sec", wantTotal: 6},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := w.svc.Users(w.ctx, tt.p, tt.f)
				if err != nil {
					t.Fatalf("Users(%+v) error: %v", tt.f, err)
				}
				if g := usernames(got); g != tt.want || total != tt.wantTotal {
					t.Errorf("Users(%+v) by %s = %q, total %d, want %q, total %d", tt.f, tt.p.Username, g, total, tt.want, tt.wantTotal)
				}
			})
		}

		t.Run("cataloger lists nobody", func(t *testing.T) {
			w.wantDenied(t, cat, "user.list", func() error {
				_, _, err := w.svc.Users(w.ctx, cat, org.UserFilter{})
				return err
			})
		})

		one := []struct {
			name string
			p    org.Principal
			id   int64
			ok   bool
		}{
			{name: "dept admin reads own department", p: w.adminA, id: aCat.ID, ok: true},
			{name: "dept admin not another department", p: w.adminA, id: bUser.ID},
			{name: "dept admin not an officer", p: w.adminA, id: w.sec.UserID},
			{name: "cataloger reads self", p: cat, id: cat.UserID, ok: true},
			{name: "cataloger not a colleague", p: cat, id: w.adminA.UserID},
			{name: "auditor reads anyone", p: w.aud, id: bUser.ID, ok: true},
		}
		for _, tt := range one {
			t.Run(tt.name, func(t *testing.T) {
				if tt.ok {
					u, err := w.svc.User(w.ctx, tt.p, tt.id)
					if err != nil || u.ID != tt.id {
						t.Errorf("User(%d) by %s = %d, %v, want the user", tt.id, tt.p.Username, u.ID, err)
					}
					return
				}
				w.wantDenied(t, tt.p, "user.read", func() error {
					_, err := w.svc.User(w.ctx, tt.p, tt.id)
					return err
				})
			})
		}
		if _, err := w.svc.User(w.ctx, w.admin, 9999); !errs.Is(err, errs.NotFound) {
			t.Errorf("User(9999) err = %v, want %s", err, errs.NotFound)
		}
	})
}

func TestSetDisabled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		aCat := w.mustUser(w.adminA, org.UserInput{Username: "a.cat", DepartmentID: w.deptA.ID, Roles: roles(org.Cataloger)})
		bUser := w.mustUser(w.admin, org.UserInput{Username: "b.user", DepartmentID: w.deptB.ID})
		tests := []struct {
			name     string
			p        org.Principal
			id       int64
			disabled bool
			wantCode string
		}{
			{name: "system admin disables", p: w.admin, id: bUser.ID, disabled: true},
			{name: "system admin enables", p: w.admin, id: bUser.ID},
			{name: "dept admin disables own department", p: w.adminA, id: aCat.ID, disabled: true},
			{name: "dept admin enables own department", p: w.adminA, id: aCat.ID},
			{name: "dept admin not another department", p: w.adminA, id: bUser.ID, disabled: true, wantCode: errs.Forbidden},
			{name: "not oneself", p: w.admin, id: w.admin.UserID, disabled: true, wantCode: errs.Forbidden},
			{name: "security admin manages no accounts", p: w.sec, id: bUser.ID, disabled: true, wantCode: errs.Forbidden},
			{name: "unknown user", p: w.admin, id: 9999, disabled: true, wantCode: errs.NotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if tt.wantCode == errs.Forbidden {
					w.wantDenied(t, tt.p, "user.disable", func() error {
						_, err := w.svc.SetDisabled(w.ctx, tt.p, tt.id, tt.disabled)
						return err
					})
					return
				}
				u, err := w.svc.SetDisabled(w.ctx, tt.p, tt.id, tt.disabled)
				checkErr(t, "SetDisabled()", err, tt.wantCode, "")
				if err != nil {
					return
				}
				if u.Disabled != tt.disabled {
					t.Errorf("SetDisabled(%d, %v).Disabled = %v", tt.id, tt.disabled, u.Disabled)
				}
				read, err := w.svc.User(w.ctx, w.admin, tt.id)
				if err != nil || read.Disabled != tt.disabled {
					t.Errorf("User(%d).Disabled = %v, %v, want %v", tt.id, read.Disabled, err, tt.disabled)
				}
			})
		}
		if got, want := w.count(audit.Filter{Action: "user.disable", Outcome: audit.Success}), 2; got != want {
			t.Errorf("%d user.disable audit entries, want %d", got, want)
		}
		if got, want := w.count(audit.Filter{Action: "user.enable", Outcome: audit.Success}), 2; got != want {
			t.Errorf("%d user.enable audit entries, want %d", got, want)
		}
		if u, _ := w.svc.User(w.ctx, w.admin, bUser.ID); u.Disabled {
			t.Errorf("b.user disabled after refused attempts, want enabled")
		}
	})
}
