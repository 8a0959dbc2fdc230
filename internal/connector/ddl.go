package connector

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Problems a SchemaDiff names.
const (
	DiffMissing  = "missing"  // the target has no column of that name
	DiffNarrower = "narrower" // the target's column is of the same kind but holds less
	DiffType     = "type"     // the target's column is of another kind
	DiffNull     = "null"     // the source allows NULL and the target does not
	DiffKey      = "key"      // the primary keys differ (Column is empty)
)

// SchemaDiff is one way in which a target table cannot hold a source's rows.
type SchemaDiff struct {
	Column  string `json:"column,omitempty"`
	Problem string `json:"problem"` // DiffMissing, DiffNarrower, DiffType, DiffNull or DiffKey
	Source  string `json:"source"`  // the source's type, e.g. "varchar(64)", or its key "(region, id)"
	Target  string `json:"target"`  // the target's type, or "" when missing
}

// SchemaError is returned by OpenSink when a target table exists but cannot
// hold the rows of the source schema: columns are missing, narrower or of
// another kind, accept no NULL, or the primary keys differ. The exchange
// pauses the channel and shows Diffs in its alert; nothing was written.
type SchemaError struct {
	Table string       `json:"table"`
	Diffs []SchemaDiff `json:"diffs"`
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector: target table %q cannot hold the source rows:", e.Table)
	for i, d := range e.Diffs {
		if i > 0 {
			b.WriteByte(';')
		}
		switch d.Problem {
		case DiffMissing:
			fmt.Fprintf(&b, " column %q (%s) is missing", d.Column, d.Source)
		case DiffKey:
			fmt.Fprintf(&b, " primary key %s, want %s", d.Target, d.Source)
		case DiffNull:
			fmt.Fprintf(&b, " column %q is NOT NULL (%s), the source allows NULL", d.Column, d.Target)
		default:
			fmt.Fprintf(&b, " column %q is %s (%s), cannot hold %s", d.Column, d.Problem, d.Target, d.Source)
		}
	}
	return b.String()
}

// Columns returns the names of the columns the differences name.
func (e *SchemaError) Columns() []string {
	var cols []string
	for _, d := range e.Diffs {
		if d.Column != "" {
			cols = append(cols, d.Column)
		}
	}
	return cols
}

// unlimited stands for a capacity without a practical bound (PostgreSQL
// text and bytea, SQLite, MySQL long types).
const unlimited = math.MaxInt64

// typeArgs returns the integers in the first parentheses of a type name:
// numeric(18,2) gives [18 2].
func typeArgs(dbType string) []int {
	i := strings.IndexByte(dbType, '(')
	if i < 0 {
		return nil
	}
	j := strings.IndexByte(dbType[i:], ')')
	if j < 0 {
		return nil
	}
	var args []int
	for _, a := range strings.Split(dbType[i+1:i+j], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return nil
		}
		args = append(args, n)
	}
	return args
}

// baseName is a type name in lower case without its arguments and modifiers:
// "timestamp(3) without time zone" gives "timestamp".
func baseName(dbType string) string {
	d := strings.ToLower(strings.TrimSpace(dbType))
	if i := strings.IndexAny(d, "( "); i >= 0 {
		d = d[:i]
	}
	return d
}

// intRange returns how many bits of magnitude an integer column holds below
// and above zero (-1 below: unsigned). SQLite integers are all 64-bit; the
// names PostgreSQL and MySQL report do not collide, so an unknown driver is
// read by name too.
func intRange(driver string, c Column) (neg, pos int) {
	d := strings.ToLower(c.DBType)
	bytes := 8
	if driver != SQLite {
		switch baseName(d) {
		case "tinyint":
			bytes = 1
		case "smallint", "int2", "year":
			bytes = 2
		case "mediumint":
			bytes = 3
		case "int", "integer", "int4":
			bytes = 4
		}
		if strings.Contains(d, "unsigned") {
			return -1, 8 * bytes
		}
	}
	return 8*bytes - 1, 8*bytes - 1
}

