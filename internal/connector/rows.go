package connector

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DefaultBatchSize is the batch size Rows uses when given zero or less.
const DefaultBatchSize = 1000

// Rows reads the given columns of a table (all columns, in ordinal order, when
// columns is empty) in batches of up to batchSize rows, calling fn with each
// batch, and returns the number of rows handed to calls of fn that returned
// nil. fn is never called with an empty batch; it owns the batch it is given.
// An error from fn stops the read and is returned, wrapped.
//
// Values are converted by the column's Type to string, int64, float64, bool,
// time.Time (in UTC; a date at midnight UTC), []byte or nil: decimals as
// their exact decimal string (SQLite, which may store them as floating
// point, as the shortest string with the declared scale), times of day as
// "15:04:05[.ffffff]" strings, JSON as a string. A value that does not fit
// its column's type, which SQLite allows, is passed on as stored.
//
// A table with a primary key is read in key order by keyset pagination: each
// batch is one query, WHERE key > last key ORDER BY key LIMIT batchSize, which
// is served from the key's index however deep into the table it is, so
// memory and the time per batch stay constant. Composite keys are compared
// as a whole in key order. A table without a primary key (a view, say), or
// a SQLite key column that accepts NULL, falls back to ORDER BY all the
// selected columns with LIMIT and OFFSET, which is slower on large tables:
// the database sorts and skips all earlier rows for every batch.
//
// Each batch is its own statement, outside any transaction, so rows changed
// while a table is read may or may not be seen. Keyset pagination never
// returns a key twice and never skips a row that exists throughout the
// read; the OFFSET fallback may skip or repeat rows when rows are inserted
// or deleted during the read.
func (s *Source) Rows(ctx context.Context, table string, columns []string, batchSize int, fn func(batch [][]any) error) (int64, error) {
	if fn == nil {
		return 0, errors.New("connector: Rows needs a function to call with each batch")
	}
	t, err := s.Table(ctx, table)
	if err != nil {
		return 0, err
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	sel, err := t.pick(columns)
	if err != nil {
		return 0, err
	}
	r := &reader{s: s, table: t, sel: sel, batch: batchSize, fn: fn}
	if r.keyset() {
		err = r.readKeyset(ctx)
	} else {
		err = r.readOffset(ctx)
	}
	if err != nil {
		return r.n, fmt.Errorf("connector: read %q: %w", table, err)
	}
	return r.n, nil
}

// reader is one call of Rows.
type reader struct {
	s     *Source
	table Table
	sel   []Column // the columns handed to fn
	scan  []Column // sel, then the key columns not in sel
	convs []conv   // one per scan column
	batch int
	fn    func([][]any) error
	n     int64
}

// keyset reports whether the table has a primary key whose columns are all
// NOT NULL (a SQLite rowid table allows NULL in a key column not so declared,
// and NULL compares as neither greater nor less).
func (r *reader) keyset() bool {
	key := r.table.Key()
	if len(key) == 0 {
		return false
	}
	for _, k := range key {
		if c, _ := r.table.Column(k); c.Nullable {
			return false
		}
	}
	return true
}

func (r *reader) selectList(cols []Column) string {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = r.s.d.selectExpr(c)
	}
	return strings.Join(exprs, ", ")
}

func (r *reader) readKeyset(ctx context.Context) error {
	d := r.s.d
	key := r.table.Key()
	scan, keyAt, err := r.table.extend(r.sel, key) // keyAt: position of each key column in scan
	if err != nil {
		return err
	}
	r.scan = scan
	quoted := make([]string, len(key))
	for i, k := range key {
		quoted[i] = d.quote(k)
	}
	head := "SELECT " + r.selectList(r.scan) + " FROM " + d.quote(r.table.Name)
	tail := " ORDER BY " + strings.Join(quoted, ", ") + " LIMIT " + strconv.Itoa(r.batch)
	after, argKeys := keyAfter(d, quoted)

	first, err := r.s.db.PrepareContext(ctx, head+tail)
	if err != nil {
		return err
	}
	defer first.Close()
	next, err := r.s.db.PrepareContext(ctx, head+" WHERE "+after+tail)
	if err != nil {
		return err
	}
	defer next.Close()

	r.convs = converters(r.s.driver, r.scan)
	var args []any
	for {
		stmt := first
		if args != nil {
			stmt = next
		}
		last, got, err := r.read(stmt.QueryContext(ctx, args...))
		if err != nil || got < r.batch {
			return err
		}
		args = make([]any, len(argKeys))
		for i, k := range argKeys {
			at := keyAt[k]
			args[i] = d.keyArg(r.scan[at], last[at])
		}
	}
}

