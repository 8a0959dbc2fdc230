package pdfdoc

// Cell is one cell of a table row.
type Cell struct {
	Text  string
	Label bool  // a field's name: shaded and centred
	Span  int   // columns it takes; 0 is 1
	Align Align // of a value; labels are centred
}

// Label is a cell naming a field.
func Label(s string) Cell { return Cell{Text: s, Label: true} }

// Value is a cell holding a field's value.
func Value(s string) Cell { return Cell{Text: s} }

// Spans makes c take n columns.
func (c Cell) Spans(n int) Cell { c.Span = n; return c }

// Row is one row of a table; its cells' spans add up to the columns.
type Row []Cell

// Table is a bordered table whose cells wrap their text. Widths are the
// columns' shares of the page's width. A row that does not fit on the rest
// of the page goes to the next one; a row taller than a page goes on over
// as many as it needs.
type Table struct {
	Widths []float64
	Rows   []Row
	Size   float64 // text size; 0 is BodySize
	// Header rows are repeated at the top of every page the table goes on to.
	Header int
}

// cellBox is a cell placed on the page: its left and width, and its lines.
type cellBox struct {
	x, w  float64
	cell  Cell
	lines []string
}

// layout places the cells of a row and wraps their text.
func (d *Doc) layout(t Table, row Row, size float64) []cellBox {
	total := 0.0
	for _, w := range t.Widths {
		total += w
	}
	if total <= 0 {
		total = 1
	}
	var out []cellBox
	x, col := marginX, 0
	for _, c := range row {
		span := max(c.Span, 1)
		w := 0.0
		for i := col; i < col+span && i < len(t.Widths); i++ {
			w += t.Widths[i] / total * ContentWidth
		}
		col += span
		lines := Wrap(c.Text, w-2*pad, d.adv(size))
		out = append(out, cellBox{x: x, w: w, cell: c, lines: lines})
		x += w
	}
	return out
}

// Table writes t.
func (d *Doc) Table(t Table) {
	size := t.Size
	if size == 0 {
		size = BodySize
	}
	lh := lineHeight(size)
	usable := PageHeight - marginTop - marginBottom
	var header [][]cellBox
	// turn starts a new page, with the header rows again below a row that
	// is not one of them; it answers the room left for one.
	turn := func(i int) {
		d.newPage()
		if i >= t.Header {
			for _, hb := range header {
				d.row(hb, size, d.rowHeight(hb, size))
			}
		}
	}
	for i, row := range t.Rows {
		boxes := d.layout(t, row, size)
		if i < t.Header {
			header = append(header, boxes)
		}
		fresh := false // at the top of a page this table turned to
		for {
			h := d.rowHeight(boxes, size)
			avail := PageHeight - marginBottom - d.y
			if h > avail && !fresh && d.y > marginTop && (h <= usable || avail < 2*pad+lh) {
				turn(i)
				fresh = true
				continue
			}
			fit := int((avail - 2*pad) / lh)
			n := int((h - 2*pad) / lh)
			if fit >= n || fit < 1 {
				d.row(boxes, size, h)
				break
			}
			// Taller than what is left of a page: as many lines as fit
			// here, the rest on the next page.
			first := make([]cellBox, len(boxes))
			for j, b := range boxes {
				first[j] = b
				first[j].lines = b.lines[:min(fit, len(b.lines))]
				boxes[j].lines = b.lines[min(fit, len(b.lines)):]
			}
			d.row(first, size, float64(fit)*lh+2*pad)
			turn(i)
			fresh = true
		}
	}
	d.y += size / 2
}

func (d *Doc) rowHeight(boxes []cellBox, size float64) float64 {
	n := 1
	for _, b := range boxes {
		n = max(n, len(b.lines))
	}
	return float64(n)*lineHeight(size) + 2*pad
}

// row draws placed cells h high at the current position.
func (d *Doc) row(boxes []cellBox, size, h float64) {
	lh := lineHeight(size)
	d.pdf.SetLineWidth(0.6)
	d.pdf.SetStrokeColor(0, 0, 0)
	for _, b := range boxes {
		if b.cell.Label {
			d.pdf.SetFillColor(238, 238, 238)
			d.pdf.RectFromUpperLeftWithStyle(b.x, d.y, b.w, h, "FD")
		} else {
			d.pdf.RectFromUpperLeftWithStyle(b.x, d.y, b.w, h, "D")
		}
		a := b.cell.Align
		if b.cell.Label {
			a = Center
		}
		top := d.y + (h-float64(len(b.lines))*lh)/2 // centred in the row
		for i, l := range b.lines {
			d.line(b.x+pad, b.w-2*pad, top+float64(i)*lh, l, size, a)
		}
	}
	d.y += h
}

