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

// The audit log's details of this package's actions (audit.Keyed), and the
// refusals said by DenyMsg.
var (
	auditCA          = errs.Define("node.audit.ca", "fingerprint %s", "指纹 %s")
	auditEnrollment  = errs.Define("node.audit.enrollment", "%s of %s, enrolment token expires at %s", "%s（%s），注册令牌于 %s 到期")
	auditNewToken    = errs.Define("node.audit.new_token", "new enrolment token for pending node %s, expires at %s", "为待注册前置机 %s 重发注册令牌，于 %s 到期")
	auditEnrolled    = errs.Define("node.audit.enrolled", "certificate serial %s, fingerprint %s, version %s", "证书序列号 %s，指纹 %s，版本 %s")
	auditState       = errs.Define("node.audit.state", "%s of %s, certificate serial %s", "%s（%s），证书序列号 %s")
	auditStateReason = errs.Define("node.audit.state_reason", "%s of %s, certificate serial %s, reason: %s", "%s（%s），证书序列号 %s，理由：%s")
	msgAddRefused    = errs.Define("node.add_refused", "only a system admin, or a node operator or department admin of the node's department, adds nodes",
		"只有系统管理员或前置机所属部门的前置机运维员、部门管理员可以新增前置机")
	msgTokenRefused = errs.Define("node.token_refused", "only a system admin, or a node operator or department admin of the node's department, issues enrolment tokens",
		"只有系统管理员或前置机所属部门的前置机运维员、部门管理员可以签发注册令牌")
	msgOtherDepartment = errs.Define("node.other_department", "this node belongs to another department", "此前置机属于其他部门")
	msgChangeRefused   = errs.Define("node.change_refused", "only a system admin, or a node operator or department admin of the node's department, disables, enables or revokes it",
		"只有系统管理员或前置机所属部门的前置机运维员、部门管理员可以停用、启用或吊销此前置机")
)

// stateDetail says the node whose state changed, and why.
func stateDetail(n Node, reason string) string {
	if reason != "" {
		return audit.Keyed(auditStateReason, n.Name, n.DepartmentName, n.CertSerial, reason)
	}
	return audit.Keyed(auditState, n.Name, n.DepartmentName, n.CertSerial)
}
