package exchange

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
)

// Validators a Rule may name: the catalog's (catalog.Validators), so that a
// channel takes its rules from the information items of its resource.
const (
	ValidateIDNumber     = "id_number"     // 居民身份证号码, GB 11643 (quality.CheckIDNumber)
	ValidateCreditCode   = "credit_code"   // 统一社会信用代码, GB 32100 (quality.CheckCreditCode)
	ValidateDivisionCode = "division_code" // 行政区划代码, GB/T 2260 (quality.CheckDivisionCodeFormat)
	ValidatePhone        = "phone"         // a mobile number (11 digits from 13 to 19) or a fixed line (0 and 9 to 11 digits, one - allowed)
	ValidateDate         = "date"          // a date or time value, or text 2006-01-02, 2006/01/02 or 20060102
	ValidateEnum         = "enum"          // one of Param's values, separated by commas (, ， or 、)
	ValidateRegex        = "regex"         // the whole value matches Param
)

// Rule is what a column's values must satisfy at the source. A row with a
// value that does not goes to the quarantine instead of the target.
// Whatever the rules, each value is also checked against its column's type:
// text is valid UTF-8, a bounded string fits its length in characters and a
// NOT NULL column holds no NULL.
type Rule struct {
	Validator string `json:"validator,omitempty"` // one of the Validate constants, or "" for none
	Param     string `json:"param,omitempty"`     // the values of an enum, the expression of a regex
	NotNull   bool   `json:"not_null,omitempty"`  // NULL fails
	MaxLength int    `json:"max_length,omitempty"`
}

var (
	mobile    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	fixedLine = regexp.MustCompile(`^0[0-9]{2,3}-?[0-9]{7,8}$`)
)

// check is a compiled rule of one column.
type check struct {
	at     int // the column's position in a row
	col    connector.Column
	rule   Rule
	enum   map[string]bool
	regex  *regexp.Regexp
	active bool // a rule was given
}

// compileRules checks the rules against the columns and compiles them.
func compileRules(rules map[string]Rule, cols []connector.Column) ([]check, error) {
	var errs []error
	for name := range rules {
		if !containsColumn(cols, name) {
			errs = append(errs, fmt.Errorf("rule on column %q: %w", name, connector.ErrNoColumn))
		}
	}
	out := make([]check, len(cols))
	for i, c := range cols {
		out[i] = check{at: i, col: c}
		r, ok := rules[c.Name]
		if !ok {
			continue
		}
		out[i].rule, out[i].active = r, true
		switch r.Validator {
		case "", ValidateIDNumber, ValidateCreditCode, ValidateDivisionCode, ValidatePhone, ValidateDate:
		case ValidateEnum:
			out[i].enum = map[string]bool{}
			for _, v := range strings.FieldsFunc(r.Param, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
				out[i].enum[strings.TrimSpace(v)] = true
			}
			if len(out[i].enum) == 0 {
				errs = append(errs, fmt.Errorf("rule on column %q: an enum needs its values", c.Name))
			}
		case ValidateRegex:
			re, err := regexp.Compile(`^(?:` + r.Param + `)$`)
			if err != nil || r.Param == "" {
				errs = append(errs, fmt.Errorf("rule on column %q: %q is not a regular expression", c.Name, r.Param))
			}
			out[i].regex = re
		default:
			errs = append(errs, fmt.Errorf("rule on column %q: unknown validator %q", c.Name, r.Validator))
		}
	}
	return out, errors.Join(errs...)
}

func containsColumn(cols []connector.Column, name string) bool {
	for _, c := range cols {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Why a value fails its column's rule: a quarantine reason, stored encoded
// (errs.Encode) so that each reader is told it in their language.
var (
	msgIsNull    = errs.Define("exchange.check.null", "is NULL", "为空（NULL）")
	msgNotUTF8   = errs.Define("exchange.check.utf8", "is not valid UTF-8 text", "不是有效的 UTF-8 文本")
	msgColLength = errs.Define("exchange.check.column_length", "has %d characters, more than the column's %d", "有 %d 个字，超过该列的 %d 个")
	msgMaxLength = errs.Define("exchange.check.max_length", "has %d characters, more than %d", "有 %d 个字，超过 %d 个")
	msgPhone     = errs.Define("exchange.check.phone", "%q is not a phone number", "“%s”不是电话号码")
	msgDate      = errs.Define("exchange.check.date", "%q is not a date", "“%s”不是日期")
	msgEnum      = errs.Define("exchange.check.enum", "%q is not one of %s", "“%s”不是 %s 之一")
	msgRegex     = errs.Define("exchange.check.regex", "%q does not match %s", "“%s”不符合 %s")
)

// reason encodes why a value fails, for the quarantine.
func reason(m *errs.Msg, args ...any) string { return errs.Encode(m.With(args...)) }

// validate returns the first column of a row that fails and why, or "".
func validate(checks []check, row []any) (column, reason string) {
	for _, c := range checks {
		if why := c.fails(row[c.at]); why != "" {
			return c.col.Name, why
		}
	}
	return "", ""
}

// fails says why a value does not pass, or "".
func (c *check) fails(v any) string {
	if v == nil {
		if c.rule.NotNull || (!c.col.Nullable && !c.col.PrimaryKey) {
			return reason(msgIsNull)
		}
		return ""
	}
	s, isText := "", false
	switch x := v.(type) {
	case string:
		s, isText = x, true
	case []byte:
		if c.col.Type != connector.TypeBinary {
			s, isText = string(x), true
		}
	}
	if isText {
		if !utf8.ValidString(s) {
			return reason(msgNotUTF8)
		}
		n := utf8.RuneCountInString(s)
		if c.col.Type == connector.TypeString && c.col.Length > 0 && n > c.col.Length {
			return reason(msgColLength, n, c.col.Length)
		}
		if c.rule.MaxLength > 0 && n > c.rule.MaxLength {
			return reason(msgMaxLength, n, c.rule.MaxLength)
		}
	}
	if !c.active || c.rule.Validator == "" {
		return ""
	}
	if !isText {
		if t, ok := v.(time.Time); ok && c.rule.Validator == ValidateDate && !t.IsZero() {
			return ""
		}
		s = fmt.Sprint(v)
	}
	var err error
	switch c.rule.Validator {
	case ValidateIDNumber:
		err = quality.CheckIDNumber(s)
	case ValidateCreditCode:
		err = quality.CheckCreditCode(s)
	case ValidateDivisionCode:
		err = quality.CheckDivisionCodeFormat(s)
	case ValidatePhone:
		if !mobile.MatchString(s) && !fixedLine.MatchString(s) {
			return reason(msgPhone, s)
		}
	case ValidateDate:
		for _, layout := range []string{time.DateOnly, "2006/01/02", "20060102", time.RFC3339Nano, time.DateTime} {
			if _, e := time.Parse(layout, s); e == nil {
				return ""
			}
		}
		return reason(msgDate, s)
	case ValidateEnum:
		if !c.enum[s] {
			return reason(msgEnum, s, c.rule.Param)
		}
	case ValidateRegex:
		if !c.regex.MatchString(s) {
			return reason(msgRegex, s, c.rule.Param)
		}
	}
	if err != nil {
		return errs.Encode(quality.TextOf(err))
	}
	return ""
}
