package licence

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"licence.type.create", "define a licence type", "定义证照类型"},
		audit.Words{"licence.issue", "issue licences", "签发证照"},
		audit.Words{"licence.import", "import licences", "导入证照"},
		audit.Words{"licence.change", "change a licence", "变更证照"},
		audit.Words{"licence.revoke", "revoke a licence", "注销证照"},
		audit.Words{"licence.suspend", "suspend a licence", "暂停证照"},
		audit.Words{"licence.restore", "restore a licence", "恢复证照"},
		audit.Words{"licence.expire", "mark a licence expired", "证照到期"},
		audit.Words{"licence.read", "read licences", "查阅证照"},
		audit.Words{"licence.verify", "verify a licence", "核验证照"},
		audit.Words{"licence.authorise", "issue a holder's authorisation code", "开具持证人授权码"},
		audit.Words{"licence.use", "use a licence", "用证"},
		audit.Words{"licence.feed", "feed licences through a channel", "证照汇聚"},
		audit.Words{"licence.feed.map", "map a licence feed's columns", "设置证照汇聚映射"},
	)
	audit.DefineTarget("licence", "licence", "证照")
	audit.DefineTarget("licence_type", "licence type", "证照类型")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditType       = errs.Define("licence.audit.type", "type %s %s", "证照类型 %s %s")
	auditIssued     = errs.Define("licence.audit.issued", "%s %s, %s", "%s %s，%s")
	auditIssuedMany = errs.Define("licence.audit.issued_many", "%d licences of %s, ids %d to %d", "%d 本%s，编号 %d 至 %d")
	auditStatus     = errs.Define("licence.audit.status", "%s: %s → %s (%s)", "%s：%s → %s（%s）")
	auditChanged    = errs.Define("licence.audit.changed", "%s → %s (%s)", "%s → %s（%s）")
	auditExpired    = errs.Define("licence.audit.expired", "%s expired after %s", "%s 已于 %s 后到期")
	auditAuthorised = errs.Define("licence.audit.authorised", "authorisation code for %s, valid until %s", "%s 的授权码，有效至 %s")
	auditVerified   = errs.Define("licence.audit.verified", "%s: %s", "%s：%s")
	auditUsed       = errs.Define("licence.audit.used", "%s for %s", "%s，事由：%s")
)
