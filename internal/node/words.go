package node

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

var msgListForbidden = errs.Define("node.list_forbidden", "only platform officers, node operators and department admins see nodes",
	"只有平台管理员、前置机运维员和部门管理员可以查看前置机")

// The audit log's words for this package's actions and records.
func init() {
	for _, a := range [][3]string{
		{"node.enrollment.create", "add a node", "新增前置机"},
		{"node.enroll", "a node enrols", "前置机注册"},
		{"node.disable", "disable a node", "停用前置机"},
		{"node.enable", "enable a node", "启用前置机"},
		{"node.revoke", "revoke a node", "吊销前置机"},
		{"node.list", "list nodes", "查看前置机列表"},
		{"node.read", "read a node", "查看前置机"},
		{"node.ca.create", "create the node CA", "创建前置机证书颁发机构"},
	} {
		audit.DefineAction(a[0], a[1], a[2])
	}
	audit.DefineTarget("node", "node", "前置机")
	audit.DefineTarget("nodes", "nodes", "前置机列表")
}
