package licfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/seal"
)

// MaxFile is the largest file Verify reads.
const MaxFile = 32 << 20

// Report is what an offline check of a licence file found. Checks lists
// every check in order, those that held and the first that did not.
type Report struct {
	Signatures []SignatureInfo
	Identifier string // the licence's, from its signed data
	TypeName   string
	Issuer     string
	DataHash   string // SM3 of the signed canonical data
	Evidence   bool   // ledger evidence was attached and held
	LeafIndex  uint64
	TreeSize   uint64
	Origin     string // the log's name
	Use        string // an annotated copy's canonical use text
	// UseValidUntil is when an annotated copy stops being valid.
	UseValidUntil time.Time
	Checks        []Check
}

// SignatureInfo is one signature of a file, in signing order.
type SignatureInfo struct {
	Signer      string // the certificate's common name
	Fingerprint string // SHA-256 of the signer's certificate
	SignedAt    time.Time
	Covers      int    // bytes from the file's start
	Role        string // "issuer" (the first) or "platform" (an annotation)
	HolderCode  string // the certificate's serialNumber attribute: its holder's unified social credit code

	cert *smx509.Certificate
}

// Check is one check of a report.
type Check struct {
	Name string // "signature", "chain", "data", "evidence", "checkpoint", "inclusion", "changes"
	OK   bool
	Text errs.Text
}

// Verify checks a licence file offline: every signature's digest over its
// byte range and its certificate's chain to one of roots, that nothing but
// ledger evidence was added after the last signature, that the issuer's
// signed revision carries the licence's canonical data, and, when evidence
// is attached, that the data hashes to what the event names and that the
// event's record is in the tree of a checkpoint signed by logKeys. It
// returns the report and the first failure, a keyed error; a file without
// evidence fails with msgNoEvidence after its signatures held.
func Verify(file []byte, roots []*smx509.Certificate, logKeys []note.Verifier) (Report, error) {
	return VerifyAt(file, roots, logKeys, time.Now())
}

