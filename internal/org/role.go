package org

import (
	"slices"
)

// Role is a named set of permissions held by a user.
type Role string

// Platform officers (三员) and department roles.
const (
	SystemAdmin   Role = "system_admin"   // 系统管理员
	SecurityAdmin Role = "security_admin" // 安全管理员
	Auditor       Role = "auditor"        // 安全审计员
	DeptAdmin     Role = "dept_admin"     // 部门管理员
	Cataloger     Role = "cataloger"      // 编目员
	Approver      Role = "approver"       // 审核员
	Consumer      Role = "consumer"       // 数据使用者
	NodeOperator  Role = "node_operator"  // 前置机运维员
)

// Permission is one thing a role allows.
type Permission string

const (
	ManageRegions     Permission = "region.manage"
	ManageDepartments Permission = "department.manage"
	ManageUsers       Permission = "user.manage"      // any department
	ManageDeptUsers   Permission = "user.manage_dept" // the holder's own department
	ManageRoles       Permission = "role.manage"      // any role of any account but one's own
	ManageDeptRoles   Permission = "role.manage_dept" // department roles in the holder's own department
	ManageSettings    Permission = "settings.manage"
	ManagePolicies    Permission = "policy.manage"
	ReadAudit         Permission = "audit.read"
	ReadUsers         Permission = "user.read"
	EditCatalog       Permission = "catalog.edit"
	ReviewCatalog     Permission = "catalog.review"
	ConsumeData       Permission = "data.consume"
	OperateNodes      Permission = "node.operate"
)

// RoleInfo describes a role for the API and the console.
type RoleInfo struct {
	Role        Role         `json:"role"`
	Officer     bool         `json:"officer"`
	NameZH      string       `json:"name_zh"`
	NameEN      string       `json:"name_en"`
	Permissions []Permission `json:"permissions"`
}

// Roles lists every role in display order.
var Roles = []RoleInfo{
	{SystemAdmin, true, "系统管理员", "System administrator", []Permission{ManageRegions, ManageDepartments, ManageUsers, ReadUsers, ManageSettings}},
	{SecurityAdmin, true, "安全管理员", "Security administrator", []Permission{ManageRoles, ManagePolicies, ReadUsers}},
	{Auditor, true, "安全审计员", "Auditor", []Permission{ReadAudit, ReadUsers}},
	{DeptAdmin, false, "部门管理员", "Department administrator", []Permission{ManageDeptUsers, ManageDeptRoles, ReadUsers}},
	{Cataloger, false, "编目员", "Cataloger", []Permission{EditCatalog}},
	{Approver, false, "审核员", "Approver", []Permission{ReviewCatalog}},
	{Consumer, false, "数据使用者", "Data consumer", []Permission{ConsumeData}},
	{NodeOperator, false, "前置机运维员", "Node operator", []Permission{OperateNodes}},
}

// Info returns the description of r.
func (r Role) Info() (RoleInfo, bool) {
	i := slices.IndexFunc(Roles, func(ri RoleInfo) bool { return ri.Role == r })
	if i < 0 {
		return RoleInfo{}, false
	}
	return Roles[i], true
}

// Officer reports whether r is one of the three platform officers.
func (r Role) Officer() bool {
	info, _ := r.Info()
	return info.Officer
}

// Principal is the authenticated caller of an operation.
type Principal struct {
	UserID         int64  `json:"user_id"`
	Username       string `json:"username"`
	DisplayName    string `json:"display_name"`
	DepartmentID   int64  `json:"department_id,omitempty"`
	DepartmentName string `json:"department_name,omitempty"`
	Roles          []Role `json:"roles"`
	TokenID        int64  `json:"-"`
	ClientAddr     string `json:"-"`
}

// Can reports whether any of the principal's roles grants perm.
func (p Principal) Can(perm Permission) bool {
	for _, r := range p.Roles {
		if info, ok := r.Info(); ok && slices.Contains(info.Permissions, perm) {
			return true
		}
	}
	return false
}

// Has reports whether the principal holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// System is the principal of work the platform does on its own (demo load, bootstrap).
var System = Principal{Username: "system", DisplayName: "系统"}
