// Package lists keeps the three lists (三张清单) and supply–demand matching
// (供需对接):
//
//   - the demand list (需求清单): a consuming department states the data it
//     needs, the scenario it is for and the legal basis of its duty. The data
//     authority (数据主管部门) assigns it to a providing department and closes it
//     with the published entry that satisfies it, or rejects it with a reason.
//     Suggest matches a demand against the catalog.
//   - the duty list (责任清单): obligations the authority records for a
//     provider, each with a deadline. A duty is fulfilled while its linked
//     entry is published and mounted; fulfilment is worked out again on every
//     read, so an entry withdrawn later makes the duty unfulfilled again.
//   - the negative list (负面清单): entries, or items of entries, that may not be
//     shared, each with its legal basis. The provider's cataloger proposes, the
//     authority confirms or rejects. Service implements catalog.NegativeList:
//     an active whole-entry listing stops the entry from being published as
//     shareable; item-level listings are reported by Items and do not block.
//
// A demand is due on the DemandDays-th working day after the day it was made
// (10 by default, the figure local rules commonly give; domain.md §2) and is
// overdue from the day after. Working days are Monday to Friday in China
// Standard Time unless Workday says otherwise, so public holidays and
// make-up working days (调休) count only when Workday is set.
//
// Every change is audited in the transaction that makes it; refusals are
// audited as denied.
//
//	svc := lists.NewService(db, auditLog, orgs, cat)
//	cat.Negative = svc // publishing now consults the negative list
//	d, err := svc.CreateDemand(ctx, consumer, lists.DemandInput{Title: "企业营业执照信息", ...})
package lists