// VerifyAt is Verify at the time now, against which an annotated copy's
// validity is checked last.
func VerifyAt(file []byte, roots []*smx509.Certificate, logKeys []note.Verifier, now time.Time) (Report, error) {
	var r Report
	fail := func(name string, code string, m *errs.Msg, args ...any) (Report, error) {
		r.Checks = append(r.Checks, Check{Name: name, Text: m.With(args...)})
		return r, errs.New(code, m, args...)
	}
	pass := func(name string, m *errs.Msg, args ...any) {
		r.Checks = append(r.Checks, Check{Name: name, OK: true, Text: m.With(args...)})
	}
	if len(file) > MaxFile || !bytes.HasPrefix(file, []byte("%PDF-")) {
		return fail("file", errs.Invalid, msgNotPDF)
	}
	f, err := parsePDF(file)
	if err != nil {
		return fail("file", errs.Invalid, msgNotPDF)
	}
	sigs, err := signatures(f)
	if err != nil {
		return fail("signature", errs.Invalid, msgBadSignature, 1, err.Error())
	}
	if len(sigs) == 0 {
		return fail("signature", errs.Invalid, msgNoSignature)
	}
	pool := smx509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	for i, sg := range sigs {
		info, err := checkSignature(file, sg, pool)
		if info.Signer == "" {
			info.Signer = "?"
		}
		info.Role = "platform"
		if i == 0 {
			info.Role = "issuer"
		}
		var ve *sigError
		if errors.As(err, &ve) {
			switch ve.kind {
			case "tampered":
				return fail("signature", errs.Invalid, msgTampered, info.Signer)
			case "chain":
				return fail("chain", errs.Invalid, msgUnknownSigner, info.Signer)
			default:
				return fail("signature", errs.Invalid, msgBadSignature, i+1, ve.reason)
			}
		}
		r.Signatures = append(r.Signatures, info)
		if i == 0 {
			pass("signature", msgIssuerSealHeld, info.Signer, info.Covers)
		} else {
			// A later seal certifies a use: only a platform's own seal does.
			if info.cert == nil || !slices.Contains(info.cert.Subject.OrganizationalUnit, seal.PlatformHolder) {
				return fail("signature", errs.Invalid, msgNotPlatformSeal, info.Signer)
			}
			pass("signature", msgPlatformSealHeld, info.Signer, info.Covers)
		}
	}
	// Nothing but evidence after the last signature.
	end := sigs[len(sigs)-1].end
	if end < len(file) {
		signed, err := parsePDF(file[:end])
		if err != nil {
			return fail("changes", errs.Invalid, msgNotPDF)
		}
		if num, err := onlyEvidenceAfter(f, signed, end); err != nil {
			return fail("changes", errs.Invalid, msgChangedAfter, num)
		}
	}
	pass("changes", msgNoChanges)
	// The data, from the issuer's signed revision.
	issuerRev, err := parsePDF(file[:sigs[0].end])
	if err != nil {
		return fail("data", errs.Invalid, msgNotPDF)
	}
	files, err := issuerRev.embedded()
	data, ok := files[FileData]
	if err != nil || !ok {
		return fail("data", errs.Invalid, msgNoData)
	}
	r.DataHash = SM3Hex(data)
	fields := canonicalFields(data)
	r.Identifier, r.TypeName, r.Issuer = fields["id"], fields["type-name"], fields["issuer"]
	if len(sigs) > 1 {
		if lastRev, err := parsePDF(file[:end]); err == nil {
			if fs, err := lastRev.embedded(); err == nil {
				r.Use = string(fs[FileUse])
			}
		}
	}
	// The issuer's seal is the issuing department's: by its code, else its name.
	is := r.Signatures[0]
	code := fields["issuer-code"]
	if is.HolderCode != "" && code != "" && code != "-" {
		if !strings.EqualFold(is.HolderCode, code) {
			return fail("issuer", errs.Invalid, msgIssuerMismatch, is.Signer, is.HolderCode, r.Issuer, code)
		}
	} else if is.Signer != r.Issuer {
		return fail("issuer", errs.Invalid, msgIssuerMismatch, is.Signer, is.HolderCode, r.Issuer, code)
	}
	pass("issuer", msgIssuerHeld, r.Issuer)
	pass("data", msgDataFound, r.Identifier, r.DataHash)
	// The evidence, from the newest revision.
	all, err := f.embedded()
	if err != nil {
		return fail("evidence", errs.Invalid, msgBadEvidence, "the embedded files do not read")
	}
	evText, cpText, proofText := all[FileEvent], all[FileCheckpoint], all[FileProof]
	if evText == nil && cpText == nil && proofText == nil {
		return fail("evidence", errs.NotFound, msgNoEvidence)
	}
	ev, err := ParseEvent(evText)
	if err != nil {
		return fail("evidence", errs.Invalid, msgBadEvidence, err.Error())
	}
	var proof ledger.InclusionProof
	if len(proofText) > 1<<20 || json.Unmarshal(proofText, &proof) != nil || proof.Entry == "" {
		return fail("evidence", errs.Invalid, msgBadEvidence, "the inclusion proof is not the ledger's JSON with its entry")
	}
	if ev.Name != Issued && ev.Name != Changed {
		return fail("evidence", errs.Invalid, msgBadEvidence, "the event is not an issuance or a change")
	}
	if ev.Identifier != r.Identifier {
		return fail("data", errs.Invalid, msgEventLicence, ev.Identifier, r.Identifier)
	}
	if ev.Data != r.DataHash {
		return fail("data", errs.Invalid, msgDataMismatch, r.DataHash, ev.Data)
	}
	rec, err := ledger.ParseEntry([]byte(proof.Entry))
	if err != nil || rec.Kind != LedgerKind(ev.Name) || rec.Hash != ev.Hash() {
		return fail("evidence", errs.Invalid, msgEventRecord)
	}
	pass("evidence", msgEventHeld, ev.Name, ev.Version)
	cp, err := ledger.OpenCheckpoint(cpText, logKeys)
	if err != nil {
		return fail("checkpoint", errs.Invalid, msgCheckpointKeys, err.Error())
	}
	pass("checkpoint", msgCheckpointHeld, cp.Origin, cp.Size)
	if err := ledger.VerifyInclusion(cp, rec.LeafHash(), proof); err != nil {
		return fail("inclusion", errs.Invalid, msgProofTree, err.Error())
	}
	r.Evidence, r.LeafIndex, r.TreeSize, r.Origin = true, proof.Index, cp.Size, cp.Origin
	pass("inclusion", msgIncluded, proof.Index, cp.Size)
	if r.Use != "" {
		use := canonicalFields([]byte(r.Use))
		until, err := time.Parse(time.RFC3339, use["valid-until"])
		if err != nil {
			return fail("use", errs.Invalid, msgBadEvidence, "the annotation's validity is not a time")
		}
		r.UseValidUntil = until
		at := until.In(cst).Format("2006-01-02 15:04")
		if now.After(until) {
			return fail("use", errs.Invalid, msgUseExpired, use["use"], at)
		}
		pass("use", msgUseValid, use["use"], use["department"], at)
	}
	return r, nil
}

