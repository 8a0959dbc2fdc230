package node_test

import (
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/node"
)

func TestUnderBase(t *testing.T) {
	tests := []struct {
		base, target string
		ok           bool
	}{
		{"http://10.0.0.8/api", "http://10.0.0.8/api", true},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/verify?certNo=1", true},
		{"http://10.0.0.8/api/", "http://10.0.0.8/api/v1/x", true},
		{"http://10.0.0.8", "http://10.0.0.8/anything", true},
		{"http://10.0.0.8:80/api", "http://10.0.0.8/api/x", true},
		{"https://API.mzj.local/api", "https://api.mzj.local/api/x", true},
		{"http://10.0.0.8/api", "http://10.0.0.8/apikeys", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/../admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/%2e%2e/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/%252e%252e/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/./x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/..;/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/%2e%2e;/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/%2e%2e%3b/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/.;/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/x;jsessionid=1", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/．．/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/%EF%BC%8E%EF%BC%8E/admin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/人口/查询", true},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/a%2f..%2f..%2fadmin", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/a\\..\\admin", false},
		{"http://10.0.0.8/api", "https://10.0.0.8/api/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.9/api/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8:8080/api/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8.evil.example/api/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8@evil.example/api/x", false},
		{"http://10.0.0.8/api", "http://u:p@10.0.0.8/api/x", false},
		{"http://10.0.0.8/api", "http://10.0.0.8/api/x#frag", false},
		{"http://10.0.0.8/api", "//10.0.0.8/api/x", false},
		{"http://10.0.0.8/api", "/api/x", false},
		{"http://10.0.0.8/api", "http:10.0.0.8/api", false},
		{"http://10.0.0.8/api", "gopher://10.0.0.8/api", false},
		{"ftp://10.0.0.8/api", "ftp://10.0.0.8/api", false},
		{"http://[::1]:8080/api", "http://[::1]:8080/api/x", true},
		{"http://[::1]:8080/api", "http://[::2]:8080/api/x", false},
	}
	for _, tt := range tests {
		err := node.UnderBase(tt.base, tt.target)
		if (err == nil) != tt.ok {
			t.Errorf("UnderBase(%q, %q) = %v, want under: %v", tt.base, tt.target, err, tt.ok)
		}
	}
}

// FuzzUnderBase: whatever target is accepted reaches the base's host and
// port with a path that, cleaned as a server would, stays under the base.
func FuzzUnderBase(f *testing.F) {
	for _, s := range []string{"http://10.0.0.8/api/x", "http://10.0.0.8/api/../x", "http://10.0.0.8/api/%2e%2e/x", "http://10.0.0.8:80/api",
		"https://10.0.0.8/api", "http://10.0.0.8/apix", "http://10.0.0.8/api/a%2Fb", "http://10.0.0.8/api//x", "http://10.0.0.8/api/.%2e/x"} {
		f.Add("http://10.0.0.8/api", s)
	}
	f.Add("http://h", "http://h/x")
	f.Fuzz(func(t *testing.T, base, target string) {
		if node.UnderBase(base, target) != nil {
			return
		}
		b, _ := url.Parse(base)
		u, err := url.Parse(target)
		if err != nil {
			t.Fatalf("accepted an unparsable target %q", target)
		}
		if u.Scheme != b.Scheme || !strings.EqualFold(u.Hostname(), b.Hostname()) || u.User != nil {
			t.Fatalf("accepted %q outside %q", target, base)
		}
		prefix := strings.TrimRight(b.Path, "/")
		for _, p := range []string{u.Path, mustUnescape(u.Path)} {
			cleaned := path.Clean("/" + p)
			if prefix != "" && cleaned != path.Clean(prefix) && !strings.HasPrefix(cleaned, path.Clean(prefix)+"/") {
				t.Fatalf("accepted %q: its path cleans to %q, outside %q", target, cleaned, base)
			}
		}
	})
}

func mustUnescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
