package gateway

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	for _, a := range [][3]string{
		{"app.create", "register an application", "注册应用"},
		{"app.reveal", "reveal an application's secret", "查看应用密钥"},
		{"app.rotate", "rotate an application's secret", "轮换应用密钥"},
		{"app.active", "enable an application", "启用应用"},
		{"app.disabled", "disable an application", "停用应用"},
		{"service.call", "call a data service", "调用数据服务"},
		{"service.download", "download data", "下载数据"},
		{"svc.query", "query a data service", "查询数据服务"},
	} {
		audit.DefineAction(a[0], a[1], a[2])
	}
	audit.DefineTarget("app", "application", "应用")
	audit.DefineTarget("file", "file", "文件")
}
