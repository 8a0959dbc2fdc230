package exchange

// This file is a copy of the value conversion in internal/connector
// (convert.go), which that package does not export: the exchange reads rows
// with its own keyset queries (resumable from a key, ordered by a watermark)
// and must hand the sink the same Go values connector.Source.Rows would.
// When connector grows a read that starts after a key in a given order,
// this copy goes.

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/connector"
)

// conv converts the values a driver returns for one column to the Go types
// Rows promises.
type conv struct {
	typ     connector.Type
	scale   int  // of a decimal, -1 when not declared
	float32 bool // a single-precision float: PostgreSQL real, MySQL float
}

func converters(driver string, cols []connector.Column) []conv {
	cs := make([]conv, len(cols))
	for i, c := range cols {
		cs[i] = conv{typ: c.Type, scale: -1}
		if c.Type == connector.TypeDecimal && (c.Precision > 0 || c.Scale > 0) {
			cs[i].scale = c.Scale
		}
		db := strings.ToLower(c.DBType)
		switch driver {
		case connector.Postgres:
			cs[i].float32 = db == "real"
		case connector.MySQL:
			cs[i].float32 = strings.HasPrefix(db, "float")
		}
	}
	return cs
}

func (c conv) value(v any) any {
	if v == nil {
		return nil
	}
	switch c.typ {
	case connector.TypeString, connector.TypeText, connector.TypeJSON:
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	case connector.TypeInteger:
		switch x := v.(type) {
		case []byte:
			return parseInt(string(x))
		case string:
			return parseInt(x)
		}
	case connector.TypeDecimal:
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		case int64:
			s := strconv.FormatInt(x, 10)
			if c.scale > 0 {
				s += "." + strings.Repeat("0", c.scale)
			}
			return s
		case uint64:
			return strconv.FormatUint(x, 10)
		case float64:
			// SQLite keeps a decimal that fits a double as one.
			return strconv.FormatFloat(x, 'f', c.scale, 64)
		}
	case connector.TypeFloat:
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case int64:
			return float64(x)
		case []byte:
			p, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return string(x)
			}
			f = p
		case string:
			p, err := strconv.ParseFloat(x, 64)
			if err != nil {
				return x
			}
			f = p
		default:
			return basic(v)
		}
		if c.float32 {
			// float64(float32(1.1)) is 1.100000023841858; the database shows 1.1.
			f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
		}
		return f
	case connector.TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x
		case int64:
			return x != 0
		case []byte:
			if len(x) == 1 && x[0] <= 1 { // MySQL bit(1)
				return x[0] == 1
			}
			return parseBool(string(x))
		case string:
			return parseBool(x)
		}
	case connector.TypeDate, connector.TypeDateTime:
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case []byte:
			p, ok := parseTime(string(x))
			if !ok {
				return string(x)
			}
			t = p
		case string:
			p, ok := parseTime(x)
			if !ok {
				return x
			}
			t = p
		default:
			return basic(v)
		}
		if c.typ == connector.TypeDate {
			// The calendar date as stored, whatever zone the driver read it in.
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		return t.UTC()
	case connector.TypeTime:
		switch x := v.(type) {
		case []byte:
			return string(x)
		case time.Time:
			return x.Format("15:04:05.999999999")
		}
	case connector.TypeBinary:
		switch x := v.(type) {
		case string:
			return []byte(x)
		case []byte:
			if x == nil { // an empty blob, which is not NULL
				return []byte{}
			}
			return x
		}
	}
	return basic(v)
}

// basic narrows a driver value to the types Rows promises.
func basic(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return strconv.FormatUint(x, 10)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC()
	}
	return v
}

func parseInt(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n
	}
	return s
}

func parseBool(s string) any {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "y", "yes", "on":
		return true
	case "0", "f", "false", "n", "no", "off":
		return false
	}
	return s
}

// timeLayouts are the text forms of dates and times SQLite's date functions
// read (https://sqlite.org/lang_datefunc.html), with and without a zone, and
// Go's time.Time.String, in which modernc.org/sqlite writes a time.Time by
// default.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads a date or date and time; one without a zone is UTC.
func parseTime(s string) (time.Time, bool) {
	if i := strings.Index(s, " m="); i > 0 { // time.Time.String's monotonic clock reading
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
