package mask

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govshare/govshare/internal/errs"
)

// Rules, the values of catalog.Maskings.
const (
	None     = "none"      // 不脱敏: unchanged
	Name     = "name"      // 姓名: first character + "**"
	IDNumber = "id_number" // 身份证号: first 6 and last 4 kept, birth date hidden
	Phone    = "phone"     // 手机号: mobile 3 + **** + 4; other numbers first 3 and last 2 digits
	Address  = "address"   // 地址: kept down to the district or county, the rest "****"
	BankCard = "bank_card" // 银行卡号: first 4 and last 4 digits
	Email    = "email"     // 电子邮件: first character of the local part + "***@" + domain
	Full     = "full"      // 全部遮盖: "******" whatever the value
	Hash     = "hash"      // SM3 摘要: lower-case hex SM3 of the value's text
)

// Rules lists every rule, in the order of catalog.Maskings.
func Rules() []string {
	return []string{None, Name, IDNumber, Phone, Address, BankCard, Email, Full, Hash}
}

// Valid reports whether rule is one of Rules.
func Valid(rule string) bool { return Level(rule) >= 0 }

// Covered is what Full puts in place of any value.
const Covered = "******"

// Level orders the rules by how much they hide: None 0, the partial rules
// (Name, IDNumber, Phone, Address, BankCard, Email) 1, Hash 2 (nothing of the
// value can be read, but equal values stay equal), Full 3. An unknown rule
// is -1.
func Level(rule string) int {
	switch rule {
	case None:
		return 0
	case Name, IDNumber, Phone, Address, BankCard, Email:
		return 1
	case Hash:
		return 2
	case Full:
		return 3
	}
	return -1
}

// AtLeast checks that chosen hides at least as much as def, the catalog's
// default for the item: the same rule, or one of a higher Level. Two
// different partial rules hide different parts and are not comparable, so
// one may not replace the other. The error is errs.Invalid.
func AtLeast(def, chosen string) error {
	ld, lc := Level(def), Level(chosen)
	switch {
	case ld < 0:
		return errs.E(errs.Invalid, "unknown default masking rule %q", def)
	case lc < 0:
		return errs.E(errs.Invalid, "unknown masking rule %q (want one of %s)", chosen, strings.Join(Rules(), ", "))
	case def == chosen || lc > ld:
		return nil
	case lc < ld:
		return errs.E(errs.Invalid, "masking %q is weaker than the catalog's default %q: a grant may only keep the default or choose a stricter rule", chosen, def)
	default:
		return errs.E(errs.Invalid, "masking %q is not stricter than the catalog's default %q: it hides a different part of the value; keep %q or choose %q or %q", chosen, def, def, Hash, Full)
	}
}

// Apply masks v by rule. nil stays nil, and None returns v unchanged. Full
// and Hash work on any value's text (Text); the partial rules return a
// string, masking the value's text. An unknown rule covers the value as
// Full does, so that a misconfigured rule never lets a value through.
func Apply(rule string, v any) any {
	if v == nil || rule == None {
		return v
	}
	switch rule {
	case Full:
		return Covered
	case Hash:
		var sum [32]byte
		if b, ok := v.([]byte); ok {
			sum = sm3.Sum(b)
		} else {
			sum = sm3.Sum([]byte(Text(v)))
		}
		return hex.EncodeToString(sum[:])
	case Name:
		return name(Text(v))
	case IDNumber:
		return idNumber(Text(v))
	case Phone:
		return phone(Text(v))
	case Address:
		return address(Text(v))
	case BankCard:
		return bankCard(Text(v))
	case Email:
		return email(Text(v))
	}
	return Covered
}

// Text is the text a rule masks or hashes: a string as it is, bytes as
// UTF-8 text, integers and floats in shortest decimal form, booleans as
// true/false, a time in RFC 3339 with nanoseconds in UTC (a date from the
// connector, at midnight UTC, as 2006-01-02), anything else as fmt prints it.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		x = x.UTC()
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// keep returns r with all but the first head and last tail runes replaced by
// one star each.
func keep(r []rune, head, tail int) string {
	n := len(r)
	if head+tail > n {
		head, tail = 0, 0
	}
	var b strings.Builder
	b.Grow(n + 8)
	b.WriteString(string(r[:head]))
	b.WriteString(strings.Repeat("*", n-head-tail))
	b.WriteString(string(r[n-tail:]))
	return b.String()
}

