package sharing

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	for _, a := range [][3]string{
		{"application.apply", "apply for data", "提交共享申请"},
		{"application.create", "apply for data", "提交共享申请"},
		{"application.renew", "apply for a renewal", "申请续期"},
		{"application.approve", "approve an application", "审批通过申请"},
		{"application.return", "return an application", "退回申请"},
		{"application.withdraw", "withdraw an application", "撤回申请"},
		{"grant.create", "grant data", "生成授权"},
		{"grant.renew", "renew a grant", "授权续期"},
		{"grant.expire", "a grant expires", "授权到期"},
		{"grant.revoke", "revoke a grant", "撤销授权"},
		{"policy.deny", "data access refused", "数据访问被拒绝"},
		{"policy.lookup", "look up by a masked item", "按脱敏项查询"},
	} {
		audit.DefineAction(a[0], a[1], a[2])
	}
	audit.DefineTarget("application", "application", "共享申请")
	audit.DefineTarget("grant", "grant", "授权")
}
