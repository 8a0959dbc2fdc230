package app

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestPublicURL(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		set, listen, want string
		tls, bad          bool
	}{
		{"https://data.zhuzhou.gov.cn/", "", "https://data.zhuzhou.gov.cn", false, false},
		{"http://127.0.0.1:8080/portal/", "", "http://127.0.0.1:8080/portal", false, false},
		{"", "127.0.0.1:43210", "http://127.0.0.1:43210", false, false},
		{"", "0.0.0.0:443", "https://localhost:443", true, false},
		{"", "[::]:8080", "http://localhost:8080", false, false},
		{"data.zhuzhou.gov.cn", "", "", false, true},
		{"ftp://data.zhuzhou.gov.cn", "", "", false, true},
		{"https://user:pw@data.zhuzhou.gov.cn", "", "", false, true},
		{"https://data.zhuzhou.gov.cn/?x=1", "", "", false, true},
		{"https://data.zhuzhou.gov.cn/#f", "", "", false, true},
	} {
		cfg := &Config{PublicURL: c.set}
		if c.tls {
			cfg.TLSCert = "cert.pem"
		}
		got, err := publicURL(cfg, c.listen, quiet)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("publicURL(%q, %q) = %q, %v; want %q (error %v)", c.set, c.listen, got, err, c.want, c.bad)
		}
	}
}

func FuzzPublicURL(f *testing.F) {
	for _, s := range []string{"https://data.zhuzhou.gov.cn", "http://[::1]:8080/x/", "javascript:alert(1)", "https://a b", "http://h/%zz", "//host/path"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := checkPublicURL(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, "?#\"<> \n") || strings.HasSuffix(u, "/") {
			t.Fatalf("checkPublicURL(%q) accepted %q", s, u)
		}
	})
}
