package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/mask"
)

// Shape is what a grant lets a channel deliver: which source columns, with
// which masking, and which rows. A channel with a Shaper asks for its shape
// before each pass and each batch, so a revoked or expired grant stops the
// channel at its next batch and a narrowed one applies from then on.
type Shape struct {
	Columns []string          `json:"columns"`          // source columns to deliver (the key columns are among them)
	Mask    map[string]string `json:"mask,omitempty"`   // column → masking rule (internal/mask)
	Filter  []RowCondition    `json:"filter,omitempty"` // the rows the grant allows: all conditions hold; the others are not sent
	// HashKey is the consumer department's hash key (mask.Masker): the
	// hash rule is HMAC-SM3 under it, on the platform and on a provider's
	// node alike, so that the consumer gets the same values by every path.
	HashKey []byte `json:"hash_key,omitempty"`
}

// RowCondition is a clause of a grant's row filter on a source column,
// such as {Column: "region_code", Op: "prefix", Values: ["430211"]}.
type RowCondition struct {
	Column string   `json:"column"`
	Op     string   `json:"op"` // eq, in, prefix, gt, gte, lt, lte
	Values []string `json:"values"`
}

// Satisfies reports whether a value satisfies op over values (the operators
// of RowCondition): numbers compare as numbers, other values as text, and
// NULL satisfies nothing, as in SQL.
func Satisfies(op string, values []string, v any) bool {
	if v == nil || len(values) == 0 {
		return false
	}
	t := valueText(v)
	switch op {
	case "eq":
		return compareText(t, values[0]) == 0
	case "in":
		return slices.ContainsFunc(values, func(w string) bool { return compareText(t, w) == 0 })
	case "prefix":
		return strings.HasPrefix(t, values[0])
	case "gt":
		return compareText(t, values[0]) > 0
	case "gte":
		return compareText(t, values[0]) >= 0
	case "lt":
		return compareText(t, values[0]) < 0
	case "lte":
		return compareText(t, values[0]) <= 0
	}
	return false
}

func compareText(a, b string) int {
	x, okx := new(big.Rat).SetString(a)
	y, oky := new(big.Rat).SetString(b)
	if okx && oky {
		return x.Cmp(y)
	}
	return strings.Compare(a, b)
}

func valueText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// Shaper answers a channel's shape now, or an error that stops it.
type Shaper func(ctx context.Context) (*Shape, error)

// table narrows a source table's schema to the shape's columns; masked
// columns become text, since masking turns values into strings.
func (sh *Shape) table(t connector.Table) connector.Table {
	out := t
	out.Columns = nil
	for _, c := range t.Columns {
		if !slices.Contains(sh.Columns, c.Name) {
			continue
		}
		if rule, ok := sh.Mask[c.Name]; ok && rule != mask.None {
			c = maskedColumn(c, rule)
		}
		out.Columns = append(out.Columns, c)
	}
	return out
}

// keeps reports whether the grant's row filter allows a source row (in t's
// column order).
func (sh *Shape) keeps(t connector.Table, row []any) bool {
	for _, f := range sh.Filter {
		i := slices.IndexFunc(t.Columns, func(c connector.Column) bool { return c.Name == f.Column })
		if i < 0 || !Satisfies(f.Op, f.Values, row[i]) {
			return false
		}
	}
	return true
}

// shows reports whether the consumer receives a column's values as they
// are: delivered, and not masked.
func (sh *Shape) shows(col string) bool {
	rule, masked := sh.Mask[col]
	return slices.Contains(sh.Columns, col) && (!masked || rule == mask.None)
}

// row returns the delivered values of a source row (in t's column order)
// and whether the grant keeps it.
func (sh *Shape) row(t connector.Table, row []any) ([]any, bool) {
	keep := sh.keeps(t, row)
	out := make([]any, 0, len(sh.Columns))
	m := mask.Masker{Key: sh.HashKey}
	for i, c := range t.Columns {
		if !slices.Contains(sh.Columns, c.Name) {
			continue
		}
		v := row[i]
		if rule, ok := sh.Mask[c.Name]; ok {
			v = m.Apply(rule, v)
		}
		out = append(out, v)
	}
	return out, keep
}

// object is the consumer's view of a source row read back from JSON (an
// entry of the quarantine written before entries were shaped): the granted
// columns, masked, and whether the row filter keeps it.
func (sh *Shape) object(raw map[string]any) (map[string]any, bool) {
	text := func(v any) any {
		if n, ok := v.(json.Number); ok {
			return n.String()
		}
		return v
	}
	for _, f := range sh.Filter {
		v, ok := raw[f.Column]
		if !ok || !Satisfies(f.Op, f.Values, text(v)) {
			return nil, false
		}
	}
	out := make(map[string]any, len(sh.Columns))
	m := mask.Masker{Key: sh.HashKey}
	for _, c := range sh.Columns {
		v, ok := raw[c]
		if !ok {
			continue
		}
		if rule, ok := sh.Mask[c]; ok {
			v = m.Apply(rule, text(v))
		}
		out[c] = v
	}
	return out, true
}

// maskedColumn is the column a masked source column is delivered as: text
// long enough for the masked form (an SM3 hash is 64 hex digits).
func maskedColumn(c connector.Column, rule string) connector.Column {
	n := max(c.Length, 20)
	if rule == mask.Hash {
		n = max(n, 64)
	}
	c.Type, c.DBType, c.Length, c.Precision, c.Scale = connector.TypeString, "", n, 0, 0
	return c
}
