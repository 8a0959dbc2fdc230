package connector

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Driver names accepted by Open.
const (
	Postgres = "postgres"
	MySQL    = "mysql" // MySQL and MariaDB
	SQLite   = "sqlite"
)

// Type is a column type normalised across dialects. Its values are the
// catalog's data types (catalog.DataTypes), plus json.
type Type string

const (
	TypeString   Type = "string"   // bounded character data: varchar(n), char(n)
	TypeText     Type = "text"     // unbounded character data
	TypeInteger  Type = "integer"  // whole numbers that fit in an int64
	TypeDecimal  Type = "decimal"  // exact numbers: numeric(p,s), decimal(p,s), bigint unsigned
	TypeFloat    Type = "float"    // binary floating point
	TypeBoolean  Type = "boolean"  // bool, MySQL tinyint(1) and bit(1)
	TypeDate     Type = "date"     // a calendar date
	TypeDateTime Type = "datetime" // a date and a time of day, with or without a zone
	TypeTime     Type = "time"     // a time of day (MySQL: a duration)
	TypeBinary   Type = "binary"   // bytes
	TypeJSON     Type = "json"     // a JSON document (MariaDB: longtext with a json_valid check)
	TypeOther    Type = "other"    // anything else: arrays, intervals, geometry, ...
)

// Column describes one column of a table as the database reports it.
type Column struct {
	Name       string `json:"name"`
	Type       Type   `json:"type"`
	DBType     string `json:"db_type"`             // as the database reports it, e.g. varchar(64), numeric(18,2)
	Length     int    `json:"length,omitempty"`    // characters for strings, bytes for fixed-size binary
	Precision  int    `json:"precision,omitempty"` // decimal digits of a decimal
	Scale      int    `json:"scale,omitempty"`     // digits after the point of a decimal
	Nullable   bool   `json:"nullable"`
	PrimaryKey bool   `json:"primary_key,omitempty"`
}

