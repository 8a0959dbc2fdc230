package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Listing is one page of a filtered list.
type Listing struct {
	Count  string   // the count query without its condition: "SELECT count(*) FROM users u"
	Select string   // the row query without its condition: "SELECT ... FROM users u JOIN ..."
	Where  []string // conditions, joined with AND
	Args   []any    // their arguments, in order
	Order  string   // the ORDER BY expression
	Page   int      // from 1
	Size   int      // rows a page (Page normalises both)
}

// List counts the rows matching l and reads its page, each row with scan;
// it returns the rows, the total and the normalised page and size.
func List[T any](ctx context.Context, db *DB, l Listing, scan func(*sql.Rows) (T, error)) ([]T, int, error) {
	cond := ""
	if len(l.Where) > 0 {
		cond = " WHERE " + strings.Join(l.Where, " AND ")
	}
	var total int
	if err := db.QueryRow(ctx, l.Count+cond, l.Args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count: %w", err)
	}
	page, size := Page(l.Page, l.Size)
	rows, err := db.Query(ctx, l.Select+cond+" ORDER BY "+l.Order+" LIMIT ? OFFSET ?", append(l.Args[:len(l.Args):len(l.Args)], size, (page-1)*size)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}
