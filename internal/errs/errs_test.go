package errs

import (
	"errors"
	"fmt"
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
		{"unkeyed stays", E(Forbidden, "as worded"), "zh-CN", "as worded", ""},
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
