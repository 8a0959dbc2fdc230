package lists

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The messages of the three lists (责任清单, 需求清单, 负面清单), in English and
// Chinese. The English wording is the one the API has always answered; the
// Chinese is what the console shows.
var (
	msgRequired        = errs.Define("lists.field.required", "is required", "必填")
	msgMaxChars        = errs.Define("lists.field.max_chars", "must be at most %d characters", "最多 %d 个字")
	msgCategory        = errs.Define("lists.duty.category", "must be base, thematic or departmental", "须为基础信息资源、主题信息资源或部门信息资源")
	msgDeadlineDate    = errs.Define("lists.duty.deadline_date", "must be a date, YYYY-MM-DD", "须为日期，格式 YYYY-MM-DD")
	msgDeadlinePast    = errs.Define("lists.duty.deadline_past", "must not be in the past", "不能早于今天")
	msgChooseOwer      = errs.Define("lists.duty.choose_provider", "choose the department that owes the data", "请选择负有提供责任的部门")
	msgChooseProvider  = errs.Define("lists.demand.choose_provider", "choose the department to provide the data", "请选择提供数据的部门")
	msgNoDepartment    = errs.Define("lists.department.not_found", "no such department", "部门不存在")
	msgDutyState       = errs.Define("lists.duty.state", "must be fulfilled, unfulfilled or overdue", "须为已履行、未履行或已逾期")
	msgNotEntry        = errs.Define("lists.entry.not_found", "is not a catalog entry", "不是目录中的资源")
	msgNotVisibleEntry = errs.Define("lists.entry.not_visible", "is not a catalog entry you can see", "不是您可查看的目录资源")
	msgOtherDept       = errs.Define("lists.entry.other_department", "the entry belongs to another department", "该资源属于其他部门")
	msgWrongCategory   = errs.Define("lists.entry.category", "the duty expects a %s entry; this one is %s", "责任事项要求%s，而该资源属于%s")
	msgNotPublished    = errs.Define("lists.entry.not_published", "the entry is not published", "该资源尚未发布")
	msgNotMounted      = errs.Define("lists.entry.not_mounted", "the entry is not mounted to a table, API or file set", "该资源尚未挂接到表、接口或文件集")
	msgDemandClosed    = errs.Define("lists.demand.closed", "demand %d is closed", "需求 %d 已办结")
	msgDemandDone      = errs.Define("lists.demand.already_closed", "demand %d is already closed", "需求 %d 已经办结")
	msgNotItemOf       = errs.Define("lists.negative.not_item", "%q is not an item of %s", "“%s”不是 %s 的信息项")
	msgNegativeTwice   = errs.Define("lists.negative.twice", "the same listing of %s is already proposed or active", "%s 的相同负面清单事项已提出或已生效")
	msgNegativeState   = errs.Define("lists.negative.state", "negative listing %d is %s", "负面清单事项 %d %s")
	msgDutyNotFound    = errs.Define("lists.duty.not_found", "duty %d not found", "责任事项 %d 不存在")
	msgDemandNotFound  = errs.Define("lists.demand.not_found", "demand %d not found", "需求 %d 不存在")
	msgNegNotFound     = errs.Define("lists.negative.not_found", "negative listing %d not found", "负面清单事项 %d 不存在")

	// categoryWords say an entry's category (资源属性分类); the English is the code.
	categoryWords = audit.DefineCodes("lists.category",
		audit.Words{"base", "base", "基础信息资源"},
		audit.Words{"thematic", "thematic", "主题信息资源"},
		audit.Words{"departmental", "departmental", "部门信息资源"})
	// negStateWords say a negative listing's state; the English is the code.
	negStateWords = audit.DefineCodes("lists.negative.state_word",
		audit.Words{NegativeProposed, NegativeProposed, "待确认"},
		audit.Words{NegativeActive, NegativeActive, "已生效"},
		audit.Words{NegativeRejected, NegativeRejected, "已驳回"})
)
