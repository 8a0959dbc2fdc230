package exchange

import "github.com/govshare/govshare/internal/audit"

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
