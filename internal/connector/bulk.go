package connector

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// stageTable is the temporary table a bulk write loads before it merges
// into the target; each connection has its own.
const stageTable = "govshare_stage"

// bulkTypes are the column types the bulk paths carry; a table with another
// (arrays, intervals, geometry ...) is written by the upsert.
var bulkTypes = map[Type]bool{TypeString: true, TypeText: true, TypeInteger: true, TypeDecimal: true, TypeFloat: true,
	TypeBoolean: true, TypeDate: true, TypeDateTime: true, TypeTime: true, TypeBinary: true, TypeJSON: true}

// bulk reports whether the rows of a full pass go through the target's bulk
// path: PostgreSQL COPY FROM, MySQL/MariaDB LOAD DATA LOCAL from the batch
// itself. SQLite's multi-row upsert in one transaction is its bulk path.
func (k *Sink) bulk() bool {
	if k.s.driver == SQLite || k.noBulk.Load() {
		return false
	}
	for _, c := range k.target {
		if !bulkTypes[c.Type] {
			return false
		}
	}
	return true
}

// bulkUpsert writes rows through the target's bulk path, in the
// transaction tx of conn. It first loads them straight into the table under
// a savepoint: a first full pass meets no key it holds and is done. When a
// key exists (or MySQL warns of anything), it rolls back to the savepoint,
// loads the rows into a staging table and merges that into the table with
// one upsert. Rows must not repeat a key.
func (k *Sink) bulkUpsert(ctx context.Context, conn *sql.Conn, tx *sql.Tx, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	d := k.s.d
	cols := make([]string, len(k.cols))
	for i, c := range k.cols {
		cols[i] = d.quote(c.Name)
	}
	if _, err := tx.ExecContext(ctx, "SAVEPOINT govshare_bulk"); err != nil {
		return err
	}
	clean, err := k.load(ctx, conn, tx, k.table, rows, cols)
	if err != nil && !uniqueViolation(err) {
		return err
	}
	if err == nil && clean {
		_, err = tx.ExecContext(ctx, "RELEASE SAVEPOINT govshare_bulk")
		return err
	}
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT govshare_bulk"); err != nil {
		return err
	}
	if err := k.stage(ctx, tx, cols); err != nil {
		return err
	}
	if _, err := k.load(ctx, conn, tx, stageTable, rows, cols); err != nil {
		return err
	}
	list := strings.Join(cols, ", ")
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+d.quote(k.table)+" ("+list+") SELECT "+list+" FROM "+d.quote(stageTable)+k.onConflict(cols)); err != nil {
		return err
	}
	if k.s.driver == MySQL {
		_, err := tx.ExecContext(ctx, "DROP TEMPORARY TABLE "+d.quote(stageTable))
		return err
	}
	return nil
}

// stage creates the staging table: on PostgreSQL of the target's column
// types, dropped when the transaction ends; on MySQL of text and blob
// columns, so that nothing is cut short while loading and the merge's
// INSERT ... SELECT converts the values under the session's strict mode.
func (k *Sink) stage(ctx context.Context, tx *sql.Tx, cols []string) error {
	q := k.s.d.quote
	if k.s.driver == Postgres {
		_, err := tx.ExecContext(ctx, "CREATE TEMP TABLE "+q(stageTable)+" ON COMMIT DROP AS SELECT "+strings.Join(cols, ", ")+" FROM "+q(k.table)+" WITH NO DATA")
		return err
	}
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = c + " LONGTEXT"
		if k.target[i].Type == TypeBinary {
			defs[i] = c + " LONGBLOB"
		}
	}
	for _, s := range []string{"DROP TEMPORARY TABLE IF EXISTS " + q(stageTable),
		"CREATE TEMPORARY TABLE " + q(stageTable) + " (" + strings.Join(defs, ", ") + ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// load loads rows into table with the target's bulk path and reports
// whether every row went in as it was: always on PostgreSQL, whose COPY
// fails on any problem; on MySQL when LOAD DATA LOCAL, which skips
// duplicate keys and cuts values short with a warning, warned of nothing.
func (k *Sink) load(ctx context.Context, conn *sql.Conn, tx *sql.Tx, table string, rows [][]any, cols []string) (bool, error) {
	if k.s.driver == Postgres {
		return true, k.copyPostgres(ctx, conn, table, rows)
	}
	return k.loadMySQL(ctx, tx, table, rows, cols)
}

// copyPostgres copies rows into a table with COPY FROM STDIN.
func (k *Sink) copyPostgres(ctx context.Context, conn *sql.Conn, table string, rows [][]any) error {
	names := make([]string, len(k.cols))
	for i, c := range k.cols {
		names[i] = c.Name
	}
	src := pgx.CopyFromSlice(len(rows), func(r int) ([]any, error) {
		vals := make([]any, len(k.cols))
		for i, v := range rows[r] {
			vals[i] = k.arg(i, v)
			if k.target[i].Type == TypeDecimal {
				vals[i] = numeric(vals[i])
			}
		}
		return vals, nil
	})
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("a PostgreSQL connection of type %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, names, src)
		return err
	})
}