// Stamp is the place of a seal (盖章处): a row with its label on the left
// and, on the right, an opinion, the signer and the date above a circle
// where the seal goes.
type Stamp struct {
	Label  string // e.g. 提供单位意见（盖章）
	Text   string // the opinion, or what the party states; may be empty for handwriting
	Signer string // e.g. "审批人：张三" or "经办人：" with room to sign
	Date   string // e.g. "2026 年 12 月 07 日"; empty prints the blanks "年　月　日"
}

// sealSize is the diameter of the seal's circle: an official seal is
// 40 to 42 mm across.
const sealSize = 116.0

// Stamp writes s; it is never split across pages.
func (d *Doc) Stamp(s Stamp) {
	size := BodySize
	lh := lineHeight(size)
	labelW := ContentWidth * 0.24
	bodyX, bodyW := marginX+labelW, ContentWidth-labelW
	labelLines := Wrap(s.Label, labelW-2*pad, d.adv(size))
	textLines := Wrap(s.Text, bodyW-2*pad, d.adv(size))
	date := s.Date
	if date == "" {
		date = "　　　　年　　月　　日"
	}
	// The signer stands left of the date, or on a line of its own above
	// it when the two do not fit side by side.
	signerLines := 0
	if s.Signer != "" {
		signerLines = len(Wrap(s.Signer, bodyW-2*pad, d.adv(size)))
		if signerLines == 1 && d.Width(s.Signer, size)+d.Width(date, size)+2*size > bodyW-2*pad {
			signerLines = 2
		}
	}
	dateLines := max(signerLines, 1)
	h := 2*pad + float64(len(textLines))*lh + sealSize + float64(dateLines)*lh
	h = max(h, 2*pad+float64(len(labelLines))*lh)
	d.room(h)
	d.pdf.SetLineWidth(0.6)
	d.pdf.SetStrokeColor(0, 0, 0)
	d.pdf.SetFillColor(238, 238, 238)
	d.pdf.RectFromUpperLeftWithStyle(marginX, d.y, labelW, h, "FD")
	d.pdf.RectFromUpperLeftWithStyle(bodyX, d.y, bodyW, h, "D")
	top := d.y + (h-float64(len(labelLines))*lh)/2
	for i, l := range labelLines {
		d.line(marginX+pad, labelW-2*pad, top+float64(i)*lh, l, size, Center)
	}
	for i, l := range textLines {
		d.line(bodyX+pad, bodyW-2*pad, d.y+pad+float64(i)*lh, l, size, Left)
	}
	// The seal's place: a dashed circle at the right, over the date line.
	cx := bodyX + bodyW - pad - sealSize/2 - 8
	cy := d.y + h - pad - float64(dateLines)*lh - sealSize/2
	d.pdf.SetStrokeColor(170, 170, 170)
	d.pdf.SetLineType("dashed")
	d.pdf.Oval(cx-sealSize/2, cy-sealSize/2, cx+sealSize/2, cy+sealSize/2)
	d.pdf.SetLineType("solid")
	d.pdf.SetStrokeColor(0, 0, 0)
	d.grey(cx-sealSize/2, cy-lh/2, sealSize, "盖章处", size)
	dateTop := d.y + h - pad - lh
	if s.Signer != "" {
		top := d.y + h - pad - float64(dateLines)*lh
		for i, l := range Wrap(s.Signer, bodyW-2*pad, d.adv(size)) {
			d.line(bodyX+pad, bodyW-2*pad, top+float64(i)*lh, l, size, Left)
		}
	}
	d.line(bodyX+pad, bodyW-2*pad, dateTop, date, size, Right)
	d.y += h
	d.y += size / 2
}

// grey writes s centred in a box of width w, in light grey.
func (d *Doc) grey(x, top, w float64, s string, size float64) {
	d.pdf.SetTextColor(150, 150, 150)
	d.runs(x+(w-d.Width(s, size))/2, top, s, size)
	d.pdf.SetTextColor(0, 0, 0)
}
