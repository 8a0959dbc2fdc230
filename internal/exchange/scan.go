package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/govshare/govshare/internal/connector"
)

// scanner reads one source table in batches ordered by some of its columns
// (the key for a full pass; the watermark, then the key, incrementally),
// starting after a position: the values of those columns in the last row
// read, kept as the database returned them so that they compare equal to
// themselves when passed back. It is connector.Source.Rows with a start
// position, which connector does not offer yet.
//
// The table and its columns come from connector.Source.Table, which only
// describes tables the database lists, and every identifier is quoted.
type scanner struct {
	driver string
	db     *sql.DB
	t      connector.Table
	convs  []conv
}

func openScanner(ctx context.Context, ep Endpoint, t connector.Table) (*scanner, error) {
	var (
		db  *sql.DB
		err error
	)
	switch ep.Driver {
	case connector.Postgres:
		db, err = sql.Open("pgx", ep.DSN)
	case connector.MySQL:
		db, err = openMySQL(ep.DSN)
	case connector.SQLite:
		db, err = openSQLite(ep.DSN)
	default:
		err = fmt.Errorf("unknown driver %q", ep.Driver)
	}
	if err != nil {
		// connector.Open has accepted the same DSN, so this error names no password.
		return nil, fmt.Errorf("exchange: open source %s: %w", ep.Driver, err)
	}
	db.SetMaxOpenConns(2)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("exchange: connect to source %s: %w", ep.Driver, err)
	}
	return &scanner{driver: ep.Driver, db: db, t: t, convs: converters(ep.Driver, t.Columns)}, nil
}

func (s *scanner) Close() error { return s.db.Close() }

func (s *scanner) quote(name string) string {
	q := `"`
	if s.driver == connector.MySQL {
		q = "`"
	}
	return q + strings.ReplaceAll(name, q, q+q) + q
}

func (s *scanner) ph(n int) string {
	if s.driver == connector.Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// index returns the position of a column, or -1.
func (s *scanner) index(name string) int {
	return slices.IndexFunc(s.t.Columns, func(c connector.Column) bool { return c.Name == name })
}

// scanned is one row: its values converted as Rows converts them, and the
// raw values of the order columns.
type scanned struct {
	row []any
	pos []any
}

// read returns up to n rows ordered by the columns at order, after the
// position after (nil: from the start). A position shorter than order
// holds only the first column and includes it: order[0] >= after[0].
// notNull, when set, leaves out rows whose first order column is NULL.
func (s *scanner) read(ctx context.Context, order []int, after []any, notNull bool, n int) ([]scanned, error) {
	sel := make([]string, len(s.t.Columns))
	for i, c := range s.t.Columns {
		sel[i] = s.quote(c.Name)
		if s.driver == connector.SQLite {
			sel[i] = "+" + sel[i] // the stored value, untouched by the driver
		}
	}
	quoted := make([]string, len(order))
	for i, at := range order {
		quoted[i] = s.quote(s.t.Columns[at].Name)
	}
	var (
		where []string
		args  []any
	)
	if notNull {
		where = append(where, quoted[0]+" IS NOT NULL")
	}
	switch {
	case after == nil:
	case len(after) < len(order):
		where = append(where, quoted[0]+" >= "+s.ph(1))
		args = append(args, after[0])
	default:
		cond, pick := s.after(quoted)
		where = append(where, cond)
		for _, i := range pick {
			args = append(args, after[i])
		}
	}
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + s.quote(s.t.Name)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + strings.Join(quoted, ", ") + " LIMIT " + strconv.Itoa(n)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("exchange: read %q: %w", s.t.Name, err)
	}
	defer rows.Close()
	raw := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	out := make([]scanned, 0, min(n, 4096))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("exchange: read %q: %w", s.t.Name, err)
		}
		r := scanned{row: make([]any, len(raw)), pos: make([]any, len(order))}
		for i, v := range raw {
			r.row[i] = s.convs[i].value(v)
		}
		for i, at := range order {
			r.pos[i] = s.param(s.t.Columns[at], raw[at])
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("exchange: read %q: %w", s.t.Name, err)
	}
	return out, nil
}

// after returns the condition "(order columns) > (position)" and which
// position value each parameter takes. PostgreSQL and SQLite compare row
// values from the index; MariaDB needs the expanded form to use one.
func (s *scanner) after(quoted []string) (string, []int) {
	if len(quoted) == 1 {
		return quoted[0] + " > " + s.ph(1), []int{0}
	}
	if s.driver != connector.MySQL {
		params := make([]string, len(quoted))
		pick := make([]int, len(quoted))
		for i := range quoted {
			params[i], pick[i] = s.ph(i+1), i
		}
		return "(" + strings.Join(quoted, ", ") + ") > (" + strings.Join(params, ", ") + ")", pick
	}
	pick := []int{0}
	var or []string
	for i := range quoted {
		var and []string
		for j := 0; j < i; j++ {
			pick = append(pick, j)
			and = append(and, quoted[j]+" = "+s.ph(len(pick)))
		}
		pick = append(pick, i)
		and = append(and, quoted[i]+" > "+s.ph(len(pick)))
		or = append(or, "("+strings.Join(and, " AND ")+")")
	}
	return quoted[0] + " >= " + s.ph(1) + " AND (" + strings.Join(or, " OR ") + ")", pick
}

// param turns a scanned value into the parameter that compares equal to it.
// MySQL returns character data as bytes, which it would compare as binary.
func (s *scanner) param(c connector.Column, raw any) any {
	if b, ok := raw.([]byte); ok && s.driver == connector.MySQL && c.Type != connector.TypeBinary && !strings.HasPrefix(c.DBType, "bit") {
		return string(b)
	}
	return raw
}

// max returns the raw maximum of a column, nil for an empty table.
func (s *scanner) max(ctx context.Context, at int) (any, error) {
	expr := s.quote(s.t.Columns[at].Name)
	if s.driver == connector.SQLite {
		expr = "+" + expr
	}
	var v any
	// ORDER BY ... LIMIT 1 rather than MAX(), which SQLite and pgx may return
	// in another type than the column's.
	err := s.db.QueryRowContext(ctx, "SELECT "+expr+" FROM "+s.quote(s.t.Name)+" WHERE "+s.quote(s.t.Columns[at].Name)+
		" IS NOT NULL ORDER BY "+s.quote(s.t.Columns[at].Name)+" DESC LIMIT 1").Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("exchange: read the highest %q of %q: %w", s.t.Columns[at].Name, s.t.Name, err)
	}
	return s.param(s.t.Columns[at], v), nil
}

// openMySQL opens a DSN as connector.Open does: utf8mb4, parseTime, and
// time_zone '+00:00' unless the DSN says otherwise.
func openMySQL(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	params := url.Values{}
	rest := dsn[strings.LastIndex(dsn, "/")+1:]
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		params, _ = url.ParseQuery(rest[i+1:])
	}
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

// openSQLite opens an existing file read-only.
func openSQLite(dsn string) (*sql.DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return sql.Open("sqlite", "file:"+r.Replace(path)+"?mode=ro&_pragma=busy_timeout(10000)")
}
