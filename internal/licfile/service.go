package licfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/seal"
)

// The files a licence PDF carries (embedded files of its catalog).
const (
	FileData       = "licence-data.txt"      // Document.Canonical, in the issuer's signed revision
	FileEvent      = "licence-event.txt"     // Event.Canonical of the issued (or changed) event
	FileCheckpoint = "ledger-checkpoint.txt" // the checkpoint the proof leads to
	FileProof      = "ledger-proof.json"     // ledger.InclusionProof, with its entry
	FileUse        = "licence-use.txt"       // Annotation.Canonical, in the platform's signed revision
)

// sigSpace is the room kept for a CMS signature in a file, in bytes.
const sigSpace = 8192

// noteBand is the height kept free at the foot of a licence's last page
// for the note of an annotated copy.
const noteBand = 150.0

// Seals gives the signers of files; seal.Service is one.
type Seals interface {
	Signer(ctx context.Context, departmentID int64) (*seal.Signer, error)
	PlatformSigner(ctx context.Context) (*seal.Signer, error)
}

// Service renders, signs, delivers and annotates licence files.
type Service struct {
	seals Seals
	fonts *pdfdoc.Loader
	now   func() time.Time
}

// NewService returns a service signing with seals and writing with the
// fonts of loader (nil: the default chain).
func NewService(seals Seals, fonts *pdfdoc.Loader) *Service {
	if fonts == nil {
		fonts = &pdfdoc.Loader{}
	}
	return &Service{seals: seals, fonts: fonts, now: time.Now}
}

// Master renders the licence as a PDF from the layout, with a QR code of
// verifyURL, carries the document's canonical text as an embedded file
// and signs it with the issuing department's seal: a PDF signature
// (adbe.pkcs7.detached, SM2 with SM3) in an incremental update over the
// whole file.
func (s *Service) Master(ctx context.Context, doc Document, layout Layout, issuerDepartmentID int64, verifyURL string) ([]byte, error) {
	signer, err := s.seals.Signer(ctx, issuerDepartmentID)
	if err != nil {
		return nil, err
	}
	page, err := s.render(doc, layout, verifyURL)
	if err != nil {
		return nil, err
	}
	f, err := parsePDF(page)
	if err != nil {
		return nil, fmt.Errorf("licfile: read the rendered page: %w", err)
	}
	u := newUpdate(f)
	cat, err := f.catalog()
	if err != nil {
		return nil, err
	}
	cat = copyDict(cat)
	cat["Names"] = pDict{"EmbeddedFiles": pDict{"Names": pArray{pString(FileData), fileSpec(u, FileData, "电子证照数据（规范文本）", doc.Canonical())}}}
	return s.sign(ctx, u, cat, signer, "licence-seal", "电子证照签发 "+doc.Identifier)
}

// render draws the licence's page.
func (s *Service) render(doc Document, layout Layout, verifyURL string) ([]byte, error) {
	fonts, err := s.fonts.Fonts()
	if err != nil {
		return nil, err
	}
	title := layout.Title
	if title == "" {
		title = doc.TypeName
	}
	d := fonts.New(pdfdoc.Info{Title: title, Subject: doc.Identifier, Author: doc.Issuer, Created: doc.IssuedOn,
		Footer: "电子证照标识 " + doc.Identifier})
	d.Title(title, 20)
	d.Pair("证照编号："+doc.Number, "颁发日期："+dateCN(doc.IssuedOn), 0)
	t := pdfdoc.Table{Widths: []float64{1, 3}}
	t.Rows = append(t.Rows,
		pdfdoc.Row{pdfdoc.Label("持证主体"), pdfdoc.Value(doc.HolderName)},
		pdfdoc.Row{pdfdoc.Label(holderIDLabel(doc.HolderIDType)), pdfdoc.Value(doc.HolderID)})
	for _, it := range doc.Items {
		label := it.Label
		if label == "" {
			label = it.Code
		}
		t.Rows = append(t.Rows, pdfdoc.Row{pdfdoc.Label(label), pdfdoc.Value(it.Value)})
	}
	until := "长期"
	if !doc.ValidUntil.IsZero() {
		until = dateCN(doc.ValidUntil)
	}
	t.Rows = append(t.Rows,
		pdfdoc.Row{pdfdoc.Label("有效期限"), pdfdoc.Value(dateCN(doc.ValidFrom) + " 至 " + until)},
		pdfdoc.Row{pdfdoc.Label("颁发机构"), pdfdoc.Value(doc.Issuer)},
		pdfdoc.Row{pdfdoc.Label("电子证照标识"), pdfdoc.Value(doc.Identifier)})
	d.Table(t)
	d.Text("颁发机构："+doc.Issuer+"（电子印章）", 0, pdfdoc.Right)
	d.Space(8)
	if verifyURL != "" {
		q, err := qrcode.New(verifyURL, qrcode.Medium)
		if err != nil {
			return nil, errs.WrapMsg(err, errs.Invalid, msgQR)
		}
		q.DisableBorder = true
		d.Modules(q.Bitmap(), 84, []string{"扫码核验证照状态", "本证照由颁发机构以 SM2 电子印章签章，", "可离线核验签章、证书链与存证账本证明。"})
	}
	d.Reserve(noteBand)
	return d.Bytes()
}

