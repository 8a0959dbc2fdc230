package exchange

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// States of a quarantined row.
const (
	QuarantineOpen    = "open"    // waiting for a fix
	QuarantineRetried = "retried" // passed when retried and was published
	QuarantineSkipped = "skipped" // resolved by a person without publishing it
	QuarantineGone    = "gone"    // no longer at the source when retried
)

// QuarantinedRow is a source row that failed its channel's rules: it did
// not go to the target, and waits here until it is retried or skipped.
//
// The row of a channel a grant shapes is kept twice: Row and Reason as the
// consumer would receive it (the granted columns, masked, and a reason that
// quotes no value the grant masks or leaves out), and RawRow and RawReason
// as the provider's source holds it. Only the provider's side is shown the
// raw pair (Manager.QuarantineList decides); a row outside the grant's row
// filter is never set aside at all. An unshaped channel delivers whole rows,
// so its Row is the row as read and RawRow is empty.
type QuarantinedRow struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	Key       string    `json:"key"`    // the source key values as a JSON array (never shown to a grant's consumer as such)
	Row       string    `json:"row"`    // the row as a JSON object of column → value (shaped, for a shaped channel)
	Column    string    `json:"column"` // the first column that failed
	Reason    string    `json:"reason"`
	Shaped    bool      `json:"shaped"`            // Row and Reason are the consumer's view; RawRow and RawReason the provider's
	RawRow    string    `json:"-"`                 // the row as read, of a shaped channel: for the provider only
	RawReason string    `json:"-"`                 // the reason quoting the source's values, of a shaped channel: for the provider only
	At        time.Time `json:"at"`                // when it was (last) quarantined
	State     string    `json:"state"`             // QuarantineOpen, QuarantineRetried, ...
	Resolved  time.Time `json:"resolved,omitzero"` // when it left the open state
	Passes    int       `json:"passes"`            // times it was found failing
}

// Quarantine stores the rows an extractor set aside. It lives with the
// extractor, on the provider's node, because the rows are the provider's
// data: they never leave the node unless they pass. One open entry is kept
// per channel and key; finding the row failing again updates it.
type Quarantine interface {
	// Put records rows found failing (ID, State and Resolved are ignored).
	Put(ctx context.Context, rows []QuarantinedRow) error
	// List returns a channel's entries in a state ("" for all), oldest
	// first, after the entry with ID after, at most limit (0: 100).
	List(ctx context.Context, channel, state string, after int64, limit int) ([]QuarantinedRow, error)
	// Resolve moves an open entry to state; an entry not open is an error.
	Resolve(ctx context.Context, id int64, state string) error
	// Count returns the number of a channel's entries in a state ("" for all).
	Count(ctx context.Context, channel, state string) (int64, error)
}

// DBQuarantine is a Quarantine in a database: the node's own SQLite file
// (OpenQuarantine), or the platform's database (NewQuarantine), which the
// platform's replicas share.
type DBQuarantine struct {
	db     *store.DB
	closes bool // the file is the quarantine's own
}

// OpenQuarantine opens (creating it when missing) the quarantine in the
// SQLite file at path, in WAL mode.
func OpenQuarantine(ctx context.Context, path string) (*DBQuarantine, error) {
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		var have int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'exchange_quarantine'").Scan(&have); err != nil {
			return err
		}
		if have > 0 {
			return upgradeQuarantine(ctx, tx)
		}
		// The table the platform's migration makes.
		schema, err := migrations.ReadFile("sql/sqlite/003_quarantine.sql")
		if err == nil {
			_, err = tx.Exec(ctx, string(schema))
		}
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	return &DBQuarantine{db: db, closes: true}, nil
}

// NewQuarantine is the quarantine in the platform's database (Migration).
func NewQuarantine(db *store.DB) *DBQuarantine { return &DBQuarantine{db: db} }

