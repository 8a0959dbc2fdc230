package gateway

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"app.create", "register an application", "注册应用"},
		audit.Words{"app.reveal", "reveal an application's secret", "查看应用密钥"},
		audit.Words{"app.rotate", "rotate an application's secret", "轮换应用密钥"},
		audit.Words{"app.active", "enable an application", "启用应用"},
		audit.Words{"app.disabled", "disable an application", "停用应用"},
		audit.Words{"service.call", "call a data service", "调用数据服务"},
		audit.Words{"service.download", "download data", "下载数据"},
		audit.Words{"svc.query", "query a data service", "查询数据服务"},
	)
	audit.DefineTarget("app", "application", "应用")
	audit.DefineTarget("file", "file", "文件")
}
