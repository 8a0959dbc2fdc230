package exchange

import (
	"context"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/connector"
)

// TestSyncKeepsText copies a date, date-times with and without a zone, a
// time of day and decimals from PostgreSQL to each target, and reads both
// tables as a data service writes them (connector.Format): the target
// says the same as the source.
func TestSyncKeepsText(t *testing.T) {
	js := newBus(t).JS
	for _, to := range []string{connector.SQLite, connector.MySQL, connector.Postgres} {
		t.Run(connector.Postgres+"→"+to, func(t *testing.T) {
			ctx := context.Background()
			src, dst := newBackend(t, connector.Postgres, "source"), newBackend(t, to, "target")
			src.exec(t, `CREATE TABLE {样例} ({编号} bigint NOT NULL PRIMARY KEY, {日期} date, {时刻} timestamp(6),
				{时点} timestamptz, {时间} time, {金额} numeric(12,2), {精度} numeric(20,10), {删除} boolean NOT NULL DEFAULT false)`)
			src.exec(t, `INSERT INTO {样例} VALUES
				(1, '1950-01-16', '2024-03-05 08:30:00.123456', '2024-03-05 08:30:00+08', '08:30:00', 12.50, 12345.0123456789, false),
				(2, '2024-02-29', '1999-12-31 23:59:59', '1999-12-31 23:59:59.5+00', '23:59:59', 0, -0.0000000001, false),
				(3, NULL, NULL, NULL, NULL, NULL, NULL, false)`)
			ch := Channel{ID: "types-" + to, Source: Endpoint{Driver: src.driver, DSN: src.dsn, Table: "样例"},
				Target: Endpoint{Driver: dst.driver, DSN: dst.dsn, Table: "样例_副本"}, Mode: Full, BatchSize: 2}
			if err := New(js, Options{}).Sync(ctx, ch); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			cols := []string{"编号", "日期", "时刻", "时点", "时间", "金额", "精度"}
			read := func(ep Endpoint) [][]string {
				s, err := connector.Open(ctx, ep.Driver, ep.DSN)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				rows, _, err := s.Query(ctx, ep.Table, cols, nil, []string{"编号"}, 10, 0)
				if err != nil {
					t.Fatalf("Query %s: %v", ep.Driver, err)
				}
				f, err := s.Formats(ctx, ep.Table, cols)
				if err != nil {
					t.Fatal(err)
				}
				out := make([][]string, len(rows))
				for i, r := range rows {
					for j, v := range r {
						out[i] = append(out[i], f[j].Text(v))
					}
				}
				return out
			}
			want, got := read(ch.Source), read(ch.Target)
			if want[0][1] != "1950-01-16" || want[0][3] != "2024-03-05T00:30:00Z" || want[0][6] != "12345.0123456789" {
				t.Fatalf("source reads %q", want[0])
			}
			if len(got) != len(want) {
				t.Fatalf("target has %d rows, want %d", len(got), len(want))
			}
			if to == connector.MySQL {
				// MySQL's TIMESTAMP ends in 2038, so the sink keeps an instant
				// in a DATETIME, in UTC: the same wall clock, without the Z.
				for i := range want {
					want[i][3] = strings.TrimSuffix(want[i][3], "Z")
				}
			}
			for i := range want {
				for j := range want[i] {
					if got[i][j] != want[i][j] {
						t.Errorf("row %d %s: target %q, source %q", i+1, cols[j], got[i][j], want[i][j])
					}
				}
			}
		})
	}
}
