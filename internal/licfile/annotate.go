package licfile

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/pdfdoc"
)

// MaxPurpose is the longest purpose (事由) a use may give, in characters.
const MaxPurpose = 200

const useHeader = "govshare-licence-use/v1"

// Canonical is the annotation's canonical text, embedded in the annotated
// copy under the platform's signature.
func (a Annotation) Canonical() []byte {
	t := func(x time.Time) string {
		if x.IsZero() {
			return "-"
		}
		return x.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return []byte(strings.Join([]string{useHeader,
		"use " + escape(a.UseID),
		"department " + escape(a.Department),
		"purpose " + escape(a.Purpose),
		"made " + t(a.MadeAt),
		"valid-until " + t(a.ValidUntil),
	}, "\n") + "\n")
}

func (a Annotation) check() error {
	f := errs.Fields{}
	for _, c := range []struct{ field, name, v string }{
		{"use_id", "用证记录编号", a.UseID}, {"department", "用证单位", a.Department}, {"purpose", "用证事由", a.Purpose},
	} {
		if strings.TrimSpace(c.v) == "" {
			f.AddMsg(c.field, msgAnnotationField, c.name)
		}
	}
	if utf8.RuneCountInString(a.Purpose) > MaxPurpose {
		f.AddMsg("purpose", msgPurposeLength, MaxPurpose)
	}
	if a.MadeAt.IsZero() {
		f.AddMsg("made_at", msgAnnotationField, "加注时间")
	} else if !a.ValidUntil.After(a.MadeAt) {
		f.AddMsg("valid_until", msgValidUntil)
	}
	return f.Err()
}

// Annotate makes the annotated copy (加注件) of a master (delivered or
// not): the note of the use is drawn over the licence's last page, the
// annotation's canonical text is embedded, and the platform's seal signs
// the whole in a new revision, leaving the issuer's signed revision as it
// was, so both signatures verify and nothing can be altered unseen.
func (s *Service) Annotate(ctx context.Context, master []byte, a Annotation) ([]byte, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	f, err := parsePDF(master)
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Invalid, msgNotPDF)
	}
	pages, err := f.pages()
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Invalid, msgNotPDF)
	}
	signer, err := s.seals.PlatformSigner(ctx)
	if err != nil {
		return nil, err
	}
	noteBytes, err := s.renderNote(a)
	if err != nil {
		return nil, err
	}
	nf, err := parsePDF(noteBytes)
	if err != nil {
		return nil, err
	}
	npages, err := nf.pages()
	if err != nil {
		return nil, err
	}
	np, err := nf.dict(npages[0])
	if err != nil {
		return nil, err
	}
	u := newUpdate(f)
	c := &copier{src: nf, u: u, done: map[int]pRef{}}
	res, err := c.value(np["Resources"], 0)
	if err != nil {
		return nil, err
	}
	content, err := nf.resolve(np["Contents"])
	if err != nil {
		return nil, err
	}
	var data []byte
	formDict := pDict{"Type": pName("XObject"), "Subtype": pName("Form"), "Resources": res,
		"BBox": pArray{pInt(0), pInt(0), pNum("595.28"), pNum("841.89")}}
	switch v := content.(type) {
	case pStream:
		data = v.Data
		if flt, ok := v.Dict["Filter"]; ok {
			formDict["Filter"] = flt
		}
	case pArray:
		for _, x := range v {
			sv, err := nf.resolve(x)
			if err != nil {
				return nil, err
			}
			st, ok := sv.(pStream)
			if !ok {
				return nil, errPDF
			}
			d, err := streamData(st)
			if err != nil {
				return nil, err
			}
			data = append(append(data, d...), '\n')
		}
	default:
		return nil, errPDF
	}
	form := u.add(pStream{Dict: formDict, Data: data})

	last := pages[len(pages)-1]
	pd, err := f.dict(last)
	if err != nil {
		return nil, err
	}
	page := copyDict(pd)
	pageRes := pDict{}
	if r, err := f.dict(page["Resources"]); err == nil {
		pageRes = copyDict(r)
	}
	xo := pDict{}
	if x, err := f.dict(pageRes["XObject"]); err == nil {
		xo = copyDict(x)
	}
	xo["GSUseNote"] = form
	pageRes["XObject"] = xo
	page["Resources"] = pageRes
	pre := u.add(pStream{Dict: pDict{}, Data: []byte("q\n")})
	post := u.add(pStream{Dict: pDict{}, Data: []byte("\nQ\nq /GSUseNote Do Q\n")})
	contents := pArray{pre}
	switch v := page["Contents"].(type) {
	case pRef:
		cv, err := f.resolve(v)
		if err != nil {
			return nil, err
		}
		if arr, ok := cv.(pArray); ok {
			contents = append(contents, arr...)
		} else {
			contents = append(contents, v)
		}
	case pArray:
		contents = append(contents, v...)
	}
	page["Contents"] = append(contents, post)
	u.set(last, page)
	cat, err := s.withFiles(u, []namedFile{{FileUse, "加注（用证记录）", a.Canonical()}})
	if err != nil {
		return nil, err
	}
	return s.sign(ctx, u, cat, signer, "use-seal", "加注件 "+a.UseID)
}

