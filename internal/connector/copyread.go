package connector

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// ReadAfterBulk is ReadAfter for a full pass (no NULL skipped): on
// PostgreSQL it reads each batch with COPY TO in text form, which costs the
// server and the reader less per row than a query's result rows. Where COPY
// cannot be used safely (another database, a column of a type this reader
// does not parse, a position value without a literal form here) it is
// ReadAfter. Rows come in the same Go types as ReadAfter's; positions may be
// in other types, and either method takes the other's.
func (s *Source) ReadAfterBulk(ctx context.Context, table string, columns, order []string, after []any, n int) (rows, pos [][]any, err error) {
	if s.driver != Postgres || len(order) == 0 || len(after) > len(order) {
		return s.ReadAfter(ctx, table, columns, order, after, false, n)
	}
	t, err := s.tableToRead(ctx, table)
	if err != nil {
		return nil, nil, err
	}
	if n <= 0 {
		n = DefaultBatchSize
	}
	sel, scan, orderAt, err := t.reading(columns, order)
	if err != nil {
		return nil, nil, err
	}
	q, ok := s.copyQuery(ctx, t, scan, order, orderAt, after, n)
	if !ok {
		return s.ReadAfter(ctx, table, columns, order, after, false, n)
	}
	var buf bytes.Buffer
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("connector: read %q: %w", table, err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.ErrUnsupported
		}
		pc := c.Conn().PgConn()
		// Times in UTC and ISO, floats exact, whatever the server's defaults.
		if err := pc.Exec(ctx, "BEGIN READ ONLY; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = 'hex'").Close(); err != nil {
			return err
		}
		_, err := pc.CopyTo(ctx, &buf, q)
		if end := pc.Exec(ctx, "COMMIT").Close(); err == nil {
			err = end
		}
		return err
	})
	if errors.Is(err, errors.ErrUnsupported) {
		return s.ReadAfter(ctx, table, columns, order, after, false, n)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("connector: read %q: %w", table, err)
	}
	rows, pos, ok = parseCopyText(buf.Bytes(), len(sel), scan, orderAt)
	if ok {
		s.copied.Add(1)
	}
	if !ok {
		// A value this reader does not parse (a date BC, infinity): read the
		// batch as a query does.
		return s.ReadAfter(ctx, table, columns, order, after, false, n)
	}
	return rows, pos, nil
}

// copyQuery is the COPY statement of a batch, with the position as literals
// (COPY takes no parameters); ok is false where a column type or a position
// value has no form here.
func (s *Source) copyQuery(ctx context.Context, t Table, scan []Column, order []string, orderAt []int, after []any, n int) (string, bool) {
	if !s.standardStrings(ctx) {
		return "", false
	}
	d := s.d
	exprs := make([]string, len(scan))
	for i, c := range scan {
		switch c.Type {
		case TypeString, TypeText, TypeInteger, TypeDecimal, TypeFloat, TypeBoolean, TypeDate, TypeDateTime, TypeTime, TypeBinary, TypeJSON:
		default:
			return "", false
		}
		exprs[i] = d.selectExpr(c)
	}
	quoted := make([]string, len(order))
	for i, name := range order {
		quoted[i] = d.quote(name)
	}
	lits := make([]string, len(after))
	for i, v := range after {
		l, ok := pgLiteral(scan[orderAt[i]], v)
		if !ok {
			return "", false
		}
		lits[i] = l
	}
	q := "SELECT " + strings.Join(exprs, ", ") + " FROM " + d.quote(t.Name)
	switch {
	case len(after) == 0:
	case len(after) < len(order):
		q += " WHERE " + quoted[0] + " >= " + lits[0]
	case len(order) == 1:
		q += " WHERE " + quoted[0] + " > " + lits[0]
	default:
		q += " WHERE (" + strings.Join(quoted, ", ") + ") > (" + strings.Join(lits, ", ") + ")"
	}
	q += " ORDER BY " + strings.Join(quoted, ", ") + " LIMIT " + strconv.Itoa(n)
	return "COPY (" + q + ") TO STDOUT", true
}

// standardStrings reports whether the server reads backslashes in string
// literals as themselves (standard_conforming_strings, on by default), which
// pgLiteral's quoting relies on.
func (s *Source) standardStrings(ctx context.Context) bool {
	s.mu.Lock()
	known, on := s.stdStringsKnown, s.stdStrings
	s.mu.Unlock()
	if known {
		return on
	}
	var v string
	if err := s.db.QueryRowContext(ctx, "SHOW standard_conforming_strings").Scan(&v); err != nil {
		return false
	}
	s.mu.Lock()
	s.stdStringsKnown, s.stdStrings = true, v == "on"
	s.mu.Unlock()
	return v == "on"
}

