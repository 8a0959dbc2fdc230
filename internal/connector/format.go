package connector

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Layouts of the text forms Format writes.
const (
	// LayoutDate is a date: 2006-01-02.
	LayoutDate = time.DateOnly
	// LayoutDateTime is a date and time of day without a zone, fractional
	// seconds only when present: 2006-01-02T15:04:05.5.
	LayoutDateTime = "2006-01-02T15:04:05.999999999"
	// LayoutInstant is a date-time with its offset (RFC 3339): 2006-01-02T15:04:05Z.
	LayoutInstant = time.RFC3339Nano
)

// Format renders the values of one column, as Rows, ReadAfter and Query
// return them, as text (a CSV file's) and as JSON values (a data-service
// answer's), by the column's type rather than by the Go type a driver
// happens to return:
//
//   - a date as 2006-01-02;
//   - a date-time without a zone (PostgreSQL timestamp, MySQL DATETIME, a
//     SQLite DATETIME) as 2006-01-02T15:04:05 with its fractional seconds
//     when it has any, and no zone invented; an instant (PostgreSQL
//     timestamptz, MySQL TIMESTAMP, a SQLite TIMESTAMP WITH TIME ZONE) in
//     RFC 3339 with its offset, Z for UTC;
//   - a time of day as 15:04:05, with its fractional seconds when it has
//     any (MySQL's 08:30:00.000000 of a time(6) is 08:30:00);
//   - a decimal as the database gives it, with its declared scale, as a
//     JSON string so that no digit is lost;
//   - integers, floats and booleans as JSON numbers and booleans (a float
//     that is not a number or infinite as the text NaN, Infinity, -Infinity);
//   - binary data in standard base64;
//   - NULL as JSON null and as empty text.
//
// A value that does not fit its column's type, which SQLite allows, is
// written as stored.
type Format struct {
	typ   Type
	zoned bool
}

// FormatOf returns the format of column c of a datasource of driver.
func FormatOf(driver string, c Column) Format {
	return Format{typ: c.Type, zoned: c.Type == TypeDateTime && zoned(driver, c)}
}

// Formats returns the format of each named column of a table (every column,
// in ordinal order, when columns is empty), from the schema Query caches.
func (s *Source) Formats(ctx context.Context, table string, columns []string) ([]Format, error) {
	t, err := s.queryTable(ctx, table)
	if err != nil {
		return nil, err
	}
	sel, err := t.pick(columns)
	if err != nil {
		return nil, err
	}
	out := make([]Format, len(sel))
	for i, c := range sel {
		out[i] = FormatOf(s.driver, c)
	}
	return out, nil
}

// Text is v as text; NULL is empty.
func (f Format) Text(v any) string {
	switch x := f.JSON(v).(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// JSON is v as a value encoding/json writes as documented on Format: nil,
// string, int64, float64 or bool.
func (f Format) JSON(v any) any {
	if f.typ == TypeTime {
		switch x := v.(type) {
		case string:
			return trimFraction(x)
		case []byte:
			return trimFraction(string(x))
		}
	}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return x
	case int64:
		return x
	case bool:
		return x
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "Infinity"
		case math.IsInf(x, -1):
			return "-Infinity"
		}
		return x
	case []byte:
		if f.typ == TypeBinary || f.typ == TypeOther {
			return base64.StdEncoding.EncodeToString(x)
		}
		return string(x)
	case time.Time:
		return f.time(x)
	}
	// Rows narrows values to the types above; anything else as its basic form.
	switch x := basic(v).(type) {
	case int64, float64, string, bool, nil:
		return f.JSON(x)
	case time.Time:
		return f.time(x)
	}
	return fmt.Sprint(v)
}

func (f Format) time(t time.Time) string {
	switch {
	case f.typ == TypeDate:
		return t.Format(LayoutDate)
	case f.typ == TypeTime:
		return t.Format("15:04:05.999999999")
	case f.zoned:
		return t.Format(LayoutInstant)
	}
	return t.Format(LayoutDateTime)
}

// Item returns the format of a column holding an information item of the
// catalog data type dataType (catalog.DataTypes): a date item on a
// date-time column is written as a date.
func (f Format) Item(dataType string) Format {
	if dataType == string(TypeDate) && f.typ == TypeDateTime {
		f.typ = TypeDate
	}
	return f
}

// trimFraction drops the trailing zeros of a time of day's fractional
// seconds, and the point with them when nothing else is left.
func trimFraction(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i < 0 || strings.ContainsAny(s[i:], ":+- ") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
