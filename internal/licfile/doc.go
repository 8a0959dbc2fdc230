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
//
// A licence file is a PDF built in revisions (incremental updates), each
// leaving the bytes before it as they were:
//
//  1. the page, rendered by internal/pdfdoc from the type's layout, with a
//     QR code of the verification address and room at its foot;
//  2. the issuing department's seal (Service.Master): the canonical data as
//     an embedded file (licence-data.txt) and a signature field whose
//     signature dictionary (adbe.pkcs7.detached) holds a detached CMS
//     SignedData, SM2 with SM3, over the /ByteRange of the whole file so
//     far, carrying the seal's certificate and the platform CA's;
//  3. the ledger evidence (Service.Deliver), unsigned because it proves
//     itself: the event record, the checkpoint and the inclusion proof as
//     embedded files;
//  4. for an annotated copy (加注件, Service.Annotate), the note of the use
//     drawn over the last page, the use's canonical text (licence-use.txt)
//     and the platform's own seal over everything before it.
//
// Verify reads a file as outside input: it checks each signature over its
// byte range and its chain to the CAs given (a peer platform's among them,
// 互信互认), that nothing but evidence follows the last signature, and the
// data, the event, the checkpoint and the proof.
package licfile
