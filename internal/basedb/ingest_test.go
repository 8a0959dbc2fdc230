package basedb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestIngest reads a source from the table its aggregation mandate
// delivers into (a real SQLite datasource, as the exchange's sink writes
// it): the first time all rows, then only those delivered or changed since.
func TestIngest(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		pop := basedb.Population()
		src, _ := pop.Source(basedb.SrcHousehold)
		path := filepath.Join(t.TempDir(), "xzsp.db")
		ds, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer ds.Close()
		cols := append([]string{src.KeyColumn, src.RowColumn, src.TimeColumn}, src.Columns...)
		if _, err := ds.Exec("CREATE TABLE delivered (" + strings.Join(cols, " TEXT, ") + " TEXT, PRIMARY KEY (" + src.RowColumn + "))"); err != nil {
			t.Fatal(err)
		}
		insert := func(rows []basedb.Row) {
			t.Helper()
			for _, r := range rows {
				args := []any{r.Key, r.RowKey, r.Time.UTC().Format("2006-01-02 15:04:05")}
				for _, v := range r.Values {
					args = append(args, v)
				}
				if _, err := ds.Exec("INSERT OR REPLACE INTO delivered VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")", args...); err != nil {
					t.Fatal(err)
				}
			}
		}
		rows, planted := basedb.Synthetic(300, now)
		insert(rows[basedb.SrcHousehold])
		if err := c.svc.Bind(ctx, "population", basedb.SrcHousehold, c.dept("gaj"), 7); err != nil {
			t.Fatal(err)
		}
		c.svc.SetDeliveries(func(_ context.Context, mandate int64) (basedb.Delivery, error) {
			if mandate != 7 {
				return basedb.Delivery{}, fmt.Errorf("no mandate %d", mandate)
			}
			return basedb.Delivery{Driver: "sqlite", DSN: path, Table: "delivered"}, nil
		})
		got, err := c.svc.Ingest(ctx, "population")
		if err != nil {
			t.Fatal(err)
		}
		if st := got[basedb.SrcHousehold]; st.Rows != 300 || st.Quarantined != planted.BadRows {
			t.Errorf("first ingest = %+v, want 300 rows, %d quarantined", st, planted.BadRows)
		}
		if _, err := c.svc.Merge(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		// Nothing new: nothing staged.
		if got, err := c.svc.Ingest(ctx, "population"); err != nil || got[basedb.SrcHousehold].Rows != 0 {
			t.Errorf("second ingest = %+v, %v, want nothing", got, err)
		}
		// Changes delivered later (a newer business time) are read, once.
		changes := basedb.SyntheticChanges(300, 10, now.Add(time.Hour))
		for i := range changes {
			changes[i].Time = now.Add(time.Duration(i+1) * time.Minute)
		}
		insert(changes)
		if got, err := c.svc.Ingest(ctx, "population"); err != nil || got[basedb.SrcHousehold].Rows != 10 {
			t.Errorf("ingest of the changes = %+v, %v, want 10 rows", got, err)
		}
		run, err := c.svc.Refresh(ctx, "population")
		if err != nil || run.Records != 10 {
			t.Errorf("refresh = %+v, %v, want the 10 changed records", run, err)
		}
		var addr string
		if err := db.QueryRow(ctx, "SELECT v_address FROM basedb_g_population WHERE subject = ?", changes[0].Key).Scan(&addr); err != nil || addr != changes[0].Values[4] {
			t.Errorf("address after the change = %q, %v, want %q", addr, err, changes[0].Values[4])
		}
	})
}

// FuzzBusinessTime reads delivered business times: never a panic, and a
// time read is one of the layouts the sources write.
func FuzzBusinessTime(f *testing.F) {
	for _, s := range []string{"2024-03-01", "2024-03-01 10:00:00", "2024-03-01T10:00:00Z", "2024-03-01T10:00:00.123+08:00", "", "yesterday", "2024-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := basedb.BusinessTime(s)
		if got.IsZero() {
			return
		}
		if s = strings.TrimSpace(s); len(s) < 10 || s[4] != '-' || s[7] != '-' {
			t.Errorf("BusinessTime(%q) = %s", s, got)
		}
	})
}
