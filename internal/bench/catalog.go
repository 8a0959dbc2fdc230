package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// CatalogOptions configure the catalog search benchmark.
type CatalogOptions struct {
	Entries int // entries to generate
	Queries int // searches to time
	Target
}

// Vocabulary of the generated entries: synthetic, shaped like a city's catalog.
var (
	places   = []string{"株洲市", "荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "攸县", "茶陵县", "炎陵县", "醴陵市"}
	subjects = []string{"户籍人口", "企业登记", "社保缴费", "不动产登记", "住房公积金缴存", "医疗保险参保", "营业执照", "婚姻登记", "残疾人证", "低保救助",
		"排污许可", "建设工程规划", "道路运输", "食品经营许可", "学籍", "出生医学证明", "死亡医学证明", "用电户", "城市管理执法", "税务登记",
		"社会组织登记", "养老服务机构", "药品经营许可", "特种设备", "环境监测", "公共资源交易", "信用评价", "行政处罚", "专利", "人才引进"}
	kinds     = []string{"信息", "记录", "证明", "台账", "明细", "统计", "名录", "数据", "目录", "清单"}
	itemVocab = []string{"公民身份号码", "姓名", "性别", "出生日期", "统一社会信用代码", "企业名称", "法定代表人", "登记机关", "成立日期", "注册资本",
		"缴费基数", "缴费月份", "不动产单元号", "权利人", "坐落", "面积", "发证日期", "证书编号", "联系电话", "地址", "办理状态", "更新时间"}
)

func generate(r *rand.Rand, i int) catalog.Entry {
	subject := subjects[r.IntN(len(subjects))]
	name := fmt.Sprintf("%s%s%s（%d）", places[r.IntN(len(places))], subject, kinds[r.IntN(len(kinds))], i)
	e := catalog.Entry{
		Name:     name,
		Summary:  fmt.Sprintf("%s的%s数据，由%s提供，用于政务服务办理与数据共享，按%s更新。合成数据，仅供测试。", places[r.IntN(len(places))], subject, "提供部门", "日"),
		Category: "departmental", CategoryItem: fmt.Sprintf("%02d", 1+r.IntN(20)), CategorySubItem: fmt.Sprintf("%03d", 1+r.IntN(50)),
		Format: "database", ShareType: []string{"unconditional", "conditional", "conditional"}[r.IntN(3)], OpenType: "closed",
		UpdateCycle: []string{"daily", "weekly", "monthly", "realtime", "yearly"}[r.IntN(5)],
		Keywords:    []string{subject},
	}
	if e.ShareType == "conditional" {
		e.ShareCondition = "仅用于政务服务办理"
	}
	perm := r.Perm(len(itemVocab))
	for j := 0; j < 8; j++ {
		e.Items = append(e.Items, catalog.Item{Name: itemVocab[perm[j]], Identifier: fmt.Sprintf("f%d", j), DataType: "string", Length: 64})
	}
	return e
}

// SearchQueries are the benchmark's searches: 2- to 5-character Chinese words, with and without filters.
var SearchQueries = []catalog.Query{
	{Q: "社保"}, {Q: "户籍"}, {Q: "企业"}, {Q: "证明"}, {Q: "不动产"}, {Q: "营业执照"}, {Q: "公积金缴存"}, {Q: "残疾人"},
	{Q: "社保", ShareType: "conditional"}, {Q: "登记", UpdateCycle: "daily"}, {Q: "天元区"}, {Q: "许可", Sort: "name"},
	{Q: "统一社会信用代码"}, {Q: "法定代表人 成立日期"}, {}, {Category: "departmental", Sort: "date"},
}

// Target is where a benchmark keeps its data: PostgreSQL at Database, or
// else SQLite in Dir.
type Target struct {
	Database string
	Dir      string
}

// openCity opens (and migrates) the database at dsn, or the SQLite file at
// path when dsn is empty, with the demo city's organisations and accounts.
func openCity(ctx context.Context, dsn, path string) (*store.DB, *org.Service, *catalog.Service, error) {
	if dsn == "" {
		dsn = path
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := db.Migrate(ctx, audit.Migration, org.Migration, catalog.Migration); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	log := audit.New(db)
	orgs := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, orgs, io.Discard); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	return db, orgs, catalog.NewService(db, log, orgs, nil), nil
}

// CatalogSearch generates opts.Entries entries and times opts.Queries
// searches with facet counts, printing p50, p95 and p99.
func CatalogSearch(ctx context.Context, opts CatalogOptions, out io.Writer) error {
	db, orgs, svc, err := openCity(ctx, opts.Database, filepath.Join(opts.Dir, "bench.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	var catalogers []org.Principal
	for _, d := range demo.Departments {
		if slices.Contains(d.Roles, org.Cataloger) {
			_, p, err := orgs.Login(ctx, demo.Username(d, org.Cataloger), demo.Password, "127.0.0.1")
			if err != nil {
				return err
			}
			catalogers = append(catalogers, p)
		}
	}
	_, reviewer, err := orgs.Login(ctx, "xzsp.approver", demo.Password, "127.0.0.1")
	if err != nil {
		return err
	}
	var have int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM catalog_entries").Scan(&have); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const batch = 2000
	for i := have; i < opts.Entries; i += batch {
		p := catalogers[(i/batch)%len(catalogers)]
		var es []catalog.Entry
		for j := i; j < min(i+batch, opts.Entries); j++ {
			es = append(es, generate(r, j))
		}
		if err := svc.CreateMany(ctx, p, es); err != nil {
			return err
		}
		fmt.Fprintf(out, "\rgenerated %d/%d entries", min(i+batch, opts.Entries), opts.Entries)
	}
	fmt.Fprintf(out, "\n%s: %d entries ready (%d generated in %s)\n", db.Dialect, opts.Entries, max(0, opts.Entries-have), time.Since(start).Round(time.Millisecond))
	// Warm up, then time.
	for _, q := range SearchQueries {
		q.Facets = true
		if _, err := svc.Search(ctx, reviewer, q); err != nil {
			return err
		}
	}
	lat := make([]time.Duration, 0, opts.Queries)
	hits := 0
	for i := 0; i < opts.Queries; i++ {
		q := SearchQueries[i%len(SearchQueries)]
		q.Facets = true
		t0 := time.Now()
		res, err := svc.Search(ctx, reviewer, q)
		if err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
		hits += res.Total
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Fprintf(out, "%s search with facets over %d entries, %d queries (%d distinct; mean %d hits): p50 %s  p95 %s  p99 %s  max %s\n",
		db.Dialect, opts.Entries, len(lat), len(SearchQueries), hits/len(lat), pct(0.50).Round(10*time.Microsecond),
		pct(0.95).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	return nil
}
