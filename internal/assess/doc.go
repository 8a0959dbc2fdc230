// Package assess holds the data authority's reports: the assessment of
// departments and districts (考核), the sharing results (共享成效) and the
// data-sharing check of information-system projects (项目验收).
//
// An assessment is computed for a period (a month 2026-11, a quarter
// 2026-Q4, a year 2026) from the records of the other domains, each read
// through a small function of its own package (catalog.EntryFacts,
// lists.DutyFacts, sharing.StageFacts, gateway.UsageFacts,
// exchange.ChannelFacts, basedb's scores and disputes). Each indicator the
// authority configures (weights, targets; Indicators, SetIndicators) turns
// the records of one unit into a value and a score; a unit's total is the
// weighted mean of the scores it has data for. Generate stores the result
// as a snapshot with the records every figure counted (Records), so a
// report reads the same whenever it is opened and names the date of its
// data; Run generates last month's (and quarter's, year's) reports at the
// start of each period.
//
//	svc := assess.NewService(db, log, orgs, assess.Sources{Catalog: cat, Lists: l, Sharing: sh, Gateway: gw, Exchange: ex})
//	r, err := svc.Generate(ctx, p, "2026-11", assess.LevelDepartment)
//	rows, err := svc.Records(ctx, p, r.ID, unit, "mount_rate")
//
// Who sees what: the data authority's staff and the auditor (安全审计员,
// who reads) see every unit; a department's staff see their own
// department's figures and rank; the system and security administrators
// see none: they run accounts and roles, not the business of sharing.
// Only the authority's staff configure indicators and generate reports on
// demand; a department registers its own projects.
package assess
