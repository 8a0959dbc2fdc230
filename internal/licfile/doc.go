// Package licfile is the electronic licence file (电子证照文件) and its
// evidence: the canonical data of a licence (Document) whose SM3 hash the
// ledger anchors, the canonical event records (Event) that go into the
// ledger for every issuance, change, revocation and use, and (built on
// these) the PDF rendered from a licence type's layout, signed with the
// issuing department's SM2 seal, and verified offline.
//
// The licence library (internal/licence) owns licences, their types and
// their life; this package owns what a licence file is and how anyone
// checks one without trusting the platform:
//
//   - the issued event's record names the SM3 hash of the licence's
//     canonical data (Document.Canonical), so a file can be rendered
//     later, at first request, and still be bound to the ledger;
//   - the signed part of a file carries that canonical data, so a verifier
//     recomputes the hash from the file itself and checks the event's
//     inclusion proof against a checkpoint signed by the log's keys.
package licfile
