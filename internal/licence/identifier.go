package licence

import (
	"strings"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
)

// Root is the national root of licence identifiers (电子证照根代码).
const Root = "1.2.156.3005.2"

// Lengths of the identifier's parts (GB/T 36904; domain.md §5.2).
const (
	TypeCodeLen   = 21 // the definer's unified social credit code and three digits
	IssuerCodeLen = 18 // the issuer's unified social credit code (6: a division code, seen in one province)
	MaxSerial     = 32
	VersionLen    = 3
)

// Identifier is a licence identifier (电子证照标识, GB/T 36904):
// Root.type.issuer.serial.version.check. The check character is ISO/IEC
// 7064 MOD 37,36 hybrid over type, issuer, serial and version without the
// dots.
type Identifier struct {
	Type    string // 证照类型代码
	Issuer  string // 证照颁发机构代码
	Serial  string // 流水号
	Version string // 版本号
	Check   byte   // 校验位
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// value is a character's value in the alphabet 0-9A-Z, or -1.
func value(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// CheckChar computes the ISO/IEC 7064 MOD 37,36 check character of body,
// which must be of 0-9 and A-Z (ok is false otherwise).
func CheckChar(body string) (c byte, ok bool) {
	p := 36
	for i := 0; i < len(body); i++ {
		v := value(body[i])
		if v < 0 {
			return 0, false
		}
		t := (p + v) % 36
		if t == 0 {
			t = 36
		}
		p = (2 * t) % 37
	}
	return alphabet[(37-p)%36], true
}

// NewIdentifier builds the identifier of the given parts, computing its check
// character; the parts are checked as Parse checks them.
func NewIdentifier(typeCode, issuer, serial, version string) (Identifier, error) {
	id := Identifier{Type: typeCode, Issuer: issuer, Serial: serial, Version: version}
	if err := id.checkParts(); err != nil {
		return Identifier{}, err
	}
	id.Check, _ = CheckChar(id.body())
	return id, nil
}

func (id Identifier) body() string { return id.Type + id.Issuer + id.Serial + id.Version }

// String is the identifier in full, with the root.
func (id Identifier) String() string {
	return Root + "." + id.Type + "." + id.Issuer + "." + id.Serial + "." + id.Version + "." + string(id.Check)
}

// Base is the identifier without version and check character: the same
// for every version of one licence.
func (id Identifier) Base() string { return id.Type + "." + id.Issuer + "." + id.Serial }

// WithVersion is the identifier of another version of the same licence.
func (id Identifier) WithVersion(v string) (Identifier, error) {
	return NewIdentifier(id.Type, id.Issuer, id.Serial, v)
}

// ParseIdentifier reads an identifier, with or without the root, and checks
// every part and the check character. Refusals say which part and which rule.
func ParseIdentifier(s string) (Identifier, error) {
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		return Identifier{}, errs.New(errs.Invalid, msgIDTooLong, 200)
	}
	rest, _ := strings.CutPrefix(s, Root+".")
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return Identifier{}, errs.New(errs.Invalid, msgIDForm, Root)
	}
	id := Identifier{Type: parts[0], Issuer: parts[1], Serial: parts[2], Version: parts[3]}
	if err := id.checkParts(); err != nil {
		return Identifier{}, err
	}
	if len(parts[4]) != 1 || value(parts[4][0]) < 0 {
		return Identifier{}, errs.New(errs.Invalid, msgIDCheckForm)
	}
	id.Check = parts[4][0]
	if want, _ := CheckChar(id.body()); want != id.Check {
		return Identifier{}, errs.New(errs.Invalid, msgIDCheck, string(id.Check), string(want))
	}
	return id, nil
}

func (id Identifier) checkParts() error {
	if err := CheckTypeCode(id.Type); err != nil {
		return err
	}
	if len(id.Issuer) == 6 && allDigits(id.Issuer) {
		// One province's test data names the issuer by its division code.
	} else if err := quality.CheckCreditCode(id.Issuer); err != nil {
		return errs.New(errs.Invalid, msgIDIssuer, quality.TextOf(err))
	}
	if err := CheckSerial(id.Serial); err != nil {
		return err
	}
	if len(id.Version) != VersionLen || !allDigits(id.Version) || id.Version == "000" {
		return errs.New(errs.Invalid, msgIDVersion)
	}
	return nil
}

// CheckTypeCode checks a licence type code: 21 characters, the definer's
// unified social credit code (GB 32100, check character included) and three
// digits.
func CheckTypeCode(s string) error {
	if len(s) != TypeCodeLen || !allDigits(s[18:]) {
		return errs.New(errs.Invalid, msgTypeCodeForm)
	}
	if err := quality.CheckCreditCode(s[:18]); err != nil {
		return errs.New(errs.Invalid, msgTypeCodeDefiner, quality.TextOf(err))
	}
	return nil
}

// CheckSerial checks a serial (流水号): 1 to 32 of 0-9 and A-Z.
func CheckSerial(s string) error {
	if s == "" || len(s) > MaxSerial {
		return errs.New(errs.Invalid, msgIDSerial, MaxSerial)
	}
	for i := 0; i < len(s); i++ {
		if value(s[i]) < 0 {
			return errs.New(errs.Invalid, msgIDSerial, MaxSerial)
		}
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// NextVersion is the version after v ("001" → "002").
func NextVersion(v string) (string, bool) {
	n := 0
	for i := 0; i < len(v); i++ {
		n = n*10 + int(v[i]-'0')
	}
	if n >= 999 {
		return "", false
	}
	n++
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)}), true
}
