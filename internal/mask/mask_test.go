package mask_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
)

// TestRules lists the rule names; they must equal catalog.Maskings.Values().
func TestRules(t *testing.T) {
	want := []string{"none", "name", "id_number", "phone", "address", "bank_card", "email", "full", "hash"}
	if got := mask.Rules(); !slices.Equal(got, want) {
		t.Errorf("Rules() = %q, want %q", got, want)
	}
	for _, r := range want {
		if !mask.Valid(r) {
			t.Errorf("Valid(%q) = false", r)
		}
	}
	if mask.Valid("") || mask.Valid("NAME") {
		t.Error("Valid accepts an unknown rule")
	}
}

func sm3hex(s string) string {
	sum := sm3.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestApply(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rule string
		in   any
		want any
	}{
		{"none keeps", mask.None, "张三丰", "张三丰"},
		{"none keeps an int", mask.None, int64(42), int64(42)},
		{"nil stays nil", mask.Full, nil, nil},
		{"nil stays nil under hash", mask.Hash, nil, nil},

		{"name", mask.Name, "张三丰", "张**"},
		{"name of two", mask.Name, "段誉", "段**"},
		{"name of one", mask.Name, "张", "*"},
		{"name trimmed", mask.Name, "  欧阳修 ", "欧**"},
		{"name latin", mask.Name, "Alice", "A**"},
		{"name empty", mask.Name, "", ""},

		{"id 18", mask.IDNumber, "110105199001010123", "110105********0123"},
		{"id 18 with X", mask.IDNumber, "11010519900101012X", "110105********012X"},
		{"id 15", mask.IDNumber, "110105900101012", "110105******012"},
		{"id short", mask.IDNumber, "12345678", "12****78"},
		{"id tiny", mask.IDNumber, "123", "***"},
		{"id as number", mask.IDNumber, int64(110105199001010123), "110105********0123"},

		{"mobile", mask.Phone, "13800138000", "138****8000"},
		{"mobile +86", mask.Phone, "+86 138-0013-8000", "138****8000"},
		{"mobile as int", mask.Phone, int64(13800138000), "138****8000"},
		{"landline", mask.Phone, "010-62345678", "010-******78"},
		{"landline 4-digit area", mask.Phone, "0571 88881234", "057* ******34"},
		{"short number", mask.Phone, "12345", "1***5"},
		{"hotline", mask.Phone, "110", "***"},

		{"address municipality", mask.Address, "北京市海淀区中关村大街27号", "北京市海淀区****"},
		{"address province", mask.Address, "浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区****"},
		{"address new district", mask.Address, "上海市浦东新区世纪大道100号", "上海市浦东新区****"},
		{"address county-level city", mask.Address, "江苏省苏州市昆山市玉山镇1号", "江苏省苏州市昆山市****"},
		{"address county", mask.Address, "河北省保定市涞水县城关镇", "河北省保定市涞水县****"},
		{"address banner", mask.Address, "内蒙古自治区呼和浩特市土默特左旗察素齐镇", "内蒙古自治区呼和浩特市土默特左旗****"},
		{"address autonomous region", mask.Address, "广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市青秀区****"},
		{"address autonomous prefecture", mask.Address, "湖北省恩施土家族苗族自治州恩施市舞阳大道", "湖北省恩施土家族苗族自治州恩施市****"},
		{"address city and district", mask.Address, "杭州市西湖区文三路90号", "杭州市西湖区****"},
		{"address 东城区", mask.Address, "北京市东城区东长安街", "北京市东城区****"},
		{"address only administrative", mask.Address, "北京市海淀区", "北京市海淀区"},
		{"address residential area is not a county", mask.Address, "阳光小区5幢301室", "阳光小区5****"},
		{"address unrecognised", mask.Address, "中关村大街27号院3号楼", "中关村大街2****"},
		{"address short", mask.Address, "文三路9号", "文三****"},

		{"bank card", mask.BankCard, "6222021234567890123", "6222***********0123"},
		{"bank card grouped", mask.BankCard, "6222 0212 3456 7890", "6222********7890"},
		{"bank card short", mask.BankCard, "12345678", "12****78"},

		{"email", mask.Email, "zhangsan@example.com", "z***@example.com"},
		{"email Chinese", mask.Email, "张三@例子.中国", "张***@例子.中国"},
		{"email empty local", mask.Email, "@example.com", "***@example.com"},
		{"email no at", mask.Email, "zhangsan", "z***"},

		{"full", mask.Full, "张三丰", "******"},
		{"full int", mask.Full, int64(7), "******"},
		{"full time", mask.Full, day, "******"},
		{"full empty", mask.Full, "", "******"},
		{"unknown rule covers", "rot13", "secret", "******"},

		{"hash", mask.Hash, "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
		{"hash bytes", mask.Hash, []byte("abc"), sm3hex("abc")},
		{"hash int", mask.Hash, int64(42), sm3hex("42")},
		{"hash float", mask.Hash, 1.5, sm3hex("1.5")},
		{"hash date", mask.Hash, day, sm3hex("2024-03-05")},
		{"hash time", mask.Hash, day.Add(90 * time.Minute), sm3hex("2024-03-05T01:30:00Z")},
		{"hash Chinese", mask.Hash, "张三", sm3hex("张三")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mask.Apply(tt.rule, tt.in); got != tt.want {
				t.Errorf("Apply(%q, %#v) = %#v, want %#v", tt.rule, tt.in, got, tt.want)
			}
		})
	}
}