// upgradeQuarantine adds the columns of the provider's raw view to a file
// written before them. Its entries keep shaped = 0: those of a grant's
// channel still hold the whole source row, and are reshaped (or dropped,
// outside the row filter) before a consumer is shown them
// (Manager.reshapeLegacy).
func upgradeQuarantine(ctx context.Context, tx *store.Tx) error {
	have := map[string]bool{}
	rows, err := tx.Query(ctx, "SELECT name FROM pragma_table_info('exchange_quarantine')")
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range []string{"shaped INTEGER NOT NULL DEFAULT 0", "raw_row TEXT NOT NULL DEFAULT ''", "raw_reason TEXT NOT NULL DEFAULT ''"} {
		if name, _, _ := strings.Cut(c, " "); !have[name] {
			if _, err := tx.Exec(ctx, "ALTER TABLE exchange_quarantine ADD COLUMN "+c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close closes the quarantine's own file; the platform's database stays open.
func (q *DBQuarantine) Close() error {
	if q.closes {
		return q.db.Close()
	}
	return nil
}

const timeText = "2006-01-02T15:04:05.000000Z"

// Put implements Quarantine.
func (q *DBQuarantine) Put(ctx context.Context, rows []QuarantinedRow) error {
	_, err := q.putNew(ctx, rows)
	return err
}

// putOne inserts a row found failing, or updates its open entry.
func putOne(ctx context.Context, tx *store.Tx, r QuarantinedRow) error {
	at := r.At
	if at.IsZero() {
		at = time.Now()
	}
	_, err := tx.Exec(ctx, `INSERT INTO exchange_quarantine (channel, key, row, col, reason, at, shaped, raw_row, raw_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (channel, key) WHERE state = 'open' DO UPDATE SET row = excluded.row, col = excluded.col,
		reason = excluded.reason, at = excluded.at, shaped = excluded.shaped, raw_row = excluded.raw_row,
		raw_reason = excluded.raw_reason, passes = exchange_quarantine.passes + 1`,
		r.Channel, r.Key, r.Row, r.Column, r.Reason, at.UTC().Format(timeText), r.Shaped, r.RawRow, r.RawReason)
	if err != nil {
		return err
	}
	return nil
}

// quarantineColumns are the columns scanQuarantined reads.
const quarantineColumns = "id, channel, key, row, col, reason, at, state, coalesce(resolved_at, ''), passes, shaped, raw_row, raw_reason"

func scanQuarantined(sc interface{ Scan(...any) error }) (QuarantinedRow, error) {
	var (
		r        QuarantinedRow
		at, done string
	)
	if err := sc.Scan(&r.ID, &r.Channel, &r.Key, &r.Row, &r.Column, &r.Reason, &at, &r.State, &done, &r.Passes,
		&r.Shaped, &r.RawRow, &r.RawReason); err != nil {
		return r, err
	}
	r.At, _ = time.Parse(timeText, at)
	if done != "" {
		r.Resolved, _ = time.Parse(timeText, done)
	}
	return r, nil
}

// List implements Quarantine.
func (q *DBQuarantine) List(ctx context.Context, channel, state string, after int64, limit int) ([]QuarantinedRow, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.db.Query(ctx, `SELECT `+quarantineColumns+`
		FROM exchange_quarantine WHERE channel = ? AND (? = '' OR state = ?) AND id > ? ORDER BY id LIMIT ?`,
		channel, state, state, after, limit)
	if err != nil {
		return nil, fmt.Errorf("exchange: quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedRow
	for rows.Next() {
		r, err := scanQuarantined(rows)
		if err != nil {
			return nil, fmt.Errorf("exchange: quarantine: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("exchange: quarantine: %w", err)
	}
	return out, nil
}

// ErrNotOpen is wrapped by Resolve's error for an entry that is not open.
var ErrNotOpen = errors.New("no open quarantine entry with that ID")

// Resolve implements Quarantine.
func (q *DBQuarantine) Resolve(ctx context.Context, id int64, state string) error {
	switch state {
	case QuarantineRetried, QuarantineSkipped, QuarantineGone:
	default:
		return fmt.Errorf("exchange: quarantine: cannot resolve an entry as %q", state)
	}
	var n int64
	err := q.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE exchange_quarantine SET state = ?, resolved_at = ? WHERE id = ? AND state = 'open'`,
			state, time.Now().UTC().Format(timeText), id)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("exchange: quarantine: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("exchange: quarantine entry %d: %w", id, ErrNotOpen)
	}
	return nil
}

// Count implements Quarantine.
func (q *DBQuarantine) Count(ctx context.Context, channel, state string) (int64, error) {
	var n int64
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM exchange_quarantine WHERE channel = ? AND (? = '' OR state = ?)`,
		channel, state, state).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine: %w", err)
	}
	return n, nil
}

// MoveFrom takes the entries of a quarantine file that the platform kept
// before its quarantine moved into the database, and renames the file to
// path + ".moved" once they are in. It answers how many it took; a missing
// file is none. Run again after a crash, it skips what it already took.
func (q *DBQuarantine) MoveFrom(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	old, err := OpenQuarantine(ctx, path)
	if err != nil {
		return 0, err
	}
	var entries []QuarantinedRow
	rows, err := old.db.Query(ctx, `SELECT `+quarantineColumns+` FROM exchange_quarantine ORDER BY id`)
	if err == nil {
		for rows.Next() {
			r, err := scanQuarantined(rows)
			if err != nil {
				rows.Close()
				old.Close()
				return 0, fmt.Errorf("exchange: quarantine %s: %w", path, err)
			}
			entries = append(entries, r)
		}
		rows.Close()
		err = rows.Err()
	}
	old.Close()
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	err = q.db.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range entries {
			var done any
			if !r.Resolved.IsZero() {
				done = r.Resolved.UTC().Format(timeText)
			}
			at := r.At.UTC().Format(timeText)
			_, err := tx.Exec(ctx, `INSERT INTO exchange_quarantine (channel, key, row, col, reason, at, state, resolved_at, passes, shaped, raw_row, raw_reason)
				SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
				WHERE NOT EXISTS (SELECT 1 FROM exchange_quarantine WHERE channel = ? AND key = ? AND at = ? AND state = ?)`,
				r.Channel, r.Key, r.Row, r.Column, r.Reason, at, r.State, done, r.Passes, r.Shaped, r.RawRow, r.RawReason,
				r.Channel, r.Key, at, r.State)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	if err := os.Rename(path, path+".moved"); err != nil {
		return 0, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	return len(entries), nil
}
