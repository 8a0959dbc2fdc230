package aggregation

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"aggregation.mandate.create", "ask for aggregation", "下达归集任务"},
		audit.Words{"aggregation.mandate.confirm", "confirm an aggregation", "确认归集任务"},
		audit.Words{"aggregation.mandate.refuse", "refuse an aggregation", "拒绝归集任务"},
		audit.Words{"aggregation.mandate.revoke", "revoke an aggregation", "撤销归集任务"},
		audit.Words{"aggregation.mandate.unconfirm", "an aggregation could not start", "归集任务未能启动"},
		audit.Words{"aggregation.mandate.read", "read an aggregation mandate", "查看归集任务"},
	)
	audit.DefineTarget("mandate", "aggregation mandate", "归集任务")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditMandate = errs.Define("aggregation.audit.mandate", "%s, items %s → %s/%s: %s", "%s，信息项 %s → %s/%s：%s")
)
