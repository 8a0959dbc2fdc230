package opendata

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions.
func init() {
	audit.DefineActions(
		audit.Words{"opendata.download", "download an open dataset", "下载开放数据集"},
		audit.Words{"opendata.register", "register a public user", "公众用户注册"},
		audit.Words{"opendata.login", "log a public user in", "公众用户登录"},
		audit.Words{"opendata.apply", "apply for a conditionally open dataset", "申请有条件开放数据"},
		audit.Words{"opendata.application.approved", "approve a public application", "通过公众数据申请"},
		audit.Words{"opendata.application.rejected", "reject a public application", "驳回公众数据申请"},
		audit.Words{"opendata.application.list", "list the public's applications", "查看公众数据申请"},
		audit.Words{"opendata.application.decide", "decide a public application", "审核公众数据申请"},
		audit.Words{"opendata.application.revoked", "withdraw an approved public application", "撤销公众数据申请的授权"},
		audit.Words{"opendata.application.revoke", "withdraw a public application", "撤销公众数据申请"},
	)
}
