package pdfdoc

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/signintech/gopdf"
)

// A4 in points, and the margins of every page.
const (
	PageWidth    = 595.0
	PageHeight   = 842.0
	marginX      = 56.0 // about 2 cm
	marginTop    = 50.0
	marginBottom = 62.0 // the footer stands in it
	// BodySize is the size of table text: 五号 (10.5 pt).
	BodySize = 10.5
	leading  = 1.5 // line height, in font sizes
	pad      = 5.0 // inside a table cell
)

// ContentWidth is the width between the margins.
const ContentWidth = PageWidth - 2*marginX

// Align places text on its line.
type Align int

const (
	Left Align = iota
	Center
	Right
)

// Info describes a document.
type Info struct {
	Title, Subject, Author string
	// Footer is printed at the foot of every page, left of "第 n 页 共 m 页".
	Footer string
	// Created is the creation time written in the document; zero is now.
	Created time.Time
	// NoPageNumbers leaves out the footers ("第 n 页 共 m 页"), for a
	// layer drawn over another document's page.
	NoPageNumbers bool
}

// Doc is one document being written, top to bottom, page after page. The
// first error of a drawing call is kept and returned by Bytes.
type Doc struct {
	f      *Fonts
	pdf    gopdf.GoPdf
	y      float64 // the top of what is drawn next
	pages  int
	footer string
	bare   bool   // no footers
	added  []bool // the fonts embedded so far: only those a document uses
	err    error
}

// New starts a document on an empty A4 page.
func (f *Fonts) New(info Info) *Doc {
	d := &Doc{f: f, footer: info.Footer, bare: info.NoPageNumbers}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	d.added = make([]bool, len(f.faces))
	if info.Created.IsZero() {
		info.Created = time.Now()
	}
	d.pdf.SetInfo(gopdf.PdfInfo{Title: info.Title, Subject: info.Subject, Author: info.Author, Creator: "govshare", Producer: "govshare",
		CreationDate: info.Created})
	d.pdf.SetCompressLevel(6)
	d.newPage()
	return d
}

func (d *Doc) check(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

func (d *Doc) newPage() {
	d.pdf.AddPage()
	// gopdf makes a page's content stream at its first drawing and finds a
	// page (SetPage, for the footers) by counting streams: make it now, so
	// that a page left empty (Reserve) still counts.
	d.pdf.SetLineWidth(0.6)
	d.pages++
	d.y = marginTop
}

// room makes sure h points fit below the current position, starting a new
// page when they do not (and the page has something on it already).
func (d *Doc) room(h float64) {
	if d.y+h > PageHeight-marginBottom && d.y > marginTop {
		d.newPage()
	}
}

// Space leaves h points blank (not across a page break).
func (d *Doc) Space(h float64) { d.y = math.Min(d.y+h, PageHeight-marginBottom) }

// lineHeight is the height of a line of text at size.
func lineHeight(size float64) float64 { return size * leading }

// baseline is where the text of a line whose top is at top stands.
func baseline(top, size float64) float64 { return top + (lineHeight(size)-size)/2 + size*0.86 }

// Width is the width of s at size points.
func (d *Doc) Width(s string, size float64) float64 { return d.f.Width(s, size) }

// adv measures characters at size for Wrap.
func (d *Doc) adv(size float64) func(rune) float64 {
	return func(r rune) float64 { return d.f.advance(r, size) }
}

// draw writes one line of s with its left end at x and its line's top at
// top, each run in its font.
func (d *Doc) draw(x, top float64, s string, size float64) {
	d.pdf.SetTextColor(0, 0, 0)
	d.runs(x, top, s, size)
}

// runs draws s as draw does, in the current colour.
func (d *Doc) runs(x, top float64, s string, size float64) {
	y := baseline(top, size)
	for _, run := range d.f.Runs(s) {
		fc := d.f.faces[run.Font]
		if !d.added[run.Font] {
			d.check(d.pdf.AddTTFFontFromFontContainer(fc.family(), &d.f.container))
			d.added[run.Font] = true
		}
		d.check(d.pdf.SetFont(fc.family(), "", size))
		d.pdf.SetXY(x, y)
		d.check(d.pdf.Text(run.Text))
		for _, r := range run.Text {
			x += fc.advance(fc.glyph(r), size)
		}
	}
}

// line draws s in a box from x, w wide, aligned.
func (d *Doc) line(x, w, top float64, s string, size float64, a Align) {
	switch a {
	case Center:
		x += (w - d.Width(s, size)) / 2
	case Right:
		x += w - d.Width(s, size)
	}
	d.draw(x, top, s, size)
}

// Title writes a heading, centred, at size (18 pt when 0), with room below.
func (d *Doc) Title(s string, size float64) {
	if size == 0 {
		size = 18
	}
	for _, l := range Wrap(s, ContentWidth, d.adv(size)) {
		d.room(lineHeight(size))
		d.line(marginX, ContentWidth, d.y, l, size, Center)
		d.y += lineHeight(size)
	}
	d.y += size / 2
}

// Text writes a paragraph across the page, wrapped and aligned.
func (d *Doc) Text(s string, size float64, a Align) {
	if size == 0 {
		size = BodySize
	}
	for _, l := range Wrap(s, ContentWidth, d.adv(size)) {
		d.room(lineHeight(size))
		d.line(marginX, ContentWidth, d.y, l, size, a)
		d.y += lineHeight(size)
	}
}

// Pair writes left and right on one line across the page, such as a
// form's number and its date.
func (d *Doc) Pair(left, right string, size float64) {
	if size == 0 {
		size = BodySize
	}
	d.room(lineHeight(size))
	d.line(marginX, ContentWidth, d.y, left, size, Left)
	d.line(marginX, ContentWidth, d.y, right, size, Right)
	d.y += lineHeight(size)
}

// footers writes every page's footer once the number of pages is known.
func (d *Doc) footers() {
	if d.bare {
		return
	}
	size := 9.0
	for i := 1; i <= d.pages; i++ {
		d.check(d.pdf.SetPage(i))
		top := PageHeight - marginBottom + 22
		if d.footer != "" {
			d.line(marginX, ContentWidth, top, d.footer, size, Left)
		}
		d.line(marginX, ContentWidth, top, fmt.Sprintf("第 %d 页 共 %d 页", i, d.pages), size, Right)
	}
}

// Pages is the number of pages so far.
func (d *Doc) Pages() int { return d.pages }

// Bytes ends the document and returns it, or the first error met.
func (d *Doc) Bytes() ([]byte, error) {
	d.footers()
	if d.err != nil {
		return nil, fmt.Errorf("pdf: %w", d.err)
	}
	var buf bytes.Buffer
	if _, err := d.pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}
