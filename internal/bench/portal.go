package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/portal"
)

// PortalOptions configure the open data portal benchmark.
type PortalOptions struct {
	Entries  int           // catalog entries, 60% open, 20% conditionally open, 20% closed
	Rows     int           // rows of the table downloaded as CSV
	Rate     int           // requests per second of each latency run
	Duration time.Duration // length of each latency run
	Target
}

// Portal measures the public portal over generated entries: package_search
// and the dataset page at a fixed rate (p50/p99), then a CSV download of a
// table of opts.Rows rows streamed through the portal beside a bare read of
// the same table (COPY TO STDOUT on PostgreSQL, a SELECT written as CSV on
// SQLite), with the heap's peak during the download.
func Portal(ctx context.Context, opts PortalOptions, out io.Writer) error {
	dbPath := filepath.Join(opts.Dir, "bench.db")
	db, orgs, cat, err := openCity(ctx, opts.Database, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, opendata.Migration); err != nil {
		return err
	}
	cat.SQLiteRoot = filepath.Join(opts.Dir, "datasources")
	// A key kept beside the data, so that a second run opens the datasource it sealed.
	if cat.Secrets, err = cryptosuite.LoadSealer(filepath.Join(opts.Dir, "secrets.key")); err != nil {
		return err
	}
	cat.Hosts, _ = connector.ParseHosts("127.0.0.1,::1,localhost")
	login := func(user string) (org.Principal, error) {
		_, p, err := orgs.Login(ctx, user, demo.Password, "127.0.0.1")
		return p, err
	}
	gaj, err := login("gaj.cataloger")
	if err != nil {
		return err
	}
	approver, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	// The downloaded table and its open entry, first.
	table, err := downloadTable(ctx, opts, cat, gaj, approver, out)
	if err != nil {
		return err
	}
	if err := portalEntries(ctx, opts, db.QueryRow, cat, gaj, approver, out); err != nil {
		return err
	}
	od := opendata.NewService(db, audit.New(db), orgs, cat)
	od.Throttle = nil
	r := chi.NewRouter()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	portal.Register(r, portal.Deps{OpenData: od, PublicURL: base})
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	statsCtx, stop := context.WithCancel(ctx)
	statsDone := make(chan struct{})
	go func() { od.Run(statsCtx, 5*time.Second); close(statsDone) }()
	defer func() { stop(); <-statsDone }()

	res, err := od.Search(ctx, opendata.Query{OpenType: catalog.OpenUnconditional, Size: 200})
	if err != nil {
		return err
	}
	var pages []string
	for _, h := range res.Items {
		pages = append(pages, base+"/open/dataset/"+opendata.Slug(h.Code))
	}
	var searches []string
	for _, q := range SearchQueries {
		v := url.Values{}
		if q.Q != "" {
			v.Set("q", q.Q)
		}
		v.Set("rows", "20")
		searches = append(searches, base+"/api/3/action/package_search?"+v.Encode())
	}
	fmt.Fprintf(out, "%s: %d entries, %d public; latency at %d req/s for %s each (goal p99 < 50ms)\n", db.Dialect, opts.Entries, res.Total, opts.Rate, opts.Duration)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	for _, run := range []struct {
		name string
		urls []string
	}{{"package_search (q, rows=20, facets)", searches}, {"dataset page (items, sample, statistics)", pages}} {
		// Each URL once, one at a time: the first answers, before the
		// portal keeps them (opendata caches a search's and a dataset's
		// answer while the catalog does not change), reported apart.
		var cold []time.Duration
		for _, u := range run.urls {
			t0 := time.Now()
			resp, err := client.Get(u)
			if err != nil {
				return fmt.Errorf("%s: %w", run.name, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			cold = append(cold, time.Since(t0))
		}
		slices.Sort(cold)
		fmt.Fprintf(out, "  %-42s %6d URLs, first request each: p50 %s  max %s\n", run.name+" cold", len(cold),
			cold[len(cold)/2].Round(10*time.Microsecond), cold[len(cold)-1].Round(10*time.Microsecond))
		lat, errors := fixedRate(ctx, client, run.urls, opts.Rate, opts.Duration)
		if len(lat) == 0 {
			return fmt.Errorf("%s: no request answered", run.name)
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		fmt.Fprintf(out, "  %-42s %6d requests, %d errors: p50 %s  p99 %s  max %s\n", run.name, len(lat), errors,
			pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	}
	// The download, beside the bare read.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	peak := heap0
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
	}()
	t0 := time.Now()
	resp, err := client.Get(base + "/open/dataset/" + opendata.Slug(table.code) + "/download.csv")
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	close(done)
	wg.Wait()
	took := time.Since(t0)
	if err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("download: %d %v", resp.StatusCode, err)
	}
	t1 := time.Now()
	bare, label, err := table.bare(ctx)
	if err != nil {
		return err
	}
	bareTook := time.Since(t1)
	mb := func(b int64, d time.Duration) float64 { return float64(b) / (1 << 20) / d.Seconds() }
	fmt.Fprintf(out, "CSV of %d rows: portal %d MB in %s (%.1f MB/s, %.0f rows/s; heap peak +%.1f MB)\n", opts.Rows, n>>20, took.Round(time.Millisecond),
		mb(n, took), float64(opts.Rows)/took.Seconds(), float64(peak-min(peak, heap0))/(1<<20))
	fmt.Fprintf(out, "                   %s %d MB in %s (%.1f MB/s); portal/bare time %.2f\n", label, bare>>20, bareTook.Round(time.Millisecond), mb(bare, bareTook),
		took.Seconds()/bareTook.Seconds())
	return nil
}

// fixedRate sends requests to urls in turn at rate a second for d and
// returns each answer's latency, counted from when it was due.
func fixedRate(ctx context.Context, c *http.Client, urls []string, rate int, d time.Duration) ([]time.Duration, int) {
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func(u string) {
			defer wg.Done()
			resp, err := c.Get(u)
			ok := err == nil && resp.StatusCode == 200
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				errors++
				return
			}
			lat = append(lat, time.Since(due))
		}(urls[i%len(urls)])
	}
	wg.Wait()
	return lat, errors
}

