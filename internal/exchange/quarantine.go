package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
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
type QuarantinedRow struct {
	ID       int64     `json:"id"`
	Channel  string    `json:"channel"`
	Key      string    `json:"key"`    // the key values as a JSON array
	Row      string    `json:"row"`    // the row as a JSON object of column → value
	Column   string    `json:"column"` // the first column that failed
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`                // when it was (last) quarantined
	State    string    `json:"state"`             // QuarantineOpen, QuarantineRetried, ...
	Resolved time.Time `json:"resolved,omitzero"` // when it left the open state
	Passes   int       `json:"passes"`            // times it was found failing
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

// SQLiteQuarantine is a Quarantine in a SQLite file, the node's own.
type SQLiteQuarantine struct {
	db *sql.DB
}

const quarantineSchema = `
CREATE TABLE IF NOT EXISTS exchange_quarantine (
	id          INTEGER PRIMARY KEY,
	channel     TEXT NOT NULL,
	key         TEXT NOT NULL,
	row         TEXT NOT NULL,
	col         TEXT NOT NULL,
	reason      TEXT NOT NULL,
	at          TEXT NOT NULL,
	state       TEXT NOT NULL DEFAULT 'open',
	resolved_at TEXT,
	passes      INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX IF NOT EXISTS exchange_quarantine_open ON exchange_quarantine (channel, key) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS exchange_quarantine_list ON exchange_quarantine (channel, state, id);`

// OpenQuarantine opens (creating it when missing) the quarantine in the
// SQLite file at path, in WAL mode.
func OpenQuarantine(ctx context.Context, path string) (*SQLiteQuarantine, error) {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	db, err := sql.Open("sqlite", "file:"+r.Replace(path)+
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, quarantineSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("exchange: quarantine %s: %w", path, err)
	}
	return &SQLiteQuarantine{db: db}, nil
}

// Close closes the file.
func (q *SQLiteQuarantine) Close() error { return q.db.Close() }

const timeText = "2006-01-02T15:04:05.000000Z"

// Put implements Quarantine.
func (q *SQLiteQuarantine) Put(ctx context.Context, rows []QuarantinedRow) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("exchange: quarantine: %w", err)
	}
	defer tx.Rollback()
	for _, r := range rows {
		at := r.At
		if at.IsZero() {
			at = time.Now()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO exchange_quarantine (channel, key, row, col, reason, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, key) WHERE state = 'open' DO UPDATE SET row = excluded.row, col = excluded.col,
			reason = excluded.reason, at = excluded.at, passes = passes + 1`,
			r.Channel, r.Key, r.Row, r.Column, r.Reason, at.UTC().Format(timeText))
		if err != nil {
			return fmt.Errorf("exchange: quarantine: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("exchange: quarantine: %w", err)
	}
	return nil
}

// List implements Quarantine.
func (q *SQLiteQuarantine) List(ctx context.Context, channel, state string, after int64, limit int) ([]QuarantinedRow, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.db.QueryContext(ctx, `SELECT id, channel, key, row, col, reason, at, state, coalesce(resolved_at, ''), passes
		FROM exchange_quarantine WHERE channel = ? AND (? = '' OR state = ?) AND id > ? ORDER BY id LIMIT ?`,
		channel, state, state, after, limit)
	if err != nil {
		return nil, fmt.Errorf("exchange: quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedRow
	for rows.Next() {
		var (
			r        QuarantinedRow
			at, done string
		)
		if err := rows.Scan(&r.ID, &r.Channel, &r.Key, &r.Row, &r.Column, &r.Reason, &at, &r.State, &done, &r.Passes); err != nil {
			return nil, fmt.Errorf("exchange: quarantine: %w", err)
		}
		r.At, _ = time.Parse(timeText, at)
		if done != "" {
			r.Resolved, _ = time.Parse(timeText, done)
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
func (q *SQLiteQuarantine) Resolve(ctx context.Context, id int64, state string) error {
	switch state {
	case QuarantineRetried, QuarantineSkipped, QuarantineGone:
	default:
		return fmt.Errorf("exchange: quarantine: cannot resolve an entry as %q", state)
	}
	res, err := q.db.ExecContext(ctx, `UPDATE exchange_quarantine SET state = ?, resolved_at = ? WHERE id = ? AND state = 'open'`,
		state, time.Now().UTC().Format(timeText), id)
	if err != nil {
		return fmt.Errorf("exchange: quarantine: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("exchange: quarantine entry %d: %w", id, ErrNotOpen)
	}
	return nil
}

// Count implements Quarantine.
func (q *SQLiteQuarantine) Count(ctx context.Context, channel, state string) (int64, error) {
	var n int64
	err := q.db.QueryRowContext(ctx, `SELECT count(*) FROM exchange_quarantine WHERE channel = ? AND (? = '' OR state = ?)`,
		channel, state, state).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("exchange: quarantine: %w", err)
	}
	return n, nil
}
