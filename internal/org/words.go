package org

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
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

// The audit log's details of this package's actions (audit.Keyed), and the
// refusals said by Deny.
var (
	auditAccount       = errs.Define("org.audit.account", "%s, roles: %s", "%s，角色：%s")
	auditBootstrap     = errs.Define("org.audit.bootstrap", "%s, roles: %s (created at first start)", "%s，角色：%s（首次启动时创建）")
	auditRoles         = errs.Define("org.audit.roles", "%s, roles %s → %s", "%s，角色 %s → %s")
	auditAccountName   = errs.Define("org.audit.account_name", "account %s", "账户 %s")
	auditRegion        = errs.Define("org.audit.region", "%s %s", "%s %s")
	auditDepartment    = errs.Define("org.audit.department", "%s, credit code %s", "%s，统一社会信用代码 %s")
	auditDeptOverride  = errs.Define("org.audit.department_override", "%s, credit code %s accepted by override: %s", "%s，统一社会信用代码 %s 经确认接受：%s")
	auditToken         = errs.Define("org.audit.token", "token %s", "令牌“%s”")
	auditOversized     = errs.Define("org.audit.oversized", "oversized credentials", "凭据过长")
	auditThrottled     = errs.Define("org.audit.throttled", "throttled after repeated failures", "多次失败后暂停尝试")
	auditUnknownUser   = errs.Define("org.audit.unknown_user", "unknown user", "用户不存在")
	auditWrongPassword = errs.Define("org.audit.wrong_password", "wrong password", "密码错误")
	auditWrongCurrent  = errs.Define("org.audit.wrong_current", "wrong current password", "当前密码错误")
	auditDisabled      = errs.Define("org.audit.disabled", "account disabled", "账户已停用")
	auditSessionsShut  = errs.Define("org.audit.sessions_closed", "other sessions closed", "其他会话已关闭")
	msgCreateRefused   = errs.Define("org.user.create_refused", "only the system admin, or a department admin for their own department, creates accounts", "只有系统管理员（或部门管理员为本部门）可以新建账户")
	msgRolesRefused    = errs.Define("org.user.roles_refused", "roles are granted by the security admin (三员分立)", "角色由安全管理员授予（三员分立）")
	msgRevokeRefused   = errs.Define("org.token.revoke_refused", "only the owner or the security admin revokes a token", "只有令牌持有人或安全管理员可以吊销令牌")
	msgDeptRolesOwn    = errs.Define("org.user.dept_roles_own", "a department admin grants roles only in their own department", "部门管理员只能为本部门账户授予角色")
	msgDeptRolesWhich  = errs.Define("org.user.dept_roles_which", "a department admin grants only cataloger, approver, consumer and node operator", "部门管理员只能授予编目员、审核员、数据使用者和前置机运维员角色")
	msgOfficerExists   = errs.Define("org.user.officer_exists", "a %s already exists; roles are granted by the security admin (三员分立)", "已有%s；角色由安全管理员授予（三员分立）")
	msgMissingToken    = errs.Define("org.token.missing", "missing bearer token", "缺少 Bearer 令牌")
	// auditRoleWords are the roles' names.
	auditRoleWords = audit.DefineCodes("org.audit.role", roleWords()...)
)

func roleWords() []audit.Words {
	ws := make([]audit.Words, len(Roles))
	for i, r := range Roles {
		ws[i] = audit.Words{string(r.Role), r.NameEN, r.NameZH}
	}
	return ws
}

// roleList names roles in a stored detail.
func roleList(roles []Role) errs.Text {
	ts := make([]errs.Text, len(roles))
	for i, r := range roles {
		ts[i] = auditRoleWords.Text(string(r))
	}
	return audit.List(ts...)
}

// departmentDetail says a new department, and the check its credit code
// failed when it was accepted by override.
func departmentDetail(in DepartmentInput, overridden bool) string {
	if overridden {
		return audit.Keyed(auditDeptOverride, in.Name, in.CreditCode, quality.TextOf(quality.CheckCreditCode(in.CreditCode)))
	}
	return audit.Keyed(auditDepartment, in.Name, in.CreditCode)
}

// ErrMissingToken answers a call to the API without a bearer token.
var ErrMissingToken = errs.New(errs.Unauthorized, msgMissingToken)