func holderIDLabel(kind string) string {
	switch kind {
	case "001":
		return "统一社会信用代码"
	case "111":
		return "公民身份号码"
	}
	return "持证主体代码"
}

func dateCN(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return fmt.Sprintf("%d 年 %02d 月 %02d 日", t.Year(), t.Month(), t.Day())
}

// fileSpec adds an embedded file and returns its file specification.
func fileSpec(u *update, name, desc string, data []byte) pRef {
	ef := u.add(pStream{Dict: pDict{"Type": pName("EmbeddedFile"), "Subtype": pName("text/plain")}, Data: data})
	return u.add(pDict{"Type": pName("Filespec"), "F": pString(name), "UF": utf16(name), "Desc": utf16(desc), "EF": pDict{"F": ef}})
}

// utf16 is a PDF text string in UTF-16BE with its byte-order mark.
func utf16(s string) pString {
	out := []byte{0xfe, 0xff}
	for _, r := range s {
		if r > 0xffff {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			out = append(out, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return pString(out)
}

// sign finishes the update u with the catalog cat and a signature field
// named field, signed by signer over the whole file.
func (s *Service) sign(ctx context.Context, u *update, cat pDict, signer *seal.Signer, field, reason string) ([]byte, error) {
	pages, err := u.base.pages()
	if err != nil {
		return nil, err
	}
	first := pages[0]
	sig := u.add(pDict{
		"Type": pName("Sig"), "Filter": pName("Adobe.PPKLite"), "SubFilter": pName("adbe.pkcs7.detached"),
		"Name": utf16(signer.Name()), "Reason": utf16(reason), "M": pString(pdfDate(s.now())),
		"ByteRange": pRaw(byteRangeHole), "Contents": pRaw("<" + strings.Repeat("0", 2*sigSpace) + ">"),
	})
	widget := u.add(pDict{"Type": pName("Annot"), "Subtype": pName("Widget"), "FT": pName("Sig"), "F": pInt(132),
		"T": pString(field), "V": sig, "Rect": pArray{pInt(0), pInt(0), pInt(0), pInt(0)}, "P": first})
	// the first page lists the widget among its annotations
	var page pDict
	if v, ok := u.objs[first.Num].(pDict); ok { // rewritten in this update already
		page = v
	} else {
		pd, err := u.base.dict(first)
		if err != nil {
			return nil, err
		}
		page = copyDict(pd)
	}
	annots := pArray{}
	if a, err := u.base.resolve(page["Annots"]); err == nil {
		if arr, ok := a.(pArray); ok {
			annots = append(annots, arr...)
		}
	}
	page["Annots"] = append(annots, widget)
	u.set(first, page)
	fields := pArray{}
	if af, err := u.base.dict(cat["AcroForm"]); err == nil {
		if arr, err := u.base.resolve(af["Fields"]); err == nil {
			if a, ok := arr.(pArray); ok {
				fields = append(fields, a...)
			}
		}
	}
	cat["AcroForm"] = pDict{"Fields": append(fields, widget), "SigFlags": pInt(3)}
	u.set(u.base.trailer["Root"].(pRef), cat)
	out := u.bytes()
	at := bytes.Index(out[len(u.base.b):], []byte(byteRangeHole))
	if at < 0 {
		return nil, fmt.Errorf("licfile: the signature's byte range is not where it was written")
	}
	at += len(u.base.b)
	hole := bytes.Index(out[at:], []byte("/Contents <"))
	if hole < 0 {
		return nil, fmt.Errorf("licfile: the signature's contents are not where they were written")
	}
	a := at + hole + len("/Contents ")
	b := a + 2*sigSpace + 2
	copy(out[at:], fmt.Sprintf("[0 %010d %010d %010d]", a, b, len(out)-b))
	signed := make([]byte, 0, len(out)-(b-a))
	signed = append(append(signed, out[:a]...), out[b:]...)
	cms, err := signer.Sign(signed)
	if err != nil {
		return nil, err
	}
	if len(cms) > sigSpace {
		return nil, fmt.Errorf("licfile: the signature (%d bytes) does not fit its room (%d)", len(cms), sigSpace)
	}
	copy(out[a+1:], fmt.Sprintf("%X", cms))
	return out, nil
}

// byteRangeHole is the placeholder of /ByteRange, as wide as its value.
const byteRangeHole = "[0 ********** ********** **********]"

func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }

// Deliver appends the ledger evidence to a master in a later incremental
// update, leaving the signed revision untouched: the event's canonical
// text, the checkpoint and the inclusion proof (with its entry), as
// embedded files.
func (s *Service) Deliver(ctx context.Context, master []byte, ev Evidence) ([]byte, error) {
	if ev.Proof.Entry == "" || len(ev.Checkpoint) == 0 {
		return nil, errs.New(errs.Invalid, msgEvidenceIncomplete)
	}
	f, err := parsePDF(master)
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Invalid, msgNotPDF)
	}
	proof, err := json.Marshal(ev.Proof)
	if err != nil {
		return nil, err
	}
	u := newUpdate(f)
	return s.addFiles(u, []namedFile{
		{FileEvent, "存证账本事件记录", ev.Event.Canonical()},
		{FileCheckpoint, "存证账本检查点（签名注记）", ev.Checkpoint},
		{FileProof, "存证账本包含证明", proof},
	})
}

