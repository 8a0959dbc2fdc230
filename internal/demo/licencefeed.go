package demo

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/org"
)

// The demo's licence feed (证照汇聚): the market regulation bureau's
// licensing system keeps its food business licences (食品经营许可证) in a
// table, FeedTable in its demo database; the approval bureau (the data
// authority) mandates their aggregation into the licence library, the
// bureau confirms, and the platform's channel issues each new row as a
// licence, anchored in the ledger. Its columns are named by the licence's
// field codes but one, jycs (经营场所), which the bureau maps to the premises
// item. RunLicenceFeed adds a row every FeedEvery while the demo platform
// runs, every FeedBadEvery-th with a holder credit code whose check character
// is wrong, which the library sets aside with the reason.
const (
	FeedTable    = "food_licences"
	FeedTypeName = "食品经营许可证"
	FeedName     = "食品经营许可证 → 电子证照库"
	FeedRows     = 12 // rows in the table when the demo loads
	FeedEvery    = 20 * time.Second
	FeedBadEvery = 6
)

const feedDDL = `CREATE TABLE IF NOT EXISTS food_licences (number VARCHAR(40) NOT NULL PRIMARY KEY, holder_name VARCHAR(100), holder_id VARCHAR(18),
	issued_on DATE, operator VARCHAR(100), jycs VARCHAR(200), main_kind VARCHAR(40), items VARCHAR(200), updated_at DATETIME)`

// feedRow is the i-th row of the demo's feed table: synthetic, the bad ones
// with a holder credit code whose check character is wrong.
func feedRow(i int, at time.Time) []any {
	holder := demoEntity(50000 + i)
	if i%FeedBadEvery == 0 {
		last := holder[17]
		holder = holder[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(indexOf("0123456789ABCDEFGHJKLMNPQRTUWXY", last)+1)%31])
	}
	name := fmt.Sprintf("株洲演示%04d餐饮有限公司", i)
	return []any{fmt.Sprintf("JY演示汇聚%08d", i), name, holder, at.In(licence.Beijing).AddDate(0, 0, -1).Format(time.DateOnly), name,
		fmt.Sprintf("湖南省株洲市%s%d号", streets[i%len(streets)], 1+i%300), []string{"餐饮服务经营者", "食品销售经营者"}[i%2],
		"热食类食品制售（演示）", at.UTC().Format(time.RFC3339)}
}

func indexOf(s string, b byte) int {
	for i := range len(s) {
		if s[i] == b {
			return i
		}
	}
	return 0
}

func openFeedTable(ctx context.Context, dir string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+DatabasePath(dir, "scj")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, feedDDL); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// addFeedRows adds rows from..to of the feed table.
func addFeedRows(ctx context.Context, db *sql.DB, from, to int, at time.Time) error {
	for i := from; i <= to; i++ {
		if _, err := db.ExecContext(ctx, "INSERT OR IGNORE INTO food_licences (number, holder_name, holder_id, issued_on, operator, jycs, main_kind, items, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			feedRow(i, at)...); err != nil {
			return err
		}
	}
	return nil
}

