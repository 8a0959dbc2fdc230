package node

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The messages of nodes (前置机), in English and Chinese. The English wording
// is the one the API has always answered; the Chinese is what the console
// shows.
var (
	msgRequired      = errs.Define("node.field.required", "required", "必填")
	msgName64        = errs.Define("node.name.max_chars", "at most 64 characters", "最多 64 个字")
	msgDeptRequired  = errs.Define("node.department.required", "required: the department the node serves", "必填：前置机所服务的部门")
	msgNoLeaf        = errs.Define("node.leaf.missing", "this platform has no leaf listener for nodes; start it with --leaf-listen", "本平台未开启前置机接入监听，请以 --leaf-listen 启动")
	msgNoDepartment  = errs.Define("node.department.not_found", "no such department", "部门不存在")
	msgNameTaken     = errs.Define("node.name.taken", "%s already has a node named %q", "%s 已有名为“%s”的前置机")
	msgTokenPending  = errs.Define("node.token.not_pending", "node %d is %s; only a node that has not enrolled yet gets a new token (add a new node instead)", "前置机 %d 的状态为%s；只有尚未注册的前置机可以重发注册令牌（请改为新增前置机）")
	msgTokenMissing  = errs.Define("node.enroll.token_missing", "enrolment token missing", "缺少注册令牌")
	msgTokenUnknown  = errs.Define("node.enroll.token_unknown", "unknown enrolment token; check that it was copied whole, or add the node again in the console", "注册令牌无效；请检查是否完整复制，或在控制台重新新增前置机")
	msgTokenUsed     = errs.Define("node.enroll.token_used", "this enrolment token has already been used (or was replaced by a newer one); a token works once. Issue a new one in the console (前置机)", "此注册令牌已使用（或已被新令牌取代）；注册令牌只能使用一次。请在控制台（前置机）重新签发")
	msgTokenUsedRace = errs.Define("node.enroll.token_used_once", "this enrolment token has already been used; a token works once", "此注册令牌已使用；注册令牌只能使用一次")
	msgTokenExpired  = errs.Define("node.enroll.token_expired", "this enrolment token expired at %s; add the node again in the console for a new one", "此注册令牌已于 %s 过期；请在控制台重新新增前置机以获取新令牌")
	msgCannotEnrol   = errs.Define("node.enroll.state", "node %d is %s and cannot enrol", "前置机 %d 的状态为%s，不能注册")
	msgNodeNotFound  = errs.Define("node.not_found", "node %d not found", "前置机 %d 不存在")
	msgReasonNeeded  = errs.Define("node.reason.required", "required: say why, for the audit log and the node's operators", "必填：请说明理由，供审计日志和前置机运维员查阅")
	msgReason500     = errs.Define("node.reason.max_chars", "at most 500 characters", "最多 500 个字")
	msgCannotChange  = errs.Define("node.state.cannot_change", "node %d is %s; it cannot be %s", "前置机 %d 的状态为%s，不能%s")
	msgChanged       = errs.Define("node.changed", "node %d changed meanwhile; reload and try again", "前置机 %d 已被他人修改，请刷新后重试")
	msgNodeSaid      = errs.Define("node.api.said", "node %d: %s", "前置机 %d：%s")
	msgNoRegistry    = errs.Define("node.api.no_registry", "the node registry is not opened", "前置机登记簿未打开")
	msgNoBus         = errs.Define("node.api.no_bus", "the node bus is not running", "前置机消息总线未运行")
	msgBodyTooLarge  = errs.Define("node.api.too_large", "the request body is larger than %d bytes", "请求体超过 %d 字节")
	msgNotConnected  = errs.Define("node.api.not_connected", "node %d is not connected, or declares no http datasource (no one listens on %s)", "前置机 %d 未连接，或未声明 HTTP 数据源（%s 无人监听）")
	msgOutOfOrder    = errs.Define("node.api.out_of_order", "node %d: the answer's parts arrived out of order or too large", "前置机 %d：应答分段乱序或过大")
	msgUnsigned      = errs.Define("node.api.unsigned", "node %d: the answer does not bear the node's signature", "前置机 %d：应答没有该前置机的签名")
	msgOtherRequest  = errs.Define("node.api.other_request", "node %d answered another request (%s)", "前置机 %d 应答的是另一个请求（%s）")
	msgBadChecksum   = errs.Define("node.api.checksum", "node %d: the answer's body does not match its checksum", "前置机 %d：应答内容与校验和不符")

	msgNotJSON   = errs.Define("node.api.not_json", "the request body is not JSON", "请求体不是 JSON")
	msgBusSilent = errs.Define("node.api.bus_silent", "the node bus does not answer", "前置机消息总线无应答")
	msgSendCall  = errs.Define("node.api.send", "send the call to node %d", "无法将调用发送到前置机 %d")
	msgNoAnswer  = errs.Define("node.api.timeout", "node %d did not answer in time", "前置机 %d 未及时应答")

	msgCSRNotPEM    = errs.Define("node.csr.not_pem", "not a PEM certificate request (want -----BEGIN CERTIFICATE REQUEST-----)", "不是 PEM 格式的证书请求（应以 -----BEGIN CERTIFICATE REQUEST----- 开头）")
	msgCSRUnread    = errs.Define("node.csr.unreadable", "unreadable certificate request: %s", "证书请求无法读取：%s")
	msgCSRSignature = errs.Define("node.csr.signature", "the certificate request's signature does not hold", "证书请求的签名校验不通过")
	msgCSRKey       = errs.Define("node.csr.key", "the certificate request has a %s key; nodes use ECDSA P-256 keys", "证书请求使用 %s 密钥；前置机须使用 ECDSA P-256 密钥")
	msgCSRName      = errs.Define("node.csr.name", "the certificate request names %q, but this token enrols node %d", "证书请求的名称为“%s”，但此注册令牌注册的是前置机 %d")

	// stateWords say a node's state; the English is the code as it is.
	stateWords = audit.DefineCodes("node.state",
		audit.Words{"pending", "pending", "待注册"},
		audit.Words{"active", "active", "在用"},
		audit.Words{"disabled", "disabled", "已停用"},
		audit.Words{"revoked", "revoked", "已吊销"},
	)
	// changeWords say what an action makes of a node.
	changeWords = audit.DefineCodes("node.change",
		audit.Words{"disable", "disabled", "停用"},
		audit.Words{"enable", "enabled", "启用"},
		audit.Words{"revoke", "revoked", "吊销"},
	)
)
