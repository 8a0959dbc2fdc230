package lists

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"list.demand.create", "raise a demand", "提出需求"},
		audit.Words{"list.demand.assign", "assign a demand", "分派需求"},
		audit.Words{"list.demand.close", "close a demand", "办结需求"},
		audit.Words{"list.demand.reject", "reject a demand", "驳回需求"},
		audit.Words{"list.duty.create", "set a duty", "下达责任事项"},
		audit.Words{"list.duty.fulfil", "fulfil a duty", "履行责任事项"},
		audit.Words{"list.negative.propose", "propose a negative-list entry", "提出负面清单事项"},
		audit.Words{"list.negative.confirm", "confirm a negative-list entry", "确认负面清单事项"},
		audit.Words{"list.negative.reject", "reject a negative-list entry", "驳回负面清单事项"},
	)
	audit.DefineTarget("demand", "demand", "需求")
	audit.DefineTarget("duty", "duty", "责任事项")
	audit.DefineTarget("negative", "negative-list entry", "负面清单事项")
}