// short keeps a quarter of a value at each end at most, for values too short
// for a rule's usual split: nothing of one of up to 3 runes.
func short(r []rune, head, tail int) string {
	n := len(r)
	if head+tail <= n/2 {
		return keep(r, head, tail)
	}
	return keep(r, n/4, n/4)
}

func name(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	}
	return string(r[0]) + "**"
}

// idNumber keeps the region (first 6) and the last 4 of an 18-character
// number, and the region and the last 3 of a 15-character one (whose birth
// date is characters 7-12), hiding the birth date; anything shorter keeps a
// quarter at each end at most.
func idNumber(s string) string {
	r := []rune(strings.TrimSpace(s))
	switch n := len(r); {
	case n >= 18:
		return keep(r, 6, 4)
	case n >= 15:
		return keep(r, 6, 3)
	}
	return short(r, 3, 2)
}

// phone masks a mobile number (11 digits from 1, after an optional 86 or
// +86) as 3 + **** + 4 digits, and keeps the first 3 and last 2 digits of
// any other number, and its separators.
func phone(s string) string {
	s = strings.TrimSpace(s)
	var digits []rune
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	d := digits
	if len(d) == 13 && d[0] == '8' && d[1] == '6' {
		d = d[2:]
	}
	if len(d) == 11 && d[0] == '1' && onlyPhoneChars(s) {
		return string(d[:3]) + "****" + string(d[7:])
	}
	head, tail := 3, 2
	if n := len(digits); head+tail > n/2 {
		head, tail = n/4, n/4
	}
	// Keep the first head and last tail digits, hide every other digit and
	// any letter; separators (space, -, +, parentheses) stay.
	var b strings.Builder
	i := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			if i < head || i >= len(digits)-tail {
				b.WriteRune(c)
			} else {
				b.WriteByte('*')
			}
			i++
		case strings.ContainsRune(" -+()（）", c):
			b.WriteRune(c)
		default:
			b.WriteByte('*')
		}
	}
	return b.String()
}

func onlyPhoneChars(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9') && !strings.ContainsRune(" -+()（）", c) {
			return false
		}
	}
	return true
}

func bankCard(s string) string {
	var digits []rune
	for _, c := range strings.TrimSpace(s) {
		if c != ' ' && c != '-' {
			digits = append(digits, c)
		}
	}
	return short(digits, 4, 4)
}

func email(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		r := []rune(s)
		if len(r) < 4 {
			return keep(r, 0, 0)
		}
		return string(r[0]) + "***"
	}
	local, domain := s[:at], s[at+1:]
	first, _ := utf8.DecodeRuneInString(local)
	if local == "" {
		return "***@" + domain
	}
	return string(first) + "***@" + domain
}

// The administrative part of an address: a province (省, 自治区, 特别行政区)
// or a municipality, then optionally a prefecture (市, 自治州, 地区, 盟),
// then a county-level division (区, 县, 旗, 市, 自治县, 自治旗). Names are 1
// to 10 characters without a division suffix, digit, road or house mark.
var (
	addrName   = `[^省市区县旗盟路街道号巷弄村镇乡栋幢楼室0-9０-９\s,，、]`
	addrPrefix = regexp.MustCompile(`^(?:` + addrName + `{2,8}?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)?` +
		`(?:` + addrName + `{1,10}?(?:自治州|地区|市|盟))?` +
		`(` + addrName + `{1,10}?)(?:自治县|自治旗|区|县|旗|市)`)
	// Areas named 区 that are not counties.
	notCounty = []string{"小", "社", "校", "片", "景", "厂", "园"}
)

// address keeps the administrative part down to the district or county
// level and replaces the rest with "****"; without a recognisable county it
// keeps the first 6 runes (half of a shorter address).
func address(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if m := addrPrefix.FindStringSubmatchIndex(s); m != nil {
		prefix := s[:m[1]]
		county := []rune(s[m[2]:m[3]])
		last := string(county[len(county)-1])
		if !(strings.HasSuffix(prefix, "区") && contains(notCounty, last)) {
			if prefix == s {
				return s
			}
			return prefix + "****"
		}
	}
	r := []rune(s)
	head := 6
	if len(r) <= 2*head {
		head = len(r) / 2
	}
	return string(r[:head]) + "****"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
