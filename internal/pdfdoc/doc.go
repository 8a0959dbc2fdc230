// Package pdfdoc writes printable A4 documents with Chinese text (forms,
// licences) in PDF, with the few layout pieces such documents are made of:
// a title, bordered tables whose cells wrap, paragraphs and a stamp box
// (盖章处) with its signature and 年 月 日 line.
//
// Text is drawn with a chain of TrueType fonts, character by character in
// the first font that has the glyph: DroidSansFallbackFull.ttf (Debian's
// fonts-droid-fallback) for common Chinese, HanaMinA.ttf for the rest of
// the BMP (Latin letters and digits among them, which the Droid fallback
// font lacks) and HanaMinB.ttf (both fonts-hanazono) for CJK Extension B
// and later, so that a rare name such as 𠮷 (U+20BB7) is printed and can
// be read back rather than silently dropped. A character no font has is
// printed as □.
//
// A Loader reads the fonts from bytes on first use (from each font's Debian
// directory, or from one directory the operator names) and keeps them for
// every document; a missing font is a keyed Unavailable error naming the
// Debian package that installs it.
//
//	fonts, err := loader.Fonts()
//	d := fonts.New(pdfdoc.Info{Title: "政务数据共享申请表"})
//	d.Title("政务数据共享申请表", 0)
//	d.Table(pdfdoc.Table{Widths: []float64{1, 3}, Rows: []pdfdoc.Row{{pdfdoc.Label("申请单位"), pdfdoc.Value("市人社局")}}})
//	d.Stamp(pdfdoc.Stamp{Label: "申请单位（盖章）"})
//	b, err := d.Bytes()
package pdfdoc
