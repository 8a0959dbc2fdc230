package web

import (
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestTemplatesParse(t *testing.T) {
	s, err := newServer(Deps{Logger: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"login", "dashboard", "regions", "departments", "users", "user", "roles", "audit", "account", "area", "error"} {
		if s.pages[page] == nil {
			t.Errorf("no template for page %q", page)
		}
	}
	for _, a := range []string{"app.css", "app.js", "vendor/htmx.min.js", "vendor/echarts.common.min.js"} {
		if !regexp.MustCompile(`^/static/.+\.[0-9a-f]{12}\.(js|css)$`).MatchString(s.assets[a]) {
			t.Errorf("asset %s has no content-hashed URL: %q", a, s.assets[a])
		}
	}
}

// TestMessagesComplete checks that every message key the console uses exists
// in every language, and that the catalogues hold the same keys.
func TestMessagesComplete(t *testing.T) {
	c, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages[1:] {
		for k := range c[Languages[0]] {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("%s lacks %q", lang, k)
			}
		}
		for k := range c[lang] {
			if _, ok := c[Languages[0]][k]; !ok {
				t.Errorf("%s has %q, which %s lacks", lang, k, Languages[0])
			}
		}
	}
	used := map[string]bool{}
	literal := regexp.MustCompile(`t \$?\.Lang "([a-z_.]+)"|s\.t\(r, "([a-z_.]+)"`)
	collect := func(text string) {
		for _, m := range literal.FindAllStringSubmatch(text, -1) {
			used[m[1]+m[2]] = true
		}
	}
	fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := templateFS.ReadFile(p)
			collect(string(b))
		}
		return err
	})
	goFiles, _ := fs.Glob(os.DirFS("."), "*.go")
	for _, f := range goFiles {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			collect(string(b))
		}
	}
	// Keys built at run time.
	for _, a := range plannedAreas {
		used["nav."+a], used["area."+a] = true, true
	}
	for _, k := range []string{"nav.regions", "nav.departments", "nav.users", "nav.roles", "nav.audit", "error.forbidden", "error.not_found", "error.internal"} {
		used[k] = true
	}
	if len(used) < 50 {
		t.Fatalf("found only %d message keys in use; the scan is broken", len(used))
	}
	for k := range used {
		for _, lang := range Languages {
			if _, ok := c[lang][k]; !ok {
				t.Errorf("%s lacks %q, which the console uses", lang, k)
			}
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/users?page=2", "/users?page=2"},
		{"/catalog/entries/301002?q=人口#top", "/catalog/entries/301002?q=人口#top"},
		{"/a%2509b", "/a%2509b"}, // an encoded percent sign is text, not a tab
		{"", "/"},
		{"users", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"/a\\b", "/"},
		{"/\t/evil.example", "/"}, // GET /login?next=/%09/evil.example
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\u00a0/evil.example", "/"},
		{"/\u2028/evil.example", "/"},
		{"/%2F/evil.example", "/"}, // a path that decodes to "//"
		{"/\xff", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSafeNext: whatever next is, the redirect target a browser resolves
// from the result stays on the platform.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/users?page=2", "//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example",
		"/%09/evil.example", "/.//evil.example", "/@evil.example", "/ /evil.example", "javascript:alert(1)", "/a:b", "/?next=//evil"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://platform.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q, want next itself or /", next, got)
		}
		// What a browser does first: drop tabs and line breaks, read
		// backslashes as slashes.
		browser := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, strings.TrimFunc(got, func(r rune) bool { return r <= ' ' }))
		ref, err := url.Parse(browser)
		if err != nil {
			t.Fatalf("safeNext(%q) = %q, which does not parse: %v", next, got, err)
		}
		if to := base.ResolveReference(ref); to.Host != base.Host || to.Scheme != base.Scheme || to.User != nil {
			t.Fatalf("safeNext(%q) = %q leads to %s", next, got, to)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || r == '\\' {
				t.Fatalf("safeNext(%q) = %q holds %q", next, got, r)
			}
		}
	})
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%d) = %q, want %q", in, got, want)
		}
	}
}
