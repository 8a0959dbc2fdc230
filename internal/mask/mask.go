package mask

import (
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"slices"
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
	Hash     = "hash"      // 摘要: lower-case hex HMAC-SM3 of the value's text under the consumer department's key (see Masker)
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
		return errs.New(errs.Invalid, msgUnknownDefault, def)
	case lc < 0:
		return errs.New(errs.Invalid, msgUnknownRule, chosen, strings.Join(Rules(), ", "))
	case def == chosen || lc > ld:
		return nil
	case lc < ld:
		return errs.New(errs.Invalid, msgWeaker, RuleText(chosen), RuleText(def))
	default:
		return errs.New(errs.Invalid, msgNotStricter, RuleText(chosen), RuleText(def), RuleText(def), RuleText(Hash), RuleText(Full))
	}
}

var (
	msgUnknownDefault = errs.Define("mask.unknown_default", "unknown default masking rule %q", "未知的默认脱敏规则“%s”")
	msgUnknownRule    = errs.Define("mask.unknown_rule", "unknown masking rule %q (want one of %s)", "未知的脱敏规则“%s”（应为 %s 之一）")
	msgWeaker         = errs.Define("mask.weaker", "masking %q is weaker than the catalog's default %q: a grant may only keep the default or choose a stricter rule",
		"脱敏规则“%s”弱于目录默认“%s”，只能保留默认或选择更严格的规则")
	msgNotStricter = errs.Define("mask.not_stricter", "masking %q is not stricter than the catalog's default %q: it hides a different part of the value; keep %q or choose %q or %q",
		"脱敏规则“%s”与默认“%s”遮盖不同部分，只能保留“%s”，或选择“%s”或“%s”")
)

// ruleLabels are the Chinese names of the rules (as catalog.Maskings says them).
var ruleLabels = map[string]string{
	None: "不脱敏", Name: "姓名", IDNumber: "身份证号", Phone: "手机号", Address: "地址",
	BankCard: "银行卡号", Email: "电子邮件", Full: "全部遮盖", Hash: "SM3 摘要",
}

// Rule is a masking rule named in a message: its code in English, its
// Chinese name in Chinese (an errs.Localizer).
type Rule string

// RuleText names rule in messages.
func RuleText(rule string) Rule { return Rule(rule) }

// In names the rule in lang.
func (r Rule) In(lang string) string {
	if l, ok := ruleLabels[string(r)]; ok && strings.HasPrefix(strings.ToLower(lang), "zh") {
		return l
	}
	return string(r)
}

func (r Rule) String() string { return string(r) }

// Masker masks values for one consumer department: Hash is the HMAC-SM3
// of the value under Key, the department's own hash key (kept sealed by the
// platform), so that the consumer can join its own data on hashed values
// but cannot reverse a hashed phone or ID number by hashing a dictionary,
// and two consumers get different values for the same one. The zero Masker
// has no key: its Hash is plain SM3, only for what the provider itself
// sees (its own quarantined rows), never for data that leaves to a
// consumer.
type Masker struct {
	Key []byte
}

// Apply masks v by rule. nil stays nil, and None returns v unchanged. Full
// and Hash work on any value's text (Text); the partial rules return a
// string, masking the value's text. An unknown rule covers the value as
// Full does, so that a misconfigured rule never lets a value through.
func (m Masker) Apply(rule string, v any) any {
	if v == nil || rule == None {
		return v
	}
	if rule == Hash {
		if b, ok := v.([]byte); ok {
			return m.Digest(b)
		}
		return m.Digest([]byte(Text(v)))
	}
	return Apply(rule, v)
}

