package sharing

import (
	"context"
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

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

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditApply     = errs.Define("sharing.audit.apply", "%s %s, items %s, by %s, until %s", "%s %s，信息项 %s，%s，有效期至 %s")
	auditMove      = errs.Define("sharing.audit.move", "%s → %s", "%s → %s")
	auditMoveNote  = errs.Define("sharing.audit.move_note", "%s → %s: %s", "%s → %s：%s")
	auditRenew     = errs.Define("sharing.audit.renew", "application %d, until %s", "申请 %d，有效期至 %s")
	auditGrant     = errs.Define("sharing.audit.grant", "application %d: %s to %s, items %s, by %s, until %s", "申请 %d：%s 授予%s，信息项 %s，%s，有效期至 %s")
	auditExpired   = errs.Define("sharing.audit.expired", "expired at %s", "于 %s 到期")
	auditUnseen    = errs.Define("sharing.audit.unseen", "not visible to the caller: %s", "调用方不可见：%s")
	auditRefused   = errs.Define("sharing.audit.refused", "%s: %s", "%s：%s")
	auditLookupNth = errs.Define("sharing.audit.lookup_nth", "%s, grant %d, %s, lookup %d of %d today", "%s，授权 %d，%s，今日第 %d 次（上限 %d 次）")
	// auditWords are the states, deliveries and access paths the details
	// name: the code in English, as the API says it, its label in Chinese.
	auditWords = audit.DefineCodes("sharing.audit.word", codeWords()...)
)

// codeWords are the words of the codes the messages name, and of the paths
// of access.
func codeWords() []audit.Words {
	ws := []audit.Words{
		{PathExchange, "exchange channel", "交换通道"},
		{PathService, "data service", "数据服务"},
		{PathDownload, "download", "文件下载"},
		{PathPreview, "preview", "预览"},
	}
	for code, zh := range words {
		ws = append(ws, audit.Words{code, code, zh})
	}
	return ws
}

// sayAudit names a code in a stored detail.
func sayAudit(code string) errs.Text { return auditWords.Text(code) }

// moveDetail is a detail of an application's move from one state to the
// next, with the note the approver gave.
func moveDetail(from, to, note string) string {
	if note = strings.TrimSpace(note); note != "" {
		return audit.Keyed(auditMoveNote, sayAudit(from), sayAudit(to), note)
	}
	return audit.Keyed(auditMove, sayAudit(from), sayAudit(to))
}

// RefuseApply records that p, who is no data consumer of a department, may
// not open the console's form to apply for entry code, and returns the
// Forbidden error.
func (s *Service) RefuseApply(ctx context.Context, p org.Principal, code string) error {
	return s.denied(ctx, p, "application.create", "catalog:"+code, errs.New(errs.Forbidden, msgOnlyConsumer))
}
