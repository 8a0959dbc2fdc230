package connector

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// postgres reads PostgreSQL through pgx's database/sql driver.
type postgres struct{}

func (postgres) quote(ident string) string { return quoteWith(`"`, ident) }

func (postgres) placeholder(n int) string { return "$" + strconv.Itoa(n) }

// selectExpr reads every column as pgx's database/sql driver returns it:
// numeric and time as text, timestamps as time.Time, json as bytes.
func (postgres) selectExpr(c Column) string { return quoteWith(`"`, c.Name) }

// orderExpr orders the types without a default btree ordering by their text.
func (postgres) orderExpr(c Column) string {
	switch strings.TrimSuffix(strings.ToLower(c.DBType), "[]") {
	case "json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle":
		return quoteWith(`"`, c.Name) + "::text"
	}
	return quoteWith(`"`, c.Name)
}

// keyArg passes the scanned value back: the driver returns each key type in
// a form it also encodes as a parameter (numeric and time as text).
func (postgres) keyArg(_ Column, raw any) any { return raw }

func (postgres) tables(ctx context.Context, db *sql.DB) ([]string, error) {
	return queryStrings(ctx, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')`)
}

func (p postgres) table(ctx context.Context, db *sql.DB, name string) (Table, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.column_name, c.udt_name,
			pg_catalog.format_type(a.atttypid, a.atttypmod),
			COALESCE(c.character_maximum_length, 0), COALESCE(c.numeric_precision, 0),
			COALESCE(c.numeric_scale, 0), c.is_nullable = 'YES'
		FROM information_schema.columns c
		JOIN pg_catalog.pg_namespace n ON n.nspname = c.table_schema
		JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = c.table_name
		JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attname = c.column_name
		WHERE c.table_schema = current_schema() AND c.table_name = $1
		ORDER BY c.ordinal_position`, name)
	if err != nil {
		return Table{}, err
	}
	defer rows.Close()
	t := Table{Name: name}
	for rows.Next() {
		var (
			col                      Column
			udt                      string
			length, precision, scale int
		)
		if err := rows.Scan(&col.Name, &udt, &col.DBType, &length, &precision, &scale, &col.Nullable); err != nil {
			return Table{}, err
		}
		col.Type = pgType(udt)
		switch col.Type {
		case TypeString:
			col.Length = length
		case TypeDecimal:
			col.Precision, col.Scale = precision, scale
		}
		t.Columns = append(t.Columns, col)
	}
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	t.key, err = queryStrings(ctx, db, `SELECT a.attname
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class r ON r.oid = i.indrelid
		JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
		JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum = ANY (i.indkey)
		WHERE n.nspname = current_schema() AND r.relname = $1 AND i.indisprimary
		ORDER BY array_position(i.indkey::int2[], a.attnum)`, name)
	if err != nil {
		return Table{}, err
	}
	markKey(&t)
	return t, nil
}

// pgType maps a type's udt_name (the base type of a domain) to a Type.
func pgType(udt string) Type {
	switch udt {
	case "varchar", "bpchar", "char", "name", "uuid":
		return TypeString
	case "text", "citext":
		return TypeText
	case "int2", "int4", "int8":
		return TypeInteger
	case "numeric":
		return TypeDecimal
	case "float4", "float8":
		return TypeFloat
	case "bool":
		return TypeBoolean
	case "date":
		return TypeDate
	case "timestamp", "timestamptz":
		return TypeDateTime
	case "time", "timetz":
		return TypeTime
	case "bytea":
		return TypeBinary
	case "json", "jsonb":
		return TypeJSON
	}
	return TypeOther
}

var pgPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]*)`)

// redactPostgres returns the DSN with its password replaced, and the password.
func redactPostgres(dsn string) (redacted, secret string) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "(unparseable URL)", ""
		}
		if p, ok := u.User.Password(); ok {
			secret = p
		}
		if q := u.Query(); q.Has("password") {
			secret = q.Get("password")
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		return u.Redacted(), secret
	}
	if m := pgPassword.FindStringSubmatch(dsn); m != nil {
		secret = strings.Trim(m[2], "'")
	}
	return pgPassword.ReplaceAllString(dsn, "${1}xxxxx"), secret
}
