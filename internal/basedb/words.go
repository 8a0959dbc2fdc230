package basedb

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"basedb.record.read", "read a base database record", "查看基础库记录"},
		audit.Words{"basedb.merge", "merge a base database", "合并基础库"},
		audit.Words{"basedb.verify", "verify against a base database", "基础库核验"},
		audit.Words{"basedb.credit_check", "credit check", "信用核查"},
		audit.Words{"basedb.source.bind", "bind a base database source to a mandate", "为基础库数据来源绑定归集任务"},
		audit.Words{"basedb.dispute.confirm", "confirm a disputed value", "确认疑义数据"},
		audit.Words{"basedb.dispute.correct", "correct a disputed value", "更正疑义数据"},
		audit.Words{"basedb.dispute.reject", "reject a dispute", "驳回疑义数据"},
		audit.Words{"basedb.dispute.flag", "flag a value received", "对收到的数据提出异议"},
	)
	audit.DefineTargets(
		audit.Words{"basedb", "base database", "基础库"},
		audit.Words{"dispute", "disputed value", "疑义数据"},
	)
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditVerify = errs.Define("basedb.audit.verify", "%s: %s", "%s：%s")
	auditMerge  = errs.Define("basedb.audit.merge", "%d staged values, %d records, %d disputes raised", "暂存值 %d 条，记录 %d 条，新增疑义 %d 条")
	auditCredit = errs.Define("basedb.audit.credit", "%s: known %t, black list %t, red list %t, penalty %t", "%s：在库 %t，黑名单 %t，红名单 %t，处罚公示 %t")
	auditBind   = errs.Define("basedb.audit.bind", "source %s, mandate %s", "数据来源 %s，归集任务 %s")
	auditRead   = errs.Define("basedb.audit.read", "record %s", "记录 %s")
	msgMatch    = errs.Define("basedb.audit.match", "match", "一致")
	msgNoMatch  = errs.Define("basedb.audit.no_match", "no match", "不一致")
)