// pgLiteral writes a position value of column c as a PostgreSQL literal of
// the column's type, or ok false.
func pgLiteral(c Column, v any) (string, bool) {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	cast := func(s string) (string, bool) {
		db := strings.ToLower(c.DBType)
		switch {
		case c.Type == TypeDate && db == "date":
			return quote(s) + "::date", true
		case c.Type == TypeDateTime && strings.HasPrefix(db, "timestamp") && strings.Contains(db, "with time zone"):
			return quote(s) + "::timestamptz", true
		case c.Type == TypeDateTime && strings.HasPrefix(db, "timestamp"):
			return quote(s) + "::timestamp", true
		}
		return "", false
	}
	switch x := v.(type) {
	case int64:
		if c.Type == TypeInteger || c.Type == TypeDecimal {
			return strconv.FormatInt(x, 10), true
		}
	case float64:
		if c.Type == TypeFloat {
			return strconv.FormatFloat(x, 'g', -1, 64) + "::float8", true
		}
	case time.Time:
		if c.Type == TypeDate {
			return cast(x.Format("2006-01-02"))
		}
		if c.Type == TypeDateTime {
			if strings.Contains(strings.ToLower(c.DBType), "with time zone") {
				return cast(x.Format("2006-01-02 15:04:05.999999999Z07:00"))
			}
			return cast(x.UTC().Format("2006-01-02 15:04:05.999999999"))
		}
	case string:
		switch c.Type {
		case TypeString, TypeText:
			if strings.IndexByte(x, 0) >= 0 {
				return "", false
			}
			return quote(x), true
		case TypeInteger:
			if _, err := strconv.ParseInt(x, 10, 64); err == nil {
				return x, true
			}
		case TypeDecimal:
			if decimalText.MatchString(x) {
				return quote(x) + "::numeric", true
			}
		case TypeDate, TypeDateTime:
			if t, ok := parseTime(x); ok {
				return pgLiteral(c, t)
			}
		}
	}
	return "", false
}

// parseCopyText reads COPY's text form: a row per line, tab-separated
// fields, \N for NULL and backslash escapes. Each row's first n fields are
// the row; the fields at orderAt its position. ok is false when a value does
// not parse as its column's type.
func parseCopyText(b []byte, n int, scan []Column, orderAt []int) (rows, pos [][]any, ok bool) {
	convs := converters(Postgres, scan)
	vals := make([]any, len(scan))
	for len(b) > 0 {
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			end = len(b)
		}
		line := b[:end]
		b = b[min(end+1, len(b)):]
		fields := bytes.Split(line, []byte{'\t'})
		if len(fields) != len(scan) {
			return nil, nil, false
		}
		for i, f := range fields {
			if string(f) == `\N` {
				vals[i] = nil
				continue
			}
			text := unescapeCopy(f)
			v, ok := copyValue(convs[i], scan[i], text)
			if !ok {
				return nil, nil, false
			}
			vals[i] = v
		}
		rows = append(rows, append([]any(nil), vals[:n]...))
		p := make([]any, len(orderAt))
		for i, at := range orderAt {
			p[i] = vals[at]
		}
		pos = append(pos, p)
	}
	return rows, pos, true
}

// copyValue converts one field's text to the Go type ReadAfter gives.
func copyValue(cv conv, c Column, text string) (any, bool) {
	switch c.Type {
	case TypeBinary:
		if !strings.HasPrefix(text, `\x`) {
			return nil, false
		}
		b, err := hex.DecodeString(text[2:])
		if err != nil {
			return nil, false
		}
		return b, true
	case TypeDate, TypeDateTime:
		t, err := time.Parse("2006-01-02 15:04:05.999999999-07", text)
		if err != nil {
			if t, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", text); err != nil {
				var ok bool
				if t, ok = parseTime(text); !ok {
					return nil, false
				}
			}
		}
		return cv.value(t), true
	case TypeInteger:
		x, err := strconv.ParseInt(text, 10, 64)
		return x, err == nil
	case TypeFloat, TypeBoolean:
		v := cv.value(text)
		_, isText := v.(string)
		return v, !isText
	}
	return cv.value(text), true
}

// unescapeCopy undoes COPY's text escapes.
func unescapeCopy(f []byte) string {
	if bytes.IndexByte(f, '\\') < 0 {
		return string(f)
	}
	var sb strings.Builder
	sb.Grow(len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 == len(f) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch e := f[i]; e {
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'v':
			sb.WriteByte('\v')
		case 'x':
			j := i + 1
			for j < len(f) && j < i+3 && isHex(f[j]) {
				j++
			}
			if j == i+1 {
				sb.WriteByte('x')
				continue
			}
			v, _ := strconv.ParseUint(string(f[i+1:j]), 16, 8)
			sb.WriteByte(byte(v))
			i = j - 1
		default:
			if e >= '0' && e <= '7' {
				j := i
				for j < len(f) && j < i+3 && f[j] >= '0' && f[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(string(f[i:j]), 8, 8)
				sb.WriteByte(byte(v))
				i = j - 1
				continue
			}
			sb.WriteByte(e)
		}
	}
	return sb.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
