package demo

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/org"
)

// DemoChannels are the demo's channels: the administrative approval bureau
// (市审批局) receives two departments' tables into its shared database.
var DemoChannels = []struct {
	Name, From, Table, Schedule string
}{
	{"户籍人口基本信息 → 市审批局", "gaj", "population", exchange.Continuous},
	{"企业登记注册信息 → 市审批局", "scj", "enterprises", "0 2 * * *"},
}

// loadExchange registers the approval bureau's shared database, creates
// the demo channels as its node operator and runs each once, so that the
// console shows statistics at once.
func loadExchange(ctx context.Context, svc Services, dir string, login func(string) (org.Principal, error)) error {
	node, err := login("xzsp.node")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "xzsp.db")
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
	for _, c := range DemoChannels {
		ch, err := svc.Exchange.Create(ctx, node, exchange.ChannelInput{Name: c.Name, ProviderID: ids[c.From], ConsumerID: ids["xzsp"],
			Source: exchange.TableRef{Datasource: c.From + "-业务库", Table: c.Table}, Target: exchange.TableRef{Datasource: "xzsp-共享库", Table: c.From + "_" + c.Table},
			Watermark: "updated_at", Mode: exchange.FullThenIncremental, Schedule: c.Schedule, BatchSize: 100})
		if err != nil {
			return fmt.Errorf("channel %s: %w", c.Name, err)
		}
		if err := svc.Exchange.SyncNow(ctx, ch.ID); err != nil {
			return fmt.Errorf("channel %s: first pass: %w", c.Name, err)
		}
	}
	return nil
}
