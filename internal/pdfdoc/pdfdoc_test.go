package pdfdoc_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
)

// loader is shared by the tests: the fonts are parsed once.
var loader pdfdoc.Loader

func fonts(t *testing.T) *pdfdoc.Fonts {
	t.Helper()
	f, err := loader.Fonts()
	if err != nil {
		t.Fatalf("fonts (CI installs fonts-droid-fallback and fonts-hanazono): %v", err)
	}
	return f
}

// squeeze drops white space, which pdftotext places as it sees fit.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// sample writes a document with every layout piece.
func sample(t testing.TB, f *pdfdoc.Fonts, rows int) []byte {
	d := f.New(pdfdoc.Info{Title: "政务数据共享申请表", Footer: "申请编号 12"})
	d.Title("政务数据共享申请表", 0)
	d.Pair("申请编号：12", "打印时间：2026-12-07 21:30", 0)
	tbl := pdfdoc.Table{Widths: []float64{1, 2, 1, 2}, Header: 0}
	tbl.Rows = append(tbl.Rows,
		pdfdoc.Row{pdfdoc.Label("申请单位"), pdfdoc.Value("株洲市人力资源和社会保障局"), pdfdoc.Label("联系人"), pdfdoc.Value("𠮷田春花 13800000000")},
		pdfdoc.Row{pdfdoc.Label("用途"), pdfdoc.Value(strings.Repeat("核验参保人员身份，", 40) + "ABC def 2026-12-07").Spans(3)},
	)
	for i := 0; i < rows; i++ {
		tbl.Rows = append(tbl.Rows, pdfdoc.Row{pdfdoc.Label("信息项"), pdfdoc.Value("姓名 name"), pdfdoc.Label("脱敏"), pdfdoc.Value("姓名")})
	}
	d.Table(tbl)
	d.Stamp(pdfdoc.Stamp{Label: "提供单位意见（盖章）", Text: "同意。", Signer: "审批人：𪛖野", Date: "2026 年 12 月 07 日"})
	d.Stamp(pdfdoc.Stamp{Label: "申请单位（盖章）", Signer: "经办人："})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A document's text reads back as written: Chinese, Latin and digits, a
// name with an Extension B character (𠮷, U+20BB7, which only HanaMinB
// has), the stamp's label, its place and its date line.
func TestTextReadsBack(t *testing.T) {
	f := fonts(t)
	b := sample(t, f, 3)
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 16)])
	}
	text := squeeze(pdftest.Text(t, b))
	for _, want := range []string{"政务数据共享申请表", "申请编号：12", "株洲市人力资源和社会保障局", "𠮷田春花", "13800000000", "ABCdef2026-12-07",
		"提供单位意见（盖章）", "审批人：𪛖野", "2026年12月07日", "申请单位（盖章）", "盖章处", "年月日", "第1页共1页", "申请编号12"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "核验参保人员身份"); n != 40 {
		t.Errorf("the wrapped paragraph reads back %d times, want 40", n)
	}
}

// A long table goes on over pages, each page numbered of all.
func TestTableOverPages(t *testing.T) {
	f := fonts(t)
	text := squeeze(pdftest.Text(t, sample(t, f, 120)))
	var pages []string
	for _, m := range regexp.MustCompile(`第(\d+)页共(\d+)页`).FindAllStringSubmatch(text, -1) {
		pages = append(pages, m[1]+"/"+m[2])
	}
	if want := []string{"1/6", "2/6", "3/6", "4/6", "5/6", "6/6"}; !reflect.DeepEqual(pages, want) {
		t.Errorf("pages numbered %q, want %q", pages, want)
	}
	if n := strings.Count(text, "姓名name"); n != 120 {
		t.Errorf("%d item rows read back, want 120", n)
	}
}