// portalEntries generates, publishes and opens entries until there are
// opts.Entries: 60% open, 20% conditionally open, 20% closed.
func portalEntries(ctx context.Context, opts PortalOptions, queryRow func(context.Context, string, ...any) *sql.Row, cat *catalog.Service, p, approver org.Principal, out io.Writer) error {
	var have int
	if err := queryRow(ctx, "SELECT count(*) FROM catalog_entries").Scan(&have); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(14, uint64(have)))
	start := time.Now()
	const batch = 500
	for i := have; i < opts.Entries; i += batch {
		var es []catalog.Entry
		for j := i; j < min(i+batch, opts.Entries); j++ {
			e := generate(r, j)
			switch j % 5 {
			case 0, 1, 2:
				e.OpenType = catalog.OpenUnconditional
			case 3:
				e.OpenType, e.OpenCondition = catalog.OpenConditional, "仅用于科研，需申请"
			}
			es = append(es, e)
		}
		if err := cat.CreateMany(ctx, p, es); err != nil {
			return err
		}
		fmt.Fprintf(out, "\rgenerated %d/%d entries", min(i+batch, opts.Entries), opts.Entries)
	}
	// Publish the drafts through the workflow, as approvers would, a few
	// hundred entries a transaction (catalog.TransitionMany): each entry is
	// submitted, approved and published with its checks, history and audit
	// entries, but without a commit for each of its three steps.
	done := 0
	for {
		drafts, err := cat.Search(ctx, p, catalog.Query{Status: catalog.StatusDraft, PageSize: 500})
		if err != nil {
			return err
		}
		if len(drafts.Items) == 0 {
			break
		}
		codes := make([]string, len(drafts.Items))
		for i, h := range drafts.Items {
			codes[i] = h.Code
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			who := approver
			if a == catalog.ActionSubmit {
				who = p
			}
			if err := cat.TransitionMany(ctx, who, codes, a, ""); err != nil {
				return fmt.Errorf("%s: %w", a, err)
			}
		}
		done += len(codes)
		fmt.Fprintf(out, "\rpublished %d entries", done)
	}
	fmt.Fprintf(out, "\nentries ready in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// benchTable is the downloaded table, on the catalog's datasource.
type benchTable struct {
	code string
	bare func(ctx context.Context) (int64, string, error)
}

const benchTableName = "bench_open_rows"

// downloadTable creates (once) a table of opts.Rows rows, in the bench's
// PostgreSQL database or in a SQLite datasource, and an open entry mounted
// on it.
func downloadTable(ctx context.Context, opts PortalOptions, cat *catalog.Service, p, approver org.Principal, out io.Writer) (benchTable, error) {
	items := []catalog.Item{
		{Name: "编号", Identifier: "id", DataType: "integer", Key: true, Required: true},
		{Name: "站点名称", Identifier: "name", DataType: "string", Length: 100},
		{Name: "所在区县", Identifier: "district", DataType: "string", Length: 20},
		{Name: "数值", Identifier: "amount", DataType: "decimal", Length: 18, Precision: 2},
		{Name: "观测时间", Identifier: "observed", DataType: "datetime"},
	}
	res, err := cat.Search(ctx, p, catalog.Query{Q: "开放数据下载基准表"})
	if err != nil {
		return benchTable{}, err
	}
	driver, dsn := "sqlite", filepath.Join(cat.SQLiteRoot, demo.DepartmentCode("gaj"), "bench_open.db")
	if opts.Database != "" {
		driver, dsn = "postgres", opts.Database
	}
	t := benchTable{}
	t.bare = func(ctx context.Context) (int64, string, error) { return bareRead(ctx, driver, dsn) }
	if res.Total > 0 {
		t.code = res.Items[0].Code
		return t, nil
	}
	if err := fillTable(ctx, driver, dsn, opts.Rows, out); err != nil {
		return t, err
	}
	e, err := cat.Create(ctx, p, catalog.Entry{Name: "开放数据下载基准表", Summary: "合成数据，仅供基准测试", Category: "departmental", CategoryItem: "99", CategorySubItem: "001",
		Format: "database", ShareType: catalog.ShareUnconditional, OpenType: catalog.OpenUnconditional, UpdateCycle: "daily", Items: items})
	if err != nil {
		return t, err
	}
	ds, err := cat.CreateDatasource(ctx, p, catalog.Datasource{Name: "bench-open", Driver: driver, DSN: dsn})
	if err != nil {
		return t, err
	}
	if _, err := cat.AddMount(ctx, p, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: ds.ID, Table: benchTableName}); err != nil {
		return t, err
	}
	for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
		who := approver
		if a == catalog.ActionSubmit {
			who = p
		}
		if _, err := cat.Transition(ctx, who, e.Code, a, ""); err != nil {
			return t, err
		}
	}
	t.code = e.Code
	return t, nil
}

