package node

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

var msgListForbidden = errs.Define("node.list_forbidden", "only platform officers, node operators and department admins see nodes",
	"只有平台管理员、前置机运维员和部门管理员可以查看前置机")

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"node.enrollment.create", "add a node", "新增前置机"},
		audit.Words{"node.enroll", "a node enrols", "前置机注册"},
		audit.Words{"node.disable", "disable a node", "停用前置机"},
		audit.Words{"node.enable", "enable a node", "启用前置机"},
		audit.Words{"node.revoke", "revoke a node", "吊销前置机"},
		audit.Words{"node.list", "list nodes", "查看前置机列表"},
		audit.Words{"node.read", "read a node", "查看前置机"},
		audit.Words{"node.ca.create", "create the node CA", "创建前置机证书颁发机构"},
	)
	audit.DefineTarget("node", "node", "前置机")
	audit.DefineTarget("nodes", "nodes", "前置机列表")
}
