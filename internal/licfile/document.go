package licfile

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Document is what a licence says: the surface data (照面信息) of one
// version of one licence, with full values (the master file; masking applies
// to what users are shown, not to the licence itself).
type Document struct {
	Identifier   string // 电子证照标识 (GB/T 36904), check character included
	Number       string // 证照编号, printed on the licence
	TypeCode     string // 证照类型代码 (21 characters)
	TypeName     string // 证照类型名称
	HolderName   string // 持证主体
	HolderID     string // 持证主体代码: ID number or unified social credit code
	HolderIDType string // 持证主体代码类型代码 (GB/T 36903): 111 ID number, 001 USCI
	Issuer       string // 证照颁发机构
	IssuerCode   string // 证照颁发机构代码 (unified social credit code)
	IssuedOn     time.Time
	ValidFrom    time.Time
	ValidUntil   time.Time // zero: no end (长期)
	Items        []Item    // surface items in the type's order
}

// Item is one surface item (照面信息项) of a licence.
type Item struct {
	Code  string // the type's item code, e.g. "area"
	Label string // its Chinese label, e.g. "面积"
	Value string
}

const documentHeader = "govshare-licence-data/v1"

// Canonical is the document's canonical text: one "name value" line per
// field in a fixed order, items as "item code value"; line breaks inside
// values are escaped, so the text parses back unambiguously.
func (d Document) Canonical() []byte {
	var b strings.Builder
	line := func(name, value string) {
		b.WriteString(name)
		b.WriteByte(' ')
		b.WriteString(escape(value))
		b.WriteByte('\n')
	}
	b.WriteString(documentHeader + "\n")
	line("id", d.Identifier)
	line("number", d.Number)
	line("type", d.TypeCode)
	line("type-name", d.TypeName)
	line("holder", d.HolderName)
	line("holder-id", d.HolderID)
	line("holder-id-type", d.HolderIDType)
	line("issuer", d.Issuer)
	line("issuer-code", d.IssuerCode)
	line("issued", day(d.IssuedOn))
	line("valid-from", day(d.ValidFrom))
	line("valid-until", day(d.ValidUntil))
	for _, it := range d.Items {
		b.WriteString("item ")
		b.WriteString(escape(it.Code))
		b.WriteByte(' ')
		b.WriteString(escape(it.Value))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// DataHash is the SM3 hash of the canonical text, in lower-case hex: what
// the issued (and changed) event records name.
func (d Document) DataHash() string { return SM3Hex(d.Canonical()) }

// SM3Hex is the SM3 hash of b in lower-case hex.
func SM3Hex(b []byte) string {
	sum := sm3.Sum(b)
	return hex.EncodeToString(sum[:])
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

var escaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)

func escape(s string) string { return escaper.Replace(s) }
