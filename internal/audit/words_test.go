package audit

import (
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/errs"
)

var (
	testMove  = errs.Define("audit.test.move", "%s → %s: %s", "%s → %s：%s")
	testState = errs.Define("audit.test.state", "pending", "待审批")
	testCount = errs.Define("audit.test.count", "%d rows", "%d 行")
	testCodes = DefineCodes("audit.test.code", Words{"a", "alpha", "甲"}, Words{"b", "beta", "乙"})
)

func TestKeyedDetail(t *testing.T) {
	for _, c := range []struct {
		name, detail, zh, en string
	}{
		{"nested state words", Keyed(testMove, testState.With(), "approved", "同意"), "待审批 → approved：同意", "pending → approved: 同意"},
		{"numbers stay numbers", Keyed(testCount, 42), "42 行", "42 rows"},
		{"a list of codes in words", Keyed(testMove, List(testCodes.Text("a"), testCodes.Text("b"), testCodes.Text("gone")), List(), "x"),
			"甲、乙、gone → 无：x", "alpha, beta, gone → none: x"},
		{"plain text as written", "version 1", "version 1", "version 1"},
		{"an unknown key as written", "§{\"k\":\"gone.key\"}", "§{\"k\":\"gone.key\"}", "§{\"k\":\"gone.key\"}"},
		{"broken JSON as written", "§{", "§{", "§{"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := DetailText(c.detail).In("zh-CN"); got != c.zh {
				t.Errorf("zh = %q, want %q", got, c.zh)
			}
			if got := DetailText(c.detail).In("en"); got != c.en {
				t.Errorf("en = %q, want %q", got, c.en)
			}
		})
	}
}

func TestWords(t *testing.T) {
	DefineAction("test.act", "act", "动作")
	DefineTarget("testrec", "record", "记录")
	if got := ActionText("test.act").In("zh-CN"); got != "动作" {
		t.Errorf("action = %q", got)
	}
	if got := ActionText("no.such").In("zh-CN"); got != "no.such" {
		t.Errorf("unknown action = %q", got)
	}
	if tg := ParseTarget("testrec:ch-1:x"); tg.Kind != "testrec" || tg.ID != "ch-1:x" || KindText(tg.Kind).In("en") != "record" {
		t.Errorf("target = %+v", tg)
	}
}

func FuzzDetailText(f *testing.F) {
	for _, s := range []string{Keyed(testMove, testState.With(), "a", "b"), "§{\"k\":\"audit.test.count\",\"a\":[{\"k\":1}]}", "§[]", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := DetailText(s).In("zh-CN")
		if !strings.HasPrefix(s, "§") && out != s {
			t.Errorf("plain detail %q read as %q", s, out)
		}
	})
}
