package assess

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"assess.indicators", "configure the assessment's indicators", "配置考核指标"},
		audit.Words{"assess.generate", "make a report", "生成报告"},
		audit.Words{"assess.read", "read a report", "查看报告"},
		audit.Words{"assess.records", "read the records behind a figure", "查看指标计数明细"},
		audit.Words{"assess.project.create", "register a project", "登记信息化项目"},
		audit.Words{"assess.project.list", "list projects", "查看信息化项目"},
		audit.Words{"assess.project.read", "read a project", "查看信息化项目"},
	)
	audit.DefineTarget("assess", "assessment period", "考核期")
	audit.DefineTarget("assess_indicators", "assessment indicators", "考核指标")
	audit.DefineTarget("assess_report", "report", "报告")
	audit.DefineTarget("project", "project", "信息化项目")
}

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditGenerated  = errs.Define("assess.audit.generated", "report %d (%s, %s), %d records read", "报告 %d（%s，%s），读取 %d 条记录")
	auditIndicators = errs.Define("assess.audit.indicators", "%d indicators set", "设置 %d 项指标")
)

// kindLevelZH says a report's kind and level in Chinese for the audit log.
func kindLevelZH(kind, level string) (string, string) {
	l := map[string]string{LevelDepartment: "按部门", LevelDistrict: "按区县"}[level]
	return kindName(kind), l
}
