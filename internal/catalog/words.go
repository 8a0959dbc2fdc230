package catalog

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"catalog.create", "register a catalog entry", "新建目录"},
		audit.Words{"catalog.update", "edit a catalog entry", "编辑目录"},
		audit.Words{"catalog.submit", "submit an entry for review", "提交目录审核"},
		audit.Words{"catalog.approve", "approve an entry", "审核通过目录"},
		audit.Words{"catalog.return", "return an entry", "退回目录"},
		audit.Words{"catalog.publish", "publish an entry", "发布目录"},
		audit.Words{"catalog.withdraw", "withdraw an entry", "撤回目录"},
		audit.Words{"catalog.mount", "mount an entry", "挂接资源"},
		audit.Words{"catalog.mount_check", "recheck a mount", "复核挂接"},
		audit.Words{"catalog.unmount", "unmount an entry", "取消挂接"},
		audit.Words{"catalog.import", "import catalog entries", "导入目录"},
		audit.Words{"catalog.preview", "preview an entry's rows", "预览目录数据"},
		audit.Words{"datasource.create", "register a datasource", "登记数据源"},
		audit.Words{"datasource.connect", "connect to a datasource", "连接数据源"},
	)
	audit.DefineTarget("catalog", "catalog entry", "目录")
	audit.DefineTarget("datasource", "datasource", "数据源")
	audit.DefineTarget("resource", "resource", "资源")
}
