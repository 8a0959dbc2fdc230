package pdfdoc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/signintech/gopdf"
	"github.com/signintech/gopdf/fontmaker/core"

	"github.com/govshare/govshare/internal/errs"
)

// Font is one TrueType font of a fallback chain and the Debian package
// that installs it.
type Font struct {
	File    string // file name, e.g. DroidSansFallbackFull.ttf
	Dir     string // where the Debian package installs it
	Package string // the Debian package
}

// Chain is the default fallback chain, first choice first.
var Chain = []Font{
	{File: "DroidSansFallbackFull.ttf", Dir: "/usr/share/fonts/truetype/droid", Package: "fonts-droid-fallback"},
	{File: "HanaMinA.ttf", Dir: "/usr/share/fonts/truetype/hanazono", Package: "fonts-hanazono"},
	{File: "HanaMinB.ttf", Dir: "/usr/share/fonts/truetype/hanazono", Package: "fonts-hanazono"},
}

// path is where f is read from: dir when given, else its Debian directory.
func (f Font) path(dir string) string {
	if dir == "" {
		dir = f.Dir
	}
	return filepath.Join(dir, f.File)
}

// family is f's name inside a document.
func (f Font) family() string { return strings.TrimSuffix(f.File, filepath.Ext(f.File)) }

// face is a parsed font: its glyph map and advance widths.
type face struct {
	Font
	chars  map[int]uint
	groups []core.CmapFormat12GroupingTable
	widths []uint
	upem   float64
}

// glyph returns the glyph of r, 0 when the font has none.
func (f *face) glyph(r rune) uint {
	if r <= 0xFFFF {
		return f.chars[int(r)]
	}
	v := uint(r)
	for _, g := range f.groups {
		if v >= g.StartCharCode && v <= g.EndCharCode {
			return g.GlyphID + v - g.StartCharCode
		}
	}
	return 0
}

// advance is the width of glyph g at size points.
func (f *face) advance(g uint, size float64) float64 {
	if len(f.widths) == 0 {
		return size
	}
	if g >= uint(len(f.widths)) {
		g = uint(len(f.widths) - 1)
	}
	return float64(f.widths[g]) * size / f.upem
}

// Fonts is a loaded fallback chain, shared by every document made with it.
type Fonts struct {
	faces     []*face
	container gopdf.FontContainer
}

// Load reads the fonts of chain (Chain when nil) from dir, or from each
// font's Debian directory when dir is empty. A font that is missing or
// unusable is a keyed Unavailable error naming its Debian package.
func Load(dir string, chain []Font) (*Fonts, error) {
	if chain == nil {
		chain = Chain
	}
	out := &Fonts{}
	for _, f := range chain {
		path := f.path(dir)
		b, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errs.WrapMsg(err, errs.Unavailable, msgFontMissing, f.File, f.Package)
			}
			return nil, errs.WrapMsg(err, errs.Unavailable, msgFontUnusable, f.File, f.Package)
		}
		var ttf core.TTFParser
		if err := ttf.ParseFontData(b); err != nil {
			return nil, errs.WrapMsg(fmt.Errorf("%s: %w", path, err), errs.Unavailable, msgFontUnusable, f.File, f.Package)
		}
		fc := &face{Font: f, chars: ttf.Chars(), groups: ttf.GroupingTables(), widths: ttf.Widths()}
		if fc.upem = float64(ttf.UnitsPerEm()); fc.upem == 0 {
			fc.upem = 1000
		}
		if err := out.container.AddTTFFontData(f.family(), b); err != nil {
			return nil, errs.WrapMsg(fmt.Errorf("%s: %w", path, err), errs.Unavailable, msgFontUnusable, f.File, f.Package)
		}
		out.faces = append(out.faces, fc)
	}
	if len(out.faces) == 0 {
		return nil, errors.New("pdfdoc: no fonts in the chain")
	}
	return out, nil
}

// Check reports the first font of chain (Chain when nil) that is not a
// readable file, without parsing any; for a warning at start-up.
func Check(dir string, chain []Font) error {
	if chain == nil {
		chain = Chain
	}
	for _, f := range chain {
		st, err := os.Stat(f.path(dir))
		if err == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("%s is not a file", f.path(dir))
		}
		if err != nil {
			return errs.WrapMsg(err, errs.Unavailable, msgFontMissing, f.File, f.Package)
		}
	}
	return nil
}

// Loader loads a chain on first use and keeps it. A failed load is tried
// again at the next use, so installing a missing package needs no restart.
// The zero Loader reads Chain from the Debian directories.
type Loader struct {
	Dir   string // one directory holding every font; empty: each font's Debian directory
	Chain []Font // nil: Chain

	mu    sync.Mutex
	fonts *Fonts
}

// Fonts returns the loaded chain.
func (l *Loader) Fonts() (*Fonts, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fonts != nil {
		return l.fonts, nil
	}
	f, err := Load(l.Dir, l.Chain)
	if err != nil {
		return nil, err
	}
	l.fonts = f
	return f, nil
}

// Check is the package's Check for the loader's chain and directory.
func (l *Loader) Check() error { return Check(l.Dir, l.Chain) }

// Missing is what a character no font has is printed as.
const Missing = '□'

// pick returns the first font that has r, or -1.
func (f *Fonts) pick(r rune) int {
	for i, fc := range f.faces {
		if fc.glyph(r) != 0 {
			return i
		}
	}
	return -1
}

// advance is the width of r at size, in the font that draws it.
func (f *Fonts) advance(r rune, size float64) float64 {
	i := f.pick(r)
	if i < 0 {
		r, i = Missing, max(f.pick(Missing), 0)
	}
	fc := f.faces[i]
	return fc.advance(fc.glyph(r), size)
}

// has reports whether font i has r.
func (f *Fonts) has(i int, r rune) bool { return f.faces[i].glyph(r) != 0 }

// Runs splits s into runs of the fonts that draw it (see SplitRuns).
func (f *Fonts) Runs(s string) []Run { return SplitRuns(s, len(f.faces), f.has) }

// Width is the width of s at size points, drawn as Runs draws it.
func (f *Fonts) Width(s string, size float64) float64 {
	w := 0.0
	for _, run := range f.Runs(s) {
		fc := f.faces[run.Font]
		for _, r := range run.Text {
			w += fc.advance(fc.glyph(r), size)
		}
	}
	return w
}
