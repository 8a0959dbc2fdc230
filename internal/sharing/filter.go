package sharing

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// Operators of a row-filter condition.
const (
	OpEq     = "eq"
	OpIn     = "in"
	OpPrefix = "prefix"
	OpGt     = "gt"
	OpGte    = "gte"
	OpLt     = "lt"
	OpLte    = "lte"
)

var ops = []string{OpEq, OpIn, OpPrefix, OpGt, OpGte, OpLt, OpLte}

// Condition is one clause of a grant's row filter, such as "only my
// district": {Item: "region_code", Op: "prefix", Values: ["430211"]}.
type Condition struct {
	Item   string   `json:"item" doc:"Item identifier"`
	Op     string   `json:"op" enum:"eq,in,prefix,gt,gte,lt,lte"`
	Values []string `json:"values" minItems:"1" maxItems:"100"`
}

// RowFilter keeps the rows that satisfy every condition.
type RowFilter []Condition

// String renders the filter for people: region_code prefix 430211; sex in 男,女.
func (f RowFilter) String() string {
	parts := make([]string, len(f))
	for i, c := range f {
		parts[i] = c.Item + " " + c.Op + " " + strings.Join(c.Values, ",")
	}
	return strings.Join(parts, "; ")
}

// check validates f against the entry's item identifiers.
func (f RowFilter) check(items []string) error {
	if len(f) > 20 {
		return errs.FieldMsg("row_filter", msgFilterMany, len(f))
	}
	for i, c := range f {
		at := i + 1
		if !slices.Contains(items, c.Item) {
			return errs.FieldMsg("row_filter", msgFilterItem, at, c.Item)
		}
		if !slices.Contains(ops, c.Op) {
			return errs.FieldMsg("row_filter", msgFilterOp, at, c.Op, strings.Join(ops, ", "))
		}
		if len(c.Values) == 0 || len(c.Values) > 100 || (c.Op != OpIn && len(c.Values) != 1) {
			if c.Op == OpIn {
				return errs.FieldMsg("row_filter", msgFilterMany100, at, say(c.Op))
			}
			return errs.FieldMsg("row_filter", msgFilterOne, at, say(c.Op))
		}
		for _, v := range c.Values {
			if len(v) > 256 || !utf8.ValidString(v) {
				return errs.FieldMsg("row_filter", msgFilterValue, at)
			}
		}
	}
	return nil
}

// narrows reports whether f keeps no more rows than base: it holds every
// condition of base.
func (f RowFilter) narrows(base RowFilter) bool {
	for _, c := range base {
		if !slices.ContainsFunc(f, func(d Condition) bool {
			return d.Item == c.Item && d.Op == c.Op && slices.Equal(d.Values, c.Values)
		}) {
			return false
		}
	}
	return true
}

// Match reports whether a row (item identifier → value) passes the filter.
// Values compare as numbers when both sides are numbers, else as text.
func (f RowFilter) Match(row map[string]any) bool {
	for _, c := range f {
		v, ok := row[c.Item]
		if !ok || !exchange.Satisfies(c.Op, c.Values, v) { // as in SQL, a missing or NULL value matches nothing
			return false
		}
	}
	return true
}
