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
	"unicode/utf8"

	"modernc.org/sqlite"
)

// CheckpointTable is the table OpenSink creates on a target datasource to
// record, per channel, the last sequence applied, the rows applied in all
// and when.
const CheckpointTable = "govshare_checkpoints"

// OpenWritable is Open for a datasource a Sink writes to. It differs from Open
// only for SQLite, which it opens read-write whether or not the file exists,
// with write transactions that take the write lock when they begin (BEGIN
// IMMEDIATE), so two writers wait for each other instead of failing.
func OpenWritable(ctx context.Context, driver, dsn string) (*Source, error) {
	if driver != SQLite {
		return Open(ctx, driver, dsn)
	}
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if path == "" {
		return nil, fmt.Errorf("connector: open %s %s: empty path", driver, dsn)
	}
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	db, err := sql.Open("sqlite", "file:"+r.Replace(path)+"?_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("connector: open %s %s: %w", driver, dsn, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connector: connect to %s %s: %w", driver, dsn, err)
	}
	return &Source{driver: driver, dsn: dsn, db: db, d: sqliteDialect{}}, nil
}

// Sink writes batches of rows into one target table of a datasource, each
// batch exactly once per channel. It is safe for concurrent use; batches of
// one channel are applied one at a time, in the order their transactions
// take the channel's checkpoint row.
type Sink struct {
	s      *Source
	table  string
	cols   []Column // the source's columns: the values of a row, in order
	target []Column // the target's column of the same name, for each of cols
	key    []int    // positions in cols of the key columns, in key order

	perStmt  int // rows in one INSERT
	maxBytes int // of the values of one INSERT (MySQL: under max_allowed_packet)

	mu     sync.Mutex
	sqls   map[int]string // INSERT for n rows
	noBulk atomic.Bool    // the server refused LOAD DATA LOCAL
}

// OpenSink opens table as the target of rows read from a source whose table
// is described by schema (the columns in the order Apply receives their
// values; the key from schema.Key(), which the target needs).
//
// When the table is missing, OpenSink creates it with the columns mapped to
// the target's types: bounded strings keep their length in characters, text
// stays unbounded (utf8mb4 on MySQL/MariaDB, so 4-byte characters such as 𠀀
// round-trip, with a binary no-pad collation, so keys that differ in case or
// trailing spaces stay apart), decimals keep precision and scale, integers
// become 64-bit, times keep microseconds (PostgreSQL keeps the time zone
// kind; MySQL datetime(6) and SQLite text hold UTC), binary stays binary, and
// NULL is allowed where the source allows it. When the table exists,
// OpenSink checks that it can hold the rows and returns a *SchemaError naming
// each column that is missing, narrower or of another kind, and a key that
// differs; it never alters a table.
//
// OpenSink also creates CheckpointTable when it is missing. The Source must be
// writable: OpenWritable, for SQLite.
func (s *Source) OpenSink(ctx context.Context, table string, schema Table) (*Sink, error) {
	k := &Sink{s: s, table: table, cols: slices.Clone(schema.Columns), sqls: map[int]string{}}
	if err := k.validate(schema); err != nil {
		return nil, err
	}
	if err := s.createCheckpoints(ctx); err != nil {
		return nil, err
	}
	names, err := s.d.tables(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("connector: list tables of %s: %w", s.dsn, err)
	}
	src := guessDriver(schema)
	if !slices.Contains(names, table) {
		if err := s.createTable(ctx, src, table, schema); err != nil {
			return nil, err
		}
	}
	t, err := s.Table(ctx, table)
	if err != nil {
		return nil, err
	}
	if diffs := compare(src, schema, s.driver, t); len(diffs) > 0 {
		return nil, &SchemaError{Table: table, Diffs: diffs}
	}
	for _, c := range k.cols {
		tc, _ := t.Column(c.Name)
		k.target = append(k.target, tc)
	}
	for _, name := range schema.Key() {
		k.key = append(k.key, slices.IndexFunc(k.cols, func(c Column) bool { return c.Name == name }))
	}
	maxParams := 65535
	if s.driver == SQLite {
		maxParams = 32766 // SQLITE_MAX_VARIABLE_NUMBER
	}
	k.perStmt = max(1, min(500, maxParams/len(k.cols)))
	k.maxBytes = 1 << 30
	if s.driver == MySQL {
		var packet int
		if err := s.db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
			return nil, fmt.Errorf("connector: read max_allowed_packet: %w", err)
		}
		k.maxBytes = min(packet/2, 8<<20)
	}
	return k, nil
}