// sigRef is a signature found in a file.
type sigRef struct {
	a, b, end int // the hole [a, b) and the end of the signed bytes
}

type sigError struct{ kind, reason string }

func (e *sigError) Error() string { return e.kind + ": " + e.reason }

// signatures lists the signature fields' byte ranges, by signed length.
func signatures(f *pdfFile) ([]sigRef, error) {
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	af, ok := cat["AcroForm"]
	if !ok {
		return nil, nil
	}
	afd, err := f.dict(af)
	if err != nil {
		return nil, err
	}
	fv, err := f.resolve(afd["Fields"])
	if err != nil {
		return nil, err
	}
	fields, _ := fv.(pArray)
	var out []sigRef
	for _, x := range fields {
		fd, err := f.dict(x)
		if err != nil || fd["FT"] != pName("Sig") {
			continue
		}
		sd, err := f.dict(fd["V"])
		if err != nil {
			return nil, errors.New("the signature field has no signature")
		}
		brv, err := f.resolve(sd["ByteRange"])
		if err != nil {
			return nil, err
		}
		br, ok := brv.(pArray)
		if !ok || len(br) != 4 {
			return nil, errors.New("the byte range is not four numbers")
		}
		var n [4]int
		for i := range n {
			if n[i], ok = intOf(br[i]); !ok {
				return nil, errors.New("the byte range is not four numbers")
			}
		}
		size := len(f.b)
		if n[0] != 0 || n[1] <= 0 || n[2] <= n[1]+1 || n[2] > size || n[3] > size-n[2] {
			return nil, errors.New("the byte range does not cover the file around one hole")
		}
		out = append(out, sigRef{a: n[1], b: n[2], end: n[2] + n[3]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].end < out[j].end })
	return out, nil
}

// checkSignature checks one signature over its bytes and its chain.
func checkSignature(file []byte, sg sigRef, pool *smx509.CertPool) (SignatureInfo, error) {
	info := SignatureInfo{Covers: sg.end}
	if file[sg.a] != '<' || file[sg.b-1] != '>' {
		return info, &sigError{"malformed", "the hole is not the signature's hex string"}
	}
	raw, err := hex.DecodeString(string(file[sg.a+1 : sg.b-1]))
	if err != nil {
		return info, &sigError{"malformed", "the signature is not hexadecimal"}
	}
	// The DER value's own length ends it, not the zeros that pad the hole
	// (its last bytes may be zeros too).
	var v asn1.RawValue
	rest, err := asn1.Unmarshal(raw, &v)
	if err != nil || bytes.Count(rest, []byte{0}) != len(rest) {
		return info, &sigError{"malformed", "the signature is not DER"}
	}
	p7, err := pkcs7.Parse(v.FullBytes)
	if err != nil {
		return info, &sigError{"malformed", "the signature is not CMS SignedData"}
	}
	if cert := p7.GetOnlySigner(); cert != nil {
		info.cert = cert
		info.Signer, info.HolderCode = cert.Subject.CommonName, cert.Subject.SerialNumber
		info.Fingerprint = fingerprint(cert.Raw)
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &st); err == nil {
		info.SignedAt = st
	}
	signed := make([]byte, 0, sg.end-(sg.b-sg.a))
	p7.Content = append(append(signed, file[:sg.a]...), file[sg.b:sg.end]...)
	if err := p7.Verify(); err != nil {
		return info, &sigError{"tampered", err.Error()}
	}
	if err := p7.VerifyWithChain(pool); err != nil {
		return info, &sigError{"chain", err.Error()}
	}
	return info, nil
}

