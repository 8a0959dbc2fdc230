package connector

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqliteDialect reads SQLite files through modernc.org/sqlite.
type sqliteDialect struct{}

func (sqliteDialect) quote(ident string) string { return quoteWith(`"`, ident) }

func (sqliteDialect) placeholder(int) string { return "?" }

// selectExpr reads a column through the no-op unary +, which has no declared
// type, so the driver hands over the stored value as it is (it would parse
// the text of DATE, DATETIME and TIMESTAMP columns itself otherwise); the
// conversion to the column's Type happens in one place, here.
func (sqliteDialect) selectExpr(c Column) string { return "+" + quoteWith(`"`, c.Name) }

func (sqliteDialect) orderExpr(c Column) string { return quoteWith(`"`, c.Name) }

// keyArg passes the stored value back, which compares equal to itself.
func (sqliteDialect) keyArg(_ Column, raw any) any { return raw }

func (sqliteDialect) tables(ctx context.Context, db *sql.DB) ([]string, error) {
	return queryStrings(ctx, db, `SELECT name FROM sqlite_schema
		WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
}

func (sqliteDialect) table(ctx context.Context, db *sql.DB, name string) (Table, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	t := Table{Name: name}
	var pk []int // key position of each column, 0 if not in the key
	for rows.Next() {
		var (
			col     Column
			notNull bool
			pos     int
		)
		if err := rows.Scan(&col.Name, &col.DBType, &notNull, &pos); err != nil {
			return Table{}, err
		}
		col.Type, col.Length, col.Precision, col.Scale = sqliteType(col.DBType)
		col.Nullable = !notNull
		t.Columns = append(t.Columns, col)
		pk = append(pk, pos)
	}
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	for pos := 1; ; pos++ {
		i := indexOf(pk, pos)
		if i < 0 {
			break
		}
		t.key = append(t.key, t.Columns[i].Name)
	}
	markKey(&t)
	// An INTEGER PRIMARY KEY is the rowid, which is never NULL. Other key
	// columns of a rowid table accept NULL unless declared NOT NULL.
	if len(t.key) == 1 {
		for i := range t.Columns {
			if t.Columns[i].PrimaryKey && strings.EqualFold(t.Columns[i].DBType, "INTEGER") {
				t.Columns[i].Nullable = false
			}
		}
	}
	return t, nil
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// sqliteType maps a declared type by SQLite's affinity rules
// (https://sqlite.org/datatype3.html#determination_of_column_affinity),
// refining NUMERIC affinity by name (BOOLEAN, DATE, DATETIME, DECIMAL(p,s),
// JSON, ...), and reads the length or precision and scale in parentheses.
// A column declared without a type holds anything: TypeOther.
func sqliteType(declared string) (typ Type, length, precision, scale int) {
	d := strings.ToUpper(strings.TrimSpace(declared))
	name, args := d, []int(nil)
	if i := strings.IndexByte(d, '('); i >= 0 {
		name = strings.TrimSpace(d[:i])
		if j := strings.IndexByte(d[i:], ')'); j > 0 {
			for _, a := range strings.Split(d[i+1:i+j], ",") {
				n, err := strconv.Atoi(strings.TrimSpace(a))
				if err != nil {
					args = nil
					break
				}
				args = append(args, n)
			}
		}
	}
	switch {
	case d == "":
		return TypeOther, 0, 0, 0
	case strings.Contains(name, "INT"):
		return TypeInteger, 0, 0, 0
	case strings.Contains(name, "CHAR"), strings.Contains(name, "CLOB"), strings.Contains(name, "TEXT"):
		if strings.Contains(name, "CHAR") && len(args) == 1 {
			return TypeString, args[0], 0, 0
		}
		return TypeText, 0, 0, 0
	case strings.Contains(name, "BLOB"):
		return TypeBinary, 0, 0, 0
	case strings.Contains(name, "REAL"), strings.Contains(name, "FLOA"), strings.Contains(name, "DOUB"):
		return TypeFloat, 0, 0, 0
	}
	// NUMERIC affinity.
	switch {
	case strings.Contains(name, "BOOL"):
		return TypeBoolean, 0, 0, 0
	case strings.Contains(name, "DATETIME"), strings.Contains(name, "TIMESTAMP"):
		return TypeDateTime, 0, 0, 0
	case strings.Contains(name, "DATE"):
		return TypeDate, 0, 0, 0
	case strings.Contains(name, "TIME"):
		return TypeTime, 0, 0, 0
	case strings.Contains(name, "JSON"):
		return TypeJSON, 0, 0, 0
	case strings.Contains(name, "DEC"), strings.Contains(name, "NUMERIC"), strings.Contains(name, "MONEY"):
		switch len(args) {
		case 1:
			return TypeDecimal, 0, args[0], 0
		case 2:
			return TypeDecimal, 0, args[0], args[1]
		}
		return TypeDecimal, 0, 0, 0
	}
	return TypeOther, 0, 0, 0
}

// openSQLite opens a file read-only when it exists and read-write (creating
// it) when it does not. path is what NormalizeSQLitePath returned.
func openSQLite(path string) (*sql.DB, error) {
	params := "_pragma=busy_timeout(10000)"
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return nil, errors.New("is a directory")
		}
		params = "mode=ro&" + params
	}
	// A file: URI, so that mode=ro applies; %, ? and # would start an escape,
	// the query or the fragment.
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return sql.Open("sqlite", "file:"+r.Replace(path)+"?"+params)
}