// Digest is the lower-case hex Hash of b: HMAC-SM3 under the key, or SM3
// without one.
func (m Masker) Digest(b []byte) string {
	if len(m.Key) == 0 {
		sum := sm3.Sum(b)
		return hex.EncodeToString(sum[:])
	}
	h := hmac.New(sm3.New, m.Key)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Apply masks v by rule as the zero Masker does (Hash without a key): for
// the provider's own view. Data that leaves to a consumer is masked by the
// consumer's Masker.
func Apply(rule string, v any) any {
	if v == nil || rule == None {
		return v
	}
	switch rule {
	case Full:
		return Covered
	case Hash:
		return Masker{}.Apply(rule, v)
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

// keep returns s, of n runes, with all but the first head and last tail
// runes replaced by one star each (every rune hidden when head+tail > n).
// An invalid UTF-8 byte counts as one rune and comes out as U+FFFD, as in
// a conversion to []rune and back.
func keep(s string, n, head, tail int) string {
	if head+tail > n {
		head, tail = 0, 0
	}
	s = valid(s)
	h, t := runeOffset(s, head), len(s)
	for i := 0; i < tail; i++ {
		_, size := utf8.DecodeLastRuneInString(s[:t])
		t -= size
	}
	stars := n - head - tail
	var b strings.Builder
	b.Grow(h + stars + len(s) - t)
	b.WriteString(s[:h])
	for range stars {
		b.WriteByte('*')
	}
	b.WriteString(s[t:])
	return b.String()
}

// valid returns s, or for invalid UTF-8 its runes encoded again: each bad
// byte becomes U+FFFD, so the rune count stays the same.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// runeOffset is the byte offset in s after its first k runes.
func runeOffset(s string, k int) int {
	i := 0
	for ; k > 0 && i < len(s); k-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// short keeps a quarter of a value of n runes at each end at most, for
// values too short for a rule's usual split: nothing of one of up to 3
// runes.
func short(s string, n, head, tail int) string {
	if head+tail <= n/2 {
		return keep(s, n, head, tail)
	}
	return keep(s, n, n/4, n/4)
}

func name(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	first, size := utf8.DecodeRuneInString(s)
	if size == len(s) {
		return "*"
	}
	return string(first) + "**"
}

// idNumber keeps the region (first 6) and the last 4 of an 18-character
// number, and the region and the last 3 of a 15-character one (whose birth
// date is characters 7-12), hiding the birth date; anything shorter keeps a
// quarter at each end at most.
func idNumber(s string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n >= 18:
		return keep(s, n, 6, 4)
	case n >= 15:
		return keep(s, n, 6, 3)
	default:
		return short(s, n, 3, 2)
	}
}

// phone masks a mobile number (11 digits from 1, after an optional 86 or
// +86) as 3 + **** + 4 digits, and keeps the first 3 and last 2 digits of
// any other number, and its separators.
func phone(s string) string {
	s = strings.TrimSpace(s)
	// An ASCII byte is always a rune of its own, even in invalid UTF-8.
	var buf [24]byte
	digits := buf[:0]
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	d := digits
	if len(d) == 13 && d[0] == '8' && d[1] == '6' {
		d = d[2:]
	}
	if len(d) == 11 && d[0] == '1' && onlyPhoneChars(s) {
		var out [11]byte
		copy(out[:3], d[:3])
		copy(out[3:7], "****")
		copy(out[7:], d[7:])
		return string(out[:])
	}
	head, tail := 3, 2
	if n := len(digits); head+tail > n/2 {
		head, tail = n/4, n/4
	}
	// Keep the first head and last tail digits, hide every other digit and
	// any letter; separators (space, -, +, parentheses) stay.
	var b strings.Builder
	b.Grow(len(s))
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
	// Spaces and dashes are dropped after any bad byte became U+FFFD, so
	// that bytes on either side of one never join into a rune.
	s = valid(strings.TrimSpace(s))
	if strings.ContainsAny(s, " -") {
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			if c := s[i]; c != ' ' && c != '-' {
				b = append(b, c)
			}
		}
		s = string(b)
	}
	return short(s, utf8.RuneCountInString(s), 4, 4)
}

func email(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		n := utf8.RuneCountInString(s)
		if n < 4 {
			return keep(s, n, 0, 0)
		}
		first, _ := utf8.DecodeRuneInString(s)
		return string(first) + "***"
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
// As a regular expression, with addrName for a name's character:
//
//	^(?:addrName{2,8}?(?:省|自治区|特别行政区)|北京市|天津市|上海市|重庆市)?
//	(?:addrName{1,10}?(?:自治州|地区|市|盟))?
//	(addrName{1,10}?)(?:自治县|自治旗|区|县|旗|市)
//
// addrPrefix matches it by hand, as Go's regexp would (leftmost-first,
// shortest names first), without the regexp machine's cost and garbage.
const addrName = `[^省市区县旗盟路街道号巷弄村镇乡栋幢楼室0-9０-９\s,，、]`

var (
	provinces    = []string{"省", "自治区", "特别行政区"}
	municipality = []string{"北京市", "天津市", "上海市", "重庆市"}
	prefectures  = []string{"自治州", "地区", "市", "盟"}
	counties     = []string{"自治县", "自治旗", "区", "县", "旗", "市"}
	// Areas named 区 that are not counties, by the character before 区.
	notCounty = []rune("小社校片景厂园")
)

// isAddrName reports whether r matches addrName. An invalid UTF-8 byte is
// U+FFFD, as in regexp.
func isAddrName(r rune) bool {
	switch r {
	case '省', '市', '区', '县', '旗', '盟', '路', '街', '道', '号', '巷', '弄', '村', '镇', '乡', '栋', '幢', '楼', '室',
		'\t', '\n', '\f', '\r', ' ', ',', '，', '、':
		return false
	}
	return !('0' <= r && r <= '9' || '０' <= r && r <= '９')
}

// nameEnds appends to ends where runs of lo to hi name characters from pos
// end, shortest first.
func nameEnds(ends []int, s string, pos, lo, hi int) []int {
	for k := 1; k <= hi && pos < len(s); k++ {
		r, size := utf8.DecodeRuneInString(s[pos:])
		if !isAddrName(r) {
			break
		}
		pos += size
		if k >= lo {
			ends = append(ends, pos)
		}
	}
	return ends
}

// suffixEnd returns where the first of words found at pos in s ends, or -1.
func suffixEnd(s string, pos int, words []string) int {
	for _, w := range words {
		if strings.HasPrefix(s[pos:], w) {
			return pos + len(w)
		}
	}
	return -1
}

// addrPrefix finds the administrative part at the start of s: it returns
// where it ends and where the county's name starts and ends, as
// FindStringSubmatchIndex would for the expression above.
func addrPrefix(s string) (end, county, countyEnd int, ok bool) {
	var buf [3][16]int
	// The province: each way it can end, in the order the expression tries them.
	provs := buf[0][:0]
	for _, e := range nameEnds(buf[1][:0], s, 0, 2, 8) {
		if end := suffixEnd(s, e, provinces); end >= 0 {
			provs = append(provs, end)
		}
	}
	for _, m := range municipality {
		if strings.HasPrefix(s, m) {
			provs = append(provs, len(m))
		}
	}
	provs = append(provs, 0) // none
	for _, p := range provs {
		prefs := buf[1][:0]
		for _, e := range nameEnds(buf[2][:0], s, p, 1, 10) {
			if end := suffixEnd(s, e, prefectures); end >= 0 {
				prefs = append(prefs, end)
			}
		}
		prefs = append(prefs, p) // none
		for _, q := range prefs {
			for _, e := range nameEnds(buf[2][:0], s, q, 1, 10) {
				if end := suffixEnd(s, e, counties); end >= 0 {
					return end, q, e, true
				}
			}
		}
	}
	return 0, 0, 0, false
}

// address keeps the administrative part down to the district or county
// level and replaces the rest with "****"; without a recognisable county it
// keeps the first 6 runes (half of a shorter address).
func address(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if end, county, countyEnd, ok := addrPrefix(s); ok {
		prefix := s[:end]
		last, _ := utf8.DecodeLastRuneInString(s[county:countyEnd])
		if !(strings.HasSuffix(prefix, "区") && slices.Contains(notCounty, last)) {
			if prefix == s {
				return s
			}
			return prefix + "****"
		}
	}
	n := utf8.RuneCountInString(s)
	head := 6
	if n <= 2*head {
		head = n / 2
	}
	s = valid(s)
	return s[:runeOffset(s, head)] + "****"
}
