package org_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/org"
)

func TestHashPasswordFormat(t *testing.T) {
	h1, err := org.HashPassword("Secret-Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	h2, err := org.HashPassword("Secret-Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(h1, want) {
		t.Errorf("HashPassword() = %q, want prefix %q", h1, want)
	}
	if got, want := len(strings.Split(h1, "$")), 6; got != want {
		t.Errorf("HashPassword() has %d $-separated parts, want %d", got, want)
	}
	if h1 == h2 {
		t.Errorf("two hashes of the same password are equal (%q): the salt is not random", h1)
	}
}

func TestCheckPasswordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		pw   string
	}{
		{name: "ascii", pw: "Secret-Passw0rd"},
		{name: "chinese", pw: "株洲市荷塘区-2024"},
		{name: "empty", pw: ""},
		{name: "max length", pw: strings.Repeat("Aa1-", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := org.HashPassword(tt.pw)
			if err != nil {
				t.Fatal(err)
			}
			if !org.CheckPassword(h, tt.pw) {
				t.Errorf("CheckPassword(HashPassword(%q), %q) = false, want true", tt.pw, tt.pw)
			}
			for _, wrong := range []string{tt.pw + "x", strings.ToUpper(tt.pw) + "!", " " + tt.pw} {
				if org.CheckPassword(h, wrong) {
					t.Errorf("CheckPassword(HashPassword(%q), %q) = true, want false", tt.pw, wrong)
				}
			}
		})
	}
}

// checkNoPanic calls CheckPassword, turning a panic into a test error.
func checkNoPanic(t *testing.T, hash, pw string) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("CheckPassword(%q, %q) panicked: %v", hash, pw, r)
			ok = false
		}
	}()
	return org.CheckPassword(hash, pw)
}

func TestCheckPasswordMalformed(t *testing.T) {
	const pw = "Secret-Passw0rd"
	good, err := org.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$") // "", argon2id, v=19, params, salt, key
	with := func(i int, s string) string {
		p := append([]string(nil), parts...)
		p[i] = s
		return strings.Join(p, "$")
	}
	b64 := base64.RawStdEncoding.EncodeToString
	tests := []struct {
		name string
		hash string
	}{
		{name: "empty", hash: ""},
		{name: "plain text", hash: pw},
		{name: "only dollars", hash: "$$$$$"},
		{name: "too few parts", hash: strings.Join(parts[:5], "$")},
		{name: "too many parts", hash: good + "$extra"},
		{name: "argon2i", hash: with(1, "argon2i")},
		{name: "bcrypt", hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "params not numbers", hash: with(3, "m=a,t=b,p=c")},
		{name: "params missing", hash: with(3, "")},
		{name: "params reordered", hash: with(3, "t=2,m=19456,p=1")},
		{name: "zero parallelism", hash: with(3, "m=19456,t=2,p=0")},
		{name: "parallelism overflows uint8", hash: with(3, "m=19456,t=2,p=256")},
		{name: "negative memory", hash: with(3, "m=-1,t=2,p=1")},
		{name: "memory too large", hash: with(3, fmt.Sprintf("m=%d,t=2,p=1", 1<<22+1))},
		{name: "time too large", hash: with(3, "m=19456,t=17,p=1")},
		{name: "zero time", hash: with(3, "m=19456,t=0,p=1")},
		{name: "salt not base64", hash: with(4, "!!!not base64!!!")},
		{name: "salt padded base64", hash: with(4, base64.StdEncoding.EncodeToString([]byte("0123456789abcdeX")))},
		{name: "key not base64", hash: with(5, "***")},
		{name: "key empty", hash: with(5, "")},
		{name: "key longer than 64 bytes", hash: with(5, b64(make([]byte, 65)))},
		{name: "key truncated", hash: with(5, parts[5][:len(parts[5])-4])},
		{name: "key of other password", hash: with(5, b64(make([]byte, 32)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if checkNoPanic(t, tt.hash, pw) {
				t.Errorf("CheckPassword(%q, %q) = true, want false", tt.hash, pw)
			}
		})
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{name: "empty", pw: ""},
		{name: "nine characters, four classes", pw: "Abcdef1-x"},
		{name: "ten lower case", pw: "abcdefghij"},
		{name: "lower and digits", pw: "abcdefghi1"},
		{name: "upper and symbols", pw: "ABCDEFGHI!"},
		{name: "only chinese", pw: "株洲市荷塘区芦淞区石峰区"},
		{name: "upper lower digit", pw: "Abcdefghi1", ok: true},
		{name: "lower digit symbol", pw: "abcdefgh1!", ok: true},
		{name: "upper digit symbol", pw: "ABCDEFGH1!", ok: true},
		{name: "upper lower symbol", pw: "Abcdefghi-", ok: true},
		{name: "all four", pw: "Zhuzhou-2024", ok: true},
		{name: "chinese counts as symbol", pw: "密码Abcdefgh", ok: true},
		{name: "ten runes of more bytes", pw: "Ab1密码密码密码密", ok: true},
		{name: "nine runes of many bytes", pw: "Ab1密码密码密码"},
		{name: "256 bytes", pw: strings.Repeat("Aa1-", 64), ok: true},
		{name: "257 bytes", pw: strings.Repeat("Aa1-", 64) + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := org.CheckPasswordPolicy(tt.pw)
			if got := err == nil; got != tt.ok {
				t.Errorf("CheckPasswordPolicy(%q) = %v, want ok = %v", tt.pw, err, tt.ok)
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pw := org.GeneratePassword()
		if err := org.CheckPasswordPolicy(pw); err != nil {
			t.Errorf("GeneratePassword() = %q fails the policy: %v", pw, err)
		}
		if seen[pw] {
			t.Errorf("GeneratePassword() returned %q twice", pw)
		}
		seen[pw] = true
	}
}

func FuzzCheckPassword(f *testing.F) {
	good, err := org.HashPassword("Secret-Passw0rd")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "Secret-Passw0rd")
	f.Add(good, "")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5", "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=4$$AA", "")
	f.Add("$argon2id$$$$$", "x")
	f.Add("", "")
	f.Add("$argon2id$$m=0,t=0,p=1$$00", "")
	f.Add("$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "x")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		ok := org.CheckPassword(hash, pw)
		if ok && !strings.HasPrefix(hash, "$argon2id$") {
			t.Errorf("CheckPassword(%q, %q) = true for a hash that is not argon2id", hash, pw)
		}
	})
}