// onlyEvidenceAfter checks the objects defined after the signed revision:
// embedded files, their specifications and the catalog with nothing but
// its embedded files changed. It returns the first other object's number.
func onlyEvidenceAfter(f, signed *pdfFile, end int) (int, error) {
	nums := make([]int, 0)
	for n, off := range f.offsets {
		if off >= end || (off < 0 && signed.offsets[n] >= 0) {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	root, _ := f.trailer["Root"].(pRef)
	if sr, _ := signed.trailer["Root"].(pRef); sr != root {
		return root.Num, errPDF
	}
	for _, n := range nums {
		if n == root.Num {
			now, err1 := f.dict(root)
			was, err2 := signed.dict(root)
			if err1 != nil || err2 != nil || !sameExcept(now, was, "Names") {
				return n, errPDF
			}
			continue
		}
		v, err := f.object(n)
		if err != nil {
			return n, err
		}
		switch v := v.(type) {
		case pStream:
			if v.Dict["Type"] != pName("EmbeddedFile") {
				return n, errPDF
			}
		case pDict:
			if v["Type"] != pName("Filespec") {
				return n, errPDF
			}
		default:
			return n, errPDF
		}
		if _, existed := signed.offsets[n]; existed {
			return n, errPDF // an object of the signed revision replaced
		}
	}
	return 0, nil
}

// sameExcept reports whether a and b have the same entries but key.
func sameExcept(a, b pDict, key pName) bool {
	strip := func(d pDict) []byte {
		c := copyDict(d)
		delete(c, key)
		var w bytes.Buffer
		writeValue(&w, c)
		return w.Bytes()
	}
	return bytes.Equal(strip(a), strip(b))
}

// canonicalFields reads "name value" lines of a canonical text.
func canonicalFields(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k != "item" {
			if _, dup := out[k]; !dup {
				out[k] = unescape(v)
			}
		}
	}
	return out
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseEvent reads an event's canonical text back; anything but the one
// canonical spelling is refused.
func ParseEvent(b []byte) (Event, error) {
	lines := strings.Split(string(b), "\n")
	names := []string{"event", "id", "version", "data", "use", "reason", "time"}
	if len(lines) != len(names)+2 || lines[0] != eventHeader || lines[len(lines)-1] != "" {
		return Event{}, fmt.Errorf("not a %s record", eventHeader)
	}
	vals := make([]string, len(names))
	for i, n := range names {
		v, ok := strings.CutPrefix(lines[i+1], n+" ")
		if !ok {
			return Event{}, fmt.Errorf("not a %s record", eventHeader)
		}
		if v == "-" {
			v = ""
		}
		vals[i] = unescape(v)
	}
	at, err := time.Parse(time.RFC3339, vals[6])
	if err != nil {
		return Event{}, fmt.Errorf("the event's time: %w", err)
	}
	e := Event{Name: vals[0], Identifier: vals[1], Version: vals[2], Data: vals[3], Use: vals[4], Reason: vals[5], At: at}
	if !bytes.Equal(e.Canonical(), b) {
		return Event{}, fmt.Errorf("not a canonical %s record", eventHeader)
	}
	return e, nil
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}
