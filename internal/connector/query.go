package connector

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// Filter operators of Query.
const (
	OpEq     = "eq"
	OpIn     = "in"
	OpGt     = "gt"
	OpGte    = "gte"
	OpLt     = "lt"
	OpLte    = "lte"
	OpPrefix = "prefix"
)

// MaxInValues bounds the values of one OpIn filter.
const MaxInValues = 1000

// Filter restricts Query to the rows whose Column compares with Values by
// Op: one value, or the list of OpIn.
type Filter struct {
	Column string
	Op     string
	Values []any
}

// Query reads one page of a table: the given columns (all, in ordinal
// order, when columns is empty) of the rows that match every filter, in
// the order of orderBy (column names, "-name" for descending) and then of
// the primary key (every selected column when there is none), so that pages
// do not overlap; limit rows (DefaultBatchSize when zero or less) after
// offset. total is the number of rows matching, counted by a second query
// with the same conditions (not in the same snapshot).
//
// Filter values are parameters, never SQL text. Each is converted to its
// column's Type first: text such as "42", "12.50", "true", "2024-03-05" or
// "2024-03-05T08:00:00Z" (a date-time without a zone is UTC) as the
// gateway passes them, or the Go values Rows returns. A value that does not
// convert, an unknown operator or column, a prefix on a column that is not
// text, or a filter on a binary, JSON or other column is an errs.Invalid
// error naming the column (and the value). OpPrefix is a LIKE with % and _
// taken literally; text compares as the database's collation does (MariaDB's
// default and SQLite's LIKE ignore ASCII case, PostgreSQL does not).
func (s *Source) Query(ctx context.Context, table string, columns []string, filters []Filter, orderBy []string, limit, offset int) (rows [][]any, total int64, err error) {
	if offset < 0 {
		return nil, 0, errs.New(errs.Invalid, msgNegativeOffset, offset)
	}
	if limit <= 0 {
		limit = DefaultBatchSize
	}
	t, err := s.queryTable(ctx, table)
	if err != nil {
		return nil, 0, err
	}
	for _, name := range columns {
		if _, ok := t.Column(name); !ok {
			return nil, 0, errs.WrapMsg(fmt.Errorf("connector: table %q: column %q: %w", table, name, ErrNoColumn),
				errs.Invalid, msgNoSelectColumn, name)
		}
	}
	sel, err := t.pick(columns)
	if err != nil {
		return nil, 0, err
	}
	where, args, err := s.where(t, filters)
	if err != nil {
		return nil, 0, err
	}
	order, err := s.order(t, sel, orderBy)
	if err != nil {
		return nil, 0, err
	}
	d := s.d
	from := " FROM " + d.quote(t.Name) + where
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("connector: count rows of %q: %w", table, err)
	}
	if total == 0 || int64(offset) >= total {
		return [][]any{}, total, nil
	}
	exprs := make([]string, len(sel))
	for i, c := range sel {
		exprs[i] = d.selectExpr(c)
	}
	q := "SELECT " + strings.Join(exprs, ", ") + from + " ORDER BY " + strings.Join(order, ", ") +
		" LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(offset)
	if rows, _, err = s.readAfter(ctx, q, args, sel, sel, nil, min(limit, int(total))); err != nil {
		return nil, 0, fmt.Errorf("connector: query %q: %w", table, err)
	}
	return rows, total, nil
}