// Table is a table or view with its columns in ordinal order.
type Table struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`

	key []string // primary-key columns in key order, as introspected
}

// Column returns the column with the given name (an exact match).
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Key returns the names of the primary-key columns in key order, which may
// differ from ordinal order (PRIMARY KEY (b, a)), or nil for a table without
// a primary key. For a Table that did not come from Source.Table (decoded
// from JSON, say) the key order is not known and ordinal order is used.
func (t Table) Key() []string {
	if t.key != nil {
		return slices.Clone(t.key)
	}
	var key []string
	for _, c := range t.Columns {
		if c.PrimaryKey {
			key = append(key, c.Name)
		}
	}
	return key
}

// ErrNoTable is wrapped by the errors of Table, Count and Rows when the table
// is not among Tables.
var ErrNoTable = errors.New("no such table")

// ErrNoColumn is wrapped by the error of Rows when a requested column is not
// in the table.
var ErrNoColumn = errors.New("no such column")

// Source is an open connection pool to one datasource. It is safe for
// concurrent use.
type Source struct {
	driver string
	dsn    string // redacted, for error messages
	db     *sql.DB
	d      dialect

	mu        sync.Mutex
	schemas   map[string]schema // tables Query read lately
	described map[string]described

	stdStringsKnown, stdStrings bool         // standard_conforming_strings, for COPY's literals
	copied                      atomic.Int64 // batches ReadAfterBulk read with COPY
}

// described is a table as Table last described it.
type described struct {
	t  Table
	at time.Time
}

// describedFor is how long the reads take a table as Table last described it:
// a pass of an extractor reads many batches, and fifty channels polling five
// times a second each describe their table, which cost two catalog queries
// a read.
const describedFor = time.Second

// Open connects to a datasource and pings it. driver is Postgres, MySQL or
// SQLite; dsn is
//
//   - postgres: a URL (postgres://user:pass@host:5432/db?sslmode=disable&search_path=s)
//     or keyword/value string, as pgx accepts; the default schema is current_schema();
//   - mysql: a go-sql-driver DSN (user:pass@tcp(host:3306)/db). charset=utf8mb4
//     and parseTime=true are added when absent, and so is time_zone='+00:00'
//     when neither time_zone nor loc is given, so TIMESTAMP values read as UTC;
//   - sqlite: a file path (sqlite:// or file: before it is ignored), opened
//     read-only (mode=ro) when the file exists, and read-write otherwise,
//     which creates it (for a sink to fill).
//
// Every DSN is first rebuilt by NormalizeDSN: a parameter outside the
// driver's allow-list is refused (errs.Invalid naming it) and nothing
// connects. Other errors name the driver and the DSN with its password
// replaced by xxxxx.
func Open(ctx context.Context, driver, dsn string) (*Source, error) {
	dsn, err := NormalizeDSN(driver, dsn)
	if err != nil {
		return nil, err
	}
	var (
		db       *sql.DB
		redacted string
		secret   string
		d        dialect
	)
	switch driver {
	case Postgres:
		redacted, secret = redactPostgres(dsn)
		d = postgres{}
		db, err = sql.Open("pgx", dsn)
	case MySQL:
		redacted, secret = redactMySQL(dsn)
		d = mysqlDialect{}
		db, err = openMySQL(dsn)
	case SQLite:
		redacted = dsn
		d = sqliteDialect{}
		db, err = openSQLite(dsn)
	default:
		return nil, fmt.Errorf("connector: unknown driver %q (want %s, %s or %s)", driver, Postgres, MySQL, SQLite)
	}
	if err != nil {
		return nil, fmt.Errorf("connector: open %s %s: %w", driver, redacted, scrub(err, secret))
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connector: connect to %s %s: %w", driver, redacted, scrub(err, secret))
	}
	return &Source{driver: driver, dsn: redacted, db: db, d: d}, nil
}

// Driver returns the driver name given to Open.
func (s *Source) Driver() string { return s.driver }

// Close closes the connections.
func (s *Source) Close() error { return s.db.Close() }

// Tables returns the names of the base tables and views of the default schema
// (PostgreSQL: current_schema()) or database (MySQL: DATABASE()), sorted by
// byte order.
func (s *Source) Tables(ctx context.Context) ([]string, error) {
	names, err := s.d.tables(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("connector: list tables of %s: %w", s.dsn, err)
	}
	slices.Sort(names)
	return names, nil
}

// Table describes a table or view: its columns in ordinal order, their types
// and which of them form the primary key. A table that is not among Tables
// gives an error wrapping ErrNoTable.
func (s *Source) Table(ctx context.Context, name string) (Table, error) {
	at := time.Now()
	if err := s.check(ctx, name); err != nil {
		return Table{}, err
	}
	t, err := s.d.table(ctx, s.db, name)
	if err != nil {
		return Table{}, fmt.Errorf("connector: describe table %q: %w", name, err)
	}
	if len(t.Columns) == 0 {
		// Dropped between the check and the query.
		return Table{}, fmt.Errorf("connector: table %q: %w", name, ErrNoTable)
	}
	s.mu.Lock()
	if s.described == nil {
		s.described = map[string]described{}
	}
	s.described[name] = described{t: Table{Name: t.Name, Columns: slices.Clone(t.Columns), key: slices.Clone(t.key)}, at: at}
	s.mu.Unlock()
	return t, nil
}

// tableToRead is Table for the reads (ReadAfter, Max), which may take a
// description up to describedFor old: a query naming a column dropped since
// fails, and a column added since is read from the next description on.
func (s *Source) tableToRead(ctx context.Context, name string) (Table, error) {
	s.mu.Lock()
	d, ok := s.described[name]
	s.mu.Unlock()
	if ok && time.Since(d.at) < describedFor {
		d.t.Columns, d.t.key = slices.Clone(d.t.Columns), slices.Clone(d.t.key)
		return d.t, nil
	}
	return s.Table(ctx, name)
}

// Count returns the number of rows in a table.
func (s *Source) Count(ctx context.Context, table string) (int64, error) {
	if err := s.check(ctx, table); err != nil {
		return 0, err
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+s.d.quote(table)).Scan(&n); err != nil {
		return 0, fmt.Errorf("connector: count rows of %q: %w", table, err)
	}
	return n, nil
}

// check refuses a name that is not among Tables, so only names the database
// itself reported are ever put into SQL (quoted, as well).
func (s *Source) check(ctx context.Context, name string) error {
	names, err := s.d.tables(ctx, s.db)
	if err != nil {
		return fmt.Errorf("connector: list tables of %s: %w", s.dsn, err)
	}
	if !slices.Contains(names, name) {
		return fmt.Errorf("connector: table %q: %w", name, ErrNoTable)
	}
	return nil
}

// dialect holds what differs between databases.
type dialect interface {
	quote(ident string) string
	placeholder(n int) string // the n-th (1-based) parameter
	tables(ctx context.Context, db *sql.DB) ([]string, error)
	table(ctx context.Context, db *sql.DB, name string) (Table, error)
	// selectExpr is the select-list expression for a column.
	selectExpr(c Column) string
	// orderExpr is the ORDER BY expression for a column.
	orderExpr(c Column) string
	// keyArg turns a key column's value, as scanned, into the parameter
	// that compares equal to it in the database.
	keyArg(c Column, raw any) any
}

// quoteWith doubles q inside ident and encloses it in q.
func quoteWith(q, ident string) string {
	return q + strings.ReplaceAll(ident, q, q+q) + q
}

// scrub hides a password that a driver error might contain.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx"), err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
