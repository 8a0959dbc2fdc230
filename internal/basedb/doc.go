// Package basedb keeps the base databases (基础库): the platform's own
// governed stores built from data that aggregation mandates (归集任务)
// gather from many departments, merged by key into golden records.
//
// A Schema names a base database's key (the ID number for people), its
// sources (a department's delivered table, the target of the mandate that
// feeds it) and its attributes; each attribute lists the source columns it
// is taken from in priority order. Rows of a source are staged (Stage):
// each is checked by the attributes' rules, and a row failing one goes to
// the quarantine (隔离区) with its reason, never into the base database.
// Merge then upserts the golden record of every key staged since the last
// merge in one transaction, set-based in the database:
//
//   - the value with the newest business time wins, not the newest
//     arrival; between equal business times the source of higher priority
//     wins, then the later staged row; a source's own period of validity is
//     kept with the value;
//   - every value keeps its provenance: source, source row, business time,
//     validity and arrival;
//   - values the rules cannot settle become disputes (疑义数据) with both
//     values and their sources: two sources at the same business time with
//     different values, and the schema's cross-attribute rules (a death
//     before a later insurance payment, a company dissolved yet licensed, a
//     company on the red and the black list).
//
// The rows live in wide tables generated from the Schema (tables.go): one
// golden row per subject with each attribute's value and provenance, one
// staging row per source row as delivered (COPY on PostgreSQL). A merge
// joins each source's newest staged row per subject with the golden
// records into a temporary candidate table and writes every attribute's
// winner in one statement (round.go).
//
// A merge runs in one transaction with its watermarks, so a process killed
// during it leaves the old golden records and the next merge redoes it.
// Scores computes the quality scores (完整性, 准确性, 一致性, 及时性) per
// source department and per base database per day; QualityReport gathers a
// department's month (with uniqueness, the trend and the worst rows) as
// JSON, xlsx or PDF.
//
// Consumers flag values they received (Flag, 异议); the steward of the
// source's department confirms, corrects (noted for the source's mandate)
// or rejects them (Decide) within DisputeDays working days; DisputeStats
// counts a department's disputes for its assessment. Verify and
// CheckCredit (信用核查) answer facts, never records.
//
//	svc := basedb.NewService(db, log, orgs)
//	svc.Register(basedb.Population())
//	_, err := svc.Stage(ctx, "population", "gaj_household", rows)
//	run, err := svc.Merge(ctx, "population")
//
// Population, LegalEntities and Credit are the schemas; a new base database
// is another Schema of the same kind.
package basedb
