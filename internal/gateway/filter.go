package gateway

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
)

// Filter operators.
const (
	OpEq     = "eq"     // item=value
	OpIn     = "in"     // item.in=a,b,c
	OpGt     = "gt"     // item.gt=value
	OpGte    = "gte"    // item.gte=value
	OpLt     = "lt"     // item.lt=value
	OpLte    = "lte"    // item.lte=value
	OpPrefix = "prefix" // item.prefix=value
)

// Limits of a data-service query.
const (
	DefaultPageSize = 20
	MaxPageSize     = 1000
	MaxPage         = 1_000_000
	MaxFilters      = 20
	MaxInValues     = 100
	MaxValueBytes   = 256
	MaxFields       = 256
	maxParams       = MaxFilters + 3 // the filters, page, page_size and fields
)

// Query is a parsed data-service query.
type Query struct {
	Filters  []Filter // in the order of their parameters' names
	Page     int      // from 1
	PageSize int
	Fields   []string // the items to return; empty: every item granted
}

// Filter restricts one item: Values holds one value, or the list of OpIn.
type Filter struct {
	Item   string
	Op     string
	Values []string
}

// Offset is the number of rows before the page.
func (q Query) Offset() int { return (q.Page - 1) * q.PageSize }

// ValidIdentifier reports whether s can name an item: a letter or
// underscore, then up to 63 letters, digits or underscores (ASCII).
func ValidIdentifier(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', c == '_':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ParseQuery parses the query string of a data-service request (the raw,
// still escaped form, r.URL.RawQuery). The parameters page (default 1),
// page_size (default 20, at most MaxPageSize) and fields (comma-separated
// item identifiers) are reserved; every other parameter filters on an item:
//
//	item=value          equal
//	item.in=a,b,c       one of (at most MaxInValues values)
//	item.gt=value       greater than; also gte, lt, lte
//	item.prefix=value   starts with
//
// The lists of fields and item.in are split at their commas before
// unescaping, so %2C is a comma inside a value. A + is a space. At most
// MaxFilters filters; each value is valid UTF-8 of at most MaxValueBytes
// bytes without NUL; an item identifier is ValidIdentifier. A parameter
// given twice, an unknown operator, or any value out of these bounds is an
// errs.Invalid error naming the parameter. ParseQuery does not know which
// items exist: the policy check does.
func ParseQuery(raw string) (Query, error) {
	q := Query{Page: 1, PageSize: DefaultPageSize}
	seen := map[string]bool{}
	n := 0
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		n++
		if n > maxParams {
			return Query{}, errs.New(errs.Invalid, msgTooManyParams, MaxFilters)
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil || !utf8.ValidString(name) || len(name) > 80 {
			return Query{}, errs.FieldMsg(clip(rawName), msgParamName)
		}
		if seen[name] {
			if !strings.Contains(name, ".") && !reserved(name) {
				return Query{}, errs.FieldMsg(name, msgEqTwice, name)
			}
			return Query{}, errs.FieldMsg(name, msgGivenTwice)
		}
		seen[name] = true
		switch name {
		case "page":
			p, err := number(rawValue, 1, MaxPage)
			if err != nil {
				return Query{}, errs.FieldMsg(name, msgPage, MaxPage)
			}
			q.Page = p
		case "page_size":
			p, err := number(rawValue, 1, MaxPageSize)
			if err != nil {
				return Query{}, errs.FieldMsg(name, msgPageSize, MaxPageSize)
			}
			q.PageSize = p
		case "fields":
			fields, err := list(name, rawValue, MaxFields)
			if err != nil {
				return Query{}, err
			}
			for i, f := range fields {
				if !ValidIdentifier(f) {
					return Query{}, errs.FieldMsg(name, msgNotIdentifier, clip(f))
				}
				if slices.Contains(fields[:i], f) {
					return Query{}, errs.FieldMsg(name, msgFieldTwice, f)
				}
			}
			q.Fields = fields
		default:
			f, err := filter(name, rawValue)
			if err != nil {
				return Query{}, err
			}
			if len(q.Filters) == MaxFilters {
				return Query{}, errs.FieldMsg(name, msgTooManyFilters, MaxFilters)
			}
			q.Filters = append(q.Filters, f)
		}
	}
	slices.SortStableFunc(q.Filters, func(a, b Filter) int {
		if c := strings.Compare(a.Item, b.Item); c != 0 {
			return c
		}
		return strings.Compare(a.Op, b.Op)
	})
	return q, nil
}

func reserved(name string) bool { return name == "page" || name == "page_size" || name == "fields" }

func number(raw string, lo, hi int) (int, error) {
	s, err := url.QueryUnescape(raw)
	if err != nil || len(s) > 9 {
		return 0, strconv.ErrRange
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, strconv.ErrRange
	}
	return n, nil
}

func filter(name, rawValue string) (Filter, error) {
	item, op, dotted := strings.Cut(name, ".")
	if !ValidIdentifier(item) {
		return Filter{}, errs.FieldMsg(name, msgBadIdentifier, clip(item))
	}
	switch {
	case !dotted:
		op = OpEq
	case op == OpEq:
		return Filter{}, errs.FieldMsg(name, msgOpEq, item)
	}
	f := Filter{Item: item, Op: op}
	switch op {
	case OpEq, OpGt, OpGte, OpLt, OpLte, OpPrefix:
		v, err := value(name, rawValue)
		if err != nil {
			return Filter{}, err
		}
		if v == "" && op != OpEq {
			return Filter{}, errs.FieldMsg(name, msgNeedsValue)
		}
		f.Values = []string{v}
	case OpIn:
		vs, err := list(name, rawValue, MaxInValues)
		if err != nil {
			return Filter{}, err
		}
		f.Values = vs
	default:
		return Filter{}, errs.FieldMsg(name, msgUnknownOp, clip(op))
	}
	return f, nil
}

// list splits a raw value at its commas and unescapes each element.
func list(name, raw string, max int) ([]string, error) {
	if raw == "" {
		return nil, errs.FieldMsg(name, msgNeedsValues)
	}
	parts := strings.Split(raw, ",")
	if len(parts) > max {
		return nil, errs.FieldMsg(name, msgTooManyValues, max)
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		v, err := value(name, p)
		if err != nil {
			return nil, err
		}
		if v == "" {
			return nil, errs.FieldMsg(name, msgEmptyValue)
		}
		out[i] = v
	}
	return out, nil
}

func value(name, raw string) (string, error) {
	if len(raw) > 3*MaxValueBytes {
		return "", errs.FieldMsg(name, msgValueTooLong, MaxValueBytes)
	}
	v, err := url.QueryUnescape(raw)
	switch {
	case err != nil:
		return "", errs.FieldMsg(name, msgPercent)
	case len(v) > MaxValueBytes:
		return "", errs.FieldMsg(name, msgValueTooLong, MaxValueBytes)
	case !utf8.ValidString(v):
		return "", errs.FieldMsg(name, msgNotUTF8)
	case strings.IndexByte(v, 0) >= 0:
		return "", errs.FieldMsg(name, msgNUL)
	}
	return v, nil
}
