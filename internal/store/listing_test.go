package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/govshare/govshare/internal/store"
)

func TestList(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE TABLE n (v INTEGER)"); err != nil {
			return err
		}
		for i := 1; i <= 45; i++ {
			if _, err := tx.Exec(ctx, "INSERT INTO n (v) VALUES (?)", i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	scan := func(r *sql.Rows) (int, error) { var v int; err := r.Scan(&v); return v, err }
	for _, c := range []struct {
		name            string
		where           []string
		args            []any
		page, size      int
		wantTotal, want int
		first           int
	}{
		{"first page by default", nil, nil, 0, 0, 45, 20, 45},
		{"last page", nil, nil, 3, 20, 45, 5, 5},
		{"past the end is empty", nil, nil, 9, 20, 45, 0, 0},
		{"filtered", []string{"v > ?", "v % 2 = ?"}, []any{10, 0}, 1, 5, 17, 5, 44},
	} {
		got, total, err := store.List(ctx, db, store.Listing{Count: "SELECT count(*) FROM n", Select: "SELECT v FROM n", Where: c.where, Args: c.args,
			Order: "v DESC", Page: c.page, Size: c.size}, scan)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if total != c.wantTotal || len(got) != c.want || got == nil || (c.want > 0 && got[0] != c.first) {
			t.Errorf("%s: %d rows of %d (first %v), want %d of %d (first %d)", c.name, len(got), total, got, c.want, c.wantTotal, c.first)
		}
	}
}