type namedFile struct {
	name, desc string
	data       []byte
}

// addFiles sets the catalog's embedded files to the file's and files
// (replacing those of the same name) and returns the update's bytes.
func (s *Service) addFiles(u *update, files []namedFile) ([]byte, error) {
	cat, err := s.withFiles(u, files)
	if err != nil {
		return nil, err
	}
	u.set(u.base.trailer["Root"].(pRef), cat)
	return u.bytes(), nil
}

func (s *Service) withFiles(u *update, files []namedFile) (pDict, error) {
	cat, err := u.base.catalog()
	if err != nil {
		return nil, err
	}
	cat = copyDict(cat)
	replaced := map[string]bool{}
	for _, nf := range files {
		replaced[nf.name] = true
	}
	var names pArray
	if nd, err := u.base.dict(cat["Names"]); err == nil {
		if efd, err := u.base.dict(nd["EmbeddedFiles"]); err == nil {
			if arr, err := u.base.resolve(efd["Names"]); err == nil {
				list, _ := arr.(pArray)
				for i := 0; i+1 < len(list); i += 2 {
					if n, ok := list[i].(pString); ok && !replaced[string(n)] {
						names = append(names, list[i], list[i+1])
					}
				}
			}
		}
	}
	for _, nf := range files {
		names = append(names, pString(nf.name), fileSpec(u, nf.name, nf.desc, nf.data))
	}
	cat["Names"] = pDict{"EmbeddedFiles": pDict{"Names": names}}
	return cat, nil
}