func fillTable(ctx context.Context, driver, dsn string, rows int, out io.Writer) error {
	sqlDriver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[driver]
	if driver == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return err
		}
	}
	db, err := sql.Open(sqlDriver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ts := "TIMESTAMP"
	if driver == "sqlite" {
		ts = "DATETIME"
	}
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+benchTableName); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE %s (id BIGINT PRIMARY KEY, name VARCHAR(100), district VARCHAR(20), amount DECIMAL(18,2), observed %s)", benchTableName, ts)); err != nil {
		return err
	}
	districts := []string{"荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "醴陵市"}
	const batch = 1000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i += batch {
		var b strings.Builder
		var args []any
		b.WriteString("INSERT INTO " + benchTableName + " (id, name, district, amount, observed) VALUES ")
		for j := i; j < min(i+batch, rows); j++ {
			if j > i {
				b.WriteString(", ")
			}
			k := len(args)
			if driver == "postgres" {
				fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5)
			} else {
				b.WriteString("(?, ?, ?, ?, ?)")
			}
			args = append(args, j+1, fmt.Sprintf("演示监测站%05d", j%20000), districts[j%len(districts)], fmt.Sprintf("%d.%02d", j%10000, j%100),
				t0.Add(time.Duration(j)*time.Minute).Format("2006-01-02 15:04:05"))
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		if i%100000 == 0 {
			fmt.Fprintf(out, "\rtable: %d/%d rows", i, rows)
		}
	}
	fmt.Fprintf(out, "\rtable: %d rows\n", rows)
	return nil
}

// bareRead reads the table as CSV without the platform: COPY TO STDOUT on
// PostgreSQL, a SELECT written with encoding/csv on SQLite.
func bareRead(ctx context.Context, driver, dsn string) (int64, string, error) {
	cols := "id, name, district, amount, observed"
	if driver == "postgres" {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return 0, "", err
		}
		defer conn.Close(ctx)
		w := &countWriter{}
		_, err = conn.PgConn().CopyTo(ctx, w, fmt.Sprintf("COPY (SELECT %s FROM %s ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", cols, benchTableName))
		return w.n, "bare COPY TO STDOUT", err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT "+cols+" FROM "+benchTableName+" ORDER BY id")
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	w := &countWriter{}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	vals := make([]sql.NullString, 5)
	ptrs := make([]any, 5)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	rec := make([]string, 5)
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, "", err
		}
		for i, v := range vals {
			rec[i] = v.String
		}
		cw.Write(rec)
	}
	cw.Flush()
	bw.Flush()
	return w.n, "bare SELECT → CSV", rows.Err()
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }
