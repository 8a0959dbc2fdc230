package org_test

import (
	"testing"

	"github.com/govshare/govshare/internal/org"
)

func TestRoleInfo(t *testing.T) {
	tests := []struct {
		role    org.Role
		known   bool
		officer bool
		nameZH  string
	}{
		{role: org.SystemAdmin, known: true, officer: true, nameZH: "系统管理员"},
		{role: org.SecurityAdmin, known: true, officer: true, nameZH: "安全管理员"},
		{role: org.Auditor, known: true, officer: true, nameZH: "安全审计员"},
		{role: org.DeptAdmin, known: true, nameZH: "部门管理员"},
		{role: org.Cataloger, known: true, nameZH: "编目员"},
		{role: org.Approver, known: true, nameZH: "审核员"},
		{role: org.Consumer, known: true, nameZH: "数据使用者"},
		{role: org.NodeOperator, known: true, nameZH: "前置机运维员"},
		{role: "root"},
		{role: ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			info, ok := tt.role.Info()
			if ok != tt.known || info.NameZH != tt.nameZH || (ok && info.Role != tt.role) {
				t.Errorf("Info() = %+v, %v, want role %q named %q, %v", info, ok, tt.role, tt.nameZH, tt.known)
			}
			if got := tt.role.Officer(); got != tt.officer {
				t.Errorf("Officer() = %v, want %v", got, tt.officer)
			}
		})
	}
	if got, want := len(org.Roles), 8; got != want {
		t.Errorf("len(Roles) = %d, want %d", got, want)
	}
}

func TestPrincipalCan(t *testing.T) {
	tests := []struct {
		name  string
		roles []org.Role
		perm  org.Permission
		want  bool
	}{
		{name: "system admin manages regions", roles: []org.Role{org.SystemAdmin}, perm: org.ManageRegions, want: true},
		{name: "system admin does not grant roles", roles: []org.Role{org.SystemAdmin}, perm: org.ManageRoles},
		{name: "system admin does not read audit", roles: []org.Role{org.SystemAdmin}, perm: org.ReadAudit},
		{name: "security admin grants roles", roles: []org.Role{org.SecurityAdmin}, perm: org.ManageRoles, want: true},
		{name: "security admin does not manage users", roles: []org.Role{org.SecurityAdmin}, perm: org.ManageUsers},
		{name: "auditor reads audit", roles: []org.Role{org.Auditor}, perm: org.ReadAudit, want: true},
		{name: "auditor manages nothing", roles: []org.Role{org.Auditor}, perm: org.ManageDeptUsers},
		{name: "dept admin manages dept users", roles: []org.Role{org.DeptAdmin}, perm: org.ManageDeptUsers, want: true},
		{name: "dept admin not all users", roles: []org.Role{org.DeptAdmin}, perm: org.ManageUsers},
		{name: "any of several roles", roles: []org.Role{org.Cataloger, org.Approver}, perm: org.ReviewCatalog, want: true},
		{name: "unknown role grants nothing", roles: []org.Role{"root"}, perm: org.ManageRegions},
		{name: "system principal has no permissions", perm: org.ManageRegions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := org.Principal{Username: "u", Roles: tt.roles}
			if got := p.Can(tt.perm); got != tt.want {
				t.Errorf("Principal{Roles: %v}.Can(%s) = %v, want %v", tt.roles, tt.perm, got, tt.want)
			}
		})
	}
	if org.System.Can(org.ManageRegions) || len(org.System.Roles) != 0 {
		t.Errorf("System = %+v, want a principal without roles", org.System)
	}
	if p := (org.Principal{Roles: []org.Role{org.Consumer}}); !p.Has(org.Consumer) || p.Has(org.Cataloger) {
		t.Errorf("Has() on %v wrong: Has(consumer) = %v, Has(cataloger) = %v", p.Roles, p.Has(org.Consumer), p.Has(org.Cataloger))
	}
}