// A missing font is a keyed Unavailable error naming its Debian package,
// in both languages; the loader tries again once it is there.
func TestMissingFont(t *testing.T) {
	dir := t.TempDir()
	l := pdfdoc.Loader{Dir: dir}
	_, err := l.Fonts()
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("missing fonts: %v, want an unavailable error", err)
	}
	_, en, _ := errs.PublicIn(err, "en")
	_, zh, _ := errs.PublicIn(err, "zh-CN")
	if !strings.Contains(en, "fonts-droid-fallback") || !strings.Contains(en, "DroidSansFallbackFull.ttf") || !strings.Contains(zh, "请安装 Debian 软件包 fonts-droid-fallback") {
		t.Errorf("the error does not name the font and its package: en %q, zh %q", en, zh)
	}
	if strings.Contains(en, dir) {
		t.Errorf("the error shows the server's directory: %q", en)
	}
	if err := l.Check(); !errs.Is(err, errs.Unavailable) {
		t.Errorf("Check: %v", err)
	}
	for _, name := range []string{"DroidSansFallbackFull.ttf", "HanaMinA.ttf"} {
		src := filepath.Join(map[string]string{"DroidSansFallbackFull.ttf": "/usr/share/fonts/truetype/droid", "HanaMinA.ttf": "/usr/share/fonts/truetype/hanazono"}[name], name)
		if err := os.Symlink(src, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = l.Fonts()
	if _, en, _ := errs.PublicIn(err, "en"); !strings.Contains(en, "HanaMinB.ttf") || !strings.Contains(en, "fonts-hanazono") {
		t.Errorf("with HanaMinB missing: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "HanaMinB.ttf"), []byte("not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = l.Fonts()
	if _, en, _ := errs.PublicIn(err, "en"); !errs.Is(err, errs.Unavailable) || !strings.Contains(en, "not a TrueType font") {
		t.Errorf("with a file that is no font: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "HanaMinB.ttf")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", filepath.Join(dir, "HanaMinB.ttf")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Fonts(); err != nil {
		t.Errorf("once every font is there: %v", err)
	}
}

// Documents written at once share the fonts safely (run with -race).
func TestConcurrentDocuments(t *testing.T) {
	f := fonts(t)
	var wg sync.WaitGroup
	out := make([][]byte, 4)
	for i := range out {
		wg.Go(func() { out[i] = sample(t, f, 10) })
	}
	wg.Wait()
	for i, b := range out {
		if !strings.Contains(squeeze(pdftest.Text(t, b)), "𠮷田春花") {
			t.Errorf("document %d lost the name", i)
		}
	}
}

// BenchmarkDocument writes a two-page form-like document; the fonts are
// loaded once, outside the loop.
func BenchmarkDocument(b *testing.B) {
	f, err := loader.Fonts()
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		size = len(sample(b, f, 3))
	}
	b.ReportMetric(float64(size), "bytes/doc")
}

// BenchmarkLoad reads and parses the three fonts of the chain.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := pdfdoc.Load("", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// A row taller than a page goes on over the pages it needs, the header
// row above it again on each, and nothing is lost.
func TestRowTallerThanAPage(t *testing.T) {
	d := fonts(t).New(pdfdoc.Info{})
	d.Text("前文", 0, pdfdoc.Left)
	var long []string
	for i := range 150 {
		long = append(long, fmt.Sprintf("第%03d行", i))
	}
	d.Table(pdfdoc.Table{Widths: []float64{1, 1}, Header: 1, Rows: []pdfdoc.Row{
		{pdfdoc.Label("表头甲"), pdfdoc.Label("表头乙")},
		{pdfdoc.Value("短"), pdfdoc.Value(strings.Join(long, "\n"))},
	}})
	pages := d.Pages()
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := squeeze(pdftest.Text(t, b))
	if pages < 3 || strings.Count(text, "表头甲") != pages {
		t.Errorf("%d pages, the header %d times; want 3 or more, once a page", pages, strings.Count(text, "表头甲"))
	}
	for i := range 150 {
		if !strings.Contains(text, fmt.Sprintf("第%03d行", i)) {
			t.Fatalf("line %d is lost", i)
		}
	}
}

// A layer drawn over another page has no page numbers; a code's caption
// stands beside it.
func TestLayerAndModules(t *testing.T) {
	f := fonts(t)
	for _, tc := range []struct {
		name      string
		bare      bool
		wantPages bool
	}{{"numbered", false, true}, {"layer", true, false}} {
		t.Run(tc.name, func(t *testing.T) {
			d := f.New(pdfdoc.Info{NoPageNumbers: tc.bare})
			d.MoveTo(pdfdoc.Bottom - 120)
			d.Modules([][]bool{{true, false}, {false, true}}, 40, []string{"扫码核验 𠮷"})
			b, err := d.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			text := squeeze(pdftest.Text(t, b))
			if got := strings.Contains(text, "第1页共1页"); got != tc.wantPages {
				t.Errorf("page numbers printed: %v, want %v: %q", got, tc.wantPages, text)
			}
			if !strings.Contains(text, "扫码核验𠮷") || d.Pages() != 1 {
				t.Errorf("caption %q, pages %d", text, d.Pages())
			}
		})
	}
}
