package lists

import (
	"strings"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

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

// The audit log's details of this package's actions (audit.Keyed).
var (
	auditDuty          = errs.Define("lists.audit.duty", "%s: %s, due %s", "%s：%s，期限 %s")
	auditEntry         = errs.Define("lists.audit.entry", "entry %s", "目录 %s")
	auditDemand        = errs.Define("lists.audit.demand", "demand “%s”", "需求“%s”")
	auditAssign        = errs.Define("lists.audit.assign", "to %s", "分派给 %s")
	auditAssignNote    = errs.Define("lists.audit.assign_note", "to %s: %s", "分派给 %s：%s")
	auditSatisfied     = errs.Define("lists.audit.satisfied", "satisfied by %s", "由目录 %s 满足")
	auditNegative      = errs.Define("lists.audit.negative", "%s: %s", "%s：%s")
	auditNegativeItems = errs.Define("lists.audit.negative_items", "%s, items %s: %s", "%s，信息项 %s：%s")
	auditAggregation   = errs.Define("lists.audit.aggregation", "%s; aggregation allowed: %s", "%s；允许归集：%s")
	auditMove          = errs.Define("lists.audit.move", "%s → %s", "%s → %s")
	auditMoveReason    = errs.Define("lists.audit.move_reason", "%s → %s: %s", "%s → %s：%s")
	auditNegStates     = audit.DefineCodes("lists.audit.negative_state",
		audit.Words{NegativeProposed, "proposed", "待确认"},
		audit.Words{NegativeActive, "in force", "已生效"},
		audit.Words{NegativeRejected, "rejected", "已驳回"})
)

// negativeDetail says a proposed negative-list entry: the entry, its items
// (none: the whole entry), its basis and the aggregation it allows.
func negativeDetail(in NegativeInput, items string) string {
	t := auditNegative.With(in.EntryCode, in.Basis)
	if items != "" {
		t = auditNegativeItems.With(in.EntryCode, items, in.Basis)
	}
	if in.AllowAggregation {
		t = auditAggregation.With(t, in.AggregationBasis)
	}
	return errs.Encode(t)
}

// moveDetail says a negative-list entry's move from one state to the next.
func moveDetail(from, to, reason string) string {
	if reason = strings.TrimSpace(reason); reason != "" {
		return audit.Keyed(auditMoveReason, auditNegStates.Text(from), auditNegStates.Text(to), reason)
	}
	return audit.Keyed(auditMove, auditNegStates.Text(from), auditNegStates.Text(to))
}

// assignDetail says to whom a demand went, with the note given.
func assignDetail(name, note string) string {
	if note = strings.TrimSpace(note); note != "" {
		return audit.Keyed(auditAssignNote, name, note)
	}
	return audit.Keyed(auditAssign, name)
}

// Refusals of this package that the audit log keeps.
var (
	msgFulfilRefused  = errs.Define("lists.duty.fulfil_refused", "only an approver of the data authority, or a cataloger of the provider, links the entry that fulfils a duty", "只有数据主管部门的审核员或提供部门的编目员可以关联履行责任事项的目录")
	msgDemandRefused  = errs.Define("lists.demand.create_refused", "only a data consumer or cataloger of a department states its demands", "只有部门的数据使用者或编目员可以提出本部门的需求")
	msgCloseRefused   = errs.Define("lists.demand.close_refused", "only an approver of the data authority, or a cataloger of the assigned provider, closes a demand", "只有数据主管部门的审核员或受派提供部门的编目员可以办结需求")
	msgProposeRefused = errs.Define("lists.negative.propose_refused", "only a cataloger of the entry's provider proposes a negative listing", "只有目录提供部门的编目员可以提出负面清单事项")
	msgAuthorityOnly  = errs.Define("lists.authority_only", "only an approver of the data authority may %s", "只有数据主管部门的审核员可以%s")
	whatAssign        = errs.Define("lists.what.assign", "assign a demand", "分派需求")
	whatReject        = errs.Define("lists.what.reject", "reject a demand", "驳回需求")
	whatDuty          = errs.Define("lists.what.duty", "record a duty", "下达责任事项")
	whatReview        = errs.Define("lists.what.review", "review the negative list", "审核负面清单")
)