// loadLicenceFeed catalogs the bureau's licence table, has the authority
// mandate its aggregation into the library and the bureau confirm it and
// map its column.
func loadLicenceFeed(ctx context.Context, svc Services, dir string, out io.Writer) error {
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	db, err := openFeedTable(ctx, dir)
	if err != nil {
		return fmt.Errorf("feed table: %w", err)
	}
	err = addFeedRows(ctx, db, 1, FeedRows, time.Now())
	db.Close()
	if err != nil {
		return err
	}
	cataloger, err := login("scj.cataloger")
	if err != nil {
		return err
	}
	approver, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	item := func(name, id, typ string, length int) catalog.Item {
		return catalog.Item{Name: name, Identifier: id, DataType: typ, Length: length}
	}
	items := []catalog.Item{item("证照编号", "number", "C", 40), item("持证主体", "holder_name", "C", 100), item("统一社会信用代码", "holder_id", "C", 18),
		item("颁发日期", "issued_on", "D", 0), item("经营者名称", "operator", "C", 100), item("经营场所", "jycs", "C", 200),
		item("主体业态", "main_kind", "C", 40), item("经营项目", "items", "C", 200), item("更新时间", "updated_at", "T", 0)}
	items[0].Key, items[0].Required, items[8].Timestamp = true, true, true
	e, err := svc.Catalog.Create(ctx, cataloger, catalog.Entry{Name: "食品经营许可发证信息", Summary: "市市场监管局许可系统签发的食品经营许可证（演示数据，合成生成）",
		Category: "base", CategoryItem: "02", CategorySubItem: "001", Format: "database", ShareType: catalog.ShareConditional,
		ShareCondition: "仅限汇聚电子证照库及政务服务办理使用（演示）", OpenType: catalog.OpenNone, UpdateCycle: "realtime", Keywords: []string{"食品经营许可证", "电子证照"},
		Items: items, Contact: "演示联系人", Phone: "0731-28000000", SourceSystem: "食品经营许可系统（演示）"})
	if err != nil {
		return fmt.Errorf("feed entry: %w", err)
	}
	ds, err := svc.Catalog.Datasources(ctx, cataloger)
	if err != nil || len(ds) == 0 {
		return fmt.Errorf("datasource of scj: %v", err)
	}
	if _, err := svc.Catalog.AddMount(ctx, cataloger, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: ds[0].ID, Table: FeedTable}); err != nil {
		return fmt.Errorf("mount the feed table: %w", err)
	}
	for _, a := range []struct {
		p      org.Principal
		action string
	}{{cataloger, catalog.ActionSubmit}, {approver, catalog.ActionApprove}, {approver, catalog.ActionPublish}} {
		if _, err := svc.Catalog.Transition(ctx, a.p, e.Code, a.action, ""); err != nil {
			return fmt.Errorf("%s the feed entry: %w", a.action, err)
		}
	}
	types, err := svc.Licences.Types(ctx, 0)
	if err != nil {
		return err
	}
	var typeCode string
	for _, t := range types {
		if t.Name == FeedTypeName {
			typeCode = t.Code
		}
	}
	var names []string
	for _, it := range items {
		names = append(names, it.Identifier)
	}
	m, err := svc.Aggregation.Create(ctx, approver, aggregation.Input{Name: FeedName, EntryCode: e.Code, Items: names,
		Target: exchange.TableRef{Datasource: licence.LibraryDatasource, Table: typeCode}, Mode: exchange.Incremental, Schedule: exchange.Continuous,
		Basis: "《电子证照管理办法》：发证部门签发的电子证照实时汇聚至电子证照库（演示）"})
	if err != nil {
		return fmt.Errorf("feed mandate: %w", err)
	}
	provider, err := login("scj.approver")
	if err != nil {
		return err
	}
	if m, err = svc.Aggregation.Confirm(ctx, provider, m.ID); err != nil {
		return fmt.Errorf("confirm the feed mandate: %w", err)
	}
	if _, err := svc.Licences.SetFeedMapping(ctx, cataloger, m.ChannelID, map[string]string{"jycs": "premises"}); err != nil {
		return fmt.Errorf("map the feed: %w", err)
	}
	fmt.Fprintf(out, "Demo licence feed: %s, channel %s; a row every %s (every %dth one bad, set aside).\n", FeedName, m.ChannelID, FeedEvery, FeedBadEvery)
	return nil
}

// RunLicenceFeed adds a row to the demo's feed table every every until ctx
// ends; the platform's channel carries each into the library.
func RunLicenceFeed(ctx context.Context, dir string, every time.Duration) {
	db, err := openFeedTable(ctx, dir)
	if err != nil {
		return
	}
	defer db.Close()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM food_licences").Scan(&n); err != nil {
				continue
			}
			addFeedRows(ctx, db, n+1, n+1, now)
		}
	}
}

// FeedHolder is the holder credit code of the i-th row of the feed table
// (a good row's).
func FeedHolder(i int) string { return demoEntity(50000 + i) }
