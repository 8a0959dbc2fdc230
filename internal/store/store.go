package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL dialect of a database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the platform database.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL,
// or a SQLite file path (optionally prefixed with sqlite:// or file:).
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	return openSQLite(ctx, path)
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	// As many idle as open: a burst above the idle count would otherwise close
	// the extra connections on release and open new ones at the next burst
	// (a connection costs milliseconds), which was most of the licence
	// verification p99 on PostgreSQL.
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres %s: %w", redact(dsn), err)
	}
	return &DB{Dialect: Postgres, write: db, read: db}, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// busy_timeout first, so the other pragmas wait for a lock instead of failing.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	writer, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	return &DB{Dialect: SQLite, write: writer, read: reader}, nil
}

// Close closes all connections.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Rebind turns ? placeholders into $1, $2, ... for PostgreSQL. Question marks
// inside quoted literals are kept.
func (db *DB) Rebind(query string) string { return rebind(db.Dialect, query) }

func rebind(d Dialect, query string) string {
	if d != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Query runs a read-only query.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow runs a read-only query that returns at most one row.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.Rebind(query), args...)
}

// Tx is a write transaction.
type Tx struct {
	tx      *sql.Tx
	Dialect Dialect
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, rebind(tx.Dialect, query), args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, rebind(tx.Dialect, query), args...)
}

// QueryRow runs a query that returns at most one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, rebind(tx.Dialect, query), args...)
}

// Stmt is a write statement prepared once and run in many transactions:
// Tx.Exec and Tx.QueryRow prepare theirs on every call, which on SQLite
// can cost more than running a small statement.
type Stmt struct{ s *sql.Stmt }

// PrepareWrite prepares query (? placeholders) for write transactions.
// Close it when done.
func (db *DB) PrepareWrite(ctx context.Context, query string) (*Stmt, error) {
	s, err := db.write.PrepareContext(ctx, db.Rebind(query))
	if err != nil {
		return nil, err
	}
	return &Stmt{s}, nil
}

// Close releases the statement.
func (s *Stmt) Close() error { return s.s.Close() }

// ExecStmt runs a prepared statement in the transaction.
func (tx *Tx) ExecStmt(ctx context.Context, s *Stmt, args ...any) (sql.Result, error) {
	return tx.tx.StmtContext(ctx, s.s).ExecContext(ctx, args...)
}

// QueryRowStmt runs a prepared statement that returns at most one row in
// the transaction.
func (tx *Tx) QueryRowStmt(ctx context.Context, s *Stmt, args ...any) *sql.Row {
	return tx.tx.StmtContext(ctx, s.s).QueryRowContext(ctx, args...)
}

// InTx runs fn in a write transaction, committing when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, Dialect: db.Dialect}
	if err := fn(tx); err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsForeignKey reports whether err is a foreign-key violation.
func IsForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Like is a LIKE pattern (with ESCAPE '\') matching text that contains s.
func Like(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// LikePrefix is a LIKE pattern (with ESCAPE '\') matching text that starts with s.
func LikePrefix(s string) string { return likeEscaper.Replace(s) + "%" }

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// MaxPageSize bounds every paginated list.
const MaxPageSize = 200

// Page normalises a 1-based page number and a page size (default 20).
func Page(page, size int) (int, int) {
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 20
	}
	if size > MaxPageSize {
		size = MaxPageSize
	}
	return page, size
}

// TimeFormat is the fixed-width UTC text form in which times are stored, so
// that they compare correctly as text on every dialect.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t for storage.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

// ParseTime reads a stored time; the empty string is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(TimeFormat, s)
}

// Lock serialises transactions that take the same key until they end: an
// advisory lock on PostgreSQL; SQLite transactions are serial already.
func (tx *Tx) Lock(ctx context.Context, key int64) error {
	if tx.Dialect != Postgres {
		return nil
	}
	_, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", key)
	return err
}
