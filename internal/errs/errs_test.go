package errs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var testMsg = Define("errs.test.param", "parameter %s is not allowed", "不允许参数 %s")

func TestPublicIn(t *testing.T) {
	label := Define("errs.test.label", "driver", "驱动")
	for _, c := range []struct {
		name      string
		err       error
		lang      string
		wantMsg   string
		wantField string
	}{
		{"keyed en", New(Invalid, testMsg, "allowAllFiles"), "en", "parameter allowAllFiles is not allowed", ""},
		{"keyed zh", New(Invalid, testMsg, "allowAllFiles"), "zh-CN", "不允许参数 allowAllFiles", ""},
		{"wrapped keeps key", fmt.Errorf("open: %w", New(Invalid, testMsg, "x")), "zh-CN", "不允许参数 x", ""},
		{"localized argument", New(Invalid, testMsg, label.With()), "zh-CN", "不允许参数 驱动", ""},
		{"field zh", FieldMsg("dsn", testMsg, "sslkey"), "zh-CN", "dsn：不允许参数 sslkey", "不允许参数 sslkey"},
		{"unkeyed stays", Wrap(errors.New("cause"), Forbidden, "as worded"), "zh-CN", "as worded", ""},
		{"internal hidden", errors.New("secret path /x"), "zh-CN", "内部错误", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, msg, fields := PublicIn(c.err, c.lang)
			if msg != c.wantMsg {
				t.Errorf("message = %q, want %q", msg, c.wantMsg)
			}
			if c.wantField != "" && fields["dsn"] != c.wantField {
				t.Errorf("field dsn = %q, want %q", fields["dsn"], c.wantField)
			}
		})
	}
}

func TestLang(t *testing.T) {
	for _, c := range []struct{ accept, def, want string }{
		{"", "en", "en"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "en", "zh-CN"},
		{"en-US,en;q=0.9", "zh-CN", "en"},
		{"zh;q=0, en", "zh-CN", "en"},
		{"fr-FR", "zh-CN", "zh-CN"},
	} {
		if got := Lang(c.accept, c.def); got != c.want {
			t.Errorf("Lang(%q, %q) = %q, want %q", c.accept, c.def, got, c.want)
		}
	}
}

func TestEncodeDecode(t *testing.T) {
	inner := Define("errs.test.inner", "the %s", "那个%s")
	outer := Define("errs.test.outer", "row %d: %s is %q", "第 %d 行：%s 是“%s”")
	tx := outer.With(3, inner.With("code"), "x1")
	enc := Encode(tx)
	got := Decode(enc)
	for _, lang := range Languages {
		if got.In(lang) != tx.In(lang) {
			t.Errorf("%s: decoded %q, want %q", lang, got.In(lang), tx.In(lang))
		}
	}
	if got.In("zh-CN") != "第 3 行：那个code 是“x1”" {
		t.Errorf("zh: %q", got.In("zh-CN"))
	}
	for _, s := range []string{"plain English", "§{not json", `§{"k":"no.such.key"}`, ""} {
		if d := Decode(s); d.In("zh-CN") != s {
			t.Errorf("Decode(%q) = %q, want it as it is", s, d.In("zh-CN"))
		}
	}
	if m := Decode(enc).MapArgs(func(s string) string { return strings.ReplaceAll(s, "x1", "**") }); m.In("en") != `row 3: the code is "**"` {
		t.Errorf("MapArgs: %q", m.In("en"))
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("§{\"k\":\"errs.field\",\"a\":[\"a\",{\"k\":\"errs.internal\"}]}")
	f.Add("plain")
	f.Add("§[1,2]")
	f.Fuzz(func(t *testing.T, s string) {
		d := Decode(s)
		for _, lang := range Languages {
			_ = d.In(lang)
		}
	})
}