// loadMySQL loads rows into a table with LOAD DATA LOCAL INFILE fed from the
// rows themselves, binary columns in hexadecimal, and reports whether all
// went in without a warning.
//
// The rows are offered to the driver under a random name for this one
// statement: a datasource's DSN never enables file access, and no server can
// ask for a name it was not sent.
func (k *Sink) loadMySQL(ctx context.Context, tx *sql.Tx, table string, rows [][]any, cols []string) (bool, error) {
	targets := make([]string, len(cols))
	var sets []string
	for i, c := range cols {
		targets[i] = c
		if k.target[i].Type == TypeBinary {
			targets[i] = "@v" + strconv.Itoa(i)
			sets = append(sets, c+" = UNHEX(@v"+strconv.Itoa(i)+")")
		}
	}
	var buf bytes.Buffer
	for _, r := range rows {
		for i, v := range r {
			if i > 0 {
				buf.WriteByte('\t')
			}
			k.loadField(&buf, i, v)
		}
		buf.WriteByte('\n')
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return false, err
	}
	name := "govshare-" + hex.EncodeToString(id[:])
	mysql.RegisterReaderHandler(name, func() io.Reader { return &buf })
	defer mysql.DeregisterReaderHandler(name)
	stmt := "LOAD DATA LOCAL INFILE 'Reader::" + name + "' INTO TABLE " + k.s.d.quote(table) +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" + strings.Join(targets, ", ") + ")"
	if len(sets) > 0 {
		stmt += " SET " + strings.Join(sets, ", ")
	}
	res, err := tx.ExecContext(ctx, stmt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	var warnings int
	if err := tx.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&warnings); err != nil {
		return false, err
	}
	return n == int64(len(rows)) && warnings == 0, nil
}

// loadField writes the value of column i as LOAD DATA reads it: \N for NULL,
// hexadecimal for binary columns, text with \ escapes otherwise.
func (k *Sink) loadField(buf *bytes.Buffer, i int, v any) {
	tc := k.target[i]
	switch x := k.arg(i, v).(type) {
	case nil:
		buf.WriteString(`\N`)
		return
	case []byte:
		if tc.Type == TypeBinary {
			buf.WriteString(hex.EncodeToString(x))
			return
		}
		escapeLoad(buf, string(x))
	case string:
		if tc.Type == TypeBinary {
			buf.WriteString(hex.EncodeToString([]byte(x)))
			return
		}
		escapeLoad(buf, x)
	case bool:
		if x {
			buf.WriteByte('1')
		} else {
			buf.WriteByte('0')
		}
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case float64:
		buf.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case time.Time:
		switch tc.Type {
		case TypeDate:
			buf.WriteString(x.Format(time.DateOnly))
		case TypeTime:
			buf.WriteString(x.Format("15:04:05.999999"))
		default:
			buf.WriteString(x.Format("2006-01-02 15:04:05.999999"))
		}
	default:
		escapeLoad(buf, fmt.Sprint(x))
	}
}

// escapeLoad writes s with the escapes LOAD DATA's ESCAPED BY '\\' undoes.
func escapeLoad(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			buf.WriteString(`\\`)
		case '\t':
			buf.WriteString(`\t`)
		case '\n':
			buf.WriteString(`\n`)
		case '\r':
			buf.WriteString(`\r`)
		case 0:
			buf.WriteString(`\0`)
		default:
			buf.WriteByte(c)
		}
	}
}

// begin begins a transaction on conn, or on the pool when conn is nil.
func (k *Sink) begin(ctx context.Context, conn *sql.Conn) (*sql.Tx, error) {
	if conn != nil {
		return conn.BeginTx(ctx, nil)
	}
	return k.s.db.BeginTx(ctx, nil)
}

// localFilesRefused reports whether a MySQL server refused LOAD DATA LOCAL
// (local_infile off): the sink then writes with the upsert.
func localFilesRefused(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1148 || me.Number == 3948 || me.Number == 4166)
}

// uniqueViolation reports whether PostgreSQL refused a row for a key the
// table holds.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// numeric parses a decimal's text, which COPY's binary format otherwise
// parses only after failing to encode it as it is, at three times the cost.
func numeric(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		return v // COPY says what is wrong with it
	}
	return n
}
