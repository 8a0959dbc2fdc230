package demo

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/org"
)

// DemoChannels are the demo's channels: the administrative approval bureau
// (市审批局) receives three departments' tables into its shared database.
// The housing fund table holds a few rows whose ID numbers fail their check
// digit (QuarantinedRows): its channel sets them aside in the quarantine.
var DemoChannels = []struct {
	Name, From, Table, Schedule string
	Full                        bool // a full copy on each run (the table has no update time)
}{
	{"户籍人口基本信息 → 市审批局", "gaj", "population", exchange.Continuous, false},
	{"企业登记注册信息 → 市审批局", "scj", "enterprises", "0 2 * * *", false},
	{"住房公积金缴存信息 → 市审批局", "gjj", "housing_fund", "0 3 * * *", true},
}

// QuarantinedRows is how many rows of the demo's housing fund table fail
// validation (a wrong check digit in the ID number, 公民身份号码).
const QuarantinedRows = 4

// badIDNumbers returns synthetic ID numbers whose check digit is wrong.
func badIDNumbers() []string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	var out []string
	for i := range QuarantinedRows {
		body := fmt.Sprintf("43020219%02d0%d1%d%03d", 80+i, 1+i, 2+i, 900+i)
		sum := 0
		for j, w := range weights {
			sum += int(body[j]-'0') * w
		}
		good := "10X98765432"[sum%11]
		bad := byte('0' + (int(good-'0')+1+i)%10)
		if good == 'X' {
			bad = '0' + byte(i)
		}
		out = append(out, body+string(bad))
	}
	return out
}

// addBadRows puts the rows that fail validation into the housing fund table.
func addBadRows(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	for i, id := range badIDNumbers() {
		if _, err := db.ExecContext(ctx, "INSERT OR IGNORE INTO housing_fund (id_number, month, amount) VALUES (?, ?, ?)",
			id, fmt.Sprintf("2026-%02d", 1+i), fmt.Sprintf("%d.00", 800+100*i)); err != nil {
			return fmt.Errorf("housing fund rows: %w", err)
		}
	}
	return nil
}

// loadExchange registers the approval bureau's shared database, creates
// the demo channels as its node operator and runs each once, so that the
// console shows statistics at once.
func loadExchange(ctx context.Context, svc Services, dir string, login func(string) (org.Principal, error)) error {
	node, err := login("xzsp.node")
	if err != nil {
		return err
	}
	path := DatabasePath(dir, "xzsp")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil { // creates the file
		db.Close()
		return err
	}
	db.Close()
	if _, err := svc.Catalog.CreateDatasource(ctx, node, catalog.Datasource{Name: "xzsp-共享库", Driver: "sqlite", DSN: path}); err != nil {
		return fmt.Errorf("shared database: %w", err)
	}
	ds, _, err := svc.Org.Departments(ctx, org.DepartmentFilter{PageSize: 100})
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, d := range ds {
		for _, dd := range Departments {
			if dd.Name == d.Name {
				ids[dd.Key] = d.ID
			}
		}
	}
	if err := addBadRows(ctx, DatabasePath(dir, "gjj")); err != nil {
		return err
	}
	for _, c := range DemoChannels {
		in := exchange.ChannelInput{Name: c.Name, ProviderID: ids[c.From], ConsumerID: ids["xzsp"],
			Source: exchange.TableRef{Datasource: c.From + "-业务库", Table: c.Table}, Target: exchange.TableRef{Datasource: "xzsp-共享库", Table: c.From + "_" + c.Table},
			Watermark: "updated_at", Mode: exchange.FullThenIncremental, Schedule: c.Schedule, BatchSize: 100}
		if c.Full {
			in.Watermark, in.Mode = "", exchange.Full
		}
		ch, err := svc.Exchange.Create(ctx, node, in)
		if err != nil {
			return fmt.Errorf("channel %s: %w", c.Name, err)
		}
		if err := svc.Exchange.SyncNow(ctx, ch.ID); err != nil {
			return fmt.Errorf("channel %s: first pass: %w", c.Name, err)
		}
	}
	return nil
}
