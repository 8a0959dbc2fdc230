package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/govshare/govshare/internal/connector"
)

// nativeCopy copies the source table into benchNative with the databases'
// own bulk path and nothing of govshare's between them: PostgreSQL COPY TO
// STDOUT piped into MariaDB LOAD DATA LOCAL INFILE or PostgreSQL COPY FROM
// STDIN. The table is made as the exchange's sink makes its own.
func nativeCopy(ctx context.Context, o ExchangeOptions, tgt benchTarget) error {
	src, dst, _, _, err := openSink(ctx, o, tgt, benchNative)
	if err != nil {
		return err
	}
	src.Close()
	dst.Close()
	from, err := pgx.Connect(ctx, o.Database)
	if err != nil {
		return err
	}
	defer from.Close(ctx)
	cols := "id, id_number, name, phone, address, amount, updated_at, deleted"
	query := "SELECT " + cols + " FROM " + benchSource
	if tgt.driver == connector.MySQL { // as MariaDB's datetime(6) (UTC) and tinyint(1) read them
		query = "SELECT id, id_number, name, phone, address, amount, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), deleted::int FROM " + benchSource
	}
	pr, pw := io.Pipe()
	copied := make(chan error, 1)
	go func() {
		_, err := from.PgConn().CopyTo(ctx, pw, "COPY ("+query+") TO STDOUT")
		pw.CloseWithError(err)
		copied <- err
	}()
	if tgt.driver == connector.Postgres {
		to, err := pgx.Connect(ctx, o.Database)
		if err != nil {
			pr.CloseWithError(err)
			return err
		}
		defer to.Close(ctx)
		if _, err = to.PgConn().CopyFrom(ctx, pr, "COPY "+benchNative+" ("+cols+") FROM STDIN"); err != nil {
			pr.CloseWithError(err)
			return err
		}
		return <-copied
	}
	var id [16]byte
	rand.Read(id[:])
	name := "bench-" + hex.EncodeToString(id[:])
	mysql.RegisterReaderHandler(name, func() io.Reader { return pr })
	defer mysql.DeregisterReaderHandler(name)
	if _, err := tgt.db.ExecContext(ctx, "LOAD DATA LOCAL INFILE 'Reader::"+name+"' INTO TABLE "+benchNative+" CHARACTER SET utf8mb4 ("+cols+")"); err != nil {
		pr.CloseWithError(err)
		return err
	}
	return <-copied
}
