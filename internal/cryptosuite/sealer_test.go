package cryptosuite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "secrets.key")
	s, err := LoadSealer(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v; want mode 0600", fi, err)
	}
	const dsn = "postgres://gaj:口令secret@10.0.0.5/hj"
	sealed := s.Seal(dsn)
	if strings.Contains(sealed, "secret") || !strings.HasPrefix(sealed, sealedPrefix) {
		t.Fatalf("sealed = %q", sealed)
	}
	again, err := LoadSealer(path) // the same key from the file
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed); err != nil || got != dsn {
		t.Fatalf("Open = %q, %v", got, err)
	}
	tampered := sealed[:len(sealed)-4] + "AAAA"
	for _, bad := range []string{"", "plain text", sealedPrefix + "!!", tampered} {
		if _, err := s.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if _, err := RandomSealer().Open(sealed); err == nil {
		t.Error("another key opened the value")
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := LoadSealer(path); err == nil {
		t.Error("a malformed key file was accepted")
	}
}