// validate checks the schema before any SQL is built from it.
func (k *Sink) validate(schema Table) error {
	if len(k.cols) == 0 {
		return fmt.Errorf("connector: sink %q: the schema has no columns", k.table)
	}
	key := schema.Key()
	if len(key) == 0 {
		return fmt.Errorf("connector: sink %q: the schema has no primary key; a target needs one to upsert", k.table)
	}
	if err := k.s.checkName("table", k.table); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range k.cols {
		if err := k.s.checkName("column", c.Name); err != nil {
			return err
		}
		if seen[c.Name] {
			return fmt.Errorf("connector: sink %q: column %q appears twice", k.table, c.Name)
		}
		seen[c.Name] = true
	}
	for _, name := range key {
		if !seen[name] {
			return fmt.Errorf("connector: sink %q: key column %q: %w", k.table, name, ErrNoColumn)
		}
	}
	return nil
}

// checkName refuses an identifier the database would refuse or, worse,
// silently shorten (PostgreSQL keeps the first 63 bytes).
func (s *Source) checkName(what, name string) error {
	bad := name == "" || strings.ContainsRune(name, 0) || !utf8.ValidString(name)
	switch s.driver {
	case Postgres:
		bad = bad || len(name) > 63
	case MySQL:
		bad = bad || utf8.RuneCountInString(name) > 64 || strings.HasSuffix(name, " ")
	}
	if bad {
		return fmt.Errorf("connector: %s name %q is empty, too long or not allowed on %s", what, name, s.driver)
	}
	return nil
}

// createCheckpoints creates CheckpointTable when it is missing.
func (s *Source) createCheckpoints(ctx context.Context) error {
	q := s.d.quote
	var ddl string
	switch s.driver {
	case Postgres:
		ddl = `CREATE TABLE IF NOT EXISTS ` + q(CheckpointTable) + ` (channel text NOT NULL PRIMARY KEY,
			seq bigint NOT NULL, "rows" bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL)`
	case MySQL:
		coll, err := s.mysqlCollation(ctx)
		if err != nil {
			return err
		}
		ddl = "CREATE TABLE IF NOT EXISTS " + q(CheckpointTable) + " (channel varchar(255) NOT NULL PRIMARY KEY," +
			" seq bigint NOT NULL, `rows` bigint NOT NULL DEFAULT 0, updated_at datetime(6) NOT NULL)" +
			" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + coll
	default:
		ddl = `CREATE TABLE IF NOT EXISTS ` + q(CheckpointTable) + ` (channel TEXT NOT NULL PRIMARY KEY,
			seq INTEGER NOT NULL, "rows" INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)`
	}
	if _, err := s.db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("connector: create %s on %s: %w", CheckpointTable, s.dsn, readOnly(err))
	}
	return nil
}

// readOnly adds a hint to SQLite's error for a write to a file opened
// read-only, as Open opens an existing one.
func readOnly(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == 8 { // SQLITE_READONLY
		return fmt.Errorf("%w (open a sink's datasource with OpenWritable)", err)
	}
	return err
}

// mysqlCollation picks a utf8mb4 collation that compares bytes and does not
// pad: MariaDB's utf8mb4_nopad_bin, MySQL 8's utf8mb4_0900_bin, or else
// utf8mb4_bin.
func (s *Source) mysqlCollation(ctx context.Context) (string, error) {
	have, err := queryStrings(ctx, s.db, `SELECT COLLATION_NAME FROM information_schema.COLLATIONS
		WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')`)
	if err != nil {
		return "", fmt.Errorf("connector: list collations: %w", err)
	}
	for _, c := range []string{"utf8mb4_nopad_bin", "utf8mb4_0900_bin"} {
		if slices.Contains(have, c) {
			return c, nil
		}
	}
	return "utf8mb4_bin", nil
}

