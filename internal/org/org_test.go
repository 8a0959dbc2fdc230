package org_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// Passwords used throughout; both satisfy the policy.
const (
	adminPassword = "Zhuzhou-Admin-2024"
	userPassword  = "Hetang-Qu-430202"
)

var migrations = []store.Migration{audit.Migration, org.Migration}

// env is a migrated database with a bootstrapped, logged-in system admin.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	svc   *org.Service
	log   *audit.Log
	admin org.Principal
}

// newService returns a service over db and checks, when the test ends, that
// the audit chain it wrote still verifies.
func newService(t *testing.T, db *store.DB) *org.Service {
	t.Helper()
	t.Cleanup(func() {
		n, err := audit.New(db).Verify(context.Background())
		if err != nil {
			t.Errorf("audit Verify() after %d entries: %v", n, err)
		}
	})
	return org.NewService(db, audit.New(db), division.Default())
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), db: db, svc: newService(t, db), log: audit.New(db)}
	pw, created, err := e.svc.Bootstrap(e.ctx, adminPassword)
	if err != nil || !created || pw != adminPassword {
		t.Fatalf("Bootstrap() = %q, %v, %v, want %q, true, nil", pw, created, err, adminPassword)
	}
	_, e.admin = e.login(org.AdminUsername, adminPassword)
	return e
}

// login logs in and returns the session and the principal Authenticate gives
// for its token.
func (e *env) login(username, password string) (org.Session, org.Principal) {
	e.t.Helper()
	s, p, err := e.svc.Login(e.ctx, username, password, "192.0.2.10")
	if err != nil {
		e.t.Fatalf("Login(%q) error: %v", username, err)
	}
	ap, err := e.svc.Authenticate(e.ctx, s.Token, "192.0.2.10")
	if err != nil {
		e.t.Fatalf("Authenticate(token of %q) error: %v", username, err)
	}
	if ap.UserID != p.UserID || ap.TokenID != p.TokenID {
		e.t.Fatalf("Authenticate(token of %q) = user %d token %d, Login gave user %d token %d", username, ap.UserID, ap.TokenID, p.UserID, p.TokenID)
	}
	return s, ap
}

func (e *env) mustRegion(code string) org.Region {
	e.t.Helper()
	r, err := e.svc.CreateRegion(e.ctx, e.admin, org.RegionInput{Code: code})
	if err != nil {
		e.t.Fatalf("CreateRegion(%s) error: %v", code, err)
	}
	return r
}

func (e *env) mustDept(in org.DepartmentInput) org.Department {
	e.t.Helper()
	d, _, err := e.svc.CreateDepartment(e.ctx, e.admin, in)
	if err != nil {
		e.t.Fatalf("CreateDepartment(%s) error: %v", in.Name, err)
	}
	return d
}

func (e *env) mustUser(p org.Principal, in org.UserInput) org.User {
	e.t.Helper()
	if in.Password == "" {
		in.Password = userPassword
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	u, _, err := e.svc.CreateUser(e.ctx, p, in)
	if err != nil {
		e.t.Fatalf("CreateUser(%s) by %s error: %v", in.Username, p.Username, err)
	}
	return u
}

func (e *env) mustSetRoles(p org.Principal, id int64, roles ...org.Role) {
	e.t.Helper()
	if _, err := e.svc.SetRoles(e.ctx, p, id, roles); err != nil {
		e.t.Fatalf("SetRoles(%d, %v) by %s error: %v", id, roles, p.Username, err)
	}
}

// count returns the number of audit entries matching f.
func (e *env) count(f audit.Filter) int {
	e.t.Helper()
	_, n, err := e.log.List(e.ctx, f)
	if err != nil {
		e.t.Fatalf("audit List(%+v) error: %v", f, err)
	}
	return n
}

// wantDenied runs op, which p must not be allowed to do: it must fail with
// Forbidden and leave exactly one audit entry with outcome denied for p and
// action.
func (e *env) wantDenied(t *testing.T, p org.Principal, action string, op func() error) {
	t.Helper()
	f := audit.Filter{Actor: p.Username, Action: action, Outcome: audit.Denied}
	before := e.count(f)
	err := op()
	if !errs.Is(err, errs.Forbidden) {
		t.Errorf("%s by %s: err = %v, want code %s", action, p.Username, err, errs.Forbidden)
	}
	if got, want := e.count(f)-before, 1; got != want {
		t.Errorf("%s by %s: %d new denied audit entries, want %d", action, p.Username, got, want)
	}
}

// world is an env with a region, two departments, the other two officers and
// a department admin, all logged in.
type world struct {
	*env
	deptA, deptB org.Department // 财政局, 公安局 in 株洲市
	sec, aud     org.Principal  // security admin, auditor
	adminA       org.Principal  // dept_admin of deptA
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{env: newEnv(t, db)}
	w.mustRegion("430200")
	w.deptA = w.mustDept(org.DepartmentInput{Name: "财政局", CreditCode: creditCode(t, "430200", 1), RegionCode: "430200"})
	w.deptB = w.mustDept(org.DepartmentInput{Name: "公安局", CreditCode: creditCode(t, "430200", 2), RegionCode: "430200"})
	w.mustUser(w.admin, org.UserInput{Username: "sec", DisplayName: "安全管理员", Roles: []org.Role{org.SecurityAdmin}})
	w.mustUser(w.admin, org.UserInput{Username: "aud", DisplayName: "安全审计员", Roles: []org.Role{org.Auditor}})
	_, w.sec = w.login("sec", userPassword)
	_, w.aud = w.login("aud", userPassword)
	da := w.mustUser(w.admin, org.UserInput{Username: "a.admin", DisplayName: "财政局管理员", DepartmentID: w.deptA.ID})
	w.mustSetRoles(w.sec, da.ID, org.DeptAdmin)
	_, w.adminA = w.login("a.admin", userPassword)
	return w
}

// creditCode returns a valid unified social credit code of a government
// organ registered in division div.
func creditCode(t *testing.T, div string, n int) string {
	t.Helper()
	first17 := fmt.Sprintf("11%s%09d", div, n)
	return first17 + checkChar(t, first17)
}

// checkChar returns the credit code check character for first17.
func checkChar(t *testing.T, first17 string) string {
	t.Helper()
	c, err := quality.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatalf("CreditCodeCheckChar(%q) error: %v", first17, err)
	}
	return string(c)
}

