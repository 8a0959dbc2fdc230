// Package licence is the electronic licence library (电子证照库): the
// licence catalog (证照目录: licence types, their surface items with masking
// rules, validity and file layout), licences with their GB/T 36904
// identifiers, their status and history, verification (核验) and use (用证).
//
// Every event in a licence's life (issued, changed, revoked, suspended,
// restored, expired, used) is a licfile.Event whose SM3 hash is appended to
// the evidence ledger (internal/ledger) in the same transaction as the
// event's row, so the library never holds an event without its leaf nor the
// ledger a leaf without its event. The issued and changed events name the
// SM3 hash of the version's canonical data (licfile.Document), so a
// licence's file can be rendered later, on first request, and still be bound
// to the ledger.
//
//	svc := licence.NewService(db, auditLog, orgs, ledgerLog)
//	t, _ := svc.CreateType(ctx, cataloger, licence.TypeInput{Name: "不动产权证书", HolderKind: licence.Person, ...})
//	l, _ := svc.Issue(ctx, cataloger, licence.IssueInput{Type: t.Code, Number: "…", HolderName: "…", HolderID: "…", Items: ...})
//	v, _ := svc.Verify(ctx, otherDeptUser, licence.VerifyInput{Identifier: l.Identifier})
//
// Permissions: the issuing department's administrators and catalogers define
// its types and issue, change, suspend and revoke its licences; its staff
// read them and their uses. Users of other departments only verify, and use
// a licence with the holder's authorisation code or a consent the holder
// recorded at the department of record (consent.go). The three officers
// (三员) move no licence data.
//
// Besides one by one and by file, a department's system issues licences
// continuously through an exchange channel on an aggregation mandate whose
// target is the library (feed.go).
package licence
