package lists

import (
	"context"
	"fmt"

	"github.com/govshare/govshare/internal/store"
)

// filter gathers the conditions of a list query and their arguments.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	f.conds, f.args = append(f.conds, cond), append(f.args, args...)
}

// listPage answers a list query: the number of rows count (a query without
// its WHERE clause) finds under f, and one page of the rows of sel under f
// in the given order, each read with scan. what names the rows in errors.
func listPage[T any](ctx context.Context, db *store.DB, what, count, sel, order string, f filter, page, size int,
	scan func(interface{ Scan(...any) error }) (T, error)) ([]T, int, error) {
	cond := where(f.conds)
	var total int
	if err := db.QueryRow(ctx, count+cond, f.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	page, size = store.Page(page, size)
	rows, err := db.Query(ctx, sel+cond+" ORDER BY "+order+" LIMIT ? OFFSET ?", append(f.args, size, (page-1)*size)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
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
