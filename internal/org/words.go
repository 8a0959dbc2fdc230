package org

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

var (
	msgPermissionRequired = errs.Define("org.permission_required", "permission %s required", "需要权限 %s")
	msgAccountHidden      = errs.Define("org.user.hidden", "not allowed to see this account", "无权查看此账户")
	msgAuditorOnly        = errs.Define("org.audit.auditor_only", "only the auditor reads, verifies and exports the audit log", "只有安全审计员可以查阅、校验和导出审计日志")
)

// The audit log's words for this package's actions and records.
func init() {
	for _, a := range [][3]string{
		{"user.create", "create an account", "新建账户"},
		{"user.update", "change an account", "修改账户"},
		{"user.disable", "disable an account", "停用账户"},
		{"user.enable", "enable an account", "启用账户"},
		{"user.unlock", "unlock an account", "解锁账户"},
		{"user.password", "set a password", "设置密码"},
		{"user.roles", "change roles", "变更角色"},
		{"user.list", "list accounts", "查看账户列表"},
		{"user.read", "read an account", "查看账户"},
		{"region.create", "add a region", "新增行政区划"},
		{"department.create", "add a department", "新增部门"},
		{"department.update", "change a department", "修改部门"},
		{"session.create", "sign in", "登录"},
		{"session.delete", "sign out", "退出登录"},
		{"token.create", "create an API token", "创建 API 令牌"},
		{"token.revoke", "revoke an API token", "吊销 API 令牌"},
		{"auth.check", "check credentials", "身份校验"},
	} {
		audit.DefineAction(a[0], a[1], a[2])
	}
	for _, k := range [][3]string{
		{"user", "account", "账户"},
		{"region", "region", "行政区划"},
		{"department", "department", "部门"},
		{"token", "API token", "API 令牌"},
		{"users", "accounts", "账户列表"},
	} {
		audit.DefineTarget(k[0], k[1], k[2])
	}
}
