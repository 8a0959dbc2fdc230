package demo

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/org"
)

// DemoChannels are the demo's aggregation mandates (归集任务) and their
// channels: the administrative approval bureau (市审批局, the data
// authority) aggregates three departments' tables into its shared
// database; each provider's approver confirms, and the platform creates the
// channel. The population register's address is on the negative list and
// stays out.
// The housing fund table holds a few rows whose ID numbers fail their check
// digit (QuarantinedRows): its channel sets them aside in the quarantine.
var DemoChannels = []struct {
	Name, From, Table, Schedule string
	Full                        bool     // a full copy on each run (the table has no update time)
	Items                       []string // the items mandated
}{
	{"户籍人口基本信息 → 市审批局", "gaj", "population", exchange.Continuous, false, []string{"id_number", "name", "gender", "birth_date", "updated_at"}},
	{"企业登记注册信息 → 市审批局", "scj", "enterprises", "0 2 * * *", false, []string{"credit_code", "name", "legal_rep", "founded", "capital", "updated_at"}},
	{"住房公积金缴存信息 → 市审批局", "gjj", "housing_fund", "0 3 * * *", true, []string{"id_number", "month", "amount"}},
}

// mandateBasis is the basis (归集依据) of the demo's mandates.
const mandateBasis = "《株洲市政务数据资源共享管理办法》：政务部门按数据主管部门的要求向市共享库归集数据（演示）"

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

// loadExchange registers the approval bureau's shared database, creates the
// demo mandates as its approver, confirms each as the provider's approver
// (which creates its channel) and runs each channel once, so that the
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
	authority, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	for _, c := range DemoChannels {
		code, err := entryOfTable(ctx, svc, ids[c.From], c.Table)
		if err != nil {
			return err
		}
		in := aggregation.Input{Name: c.Name, EntryCode: code, Items: c.Items, Target: exchange.TableRef{Datasource: "xzsp-共享库", Table: c.From + "_" + c.Table},
			Mode: exchange.FullThenIncremental, Schedule: c.Schedule, Basis: mandateBasis}
		if c.Full {
			in.Mode = exchange.Full
		}
		m, err := svc.Aggregation.Create(ctx, authority, in)
		if err != nil {
			return fmt.Errorf("mandate %s: %w", c.Name, err)
		}
		provider, err := login(c.From + ".approver")
		if err != nil {
			return err
		}
		if m, err = svc.Aggregation.Confirm(ctx, provider, m.ID); err != nil {
			return fmt.Errorf("mandate %s: confirm: %w", c.Name, err)
		}
		if err := svc.Exchange.SyncNow(ctx, m.ChannelID); err != nil {
			return fmt.Errorf("channel %s: first pass: %w", c.Name, err)
		}
	}
	return nil
}

// entryOfTable answers the published entry of a department mounted on table.
func entryOfTable(ctx context.Context, svc Services, dept int64, table string) (string, error) {
	res, err := svc.Catalog.Search(ctx, org.System, catalog.Query{ProviderID: dept, Status: catalog.StatusPublished, PageSize: 100})
	if err != nil {
		return "", err
	}
	for _, h := range res.Items {
		if r, err := svc.Catalog.Reader(ctx, h.Code, catalog.MountTable); err == nil && r.Mount.Table == table {
			return h.Code, nil
		}
	}
	return "", fmt.Errorf("no published entry of department %d is mounted on %s", dept, table)
}
