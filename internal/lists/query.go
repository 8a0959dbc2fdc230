package lists

import (
	"context"
	"database/sql"
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
	out, total, err := store.List(ctx, db, store.Listing{Count: count, Select: sel, Where: f.conds, Args: f.args, Order: order, Page: page, Size: size},
		func(r *sql.Rows) (T, error) { return scan(r) })
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", what, err)
	}
	return out, total, nil
}