// byteCap returns how many bytes a character or binary column holds: 4 per
// character of a bounded string (UTF-8), the limit of MySQL's tiny, plain and
// medium text and blob types, unlimited otherwise.
func byteCap(driver string, c Column) int64 {
	if c.Length > 0 {
		if c.Type == TypeBinary {
			return int64(c.Length)
		}
		return 4 * int64(c.Length)
	}
	if driver == MySQL || driver == "" {
		switch baseName(c.DBType) {
		case "tinytext", "tinyblob":
			return 255
		case "text", "blob":
			return 65535
		case "mediumtext", "mediumblob":
			return 16777215
		case "bit":
			if a := typeArgs(c.DBType); len(a) == 1 {
				return int64(a[0]+7) / 8
			}
		}
	}
	return unlimited
}

// fsp returns the fractional-second digits a datetime or time column keeps.
func fsp(driver string, c Column) int {
	a := typeArgs(c.DBType)
	switch driver {
	case Postgres:
		if len(a) == 1 {
			return a[0]
		}
		return 6
	case MySQL:
		if len(a) == 1 {
			return a[0]
		}
		return 0
	}
	if len(a) == 1 {
		return a[0]
	}
	return 6 // SQLite stores text; the sink writes microseconds
}

// single reports whether a float column is single precision.
func single(driver string, c Column) bool {
	d := strings.ToLower(c.DBType)
	switch driver {
	case Postgres:
		return d == "real"
	case MySQL:
		return strings.HasPrefix(d, "float")
	case "":
		return d == "real" || d == "float4" || strings.HasPrefix(d, "float")
	}
	return false
}

// guessDriver tells from the types a schema reports which database it was
// read from, or "" when they do not tell: PostgreSQL and MySQL report lower
// case names of their own ("character varying(64)", "int(11)"), SQLite the
// declared types as written, usually in upper case. It matters only where
// a name means different widths (SQLite's INTEGER is 64-bit, REAL double).
func guessDriver(schema Table) string {
	votes := map[string]int{}
	for _, c := range schema.Columns {
		d := c.DBType
		if l := strings.ToLower(d); strings.HasPrefix(l, "enum(") || strings.HasPrefix(l, "set(") {
			votes[MySQL]++
			continue
		}
		if strings.ToLower(d) != d {
			votes[SQLite]++
			continue
		}
		switch {
		case strings.Contains(d, "time zone"), strings.Contains(d, "character"), strings.Contains(d, "precision"),
			d == "bytea", d == "jsonb", d == "boolean", d == "uuid", d == "integer", d == "real":
			votes[Postgres]++
		case strings.Contains(d, "unsigned"), strings.HasSuffix(d, "int(11)"), strings.HasSuffix(d, "int(20)"):
			votes[MySQL]++
		default:
			switch baseName(d) {
			case "tinyint", "mediumint", "datetime", "tinytext", "mediumtext", "longtext", "tinyblob", "blob",
				"mediumblob", "longblob", "double", "year", "varbinary", "binary", "bit":
				votes[MySQL]++
			}
		}
	}
	best, n := "", 0
	for _, d := range []string{Postgres, MySQL, SQLite} {
		if votes[d] > n {
			best, n = d, votes[d]
		}
	}
	return best
}

// zoned reports whether a datetime column holds an instant (PostgreSQL
// timestamptz, MySQL timestamp, a SQLite column declared TIMESTAMP...WITH TIME ZONE).
func zoned(driver string, c Column) bool {
	d := strings.ToLower(c.DBType)
	switch driver {
	case MySQL:
		return strings.HasPrefix(d, "timestamp")
	}
	return strings.Contains(d, "with time zone") || strings.HasSuffix(d, "tz")
}

// decimalDigits returns the digits before and after the point a decimal
// column holds, or -1, -1 when it is unconstrained (PostgreSQL numeric,
// SQLite DECIMAL): as wide as MySQL's widest, decimal(65,30), counts as
// unconstrained too, for it is what the sink creates for one there.
func decimalDigits(driver string, c Column) (whole, frac int) {
	if c.Precision == 0 && c.Scale == 0 {
		if driver == MySQL && strings.Contains(strings.ToLower(c.DBType), "unsigned") {
			return 20, 0
		}
		return -1, -1
	}
	if driver == MySQL && c.Precision == 65 && c.Scale == 30 {
		return -1, -1
	}
	return c.Precision - c.Scale, c.Scale
}