// badCheckChar returns code with a wrong, but otherwise valid, check character.
func badCheckChar(code string) string {
	c := byte('0')
	if code[17] == '0' {
		c = '1'
	}
	return code[:17] + string(c)
}

// checkErr reports err not being what a case wants: nil when wantCode and
// wantField are empty, an Invalid error naming wantField, or an error with
// wantCode.
func checkErr(t *testing.T, what string, err error, wantCode, wantField string) {
	t.Helper()
	switch {
	case wantField != "":
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid {
			t.Errorf("%s: err = %v, want an invalid error on field %q", what, err, wantField)
			return
		}
		if _, ok := e.Fields[wantField]; !ok {
			t.Errorf("%s: error fields = %v, want field %q", what, e.Fields, wantField)
		}
	case wantCode != "":
		if got := errs.CodeOf(err); err == nil || got != wantCode {
			t.Errorf("%s: err = %v (code %s), want code %s", what, err, got, wantCode)
		}
	case err != nil:
		t.Errorf("%s: unexpected error: %v", what, err)
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		password  string
		wantField string
	}{
		{name: "given password", password: adminPassword},
		{name: "generated password", password: ""},
		{name: "too short", password: "Ab1-short", wantField: "admin_password"},
		{name: "two classes", password: "onlylowercase123", wantField: "admin_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				svc := newService(t, db)
				pw, created, err := svc.Bootstrap(ctx, tt.password)
				checkErr(t, "Bootstrap()", err, "", tt.wantField)
				n, cerr := svc.CountUsers(ctx)
				if cerr != nil {
					t.Fatal(cerr)
				}
				if tt.wantField != "" {
					if created || pw != "" || n != 0 {
						t.Errorf("refused Bootstrap() = %q, %v and %d users, want \"\", false and 0 users", pw, created, n)
					}
					return
				}
				if !created || n != 1 {
					t.Fatalf("Bootstrap() created = %v with %d users, want true with 1", created, n)
				}
				if tt.password != "" && pw != tt.password {
					t.Errorf("Bootstrap() password = %q, want the given %q", pw, tt.password)
				}
				if err := org.CheckPasswordPolicy(pw); err != nil {
					t.Errorf("Bootstrap() password %q fails the policy: %v", pw, err)
				}

				pw2, created2, err := svc.Bootstrap(ctx, "Another-Passw0rd")
				if err != nil || created2 || pw2 != "" {
					t.Errorf("second Bootstrap() = %q, %v, %v, want \"\", false, nil", pw2, created2, err)
				}
				if n, _ := svc.CountUsers(ctx); n != 1 {
					t.Errorf("after second Bootstrap() CountUsers() = %d, want 1", n)
				}

				_, p, err := svc.Login(ctx, org.AdminUsername, pw, "192.0.2.1")
				if err != nil {
					t.Fatalf("Login(admin) with the bootstrap password: %v", err)
				}
				if got, want := fmt.Sprint(p.Roles), fmt.Sprint([]org.Role{org.SystemAdmin}); got != want {
					t.Errorf("admin roles = %s, want %s", got, want)
				}
				entries, _, err := audit.New(db).List(ctx, audit.Filter{Action: "user.create"})
				if err != nil {
					t.Fatal(err)
				}
				if len(entries) != 1 || entries[0].Actor != "system" || !strings.Contains(audit.DetailText(entries[0].Detail).In("en"), "created at first start") {
					t.Errorf("user.create audit entries = %+v, want one by system mentioning bootstrap", entries)
				}
			})
		})
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustRegion("430200")
		e.mustRegion("430202")
		for i, name := range []string{"财政局", "公安局"} {
			e.mustDept(org.DepartmentInput{Name: name, CreditCode: creditCode(t, "430200", i+1), RegionCode: "430200"})
		}
		e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		st, err := e.svc.Stats(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Regions != 2 || st.Departments != 2 || st.Users != 2 {
			t.Errorf("Stats() = %d regions, %d departments, %d users, want 2, 2, 2", st.Regions, st.Departments, st.Users)
		}
		want := []org.RegionCount{{Code: "430200", Name: "株洲市", Departments: 2}, {Code: "430202", Name: "荷塘区", Departments: 0}}
		if got := fmt.Sprint(st.ByRegion); got != fmt.Sprint(want) {
			t.Errorf("Stats().ByRegion = %s, want %s", got, fmt.Sprint(want))
		}
	})
}
