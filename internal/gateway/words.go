package gateway

import (
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

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

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditApp       = errs.Define("gateway.audit.app", "%s, key %s, signed with %s, %s calls a second", "%s，AppKey %s，签名算法 %s，每秒 %s 次")
	auditAppName   = errs.Define("gateway.audit.app_name", "application %s", "应用“%s”")
	auditCall      = errs.Define("gateway.audit.call", "app %s, items %s, %d rows, HTTP %d, %s", "应用 %s，信息项 %s，%d 行，HTTP %d，耗时 %s")
	auditCallError = errs.Define("gateway.audit.call_error", "app %s, items %s, %d rows, HTTP %d, %s: %s", "应用 %s，信息项 %s，%d 行，HTTP %d，耗时 %s：%s")
)

// callDetail is an audit entry's detail of call c, with the reason it
// failed when it did.
func callDetail(c *call, latency time.Duration) string {
	items, took := strings.Join(c.items, ","), latency.Round(10*time.Microsecond).String()
	if c.err != nil {
		return audit.Keyed(auditCallError, c.app.Name, items, c.rows, c.status, took, errs.TextOf(c.err))
	}
	return audit.Keyed(auditCall, c.app.Name, items, c.rows, c.status, took)
}

// Refusals of this package that the audit log keeps.
var (
	msgAppRegister      = errs.Define("gateway.app.register_refused", "only a data consumer or the admin of a department may register its apps", "只有部门的数据使用者或部门管理员可以注册本部门的应用")
	msgAppManage        = errs.Define("gateway.app.manage_refused", "only a data consumer or the admin of %s may do this to app %d", "只有%s的数据使用者或部门管理员可以对应用 %d 执行此操作")
	msgDownloadConsumer = errs.Define("gateway.download.consumer_only", "only a data consumer may download data", "只有数据使用者可以下载数据")
	msgQueryConsumer    = errs.Define("gateway.query.consumer_only", "only a data consumer may query data services", "只有数据使用者可以查询数据服务")
)
