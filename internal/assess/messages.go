package assess

import "github.com/govshare/govshare/internal/errs"

// The assessment's messages, in English and Chinese.
var (
	msgPeriod        = errs.Define("assess.period", "period %q: want a month 2026-11, a quarter 2026-Q4 or a year 2026", "考核期 %q 无效：应为月份 2026-11、季度 2026-Q4 或年份 2026")
	msgPeriodFuture  = errs.Define("assess.period_future", "period %s has not begun", "考核期 %s 尚未开始")
	msgLevel         = errs.Define("assess.level", "level %q: want department or district", "考核层级 %q 无效：应为 department（部门）或 district（区县）")
	msgReadDenied    = errs.Define("assess.read_denied", "only the data authority's staff, the auditor and a department's own staff read assessments", "仅数据主管部门工作人员、安全审计员和本部门人员可查看考核结果")
	msgAuthorityOnly = errs.Define("assess.authority_only", "only the data authority's staff may %s", "仅数据主管部门工作人员可%s")
	msgConfigure     = errs.Define("assess.do.configure", "configure indicators", "配置考核指标")
	msgGenerate      = errs.Define("assess.do.generate", "generate reports", "生成报告")
	msgNoReport      = errs.Define("assess.no_report", "no %s report for %s yet: generate one", "%[2]s 尚无%[1]s报告，请先生成")
	msgReportMissing = errs.Define("assess.report_not_found", "report %d not found", "报告 %d 不存在")
	msgUnitMissing   = errs.Define("assess.unit_not_found", "%s is not in this report", "本报告中没有 %s")
	msgIndicator     = errs.Define("assess.indicator", "unknown indicator %q", "未知考核指标 %q")
	msgWeight        = errs.Define("assess.weight", "weight must be 0 to 100", "权重应在 0 到 100 之间")
	msgTarget        = errs.Define("assess.target", "target must be above 0", "目标值应大于 0")
	msgNoWeight      = errs.Define("assess.no_weight", "at least one measured indicator needs a weight", "至少一项可计量的指标须有权重")
	msgProjectName   = errs.Define("assess.project.name", "a project needs a name of 2 to 200 characters", "项目名称应为 2 到 200 个字符")
	msgProjectDept   = errs.Define("assess.project.department", "department %d not found", "部门 %d 不存在")
	msgProjectOwn    = errs.Define("assess.project.own", "a department registers its own projects; the data authority registers any", "各部门只能登记本部门的项目，数据主管部门可登记任一部门的项目")
	msgProjectEntry  = errs.Define("assess.project.entry", "entry %s not found", "目录 %s 不存在")
	msgProjectNone   = errs.Define("assess.project.entries", "name the catalog entries the system produces", "请列出该系统产生的数据目录")
	msgProjectFound  = errs.Define("assess.project.not_found", "project %d not found", "项目 %d 不存在")
	msgFormat        = errs.Define("assess.format", "format %q: want json, xlsx or pdf", "格式 %q 无效：应为 json、xlsx 或 pdf")
)

// The reasons an acceptance check fails, per entry or for the department.
var (
	msgMissingEntry     = errs.Define("assess.missing.entry", "entry %s is not in the catalog", "目录 %s 不存在")
	msgMissingCompiled  = errs.Define("assess.missing.compiled", "entry %s (%s) is not compiled: it is %s, not published", "目录 %s（%s）未完成编目：状态为%s，尚未发布")
	msgMissingMounted   = errs.Define("assess.missing.mounted", "entry %s (%s) is not mounted to a table, API or file set", "目录 %s（%s）未挂接数据资源")
	msgMissingShared    = errs.Define("assess.missing.shared", "entry %s (%s) is not shared: its share type is none (不予共享)", "目录 %s（%s）共享属性为不予共享")
	msgMissingDuty      = errs.Define("assess.missing.duty", "duty %d “%s” is overdue since %s", "责任清单事项 %d“%s”已于 %s 逾期未完成")
	msgAcceptancePassed = errs.Define("assess.acceptance.pass", "every entry is compiled, mounted and shared, and no duty is overdue", "全部目录已编目、挂接并共享，且无逾期责任事项")
)
