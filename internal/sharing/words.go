package sharing

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"application.apply", "apply for data", "提交共享申请"},
		audit.Words{"application.create", "apply for data", "提交共享申请"},
		audit.Words{"application.renew", "apply for a renewal", "申请续期"},
		audit.Words{"application.approve", "approve an application", "审批通过申请"},
		audit.Words{"application.return", "return an application", "退回申请"},
		audit.Words{"application.withdraw", "withdraw an application", "撤回申请"},
		audit.Words{"grant.create", "grant data", "生成授权"},
		audit.Words{"grant.renew", "renew a grant", "授权续期"},
		audit.Words{"grant.expire", "a grant expires", "授权到期"},
		audit.Words{"grant.revoke", "revoke a grant", "撤销授权"},
		audit.Words{"policy.deny", "data access refused", "数据访问被拒绝"},
		audit.Words{"policy.lookup", "look up by a masked item", "按脱敏项查询"},
	)
	audit.DefineTarget("application", "application", "共享申请")
	audit.DefineTarget("grant", "grant", "授权")
}