// keyAfter returns the condition "key > the last key read" and which key
// column each of its parameters takes. PostgreSQL and SQLite compare row
// values, which their planners serve from the key index. MariaDB does not
// use an index for a row-value comparison, so it gets the expanded form
// k1 >= ? AND (k1 > ? OR k1 = ? AND k2 > ? ...), whose ranges it does.
func keyAfter(d dialect, quoted []string) (string, []int) {
	ph := func(n int) string { return d.placeholder(n) }
	if len(quoted) == 1 {
		return quoted[0] + " > " + ph(1), []int{0}
	}
	if _, ok := d.(mysqlDialect); !ok {
		params := make([]string, len(quoted))
		keys := make([]int, len(quoted))
		for i := range quoted {
			params[i] = ph(i + 1)
			keys[i] = i
		}
		return "(" + strings.Join(quoted, ", ") + ") > (" + strings.Join(params, ", ") + ")", keys
	}
	keys := []int{0}
	var or []string
	for i := range quoted {
		var and []string
		for j := 0; j < i; j++ {
			keys = append(keys, j)
			and = append(and, quoted[j]+" = "+ph(len(keys)))
		}
		keys = append(keys, i)
		and = append(and, quoted[i]+" > "+ph(len(keys)))
		or = append(or, "("+strings.Join(and, " AND ")+")")
	}
	return quoted[0] + " >= " + ph(1) + " AND (" + strings.Join(or, " OR ") + ")", keys
}

func (r *reader) readOffset(ctx context.Context) error {
	d := r.s.d
	r.scan = r.sel
	// The key columns first, if any, then every other selected column.
	var order []string
	seen := map[string]bool{}
	for _, k := range r.table.Key() {
		order = append(order, d.quote(k))
		seen[k] = true
	}
	for _, c := range r.sel {
		if !seen[c.Name] {
			order = append(order, d.orderExpr(c))
			seen[c.Name] = true
		}
	}
	q := "SELECT " + r.selectList(r.scan) + " FROM " + d.quote(r.table.Name)
	if len(order) > 0 {
		q += " ORDER BY " + strings.Join(order, ", ")
	}
	r.convs = converters(r.s.driver, r.scan)
	for offset := 0; ; offset += r.batch {
		_, got, err := r.read(r.s.db.QueryContext(ctx, q+" LIMIT "+strconv.Itoa(r.batch)+" OFFSET "+strconv.Itoa(offset)))
		if err != nil || got < r.batch {
			return err
		}
	}
}

// read converts the rows of one query into a batch, hands it to fn and
// returns the scanned values of the last row and the number of rows.
func (r *reader) read(rows *sql.Rows, err error) (last []any, got int, _ error) {
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	raw := make([]any, len(r.scan))
	ptrs := make([]any, len(r.scan))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	batch := make([][]any, 0, min(r.batch, 4096))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, err
		}
		// Scan into *any copies bytes, so each row's values are its own.
		row := make([]any, len(r.sel))
		for i := range row {
			row[i] = r.convs[i].value(raw[i])
		}
		batch = append(batch, row)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close() // give the connection back before fn runs
	if len(batch) == 0 {
		return nil, 0, nil
	}
	if err := r.fn(batch); err != nil {
		return nil, 0, err
	}
	r.n += int64(len(batch))
	return raw, len(batch), nil
}
