package exchange

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	for _, a := range [][3]string{
		{"channel.create", "create a channel", "创建共享通道"},
		{"channel.read", "read a channel", "查看共享通道"},
		{"channel.tables", "list a datasource's tables", "查看数据源表"},
		{"channel.run", "run a channel now", "立即同步"},
		{"channel.pause", "pause a channel", "暂停通道"},
		{"channel.resume", "resume a channel", "恢复通道"},
		{"channel.revoke", "stop a channel", "停止通道"},
		{"channel.quarantine.read", "read quarantined rows", "查看隔离数据"},
		{"channel.quarantine.retry", "retry quarantined rows", "重试隔离数据"},
		{"channel.quarantine.skip", "skip quarantined rows", "跳过隔离数据"},
	} {
		audit.DefineAction(a[0], a[1], a[2])
	}
	audit.DefineTarget("channel", "channel", "共享通道")
}