// where builds the WHERE clause (with its leading space) and its parameters.
func (s *Source) where(t Table, filters []Filter) (string, []any, error) {
	var conds []string
	var args []any
	ph := func(v any) string {
		args = append(args, v)
		return s.d.placeholder(len(args))
	}
	for _, f := range filters {
		c, ok := t.Column(f.Column)
		if !ok {
			return "", nil, errs.WrapMsg(fmt.Errorf("connector: table %q: column %q: %w", t.Name, f.Column, ErrNoColumn),
				errs.Invalid, msgNoFilterColumn, f.Column)
		}
		switch f.Op {
		case OpEq, OpGt, OpGte, OpLt, OpLte, OpPrefix:
			if len(f.Values) != 1 {
				return "", nil, invalid(c.Name, fmt.Sprintf("%s takes one value, not %d", f.Op, len(f.Values)))
			}
		case OpIn:
			if len(f.Values) == 0 || len(f.Values) > MaxInValues {
				return "", nil, invalid(c.Name, fmt.Sprintf("in takes 1 to %d values, not %d", MaxInValues, len(f.Values)))
			}
		default:
			return "", nil, invalid(c.Name, fmt.Sprintf("unknown operator %q (want eq, in, gt, gte, lt, lte or prefix)", f.Op))
		}
		col := s.d.quote(c.Name)
		if f.Op == OpPrefix {
			if c.Type != TypeString && c.Type != TypeText {
				return "", nil, invalid(c.Name, fmt.Sprintf("prefix works on text, and the column is %s", c.Type))
			}
			v, ok := f.Values[0].(string)
			if !ok {
				return "", nil, invalid(c.Name, fmt.Sprintf("a prefix is text, not %T", f.Values[0]))
			}
			conds = append(conds, col+" LIKE "+ph(likeEscaper.Replace(v)+"%")+" ESCAPE '!'")
			continue
		}
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			a, err := s.filterArg(c, v)
			if err != nil {
				return "", nil, err
			}
			vals[i] = s.argExpr(c, ph(a))
		}
		switch f.Op {
		case OpEq:
			conds = append(conds, col+" = "+vals[0])
		case OpIn:
			conds = append(conds, col+" IN ("+strings.Join(vals, ", ")+")")
		case OpGt:
			conds = append(conds, col+" > "+vals[0])
		case OpGte:
			conds = append(conds, col+" >= "+vals[0])
		case OpLt:
			conds = append(conds, col+" < "+vals[0])
		case OpLte:
			conds = append(conds, col+" <= "+vals[0])
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// likeEscaper escapes a LIKE pattern for ESCAPE '!', which, unlike a
// backslash, means the same in every dialect's string literals.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// order returns the ORDER BY expressions: orderBy, then the key (or every
// selected column) as a tie-breaker.
func (s *Source) order(t Table, sel []Column, orderBy []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, o := range orderBy {
		name, desc := strings.CutPrefix(o, "-")
		c, ok := t.Column(name)
		if !ok {
			return nil, errs.WrapMsg(fmt.Errorf("connector: table %q: column %q: %w", t.Name, name, ErrNoColumn),
				errs.Invalid, msgNoOrderColumn, name)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		e := s.d.orderExpr(c)
		if desc {
			e += " DESC"
		}
		out = append(out, e)
	}
	tie := t.Key()
	if len(tie) == 0 {
		for _, c := range sel {
			tie = append(tie, c.Name)
		}
	}
	for _, name := range tie {
		if !seen[name] {
			c, _ := t.Column(name)
			out = append(out, s.d.orderExpr(c))
			seen[name] = true
		}
	}
	return out, nil
}

func invalid(column, problem string) error {
	return &errs.Error{Code: errs.Invalid, Message: fmt.Sprintf("column %q: %s", column, problem), Fields: errs.Fields{column: errs.Raw(problem)}}
}

func badValue(c Column, v any, want string) error {
	s := fmt.Sprint(v)
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return invalid(c.Name, fmt.Sprintf("%q is not %s", s, want))
}

var decimalText = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$`)

// dateTimeLayouts are the forms of a date-time filter value; one without a
// zone is UTC.
var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	time.DateOnly,
}

// filterArg converts a filter value to the parameter compared with column c.
func (s *Source) filterArg(c Column, v any) (any, error) {
	if v == nil {
		return nil, invalid(c.Name, "a filter value cannot be null")
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	text, isText := v.(string)
	switch c.Type {
	case TypeString, TypeText:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64, int, float64, bool:
			return fmt.Sprint(x), nil
		}
		return nil, badValue(c, v, "text")
	case TypeInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		}
		return nil, badValue(c, v, "a whole number")
	case TypeDecimal:
		switch x := v.(type) {
		case int64, int:
			return fmt.Sprint(x), nil
		case float64:
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				return strconv.FormatFloat(x, 'f', -1, 64), nil
			}
		case string:
			if t := strings.TrimSpace(x); decimalText.MatchString(t) {
				return t, nil
			}
		}
		return nil, badValue(c, v, "a decimal number")
	case TypeFloat:
		f, ok := 0.0, false
		switch x := v.(type) {
		case float64:
			f, ok = x, true
		case int64:
			f, ok = float64(x), true
		case int:
			f, ok = float64(x), true
		case string:
			p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			f, ok = p, err == nil
		}
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, badValue(c, v, "a number")
		}
		return f, nil
	case TypeBoolean:
		b, ok := v.(bool)
		if isText {
			p, isBool := parseBool(text).(bool)
			b, ok = p, isBool
		}
		if !ok {
			return nil, badValue(c, v, "true or false")
		}
		if s.driver == Postgres {
			return b, nil
		}
		if b {
			return int64(1), nil
		}
		return int64(0), nil
	case TypeDate:
		t, ok := v.(time.Time)
		if isText {
			p, err := time.Parse(time.DateOnly, strings.TrimSpace(text))
			t, ok = p, err == nil
		}
		if !ok {
			return nil, badValue(c, v, "a date (2006-01-02)")
		}
		return t.Format(time.DateOnly), nil
	case TypeDateTime:
		t, ok := v.(time.Time)
		if isText {
			ok = false
			for _, l := range dateTimeLayouts {
				if p, err := time.Parse(l, strings.TrimSpace(text)); err == nil {
					t, ok = p, true
					break
				}
			}
		}
		if !ok {
			return nil, badValue(c, v, "a date and time (2006-01-02T15:04:05Z)")
		}
		t = t.UTC().Truncate(time.Microsecond)
		if s.driver == SQLite {
			return t.Format("2006-01-02 15:04:05.999999"), nil // as Sink writes it
		}
		return t, nil
	case TypeTime:
		if isText {
			if _, err := time.Parse("15:04:05.999999999", strings.TrimSpace(text)); err == nil {
				return strings.TrimSpace(text), nil
			}
		}
		return nil, badValue(c, v, "a time of day (15:04:05)")
	}
	return nil, invalid(c.Name, fmt.Sprintf("cannot filter on a column of type %s", c.Type))
}

// argExpr is the SQL for a parameter compared with column c. MariaDB and
// MySQL compare a decimal column with a string parameter as floating point;
// a cast keeps the comparison exact.
func (s *Source) argExpr(c Column, placeholder string) string {
	if _, ok := s.d.(mysqlDialect); ok && c.Type == TypeDecimal {
		return "CAST(" + placeholder + " AS DECIMAL(65,30))"
	}
	return placeholder
}

// schemaTTL bounds how long Query relies on a table's schema it read: a
// service answering many calls reads it once a second, not with each call.
const schemaTTL = time.Second

type schema struct {
	t    Table
	read time.Time
}

// queryTable is Table, remembered for schemaTTL.
func (s *Source) queryTable(ctx context.Context, name string) (Table, error) {
	s.mu.Lock()
	c, ok := s.schemas[name]
	s.mu.Unlock()
	if ok && time.Since(c.read) < schemaTTL {
		return c.t, nil
	}
	t, err := s.Table(ctx, name)
	if err != nil {
		return t, err
	}
	s.mu.Lock()
	if s.schemas == nil || len(s.schemas) >= 1000 {
		s.schemas = map[string]schema{}
	}
	s.schemas[name] = schema{t, time.Now()}
	s.mu.Unlock()
	return t, nil
}
