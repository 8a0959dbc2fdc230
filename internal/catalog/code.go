package catalog

import (
	"fmt"
	"strconv"
	"strings"
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

func checkParts(c Code) error {
	switch {
	case CategoryOfClass(c.Class) == "":
		return fmt.Errorf("类 %q must be 1 (base), 2 (thematic) or 3 (departmental)", c.Class)
	case !digits(c.Item, 2, 2):
		return fmt.Errorf("项 %q must be 2 digits", c.Item)
	case !digits(c.SubItem, 3, 3):
		return fmt.Errorf("目 %q must be 3 digits", c.SubItem)
	case !digits(c.Detail, 0, MaxDetail):
		return fmt.Errorf("细目 %q must be at most %d digits", c.Detail, MaxDetail)
	case c.Seq < 1 || c.Seq > 999999999:
		return fmt.Errorf("顺序码 %d must be between 1 and 999999999", c.Seq)
	}
	return nil
}

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
		return Code{}, fmt.Errorf("resource code %q: want classification/sequence, e.g. 301002/000017", s)
	}
	if !digits(cls, 6, 6+MaxDetail) {
		return Code{}, fmt.Errorf("resource code %q: classification must be 6 to %d digits", s, 6+MaxDetail)
	}
	c := Code{Class: cls[:1], Item: cls[1:3], SubItem: cls[3:6], Detail: cls[6:]}
	n, err := parseSeq(seq, 6)
	if err != nil {
		return Code{}, fmt.Errorf("resource code %q: %w", s, err)
	}
	c.Seq = n
	if err := checkParts(c); err != nil {
		return Code{}, fmt.Errorf("resource code %q: %w", s, err)
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
		return Code{}, fmt.Errorf("resource code %q: want 类-项-目[-细目]-顺序码, e.g. 3-01-002-000017", s)
	}
	c := Code{Class: parts[0], Item: parts[1], SubItem: parts[2]}
	if len(parts) == 5 {
		if parts[3] == "" {
			return Code{}, fmt.Errorf("resource code %q: empty 细目", s)
		}
		c.Detail = parts[3]
	}
	n, err := parseSeq(parts[len(parts)-1], 6)
	if err != nil {
		return Code{}, fmt.Errorf("resource code %q: %w", s, err)
	}
	c.Seq = n
	if err := checkParts(c); err != nil {
		return Code{}, fmt.Errorf("resource code %q: %w", s, err)
	}
	return c, nil
}

// parseSeq reads a sequence code in canonical form: digits, zero-padded to
// width, with no extra leading zeros beyond that.
func parseSeq(s string, width int) (int, error) {
	if !digits(s, width, 9) {
		return 0, fmt.Errorf("顺序码 %q must be %d to 9 digits", s, width)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("顺序码 %q: %w", s, err)
	}
	if fmt.Sprintf("%0*d", width, n) != s {
		return 0, fmt.Errorf("顺序码 %q has extra leading zeros", s)
	}
	return n, nil
}

// Profiles are the built-in code profiles by name.
var Profiles = map[string]Profile{"national": NationalProfile{}, "segmented": SegmentedProfile{}}
