package pdfdoc_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/pdfdoc"
)

// testHas is a chain of three made-up fonts: 0 has the Chinese of the
// BMP, 1 has ASCII, the combining acute accent and □, 2 has every
// character beyond the BMP.
func testHas(font int, r rune) bool {
	switch font {
	case 0:
		return r >= 0x2E80 && r <= 0xFFFF && r != pdfdoc.Missing || r == 0x0301
	case 1:
		return r < 0x80 || r == 0x0301 || r == pdfdoc.Missing
	case 2:
		return r > 0xFFFF && r != 0x1F600
	}
	return false
}

func TestSplitRuns(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []pdfdoc.Run
	}{
		{"empty", "", nil},
		{"one font", "株洲市", []pdfdoc.Run{{0, "株洲市"}}},
		{"Latin, Chinese and Extension B", "No.1 𠮷田", []pdfdoc.Run{{1, "No.1 "}, {2, "𠮷"}, {0, "田"}}},
		{"a rare name inside text", "申请人𠮷𠮷野", []pdfdoc.Run{{0, "申请人"}, {2, "𠮷𠮷"}, {0, "野"}}},
		{"a mark stays with its letter", "e\u0301吉", []pdfdoc.Run{{1, "e\u0301"}, {0, "吉"}}},
		{"a character no font has", "吉\U0001F600吉", []pdfdoc.Run{{0, "吉"}, {1, "□"}, {0, "吉"}}},
		{"invalid UTF-8", "a\xffb", []pdfdoc.Run{{1, "a□b"}}},
		{"tabs, controls and selectors", "a\tb\x00\n吉\uFE00\u200D𠮷\U000E0100", []pdfdoc.Run{{1, "a b"}, {0, "吉"}, {2, "𠮷"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pdfdoc.SplitRuns(tc.in, 3, testHas); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SplitRuns(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

// The real chain: Chinese in the Droid fallback font; Latin letters and
// digits (which it lacks) and the Extension B characters of JIS X 0213 such
// as 𠮷 in HanaMinA; the rest of Extension B, such as 𪛖 (U+2A6D6), in
// HanaMinB.
func TestRunsOfTheChain(t *testing.T) {
	got := fonts(t).Runs("联系人：𠮷田 A1𪛖")
	want := []pdfdoc.Run{{0, "联系人："}, {1, "𠮷"}, {0, "田 "}, {1, "A1"}, {2, "𪛖"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Runs = %+v, want %+v", got, want)
	}
}

func FuzzSplitRuns(f *testing.F) {
	for _, s := range []string{"", "申请人𠮷野 No.1", "e\u0301\u0301", "\U0001F600\xff\t\n", "\u0301a", "吉\uFE00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		runs := pdfdoc.SplitRuns(s, 3, testHas)
		kept := 0
		for _, r := range s {
			if r == '\t' || r == utf8.RuneError || !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Cs, r) &&
				!unicode.Is(unicode.Variation_Selector, r) && !(r >= 0x180B && r <= 0x180D) {
				kept++
			}
		}
		n := 0
		for i, run := range runs {
			if run.Text == "" || i > 0 && runs[i-1].Font == run.Font || run.Font < 0 || run.Font > 2 {
				t.Fatalf("runs %+v: empty, repeated or unknown font at %d", runs, i)
			}
			for _, r := range run.Text {
				n++
				if !testHas(run.Font, r) && r != pdfdoc.Missing {
					t.Fatalf("runs %+v: font %d lacks %q", runs, run.Font, r)
				}
				if unicode.IsControl(r) {
					t.Fatalf("runs %+v hold a control character", runs)
				}
				if !unicode.In(r, unicode.Mn, unicode.Me) {
					for j := 0; j < run.Font; j++ {
						if testHas(j, r) {
							t.Fatalf("runs %+v: %q in font %d, but font %d has it", runs, r, run.Font, j)
						}
					}
				}
			}
		}
		if n != kept {
			t.Fatalf("SplitRuns(%q) = %+v: %d characters, want %d", s, runs, n, kept)
		}
	})
}

// testAdv: ASCII 5 points, marks nothing, anything else 10.
func testAdv(r rune) float64 {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	case r < 0x80:
		return 5
	}
	return 10
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		width float64
		want  []string
	}{
		{"empty", "", 100, nil},
		{"only line breaks", "\n\r\n", 100, nil},
		{"fits", "abc", 100, []string{"abc"}},
		{"Chinese breaks anywhere", "一二三四五六七八九十", 50, []string{"一二三四五", "六七八九十"}},
		{"a comma does not begin a line", "一二三四，五", 40, []string{"一二三", "四，五"}},
		{"an opening bracket does not end a line", "一二三（四）", 40, []string{"一二三", "（四）"}},
		{"words break at spaces", "hello world foo", 60, []string{"hello world", "foo"}},
		{"spaces at a break are dropped", "aaaa    bbbb", 20, []string{"aaaa", "bbbb"}},
		{"a word wider than the line", "abcdefghij", 20, []string{"abcd", "efgh", "ij"}},
		{"Latin inside Chinese", "参保ABC人员", 30, []string{"参保", "ABC人", "员"}},
		{"line breaks and blank lines", "a\n\nb\r\nc\n", 100, []string{"a", "", "b", "c"}},
		{"tabs and controls", "a\tb\x00c", 100, []string{"a bc"}},
		{"one character wider than the line", "一二", 5, []string{"一", "二"}},
		{"a date stays whole", "有效期至 2027-12-31", 80, []string{"有效期至", "2027-12-31"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pdfdoc.Wrap(tc.in, tc.width, testAdv); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Wrap(%q, %g) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
		})
	}
}

func FuzzWrap(f *testing.F) {
	f.Add("核验参保人员身份，用于社保参保登记（测试）。", 35.0)
	f.Add("hello world  foo\nbar\r\n\nbaz", 12.0)
	f.Add("e\u0301\u0301））））", 1.0)
	f.Fuzz(func(t *testing.T, s string, width float64) {
		if width != width || width < 1 || width > 1000 || len(s) > 4000 {
			return
		}
		lines := pdfdoc.Wrap(s, width, testAdv)
		var got strings.Builder
		for _, l := range lines {
			w := 0.0
			for _, r := range l {
				w += testAdv(r)
			}
			if w > width && utf8.RuneCountInString(strings.TrimRightFunc(l, func(r rune) bool { return unicode.In(r, unicode.Mn, unicode.Me) })) > 1 {
				t.Fatalf("Wrap(%q, %g): line %q is %g wide", s, width, l, w)
			}
			if strings.ContainsAny(l, "\n\r") {
				t.Fatalf("Wrap(%q, %g): line %q holds a line break", s, width, l)
			}
			got.WriteString(l)
		}
		// Every printed character is kept, in order; only spaces and
		// line breaks move.
		flat := func(s string) string {
			var b strings.Builder
			for _, r := range s {
				switch {
				case r == utf8.RuneError:
					b.WriteRune(pdfdoc.Missing)
				case r == ' ' || r == '\t' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cs, r) ||
					unicode.Is(unicode.Variation_Selector, r) || r >= 0x180B && r <= 0x180D:
				default:
					b.WriteRune(r)
				}
			}
			return b.String()
		}
		if a, b := flat(got.String()), flat(s); a != b {
			t.Fatalf("Wrap(%q, %g) = %q: printed %q, want %q", s, width, lines, a, b)
		}
	})
}
