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
//     wins; a source's own period of validity is kept with the value;
//   - every value keeps its provenance: source, source row, business time,
//     validity and arrival;
//   - values the rules cannot settle become disputes (疑义数据) with both
//     values and their sources: two sources at the same business time with
//     different values, and the schema's cross-attribute rules (a death
//     before a later insurance payment).
//
// A merge runs in one transaction with its watermark, so a process killed
// during it leaves the old golden records and the next merge redoes it.
// Scores computes the quality scores (完整性, 准确性, 一致性, 及时性) per
// source department and per base database per day.
//
//	svc := basedb.NewService(db, log, orgs)
//	svc.Register(basedb.Population())
//	_, err := svc.Stage(ctx, "population", "gaj_household", rows)
//	run, err := svc.Merge(ctx, "population")
//
// Population is the first schema; legal entities and credit are other
// Schemas of the same kind.
package basedb
