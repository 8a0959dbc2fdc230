package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Head returns the chain's last sequence number and hash (0 and "" when
// empty): what the evidence ledger anchors so that a chain rebuilt later no
// longer matches.
func (l *Log) Head(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	if err := l.db.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&seq, &hash); err != nil {
		return 0, "", fmt.Errorf("audit: read head: %w", err)
	}
	return seq, hash, nil
}

// HashAt returns the chain hash of entry seq; ok is false when there is none.
func (l *Log) HashAt(ctx context.Context, seq int64) (hash string, ok bool, err error) {
	err = l.db.QueryRow(ctx, "SELECT hash FROM audit_log WHERE seq = ?", seq).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("audit: read entry %d: %w", seq, err)
	}
	return hash, true, nil
}
