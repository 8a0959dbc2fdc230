package basedb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/store"
)

// Delivery is where an aggregation mandate delivers: a table in one of the
// data authority's datasources on the platform.
type Delivery struct {
	Driver, DSN, Table string
}

// Deliveries resolves a confirmed aggregation mandate to its delivered
// table; an error for a mandate that is not confirmed or not readable.
type Deliveries func(ctx context.Context, mandate int64) (Delivery, error)

// SetDeliveries gives the service the resolver Ingest reads sources with.
func (s *Service) SetDeliveries(d Deliveries) { s.deliveries = d }

// ingestBatch is the number of delivered rows read at a time.
const ingestBatch = 10000

// Ingest stages what each source bound to an aggregation mandate delivered
// since the last ingest: the rows of the mandate's target table, in order of
// business time and source row key, after the last one read. A row whose
// business time moved on is read again and staged anew. Sources without a
// mandate, or whose mandate cannot be read now, are left for the next time.
func (s *Service) Ingest(ctx context.Context, db string) (map[string]Staged, error) {
	sc, err := s.schema(db)
	if err != nil {
		return nil, err
	}
	out := map[string]Staged{}
	if s.deliveries == nil {
		return out, nil
	}
	type bound struct {
		source, readTime, readRow string
		mandate                   int64
	}
	var bs []bound
	rows, err := s.db.Query(ctx, "SELECT source, mandate_id, read_time, read_row FROM basedb_sources WHERE db = ? AND mandate_id > 0", db)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b bound
		if err := rows.Scan(&b.source, &b.mandate, &b.readTime, &b.readRow); err != nil {
			rows.Close()
			return nil, err
		}
		bs = append(bs, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, b := range bs {
		src, ok := sc.Source(b.source)
		if !ok {
			continue
		}
		d, err := s.deliveries(ctx, b.mandate)
		if err != nil {
			continue // revoked, or not on the platform: nothing to read now
		}
		st, err := s.ingest(ctx, sc, src, d, b.readTime, b.readRow)
		out[src.ID] = st
		if err != nil {
			return out, fmt.Errorf("ingest %s/%s: %w", db, src.ID, err)
		}
	}
	return out, nil
}

func (s *Service) ingest(ctx context.Context, sc *Schema, src Source, d Delivery, readTime, readRow string) (Staged, error) {
	conn, err := connector.Open(ctx, d.Driver, d.DSN)
	if err != nil {
		return Staged{}, err
	}
	defer conn.Close()
	cols := append([]string{src.KeyColumn, src.RowColumn, src.TimeColumn}, src.Columns...)
	order := []string{src.TimeColumn, src.RowColumn}
	var after []any
	if readRow != "" {
		after = []any{readTime, readRow}
	}
	var total Staged
	for {
		batch, pos, err := conn.ReadAfter(ctx, d.Table, cols, order, after, true, ingestBatch)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		rs := make([]Row, len(batch))
		for i, r := range batch {
			rs[i] = Row{Key: strings.ToUpper(strings.TrimSpace(text(r[0]))), RowKey: text(r[1]), Time: businessTime(r[2]), Values: make([]string, len(src.Columns))}
			for j := range src.Columns {
				rs[i].Values[j] = strings.TrimSpace(text(r[3+j]))
			}
		}
		st, err := s.Stage(ctx, sc.Name, src.ID, rs)
		total.Rows += st.Rows
		total.Accepted += st.Accepted
		total.Quarantined += st.Quarantined
		if err != nil {
			return total, err
		}
		last := pos[len(pos)-1]
		after = last
		// The position is kept as text; the next read compares it with the
		// column's values as the database does.
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE basedb_sources SET read_time = ?, read_row = ? WHERE db = ? AND source = ?", text(last[0]), text(last[1]), sc.Name, src.ID)
			return err
		}); err != nil {
			return total, err
		}
		if len(batch) < ingestBatch {
			return total, nil
		}
	}
}

// text renders a delivered value as the base database keeps it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// businessTime reads a delivered business time; the zero time (which the
// rules quarantine) when it is none.
func businessTime(v any) time.Time {
	if t, ok := v.(time.Time); ok {
		return t
	}
	s := strings.TrimSpace(text(v))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
