package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// CopyFunc loads rows into table's columns inside the transaction it was
// given with.
type CopyFunc func(ctx context.Context, table string, cols []string, rows [][]any) error

// InTxCopy runs fn in a write transaction, as InTx, and gives it a CopyFunc
// that bulk-loads rows in the same transaction: COPY FROM STDIN on
// PostgreSQL, one prepared INSERT per row on SQLite (cheap there). table and
// cols are the caller's identifiers, never outside input.
func (db *DB) InTxCopy(ctx context.Context, fn func(tx *Tx, copy CopyFunc) error) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, Dialect: db.Dialect}
	cp := func(ctx context.Context, table string, cols []string, rows [][]any) error {
		if len(rows) == 0 {
			return nil
		}
		if db.Dialect == Postgres {
			return conn.Raw(func(dc any) error {
				c, ok := dc.(*stdlib.Conn)
				if !ok {
					return fmt.Errorf("a PostgreSQL connection of type %T", dc)
				}
				_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
				return err
			})
		}
		st, err := sqlTx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")")
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rows {
			if _, err := st.ExecContext(ctx, r...); err != nil {
				return err
			}
		}
		return nil
	}
	if err := fn(tx, cp); err != nil {
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