// createTable creates the target table for schema, read from a source on
// driver src ("" when not known).
func (s *Source) createTable(ctx context.Context, src, table string, schema Table) error {
	key := schema.Key()
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + s.d.quote(table) + " (")
	for _, c := range schema.Columns {
		isKey := slices.Contains(key, c.Name)
		b.WriteString("\n\t" + s.d.quote(c.Name) + " " + columnDDL(src, c, s.driver, isKey))
		if isKey || !c.Nullable {
			b.WriteString(" NOT NULL")
		} else if s.driver == MySQL {
			b.WriteString(" NULL") // a MySQL timestamp would be NOT NULL otherwise
		}
		b.WriteString(",")
	}
	quoted := make([]string, len(key))
	for i, k := range key {
		quoted[i] = s.d.quote(k)
	}
	b.WriteString("\n\tPRIMARY KEY (" + strings.Join(quoted, ", ") + ")\n)")
	if s.driver == MySQL {
		coll, err := s.mysqlCollation(ctx)
		if err != nil {
			return err
		}
		b.WriteString(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + coll)
	}
	if _, err := s.db.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("connector: create table %q: %w", table, readOnly(err))
	}
	return nil
}

// Table returns the target table as OpenSink found or created it.
func (k *Sink) Table() Table {
	t := Table{Name: k.table, Columns: slices.Clone(k.target)}
	for _, i := range k.key {
		t.key = append(t.key, k.target[i].Name)
	}
	return t
}

// Apply writes one batch in one transaction: it deletes the rows with the
// keys in deletes (each the key columns' values in key order), then inserts
// rows (each the values of the schema's columns, in order, as Source.Rows
// returns them) or updates the rows with the same key, and records seq as
// the channel's checkpoint. A key that appears in rows more than once takes
// its last row.
//
// A batch whose seq is not greater than the channel's checkpoint was applied
// before, or is older than one that was: Apply leaves the table as it is and
// returns false. Redelivering a batch therefore has no effect, and so each
// batch takes effect exactly once. Sequences start at 1.
func (k *Sink) Apply(ctx context.Context, channel string, seq int64, rows [][]any, deletes [][]any) (applied bool, err error) {
	return k.ApplyRange(ctx, channel, seq, rows, deletes, nil)
}

// Range is a span of keys that a batch covers completely: the source holds
// no row in it but the batch's rows and Keep, so the target's other rows in
// it are gone at the source. From and To are key values in key order, as a
// delete holds them; From is exclusive and To inclusive, and nil leaves that
// end open. The span must follow the order in which both databases compare
// the keys alike: integers, decimals, dates and times do; text may not.
type Range struct {
	From, To []any
	Keep     [][]any // keys in the span to leave as they are (rows the source set aside)
}

// ApplyRange is Apply, and when r is not nil it also deletes, in the same
// transaction, the target's rows whose keys fall in r and are neither among
// rows nor in r.Keep. A full pass that sends consecutive ranges from an open
// start to an open end removes the rows deleted at the source, in constant
// memory and exactly once.
func (k *Sink) ApplyRange(ctx context.Context, channel string, seq int64, rows [][]any, deletes [][]any, r *Range) (applied bool, err error) {
	return k.apply(ctx, channel, seq, rows, deletes, r, false)
}

// ApplyFull is ApplyRange for the rows of a full pass: many, mostly new. It
// loads them through the target's bulk path (see bulk) into a staging table
// and merges that with one upsert, in the same transaction as the rest.
func (k *Sink) ApplyFull(ctx context.Context, channel string, seq int64, rows [][]any, deletes [][]any, r *Range) (applied bool, err error) {
	return k.apply(ctx, channel, seq, rows, deletes, r, k.bulk())
}