// renderNote draws the note of a use where the master keeps room for it,
// at the foot of the page.
func (s *Service) renderNote(a Annotation) ([]byte, error) {
	fonts, err := s.fonts.Fonts()
	if err != nil {
		return nil, err
	}
	d := fonts.New(pdfdoc.Info{Title: "加注", NoPageNumbers: true, Created: a.MadeAt})
	d.MoveTo(pdfdoc.Bottom - noteBand + 4)
	d.Text("加注件：本件仅供下列用途在有效期内使用，他用或逾期无效（平台电子印章签章）", 9, pdfdoc.Left)
	local := func(t time.Time) string { return t.In(cst).Format("2006-01-02 15:04") }
	d.Table(pdfdoc.Table{Widths: []float64{1, 2, 1, 2}, Size: 9, Rows: []pdfdoc.Row{
		{pdfdoc.Label("用证单位"), pdfdoc.Value(a.Department), pdfdoc.Label("用证记录"), pdfdoc.Value(a.UseID)},
		{pdfdoc.Label("用证事由"), pdfdoc.Value(a.Purpose).Spans(3)},
		{pdfdoc.Label("加注时间"), pdfdoc.Value(local(a.MadeAt)), pdfdoc.Label("有效期至"), pdfdoc.Value(local(a.ValidUntil))},
	}})
	return d.Bytes()
}

// cst is China Standard Time, in which notes are printed.
var cst = time.FixedZone("CST", 8*3600)

// copier copies objects of one file into an update of another.
type copier struct {
	src  *pdfFile
	u    *update
	done map[int]pRef
}

func (c *copier) value(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errPDF
	}
	switch v := v.(type) {
	case pRef:
		if r, ok := c.done[v.Num]; ok {
			return r, nil
		}
		obj, err := c.src.object(v.Num)
		if err != nil {
			return nil, err
		}
		r := c.u.add(nil)
		c.done[v.Num] = r
		cp, err := c.value(obj, depth+1)
		if err != nil {
			return nil, err
		}
		c.u.set(r, cp)
		return r, nil
	case pArray:
		out := make(pArray, len(v))
		for i, x := range v {
			y, err := c.value(x, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case pDict:
		out := pDict{}
		for k, x := range v {
			if k == "Parent" {
				continue
			}
			y, err := c.value(x, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	case pStream:
		d, err := c.value(v.Dict, depth+1)
		if err != nil {
			return nil, err
		}
		return pStream{Dict: d.(pDict), Data: v.Data}, nil
	}
	return v, nil
}
