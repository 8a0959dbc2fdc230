package connector

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// mysqlDialect reads MySQL and MariaDB through go-sql-driver/mysql.
type mysqlDialect struct{}

func (mysqlDialect) quote(ident string) string { return quoteWith("`", ident) }

func (mysqlDialect) placeholder(int) string { return "?" }

func (mysqlDialect) selectExpr(c Column) string { return quoteWith("`", c.Name) }

func (mysqlDialect) orderExpr(c Column) string { return quoteWith("`", c.Name) }

// keyArg passes the scanned value back, but character data as a string: the
// driver returns it as bytes, and bytes interpolated into a query
// (interpolateParams) become a _binary literal, which compares byte by byte
// instead of in the column's collation and so would disagree with ORDER BY.
// The value converted for fn would not do: a date read in a loc other than UTC
// would move, a tinyint(1) of 2 would become true.
func (mysqlDialect) keyArg(c Column, raw any) any {
	if b, ok := raw.([]byte); ok && c.Type != TypeBinary && !strings.HasPrefix(c.DBType, "bit") {
		return string(b)
	}
	return raw
}

func (mysqlDialect) tables(ctx context.Context, db *sql.DB) ([]string, error) {
	return queryStrings(ctx, db, `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')`)
}

func (mysqlDialect) table(ctx context.Context, db *sql.DB, name string) (Table, error) {
	jsonCols, err := mariaJSON(ctx, db, name)
	if err != nil {
		return Table{}, err
	}
	rows, err := db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,
			COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0),
			COALESCE(NUMERIC_SCALE, 0), IS_NULLABLE = 'YES'
		FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
		ORDER BY ORDINAL_POSITION`, name)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	t := Table{Name: name}
	for rows.Next() {
		var (
			col                      Column
			dataType                 string
			length, precision, scale int64
		)
		if err := rows.Scan(&col.Name, &dataType, &col.DBType, &length, &precision, &scale, &col.Nullable); err != nil {
			return Table{}, err
		}
		col.Type = mysqlType(strings.ToLower(dataType), strings.ToLower(col.DBType))
		if jsonCols[col.Name] {
			col.Type = TypeJSON
		}
		switch col.Type {
		case TypeString:
			col.Length = int(length)
		case TypeBinary:
			if dataType == "binary" || dataType == "varbinary" {
				col.Length = int(length)
			}
		case TypeDecimal:
			col.Precision, col.Scale = int(precision), int(scale)
		}
		t.Columns = append(t.Columns, col)
	}
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	t.key, err = queryStrings(ctx, db, `SELECT COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'
		ORDER BY SEQ_IN_INDEX`, name)
	if err != nil {
		return Table{}, err
	}
	markKey(&t)
	return t, nil
}

// mariaJSON returns the columns that MariaDB declared JSON: it stores them as
// longtext with a CHECK (json_valid(`col`)) constraint.
func mariaJSON(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	clauses, err := queryStrings(ctx, db, `SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS
		WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CHECK_CLAUSE LIKE 'json\_valid(%'`, table)
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && (me.Number == 1109 || me.Number == 1054) {
			return nil, nil // no CHECK_CONSTRAINTS (MySQL before 8.0.16): no MariaDB JSON either
		}
		return nil, err
	}
	cols := make(map[string]bool, len(clauses))
	for _, c := range clauses {
		c = strings.TrimSpace(c)
		if strings.HasPrefix(c, "json_valid(`") && strings.HasSuffix(c, "`)") {
			name := c[len("json_valid(`") : len(c)-len("`)")]
			cols[strings.ReplaceAll(name, "``", "`")] = true
		}
	}
	return cols, nil
}

// mysqlType maps DATA_TYPE (and COLUMN_TYPE, for tinyint(1), bit(1) and
// unsigned) to a Type.
func mysqlType(dataType, columnType string) Type {
	switch dataType {
	case "char", "varchar", "enum", "set", "uuid", "inet4", "inet6":
		return TypeString
	case "tinytext", "text", "mediumtext", "longtext":
		return TypeText
	case "tinyint":
		if strings.HasPrefix(columnType, "tinyint(1)") {
			return TypeBoolean
		}
		return TypeInteger
	case "smallint", "mediumint", "int", "integer", "year":
		return TypeInteger
	case "bigint":
		if strings.Contains(columnType, "unsigned") {
			return TypeDecimal // up to 18446744073709551615: does not fit an int64
		}
		return TypeInteger
	case "decimal", "numeric", "fixed":
		return TypeDecimal
	case "float", "double", "real", "double precision":
		return TypeFloat
	case "bit":
		if columnType == "bit(1)" {
			return TypeBoolean
		}
		return TypeBinary
	case "date":
		return TypeDate
	case "datetime", "timestamp":
		return TypeDateTime
	case "time":
		return TypeTime
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return TypeBinary
	case "json":
		return TypeJSON
	}
	return TypeOther
}

// openMySQL applies the defaults documented on Open.
func openMySQL(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.DBName == "" {
		return nil, errors.New("the DSN names no database (user@tcp(host:3306)/dbname)")
	}
	params := mysqlParams(dsn)
	if !params.Has("charset") && !params.Has("collation") {
		if err := cfg.Apply(mysql.Charset("utf8mb4", "")); err != nil {
			return nil, err
		}
	}
	if !params.Has("parseTime") {
		cfg.ParseTime = true
	}
	if !params.Has("time_zone") && !params.Has("loc") {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// mysqlParams returns the parameters of a go-sql-driver DSN: what follows
// the first ? after the last / (the database name cannot contain a /).
func mysqlParams(dsn string) url.Values {
	rest := dsn[strings.LastIndex(dsn, "/")+1:]
	i := strings.IndexByte(rest, '?')
	if i < 0 {
		return url.Values{}
	}
	v, _ := url.ParseQuery(rest[i+1:])
	return v
}

// redactMySQL returns the DSN with its password replaced, and the password.
func redactMySQL(dsn string) (redacted, secret string) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparseable DSN)", ""
	}
	secret = cfg.Passwd
	if cfg.Passwd != "" {
		cfg.Passwd = "xxxxx"
	}
	return cfg.FormatDSN(), secret
}
