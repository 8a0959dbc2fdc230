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
	audit.DefineActions(
		audit.Words{"user.create", "create an account", "新建账户"},
		audit.Words{"user.update", "change an account", "修改账户"},
		audit.Words{"user.disable", "disable an account", "停用账户"},
		audit.Words{"user.enable", "enable an account", "启用账户"},
		audit.Words{"user.unlock", "unlock an account", "解锁账户"},
		audit.Words{"user.password", "set a password", "设置密码"},
		audit.Words{"user.roles", "change roles", "变更角色"},
		audit.Words{"user.list", "list accounts", "查看账户列表"},
		audit.Words{"user.read", "read an account", "查看账户"},
		audit.Words{"region.create", "add a region", "新增行政区划"},
		audit.Words{"department.create", "add a department", "新增部门"},
		audit.Words{"department.update", "change a department", "修改部门"},
		audit.Words{"session.create", "sign in", "登录"},
		audit.Words{"session.delete", "sign out", "退出登录"},
		audit.Words{"token.create", "create an API token", "创建 API 令牌"},
		audit.Words{"token.revoke", "revoke an API token", "吊销 API 令牌"},
		audit.Words{"auth.check", "check credentials", "身份校验"},
	)
	audit.DefineTargets(
		audit.Words{"user", "account", "账户"},
		audit.Words{"region", "region", "行政区划"},
		audit.Words{"department", "department", "部门"},
		audit.Words{"token", "API token", "API 令牌"},
		audit.Words{"users", "accounts", "账户列表"},
	)
}