func (k *Sink) apply(ctx context.Context, channel string, seq int64, rows [][]any, deletes [][]any, r *Range, bulk bool) (applied bool, err error) {
	for i, r := range rows {
		if len(r) != len(k.cols) {
			return false, fmt.Errorf("connector: apply to %q: row %d has %d values, want %d", k.table, i, len(r), len(k.cols))
		}
	}
	for i, d := range deletes {
		if len(d) != len(k.key) {
			return false, fmt.Errorf("connector: apply to %q: delete %d has %d key values, want %d", k.table, i, len(d), len(k.key))
		}
	}
	// The bulk path needs a connection of its own for the staging table
	// and the driver's copy.
	var conn *sql.Conn
	if bulk {
		if conn, err = k.s.db.Conn(ctx); err != nil {
			return false, fmt.Errorf("connector: apply to %q: %w", k.table, err)
		}
		defer conn.Close()
	}
	tx, err := k.begin(ctx, conn)
	if err != nil {
		return false, fmt.Errorf("connector: apply to %q: %w", k.table, err)
	}
	defer tx.Rollback()
	last, err := k.lock(ctx, tx, channel)
	if err != nil {
		return false, fmt.Errorf("connector: apply to %q: checkpoint of channel %q: %w", k.table, channel, readOnly(err))
	}
	if seq <= last {
		return false, nil
	}
	if err := k.delete(ctx, tx, deletes); err != nil {
		return false, fmt.Errorf("connector: apply to %q: delete: %w", k.table, err)
	}
	if r != nil {
		if err := k.deleteRange(ctx, tx, r, rows); err != nil {
			return false, fmt.Errorf("connector: apply to %q: delete the rows gone from the range: %w", k.table, err)
		}
	}
	if bulk {
		err = k.bulkUpsert(ctx, conn, tx, dedupe(rows, k.key))
		if localFilesRefused(err) {
			k.noBulk.Store(true)
			err = k.upsert(ctx, tx, dedupe(rows, k.key))
		}
	} else {
		err = k.upsert(ctx, tx, dedupe(rows, k.key))
	}
	if err != nil {
		return false, fmt.Errorf("connector: apply to %q: upsert: %w", k.table, err)
	}
	q, ph := k.s.d.quote, k.s.d.placeholder
	_, err = tx.ExecContext(ctx, "UPDATE "+q(CheckpointTable)+" SET seq = "+ph(1)+", "+q("rows")+" = "+q("rows")+" + "+ph(2)+
		", updated_at = "+ph(3)+" WHERE channel = "+ph(4), seq, int64(len(rows)+len(deletes)), k.now(), channel)
	if err != nil {
		return false, fmt.Errorf("connector: apply to %q: record checkpoint: %w", k.table, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("connector: apply to %q: commit: %w", k.table, err)
	}
	return true, nil
}

// now is the time of a checkpoint, as the target's column takes it.
func (k *Sink) now() any {
	t := time.Now().UTC().Truncate(time.Microsecond)
	if k.s.driver == SQLite {
		return t.Format("2006-01-02 15:04:05.999999")
	}
	return t
}

// lock makes sure the channel has a checkpoint row, locks it until the
// transaction ends and returns its sequence. On MySQL it also makes the
// session strict, so a value that does not fit is an error, never cut short.
func (k *Sink) lock(ctx context.Context, tx *sql.Tx, channel string) (int64, error) {
	q, ph := k.s.d.quote, k.s.d.placeholder
	insert := "INSERT INTO " + q(CheckpointTable) + " (channel, seq, " + q("rows") + ", updated_at) VALUES (" + ph(1) + ", 0, 0, " + ph(2) + ")"
	var last int64
	switch k.s.driver {
	case MySQL:
		if _, err := tx.ExecContext(ctx, "SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')"); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, insert+" ON DUPLICATE KEY UPDATE channel = channel", channel, k.now()); err != nil {
			return 0, err
		}
		err := tx.QueryRowContext(ctx, "SELECT seq FROM "+q(CheckpointTable)+" WHERE channel = ? FOR UPDATE", channel).Scan(&last)
		return last, err
	default:
		// DO UPDATE, unlike DO NOTHING, locks the row (PostgreSQL) and returns it.
		err := tx.QueryRowContext(ctx, insert+" ON CONFLICT (channel) DO UPDATE SET channel = excluded.channel RETURNING seq", channel, k.now()).Scan(&last)
		return last, err
	}
}

