package quality

import (
	"errors"
	"testing"
)

// A check's failure is a keyed message: said in English and in Chinese.
func TestProblemsInBothLanguages(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		en, zh string
	}{
		{"check character", CheckIDNumber("110105194912310021"), `ID number: check character is "1", want "X"`, "身份证号：校验码是“1”，应为“X”"},
		{"length", CheckIDNumber("11010519491231002"), "ID number: must be 18 characters, got 17", "身份证号：应为 18 位，实为 17 位"},
		{"character", CheckIDNumber("1101051949123100AX"), `ID number: character 17 is "A", want a digit`, "身份证号：第 17 位是“A”，应为数字"},
		{"province", CheckDivisionCodeFormat("990000"), `division code: "99" is not a province code`, "行政区划代码：“99”不是省级代码"},
	} {
		if c.err == nil {
			t.Fatalf("%s: no error", c.name)
		}
		if got := TextOf(c.err).In("en"); got != c.en || c.err.Error() != c.en {
			t.Errorf("%s: en %q / %q, want %q", c.name, got, c.err.Error(), c.en)
		}
		if got := TextOf(c.err).In("zh-CN"); got != c.zh {
			t.Errorf("%s: zh %q, want %q", c.name, got, c.zh)
		}
	}
	if !errors.Is(CheckIDNumber("110105194912310021"), ErrCheckCharacter) {
		t.Error("a check character mismatch no longer unwraps to ErrCheckCharacter")
	}
}
