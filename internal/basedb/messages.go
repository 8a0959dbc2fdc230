package basedb

import "github.com/govshare/govshare/internal/errs"

// Messages of the base databases.
var (
	msgNoDatabase          = errs.Define("basedb.database.not_found", "base database %s not found", "基础库 %s 不存在")
	msgNoSource            = errs.Define("basedb.source.not_found", "source %s not found", "数据来源 %s 不存在")
	msgNoRecord            = errs.Define("basedb.record.not_found", "no record with this key", "没有该主键的记录")
	msgNoDispute           = errs.Define("basedb.dispute.not_found", "dispute %d not found", "疑义数据 %d 不存在")
	msgDisputeState        = errs.Define("basedb.dispute.state", "dispute %d is %s", "疑义数据 %d 当前状态为 %s")
	msgReadDenied          = errs.Define("basedb.read.forbidden", "only the staff of the data authority and of the departments read the base databases", "只有数据主管部门和各部门的工作人员可以查看基础库")
	msgVerifyDenied        = errs.Define("basedb.verify.forbidden", "verification needs the data consumer role of a department", "核验需要部门的数据使用者角色")
	msgDecideDenied        = errs.Define("basedb.dispute.decide_forbidden", "only an approver of a source department of the dispute, or of the data authority, decides it", "只有疑义数据来源部门或数据主管部门的审核员可以处理")
	msgMergeDenied         = errs.Define("basedb.merge.forbidden", "only an approver of the data authority merges a base database", "只有数据主管部门的审核员可以合并基础库")
	msgFlagDenied          = errs.Define("basedb.dispute.flag_forbidden", "flagging a value needs the data consumer role of a department", "提出异议需要部门的数据使用者角色")
	msgNoAttr              = errs.Define("basedb.attr.not_found", "no attribute %s", "没有属性 %s")
	msgNoValue             = errs.Define("basedb.attr.no_value", "the record holds no value of this attribute", "该记录没有此属性的值")
	msgBindDenied          = errs.Define("basedb.bind.forbidden", "only an approver of the data authority binds a source to a mandate", "只有数据主管部门的审核员可以为数据来源绑定归集任务")
	msgNoMandate           = errs.Define("basedb.bind.no_mandate", "no aggregation mandate %d", "归集任务 %d 不存在")
	msgMandateNotConfirmed = errs.Define("basedb.bind.not_confirmed", "aggregation mandate %d is not confirmed", "归集任务 %d 尚未确认")
	msgRowTime             = errs.Define("basedb.check.no_time", "the business time is missing", "缺少业务时间")
	msgRowKey              = errs.Define("basedb.check.no_row_key", "the source row key is missing", "缺少来源记录编号")
	msgColumns             = errs.Define("basedb.check.columns", "%d values for %d columns", "%d 个值对应 %d 个字段")
	msgRequired            = errs.Define("basedb.field.required", "required", "必填")
	msgTooLong             = errs.Define("basedb.field.too_long", "at most %d characters", "最多 %d 个字符")
	msgFieldDate           = errs.Define("basedb.field.date", "a date YYYY-MM-DD", "须为日期 YYYY-MM-DD")
)