// Checkpoint returns the last sequence applied on a channel, 0 if none.
func (k *Sink) Checkpoint(ctx context.Context, channel string) (int64, error) {
	var seq int64
	err := k.s.db.QueryRowContext(ctx, "SELECT seq FROM "+k.s.d.quote(CheckpointTable)+" WHERE channel = "+k.s.d.placeholder(1), channel).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("connector: checkpoint of channel %q: %w", channel, err)
	}
	return seq, nil
}

// dedupe drops every row whose key appears again later in rows.
func dedupe(rows [][]any, key []int) [][]any {
	last := make(map[string]int, len(rows))
	var buf []byte
	for i, r := range rows {
		buf = buf[:0]
		for _, at := range key {
			buf = appendValue(buf, Column{}, r[at])
		}
		last[string(buf)] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([][]any, 0, len(last))
	for i, r := range rows {
		buf = buf[:0]
		for _, at := range key {
			buf = appendValue(buf, Column{}, r[at])
		}
		if last[string(buf)] == i {
			out = append(out, r)
		}
	}
	return out
}

// arg turns the value of column i, as Source.Rows returns it, into the
// parameter the target's column takes.
func (k *Sink) arg(i int, v any) any {
	tc := k.target[i]
	switch x := v.(type) {
	case time.Time:
		x = x.UTC().Truncate(time.Microsecond)
		if k.s.driver == Postgres {
			return x
		}
		if tc.Type == TypeDate {
			return x.Format(time.DateOnly)
		}
		if k.s.driver == SQLite {
			return x.Format("2006-01-02 15:04:05.999999")
		}
		return x
	case []byte:
		if tc.Type != TypeBinary {
			return string(x)
		}
		if x == nil {
			return []byte{}
		}
	case string:
		if tc.Type == TypeBinary {
			return []byte(x)
		}
	}
	return v
}

// upsert inserts rows, updating those whose key exists, in statements of up
// to perStmt rows and maxBytes of values.
func (k *Sink) upsert(ctx context.Context, tx *sql.Tx, rows [][]any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, min(len(rows), k.perStmt)*len(k.cols))
	n, size := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		var err error
		if n == k.perStmt {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, k.insertSQL(n)); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, k.insertSQL(n), args...)
		}
		args, n, size = args[:0], 0, 0
		return err
	}
	for _, r := range rows {
		rs := rowSize(r)
		if n > 0 && size+rs > k.maxBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		for i, v := range r {
			args = append(args, k.arg(i, v))
		}
		n, size = n+1, size+rs
		if n == k.perStmt {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// rowSize estimates the bytes a row's values take on the wire.
func rowSize(r []any) int {
	n := 0
	for _, v := range r {
		switch x := v.(type) {
		case string:
			n += len(x) + 4
		case []byte:
			n += len(x) + 4
		default:
			n += 12
		}
	}
	return n
}

// insertSQL returns the upsert of n rows.
func (k *Sink) insertSQL(n int) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.sqls[n]; ok {
		return s
	}
	d := k.s.d
	cols := make([]string, len(k.cols))
	for i, c := range k.cols {
		cols[i] = d.quote(c.Name)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + d.quote(k.table) + " (" + strings.Join(cols, ", ") + ") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for i := range k.cols {
			if i > 0 {
				b.WriteByte(',')
			}
			p++
			b.WriteString(d.placeholder(p))
		}
		b.WriteByte(')')
	}
	b.WriteString(k.onConflict(cols))
	k.sqls[n] = b.String()
	return k.sqls[n]
}

// deleteChunk is the most keys one DELETE names.
const deleteChunk = 500

// delete deletes the rows with the given keys.
func (k *Sink) delete(ctx context.Context, tx *sql.Tx, keys [][]any) error {
	d := k.s.d
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), deleteChunk)]
		keys = keys[len(chunk):]
		var (
			b    strings.Builder
			args []any
		)
		b.WriteString("DELETE FROM " + d.quote(k.table) + " WHERE ")
		if len(k.key) == 1 {
			b.WriteString(d.quote(k.cols[k.key[0]].Name) + " IN (")
			for i, key := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				args = append(args, k.arg(k.key[0], key[0]))
				b.WriteString(d.placeholder(len(args)))
			}
			b.WriteByte(')')
		} else {
			for i, key := range chunk {
				if i > 0 {
					b.WriteString(" OR ")
				}
				b.WriteByte('(')
				for j, at := range k.key {
					if j > 0 {
						b.WriteString(" AND ")
					}
					args = append(args, k.arg(at, key[j]))
					b.WriteString(d.quote(k.cols[at].Name) + " = " + d.placeholder(len(args)))
				}
				b.WriteByte(')')
			}
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteRange deletes the rows in r whose keys are not among rows or r.Keep.
func (k *Sink) deleteRange(ctx context.Context, tx *sql.Tx, r *Range, rows [][]any) error {
	for _, b := range [][]any{r.From, r.To} {
		if b != nil && len(b) != len(k.key) {
			return fmt.Errorf("a range bound has %d values, want %d", len(b), len(k.key))
		}
	}
	for _, key := range r.Keep {
		if len(key) != len(k.key) {
			return fmt.Errorf("a key to keep has %d values, want %d", len(key), len(k.key))
		}
	}
	d := k.s.d
	var args []any
	ph := func(v any, at int) string {
		args = append(args, k.arg(at, v))
		return d.placeholder(len(args))
	}
	keyCols := make([]string, len(k.key))
	for i, at := range k.key {
		keyCols[i] = d.quote(k.cols[at].Name)
	}
	tuple := func(vals []any) string {
		ps := make([]string, len(vals))
		for i, v := range vals {
			ps[i] = ph(v, k.key[i])
		}
		if len(ps) == 1 {
			return ps[0]
		}
		return "(" + strings.Join(ps, ", ") + ")"
	}
	lhs := keyCols[0]
	if len(keyCols) > 1 {
		lhs = "(" + strings.Join(keyCols, ", ") + ")"
	}
	var where []string
	if r.From != nil {
		where = append(where, lhs+" > "+tuple(r.From))
	}
	if r.To != nil {
		where = append(where, lhs+" <= "+tuple(r.To))
	}
	table := d.quote(k.table)
	span := table
	if len(where) > 0 {
		span += " WHERE " + strings.Join(where, " AND ")
	}
	// A span the target holds nothing of (a first full pass) needs no
	// delete, and the key list that follows is most of its cost.
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM "+span+" LIMIT 1", args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep []string
	for _, row := range rows {
		vals := make([]any, len(k.key))
		for i, at := range k.key {
			vals[i] = row[at]
		}
		keep = append(keep, tuple(vals))
	}
	for _, key := range r.Keep {
		keep = append(keep, tuple(key))
	}
	if len(keep) > 0 {
		where = append(where, lhs+" NOT IN ("+strings.Join(keep, ", ")+")")
	}
	q := "DELETE FROM " + table
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	_, err = tx.ExecContext(ctx, q, args...)
	return err
}

// onConflict is the clause of an upsert into the table that updates a row
// whose key exists; cols are the quoted names of k.cols.
func (k *Sink) onConflict(cols []string) string {
	var set []string
	for i, c := range cols {
		if slices.Contains(k.key, i) {
			continue
		}
		if k.s.driver == MySQL {
			set = append(set, c+" = VALUES("+c+")")
		} else {
			set = append(set, c+" = excluded."+c)
		}
	}
	keyCols := make([]string, len(k.key))
	for i, at := range k.key {
		keyCols[i] = cols[at]
	}
	switch {
	case k.s.driver == MySQL && len(set) == 0:
		return " ON DUPLICATE KEY UPDATE " + keyCols[0] + " = " + keyCols[0]
	case k.s.driver == MySQL:
		return " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	case len(set) == 0:
		return " ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO NOTHING"
	}
	return " ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
}
