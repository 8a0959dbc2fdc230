package pdfdoc

// Modules draws a two-dimensional code (a QR code's modules, true for
// dark, rows top to bottom) side points wide at the left margin, with
// caption lines beside it, and moves below it. It is never split across
// pages.
func (d *Doc) Modules(bits [][]bool, side float64, caption []string) {
	n := len(bits)
	if n == 0 {
		return
	}
	size := BodySize
	d.room(side)
	m := side / float64(n)
	d.pdf.SetFillColor(0, 0, 0)
	for i, row := range bits {
		for j, dark := range row {
			if dark {
				// a hair wider than the module so that neighbours join
				d.pdf.RectFromUpperLeftWithStyle(marginX+float64(j)*m, d.y+float64(i)*m, m+0.05, m+0.05, "F")
			}
		}
	}
	x := marginX + side + 12
	top := d.y + (side-float64(len(caption))*lineHeight(size))/2
	for i, l := range caption {
		d.line(x, ContentWidth-side-12, top+float64(i)*lineHeight(size), l, size, Left)
	}
	d.y += side + size/2
}

// Reserve makes sure h points are free below what is written so far on
// the current page, starting a new page when they are not: room for
// what another layer draws at the foot of the last page.
func (d *Doc) Reserve(h float64) { d.room(h) }

// MoveTo moves the position to y points from the top of the page (not
// below the bottom margin).
func (d *Doc) MoveTo(y float64) { d.y = min(max(y, marginTop), PageHeight-marginBottom) }

// Bottom is where the bottom margin starts, from the top of the page.
const Bottom = PageHeight - marginBottom