func TestLevelAndAtLeast(t *testing.T) {
	if !(mask.Level(mask.None) < mask.Level(mask.Name) && mask.Level(mask.Name) < mask.Level(mask.Hash) && mask.Level(mask.Hash) < mask.Level(mask.Full)) {
		t.Fatal("levels are not none < partial < hash < full")
	}
	if got := mask.Level("bogus"); got != -1 {
		t.Errorf("Level(bogus) = %d, want -1", got)
	}
	tests := []struct {
		def, chosen string
		wantErr     string // "" for allowed
	}{
		{mask.None, mask.None, ""},
		{mask.None, mask.Phone, ""},
		{mask.Phone, mask.Phone, ""},
		{mask.Phone, mask.Hash, ""},
		{mask.Phone, mask.Full, ""},
		{mask.Hash, mask.Full, ""},
		{mask.Full, mask.Full, ""},
		{mask.Phone, mask.None, "weaker"},
		{mask.Hash, mask.IDNumber, "weaker"},
		{mask.Full, mask.Hash, "weaker"},
		{mask.Phone, mask.Name, "not stricter"},
		{mask.IDNumber, mask.BankCard, "not stricter"},
		{mask.Phone, "bogus", "unknown masking rule"},
		{"bogus", mask.Full, "unknown default"},
	}
	for _, tt := range tests {
		err := mask.AtLeast(tt.def, tt.chosen)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("AtLeast(%q, %q) = %v, want nil", tt.def, tt.chosen, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errs.Is(err, errs.Invalid)):
			t.Errorf("AtLeast(%q, %q) = %v, want an Invalid error containing %q", tt.def, tt.chosen, err, tt.wantErr)
		}
	}
}

func isIDShape(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i, c := range s {
		if !(c >= '0' && c <= '9') && !(i == 17 && (c == 'X' || c == 'x')) {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func FuzzApply(f *testing.F) {
	for _, s := range []string{"110105199001010123", "张三丰", "13800138000", "北京市海淀区中关村大街27号",
		"zhangsan@example.com", "6222021234567890123", "", "a", "\xff\xfe", "@", "省市区", "+86 (010) 1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 256 {
			return // long inputs add no paths and make minimising crawl
		}
		for _, rule := range append(mask.Rules(), "unknown") {
			got, ok := mask.Apply(rule, s).(string)
			if !ok {
				t.Fatalf("Apply(%q, %q) is not a string", rule, s)
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Errorf("Apply(%q, %q) = %q: not valid UTF-8", rule, s, got)
			}
			switch rule {
			case mask.IDNumber:
				if id := strings.TrimSpace(s); isIDShape(id) && strings.Contains(got, id[6:14]) {
					t.Errorf("Apply(id_number, %q) = %q shows the birth date %s", s, got, id[6:14])
				}
			case mask.Full:
				// Only a run of stars is inside the stars that cover it.
				if len(s) >= 4 && strings.Trim(s, "*") != "" && strings.Contains(got, s) {
					t.Errorf("Apply(full, %q) = %q contains the input", s, got)
				}
			case mask.Hash:
				// A short run of hex digits can occur in any digest by
				// chance (a 4-digit one in about 1 of 1000); a longer one or
				// any other text cannot.
				if len(s) >= 4 && (!isHex(s) || len(s) >= 16) && strings.Contains(got, s) {
					t.Errorf("Apply(hash, %q) = %q contains the input", s, got)
				}
				if len(got) != 64 || !isHex(got) {
					t.Errorf("Apply(hash, %q) = %q, want 64 lower-case hex digits", s, got)
				}
			}
		}
		for _, v := range []any{[]byte(s), int64(len(s)), float64(len(s)) / 3} {
			for _, rule := range mask.Rules() {
				mask.Apply(rule, v)
			}
		}
	})
}

func TestMaskerHash(t *testing.T) {
	const id = "110105199001010123"
	k1, k2 := []byte("consumer-key-one-32-bytes-long!!"), []byte("consumer-key-two-32-bytes-long!!")
	m1, m2 := mask.Masker{Key: k1}, mask.Masker{Key: k2}
	mac := hmac.New(sm3.New, k1)
	mac.Write([]byte(id))
	want := hex.EncodeToString(mac.Sum(nil))
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"HMAC-SM3 under the key", m1.Apply(mask.Hash, id), want},
		{"stable for one key", m1.Apply(mask.Hash, id), m1.Apply(mask.Hash, id)},
		{"bytes hash as their text", m1.Apply(mask.Hash, []byte(id)), want},
		{"a number hashes as its text", m1.Apply(mask.Hash, int64(42)), m1.Digest([]byte("42"))},
		{"nil stays nil", m1.Apply(mask.Hash, nil), nil},
		{"the other rules are unchanged", m1.Apply(mask.IDNumber, id), mask.Apply(mask.IDNumber, id)},
		{"full", m1.Apply(mask.Full, id), mask.Covered},
		{"no key: plain SM3", mask.Masker{}.Apply(mask.Hash, id), sm3hex(id)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	a, b := m1.Apply(mask.Hash, id), m2.Apply(mask.Hash, id)
	if a == b {
		t.Errorf("two keys give the same hash %v", a)
	}
	plain := sha256.Sum256([]byte(id))
	for _, dictionary := range []string{sm3hex(id), hex.EncodeToString(plain[:])} {
		if a == dictionary || b == dictionary {
			t.Errorf("the keyed hash %v equals an unkeyed digest of the value", a)
		}
	}
}