// holds reports whether dst, a column of a table on dstDriver, can take every
// value of src, a column on srcDriver, and if not, which problem it has.
func holds(srcDriver string, src Column, dstDriver string, dst Column) (problem string, ok bool) {
	textual := func(t Type) bool { return t == TypeString || t == TypeText || t == TypeJSON || t == TypeOther }
	switch src.Type {
	case TypeString, TypeText, TypeOther:
		if !textual(dst.Type) || dst.Type == TypeJSON {
			return DiffType, false
		}
		if dst.Type == TypeString && dst.Length > 0 && src.Type == TypeString && src.Length > 0 {
			if dst.Length < src.Length {
				return DiffNarrower, false
			}
			return "", true
		}
		if byteCap(dstDriver, dst) < byteCap(srcDriver, src) {
			return DiffNarrower, false
		}
	case TypeJSON:
		if !textual(dst.Type) {
			return DiffType, false
		}
		if byteCap(dstDriver, dst) < unlimited {
			return DiffNarrower, false
		}
	case TypeInteger:
		switch dst.Type {
		case TypeInteger:
			sn, sp := intRange(srcDriver, src)
			dn, dp := intRange(dstDriver, dst)
			if dn < sn || dp < sp {
				return DiffNarrower, false
			}
		case TypeDecimal:
			if whole, _ := decimalDigits(dstDriver, dst); whole >= 0 && whole < 20 {
				return DiffNarrower, false
			}
		default:
			return DiffType, false
		}
	case TypeDecimal:
		if dst.Type != TypeDecimal {
			return DiffType, false
		}
		sw, sf := decimalDigits(srcDriver, src)
		dw, df := decimalDigits(dstDriver, dst)
		if dw < 0 {
			return "", true
		}
		if sw < 0 || dw < sw || df < sf {
			return DiffNarrower, false
		}
	case TypeFloat:
		if dst.Type != TypeFloat {
			return DiffType, false
		}
		if single(dstDriver, dst) && !single(srcDriver, src) {
			return DiffNarrower, false
		}
	case TypeBoolean:
		if dst.Type != TypeBoolean {
			return DiffType, false
		}
	case TypeDate:
		if dst.Type != TypeDate && dst.Type != TypeDateTime {
			return DiffType, false
		}
	case TypeDateTime, TypeTime:
		if dst.Type != src.Type {
			return DiffType, false
		}
		if fsp(dstDriver, dst) < min(fsp(srcDriver, src), 6) {
			return DiffNarrower, false
		}
	case TypeBinary:
		if dst.Type != TypeBinary {
			return DiffType, false
		}
		if byteCap(dstDriver, dst) < byteCap(srcDriver, src) {
			return DiffNarrower, false
		}
	}
	return "", true
}

// compare lists how a target table t on driver dst fails to hold the columns
// of schema, read from a source on driver src.
func compare(src string, schema Table, dst string, t Table) []SchemaDiff {
	var diffs []SchemaDiff
	key := schema.Key()
	for _, c := range schema.Columns {
		tc, ok := t.Column(c.Name)
		if !ok {
			diffs = append(diffs, SchemaDiff{Column: c.Name, Problem: DiffMissing, Source: c.DBType})
			continue
		}
		if problem, ok := holds(src, c, dst, tc); !ok {
			diffs = append(diffs, SchemaDiff{Column: c.Name, Problem: problem, Source: c.DBType, Target: tc.DBType})
			continue
		}
		isKey := false
		for _, k := range key {
			isKey = isKey || k == c.Name
		}
		if c.Nullable && !tc.Nullable && !isKey {
			diffs = append(diffs, SchemaDiff{Column: c.Name, Problem: DiffNull, Source: c.DBType, Target: tc.DBType + " NOT NULL"})
		}
	}
	tkey := t.Key()
	same := len(tkey) == len(key)
	for _, k := range key {
		found := false
		for _, tk := range tkey {
			found = found || tk == k
		}
		same = same && found
	}
	if !same {
		diffs = append(diffs, SchemaDiff{Problem: DiffKey, Source: "(" + strings.Join(key, ", ") + ")", Target: "(" + strings.Join(tkey, ", ") + ")"})
	}
	return diffs
}

// columnDDL returns the type, for a table created on driver dst, of a column
// c read from a source on driver src. key says whether c is in the primary
// key, which on MySQL needs a bounded type.
func columnDDL(src string, c Column, dst string, key bool) string {
	switch dst {
	case Postgres:
		return pgDDL(src, c)
	case MySQL:
		return mysqlDDL(src, c, key)
	}
	return sqliteDDL(src, c)
}

