package exchange

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"channel.create", "create a channel", "创建共享通道"},
		audit.Words{"channel.read", "read a channel", "查看共享通道"},
		audit.Words{"channel.tables", "list a datasource's tables", "查看数据源表"},
		audit.Words{"channel.run", "run a channel now", "立即同步"},
		audit.Words{"channel.pause", "pause a channel", "暂停通道"},
		audit.Words{"channel.resume", "resume a channel", "恢复通道"},
		audit.Words{"channel.revoke", "stop a channel", "停止通道"},
		audit.Words{"channel.quarantine.read", "read quarantined rows", "查看隔离数据"},
		audit.Words{"channel.quarantine.retry", "retry quarantined rows", "重试隔离数据"},
		audit.Words{"channel.quarantine.skip", "skip quarantined rows", "跳过隔离数据"},
	)
	audit.DefineTarget("channel", "channel", "共享通道")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditChannel    = errs.Define("exchange.audit.channel", "%s: %s/%s → %s/%s, %s, %s", "%s：%s/%s → %s/%s，%s，%s")
	auditRetried    = errs.Define("exchange.audit.retried", "retried %d quarantined rows: %d delivered, %d still failing, %d gone", "重试 %d 条隔离数据：%d 条已送达，%d 条仍失败，%d 条已不存在")
	auditSkipped    = errs.Define("exchange.audit.skipped", "skipped quarantined rows %s", "跳过隔离数据 %s")
	auditSkippedWhy = errs.Define("exchange.audit.skipped_reason", "skipped quarantined rows %s: %s", "跳过隔离数据 %s：%s")
	auditModes      = audit.DefineCodes("exchange.audit.mode",
		audit.Words{Full, "full copy", "全量同步"},
		audit.Words{Incremental, "incremental", "增量同步"},
		audit.Words{FullThenIncremental, "full, then incremental", "先全量后增量"})
)

// Refusals of this package that the audit log keeps.
var (
	msgChannelNotFound = errs.Define("exchange.channel.not_found", "channel %s not found", "没有共享通道 %s")
	msgTablesRefused   = errs.Define("exchange.tables_refused", "only the department's own node operators, catalogers and approvers list its tables", "只有本部门的前置机运维员、编目员和审核员可以查看本部门的数据表")
)
