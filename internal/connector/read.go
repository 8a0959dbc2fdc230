package connector

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ReadAfter reads up to n rows (DefaultBatchSize when n is zero or less) of
// the given columns of a table (all columns, in ordinal order, when columns
// is empty), ordered by the columns named in order and starting after a
// position: the values of those columns in a row read before, as pos gives
// them (nil: from the start). A position holding only the first order
// column's value, as Max returns it, starts at that value inclusively: with
// the rows whose first order column is at least that value. skipNull leaves
// out the rows whose first order column is NULL.
//
// Values are converted as Rows converts them. pos holds, for each row, the
// values of its order columns as the database returned them, which compare
// equal to themselves when passed back as after; a read that returns fewer
// than n rows has reached the end. For a read that resumes without skipping
// or repeating rows, order should end in a unique key whose columns are NOT
// NULL (the primary key, after a watermark column, say); NULL compares as
// neither greater nor less, so a NULL in an order column other than the
// first, or in the first without skipNull, may be skipped or repeated.
//
// Each call is one query, served from an index on the order columns when
// there is one, however far into the table the position is.
func (s *Source) ReadAfter(ctx context.Context, table string, columns, order []string, after []any, skipNull bool, n int) (rows, pos [][]any, err error) {
	t, err := s.tableToRead(ctx, table)
	if err != nil {
		return nil, nil, err
	}
	return s.ReadAfterIn(ctx, t, columns, order, after, skipNull, n)
}

// ReadAfterIn is ReadAfter on a table described before (Table), for a
// reader of many batches: the table is listed and described once, not for
// each batch. A column dropped since fails the read.
func (s *Source) ReadAfterIn(ctx context.Context, t Table, columns, order []string, after []any, skipNull bool, n int) (rows, pos [][]any, err error) {
	if len(order) == 0 {
		return nil, nil, errors.New("connector: ReadAfter needs at least one order column")
	}
	if len(after) > len(order) {
		return nil, nil, fmt.Errorf("connector: ReadAfter: a position of %d values for %d order columns", len(after), len(order))
	}
	table := t.Name
	if n <= 0 {
		n = DefaultBatchSize
	}
	sel, scan, orderAt, err := t.reading(columns, order)
	if err != nil {
		return nil, nil, err
	}
	d := s.d
	quoted := make([]string, len(order))
	for i, name := range order {
		quoted[i] = d.quote(name)
	}
	var (
		where []string
		args  []any
	)
	if skipNull {
		where = append(where, quoted[0]+" IS NOT NULL")
	}
	switch {
	case len(after) == 0:
	case len(after) < len(order):
		where = append(where, quoted[0]+" >= "+d.placeholder(1))
		args = append(args, after[0])
	default:
		cond, pick := keyAfter(d, quoted)
		where = append(where, cond)
		for _, i := range pick {
			args = append(args, after[i])
		}
	}
	exprs := make([]string, len(scan))
	for i, c := range scan {
		exprs[i] = d.selectExpr(c)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + d.quote(t.Name)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(quoted, ", ") + " LIMIT " + strconv.Itoa(n)
	if rows, pos, err = s.readAfter(ctx, q, args, sel, scan, orderAt, n); err != nil {
		return nil, nil, fmt.Errorf("connector: read %q: %w", table, err)
	}
	return rows, pos, nil
}

func (s *Source) readAfter(ctx context.Context, q string, args []any, sel, scan []Column, orderAt []int, n int) (out, pos [][]any, _ error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	convs := converters(s.driver, scan)
	raw := make([]any, len(scan))
	ptrs := make([]any, len(scan))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	out = make([][]any, 0, min(n, 4096))
	pos = make([][]any, 0, min(n, 4096))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		// Scan into *any copies bytes, so each row's values are its own.
		row := make([]any, len(sel))
		for i := range row {
			row[i] = convs[i].value(raw[i])
		}
		p := make([]any, len(orderAt))
		for i, at := range orderAt {
			p[i] = s.d.keyArg(scan[at], raw[at])
		}
		out, pos = append(out, row), append(pos, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return out, pos, nil
}

// Max returns the highest value of a column, as a position of one value for
// ReadAfter (as the database returns it, not converted), or nil when the
// column holds no value but NULL.
func (s *Source) Max(ctx context.Context, table, column string) (any, error) {
	t, err := s.tableToRead(ctx, table)
	if err != nil {
		return nil, err
	}
	c, ok := t.Column(column)
	if !ok {
		return nil, fmt.Errorf("connector: table %q: column %q: %w", table, column, ErrNoColumn)
	}
	d := s.d
	var v any
	// ORDER BY ... LIMIT 1 rather than MAX(), which SQLite and pgx may return
	// in another type than the column's.
	err = s.db.QueryRowContext(ctx, "SELECT "+d.selectExpr(c)+" FROM "+d.quote(t.Name)+" WHERE "+d.quote(c.Name)+
		" IS NOT NULL ORDER BY "+d.quote(c.Name)+" DESC LIMIT 1").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("connector: read the highest %q of %q: %w", column, table, err)
	}
	return d.keyArg(c, v), nil
}

// pick returns the columns named (all columns when names is empty).
func (t Table) pick(names []string) ([]Column, error) {
	if len(names) == 0 {
		return t.Columns, nil
	}
	sel := make([]Column, 0, len(names))
	for _, name := range names {
		c, ok := t.Column(name)
		if !ok {
			return nil, fmt.Errorf("connector: table %q: column %q: %w", t.Name, name, ErrNoColumn)
		}
		sel = append(sel, c)
	}
	return sel, nil
}

// reading returns the columns a read selects (all for none named), those it
// scans (the selected, then the order columns not among them) and where in
// the scanned ones each order column is.
func (t Table) reading(columns, order []string) (sel, scan []Column, orderAt []int, err error) {
	if sel, err = t.pick(columns); err != nil {
		return nil, nil, nil, err
	}
	scan, orderAt, err = t.extend(sel, order)
	return sel, scan, orderAt, err
}

// extend returns cols followed by the named columns not among them, and the
// position of each named column in the result.
func (t Table) extend(cols []Column, names []string) ([]Column, []int, error) {
	out := append([]Column(nil), cols...)
	at := make([]int, len(names))
	for i, name := range names {
		at[i] = -1
		for j, c := range out {
			if c.Name == name {
				at[i] = j
				break
			}
		}
		if at[i] < 0 {
			c, ok := t.Column(name)
			if !ok {
				return nil, nil, fmt.Errorf("connector: table %q: column %q: %w", t.Name, name, ErrNoColumn)
			}
			out = append(out, c)
			at[i] = len(out) - 1
		}
	}
	return out, at, nil
}
