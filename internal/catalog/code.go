package catalog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// Code is a resource code (信息资源代码): the classification code 类 (1 digit),
// 项 (2), 目 (3) and 细目 (variable length), then the sequence code 顺序码.
type Code struct {
	Class   string `json:"class"`
	Item    string `json:"item"`
	SubItem string `json:"sub_item"`
	Detail  string `json:"detail,omitempty"`
	Seq     int    `json:"seq"`
}

// Prefix is the classification part, which sequences are allocated under.
func (c Code) Prefix() string { return c.Class + c.Item + c.SubItem + c.Detail }

// Profile renders and parses codes. Provinces publish their own code
// standards and cascade must follow the parent's, so the profile is
// replaceable.
type Profile interface {
	Name() string
	Format(Code) string
	Parse(string) (Code, error)
}

// MaxDetail is the longest 细目 the built-in profiles accept.
const MaxDetail = 6

// classOf maps a category to the 类 digit of its codes.
var classOf = map[string]string{"base": "1", "thematic": "2", "departmental": "3"}

// CategoryOfClass returns the category whose codes start with class.
func CategoryOfClass(class string) string {
	for cat, c := range classOf {
		if c == class {
			return cat
		}
	}
	return ""
}

// checkParts returns what is wrong with c's parts, or a zero Text.
func checkParts(c Code) errs.Text {
	switch {
	case CategoryOfClass(c.Class) == "":
		return msgCodeClass.With(c.Class)
	case !digits(c.Item, 2, 2):
		return msgCodeItem.With(c.Item)
	case !digits(c.SubItem, 3, 3):
		return msgCodeSubItem.With(c.SubItem)
	case !digits(c.Detail, 0, MaxDetail):
		return msgCodeDetail.With(c.Detail, MaxDetail)
	case c.Seq < 1 || c.Seq > 999999999:
		return msgCodeSeqRange.With(c.Seq)
	}
	return errs.Text{}
}

// badCode is the Invalid error of a resource code s that says why.
func badCode(s string, why errs.Text) error { return errs.New(errs.Invalid, msgCodeBad, s, why) }

func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NationalProfile renders 类项目细目/顺序码, e.g. 301002/000017 or
// 1010010001/000003: the classification digits, a slash, and the sequence
// zero-padded to six digits.
type NationalProfile struct{}

func (NationalProfile) Name() string { return "national" }

func (NationalProfile) Format(c Code) string {
	return fmt.Sprintf("%s/%06d", c.Prefix(), c.Seq)
}

func (NationalProfile) Parse(s string) (Code, error) {
	cls, seq, ok := strings.Cut(s, "/")
	if !ok {
		return Code{}, badCode(s, msgCodeWantNational.With())
	}
	if !digits(cls, 6, 6+MaxDetail) {
		return Code{}, badCode(s, msgCodeClassDigits.With(6+MaxDetail))
	}
	c := Code{Class: cls[:1], Item: cls[1:3], SubItem: cls[3:6], Detail: cls[6:]}
	n, why := parseSeq(seq, 6)
	if !why.IsZero() {
		return Code{}, badCode(s, why)
	}
	c.Seq = n
	if why := checkParts(c); !why.IsZero() {
		return Code{}, badCode(s, why)
	}
	return c, nil
}

// SegmentedProfile renders every part apart, e.g. 3-01-002-000017 or
// 1-01-001-0001-000003, as some provincial standards do.
type SegmentedProfile struct{}

func (SegmentedProfile) Name() string { return "segmented" }

func (SegmentedProfile) Format(c Code) string {
	parts := []string{c.Class, c.Item, c.SubItem}
	if c.Detail != "" {
		parts = append(parts, c.Detail)
	}
	return strings.Join(append(parts, fmt.Sprintf("%06d", c.Seq)), "-")
}

func (SegmentedProfile) Parse(s string) (Code, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 4 && len(parts) != 5 {
		return Code{}, badCode(s, msgCodeWantSegmented.With())
	}
	c := Code{Class: parts[0], Item: parts[1], SubItem: parts[2]}
	if len(parts) == 5 {
		if parts[3] == "" {
			return Code{}, badCode(s, msgCodeEmptyDetail.With())
		}
		c.Detail = parts[3]
	}
	n, why := parseSeq(parts[len(parts)-1], 6)
	if !why.IsZero() {
		return Code{}, badCode(s, why)
	}
	c.Seq = n
	if why := checkParts(c); !why.IsZero() {
		return Code{}, badCode(s, why)
	}
	return c, nil
}

// parseSeq reads a sequence code in canonical form: digits, zero-padded to
// width, with no extra leading zeros beyond that; it returns what is wrong,
// or a zero Text.
func parseSeq(s string, width int) (int, errs.Text) {
	if !digits(s, width, 9) {
		return 0, msgCodeSeqDigits.With(s, width)
	}
	n, _ := strconv.Atoi(s) // at most 9 digits
	if fmt.Sprintf("%0*d", width, n) != s {
		return 0, msgCodeSeqZeros.With(s)
	}
	return n, errs.Text{}
}

// Profiles are the built-in code profiles by name.
var Profiles = map[string]Profile{"national": NationalProfile{}, "segmented": SegmentedProfile{}}