func pgDDL(src string, c Column) string {
	switch c.Type {
	case TypeString:
		if c.Length > 0 {
			return "varchar(" + strconv.Itoa(c.Length) + ")"
		}
		return "text"
	case TypeText, TypeOther:
		return "text"
	case TypeInteger:
		return "bigint"
	case TypeDecimal:
		if w, f := decimalDigits(src, c); w >= 0 {
			return fmt.Sprintf("numeric(%d,%d)", w+f, f)
		}
		return "numeric"
	case TypeFloat:
		if single(src, c) {
			return "real"
		}
		return "double precision"
	case TypeBoolean:
		return "boolean"
	case TypeDate:
		return "date"
	case TypeDateTime:
		p := strconv.Itoa(min(fsp(src, c), 6))
		if zoned(src, c) {
			return "timestamp(" + p + ") with time zone"
		}
		return "timestamp(" + p + ") without time zone"
	case TypeTime:
		return "time(" + strconv.Itoa(min(fsp(src, c), 6)) + ") without time zone"
	case TypeBinary:
		return "bytea"
	case TypeJSON:
		if baseName(c.DBType) == "jsonb" {
			return "jsonb"
		}
		return "json"
	}
	return "text"
}

// mysqlKeyChars bounds a key column whose source type is unbounded: MySQL
// indexes at most 3072 bytes, 768 four-byte characters, over all key columns.
const mysqlKeyChars = 255

func mysqlDDL(src string, c Column, key bool) string {
	switch c.Type {
	case TypeString, TypeText, TypeOther:
		switch {
		case c.Type == TypeString && c.Length > 0 && c.Length <= 16383:
			return "varchar(" + strconv.Itoa(c.Length) + ")"
		case key:
			return "varchar(" + strconv.Itoa(mysqlKeyChars) + ")"
		case src == MySQL && c.Type == TypeText:
			return baseName(c.DBType)
		}
		return "longtext"
	case TypeInteger:
		return "bigint"
	case TypeDecimal:
		if w, f := decimalDigits(src, c); w >= 0 {
			return fmt.Sprintf("decimal(%d,%d)", w+f, f)
		}
		return "decimal(65,30)"
	case TypeFloat:
		if single(src, c) {
			return "float"
		}
		return "double"
	case TypeBoolean:
		return "tinyint(1)"
	case TypeDate:
		return "date"
	case TypeDateTime:
		return "datetime(" + strconv.Itoa(min(fsp(src, c), 6)) + ")"
	case TypeTime:
		return "time(" + strconv.Itoa(min(fsp(src, c), 6)) + ")"
	case TypeBinary:
		switch {
		case src == MySQL && (baseName(c.DBType) == "binary" || baseName(c.DBType) == "bit"):
			return strings.ToLower(c.DBType) // fixed size: the values are padded already
		case c.Length > 0 && c.Length <= 65535:
			return "varbinary(" + strconv.Itoa(c.Length) + ")"
		case key:
			return "varbinary(" + strconv.Itoa(4*mysqlKeyChars) + ")"
		case src == MySQL:
			return baseName(c.DBType)
		}
		return "longblob"
	case TypeJSON:
		return "json"
	}
	return "longtext"
}

func sqliteDDL(src string, c Column) string {
	switch c.Type {
	case TypeString:
		if c.Length > 0 {
			return "VARCHAR(" + strconv.Itoa(c.Length) + ")"
		}
		return "TEXT"
	case TypeText, TypeOther:
		return "TEXT"
	case TypeInteger:
		return "INTEGER"
	case TypeDecimal:
		if w, f := decimalDigits(src, c); w >= 0 {
			return fmt.Sprintf("DECIMAL(%d,%d)", w+f, f)
		}
		return "DECIMAL"
	case TypeFloat:
		return "REAL"
	case TypeBoolean:
		return "BOOLEAN"
	case TypeDate:
		return "DATE"
	case TypeDateTime:
		if zoned(src, c) {
			return "TIMESTAMP WITH TIME ZONE"
		}
		return "DATETIME"
	case TypeTime:
		return "TIME"
	case TypeBinary:
		return "BLOB"
	case TypeJSON:
		return "JSON"
	}
	return "TEXT"
}
