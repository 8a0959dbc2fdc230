package exchange

import (
	"context"
	"slices"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/mask"
)

// Shape is what a grant lets a channel deliver: which source columns, with
// which masking, and which rows. A channel with a Shaper asks for its shape
// before each pass and each batch, so a revoked or expired grant stops the
// channel at its next batch and a narrowed one applies from then on.
type Shape struct {
	Columns []string                      // source columns to deliver (the key columns are among them)
	Mask    map[string]string             // column → masking rule (internal/mask)
	Keep    func(row map[string]any) bool // rows the grant allows; nil keeps all; the others are not sent
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

// row returns the delivered values of a source row (in t's column order)
// and whether the grant keeps it.
func (sh *Shape) row(t connector.Table, row []any) ([]any, bool) {
	keep := true
	if sh.Keep != nil {
		m := make(map[string]any, len(row))
		for i, c := range t.Columns {
			m[c.Name] = row[i]
		}
		keep = sh.Keep(m)
	}
	out := make([]any, 0, len(sh.Columns))
	for i, c := range t.Columns {
		if !slices.Contains(sh.Columns, c.Name) {
			continue
		}
		v := row[i]
		if rule, ok := sh.Mask[c.Name]; ok {
			v = mask.Apply(rule, v)
		}
		out = append(out, v)
	}
	return out, keep
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
