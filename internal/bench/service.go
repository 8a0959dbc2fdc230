package bench

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// ServiceOptions configure the data-service benchmark.
type ServiceOptions struct {
	Rows     int           // rows in the served table
	Rate     int           // requests per second of the latency run
	Duration time.Duration // of each run
	Workers  int           // concurrent clients of the throughput run
	// Rounds splits each run into that many slices, the bare handler's and
	// /svc's taking turns, so that both meet the same load from the rest of
	// a shared machine (1: the bare handler's whole run, then /svc's).
	Rounds int
	// CPUProfile, when set, receives a CPU profile of an extra /svc
	// throughput run of Duration after the measured ones (go tool pprof).
	CPUProfile string
	Target
}

// serviceItems are the served table's columns; the first five are masked.
var serviceItems = []struct{ id, name, masking string }{
	{"id_number", "公民身份号码", "id_number"}, {"name", "姓名", "name"}, {"phone", "联系电话", "phone"},
	{"address", "住址", "address"}, {"bank_card", "社保卡银行账号", "bank_card"}, {"gender", "性别", "none"}, {"district", "所属区划", "none"},
}

// maskedFields is what each benchmark query asks for: the five masked items.
const maskedFields = "id_number,name,phone,address,bank_card"

// Service compares a data-service query (equality filter, 20 rows, five
// masked items) served with signature check, policy check, masking,
// metering and audit against the same query served by a bare handler, on
// the same data: maximum throughput with opts.Workers clients, then
// latency at opts.Rate requests per second.
func Service(ctx context.Context, opts ServiceOptions, out io.Writer) error {
	if opts.Database != "" {
		return errors.New("the service benchmark runs on the embedded default (SQLite); --database is not supported")
	}
	start := time.Now()
	s, err := newServiceBench(ctx, opts)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintf(out, "data service: %d rows, %d districts, query district=X&fields=%s&page_size=20 (SQLite, set up in %s)\n",
		opts.Rows, s.districts, maskedFields, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "load: Go client on loopback (this program), keep-alive, requests signed before each turn\n\n")
	rounds := max(1, opts.Rounds)
	how := opts.Duration.String()
	if rounds > 1 {
		how = fmt.Sprintf("%s in %d turns with the other", opts.Duration, rounds)
	}
	fmt.Fprintf(out, "%-40s %12s %10s %10s %10s %12s\n", "", "req/s", "p50", "p99", "errors", "CPU/req")
	bare := &load{name: "bare handler (no checks)", url: s.bareURL}
	full := &load{name: "govshare /svc (sign+policy+mask+audit)", url: s.fullURL, sign: true}
	sides := []*load{bare, full}
	// turn is the length of turn i of a run of d.
	turn := func(d time.Duration, i int) time.Duration {
		return d*time.Duration(i+1)/time.Duration(rounds) - d*time.Duration(i)/time.Duration(rounds)
	}
	for i := range rounds {
		for _, l := range sides {
			// Each request is signed with its own nonce before the turn; a
			// turn ends early if the server answers them all sooner.
			var err error
			if l.reqs, err = s.requests(l.url, max(1000, 60000/rounds), l.sign); err != nil {
				return err
			}
			// Collect the garbage of the last turn first, so that a turn
			// does not pay for the other side's.
			runtime.GC()
			if err := s.throughput(ctx, l, turn(opts.Duration, i), opts.Workers); err != nil {
				return err
			}
		}
	}
	for _, l := range sides {
		r := l.result()
		fmt.Fprintf(out, "%-40s %12.0f %10s %10s %10d %12s   (closed loop, %d clients, %s)\n", l.name, r.rps, r.p50, r.p99, r.errors,
			r.cpu.Round(time.Microsecond), opts.Workers, how)
	}
	fr, br := full.result(), bare.result()
	fmt.Fprintf(out, "throughput ratio govshare/bare: %.0f%% (goal ≥ 60%%); CPU per request ratio bare/govshare: %.0f%% (steadier on a busy machine)\n\n",
		100*fr.rps/br.rps, 100*float64(br.cpu)/float64(fr.cpu))

	for _, l := range sides {
		l.reset()
	}
	for i := range rounds {
		for _, l := range sides {
			reqs, err := s.requests(l.url, int(float64(opts.Rate)*turn(opts.Duration, i).Seconds()), l.sign)
			if err != nil {
				return err
			}
			runtime.GC()
			if err := s.latency(ctx, l, reqs, opts.Rate); err != nil {
				return err
			}
		}
	}
	for _, l := range sides {
		r := l.result()
		fmt.Fprintf(out, "%-40s %12.0f %10s %10s %10d   (open loop at %d req/s, %s)\n", l.name, r.rps, r.p50, r.p99, r.errors, opts.Rate, how)
	}
	fmt.Fprintln(out, "goal: p99 < 20 ms at 500 req/s for govshare /svc")

	if opts.CPUProfile != "" {
		full.reset()
		var err error
		if full.reqs, err = s.requests(full.url, 60000, true); err != nil {
			return err
		}
		f, err := os.Create(opts.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		err = s.throughput(ctx, full, opts.Duration, opts.Workers)
		pprof.StopCPUProfile()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nCPU profile of a further /svc throughput run (%.0f req/s): %s\n", full.result().rps, opts.CPUProfile)
	}
	return nil
}

// load is one side of the comparison: the requests of its next turn,
// signed before it, and what its turns measured so far.
type load struct {
	name    string
	url     string
	sign    bool
	reqs    []*http.Request // of the next turn
	lat     []time.Duration
	counted int           // requests answered within the runs' time
	errors  int           //
	elapsed time.Duration // of the runs
	cpu     time.Duration // this process's CPU time in the runs
}

func (l *load) reset() { *l = load{name: l.name, url: l.url, sign: l.sign} }

func (l *load) result() runResult {
	r := summarize(slices.Clone(l.lat), l.errors, l.elapsed)
	if l.elapsed > 0 {
		r.rps = float64(l.counted) / l.elapsed.Seconds()
	}
	if len(l.lat) > 0 {
		r.cpu = l.cpu / time.Duration(len(l.lat))
	}
	return r
}

type serviceBench struct {
	db         *store.DB
	gw         *gateway.Service
	src        *connector.Source
	servers    []*http.Server
	fullURL    string
	bareURL    string
	key        string
	secret     string
	districts  int
	client     *http.Client
	nonceCount atomic.Int64
}

func newServiceBench(ctx context.Context, opts ServiceOptions) (*serviceBench, error) {
	db, err := store.Open(ctx, filepath.Join(opts.Dir, "bench.db"))
	if err != nil {
		return nil, err
	}
	s := &serviceBench{db: db, districts: max(1, opts.Rows/50)}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	if err := db.Migrate(ctx, audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, gateway.Migration); err != nil {
		return nil, err
	}
	log := audit.New(db)
	orgs := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, orgs, io.Discard); err != nil {
		return nil, err
	}
	cat := catalog.NewService(db, log, orgs, nil)
	dir := filepath.Join(opts.Dir, "datasources")
	cat.SQLiteRoot = dir
	l := lists.NewService(db, log, orgs, cat)
	cat.Negative = l
	share := sharing.NewService(db, log, orgs, cat, l)
	s.gw = gateway.NewService(db, log, cat, share, cryptosuite.RandomSealer(), gateway.NewMemoryNonces(0))
	login := func(user string) (org.Principal, error) {
		_, p, err := orgs.Login(ctx, user, demo.Password, "127.0.0.1")
		return p, err
	}
	users := map[string]org.Principal{}
	for _, u := range []string{"gaj.cataloger", "gaj.approver", "xzsp.approver", "rsj.consumer"} {
		if users[u], err = login(u); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "bench_people.db")
	if err := writePeople(ctx, path, opts.Rows, s.districts); err != nil {
		return nil, fmt.Errorf("generate the served table: %w", err)
	}
	e := catalog.Entry{Name: "服务基准测试人员信息", Summary: "数据服务基准测试用的合成人员信息", Category: "departmental", CategoryItem: "01", CategorySubItem: "099",
		Format: "database", ShareType: catalog.ShareConditional, ShareCondition: "仅用于基准测试", OpenType: catalog.OpenNone, UpdateCycle: "daily"}
	for i, it := range serviceItems {
		e.Items = append(e.Items, catalog.Item{Name: it.name, Identifier: it.id, DataType: "string", Length: 200, Key: i == 0, Masking: it.masking})
	}
	if e, err = cat.Create(ctx, users["gaj.cataloger"], e); err != nil {
		return nil, err
	}
	ds, err := cat.CreateDatasource(ctx, users["gaj.cataloger"], catalog.Datasource{Name: "基准测试库", Driver: connector.SQLite, DSN: path})
	if err != nil {
		return nil, err
	}
	if _, err := cat.AddMount(ctx, users["gaj.cataloger"], e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: ds.ID, Table: "bench_people"}); err != nil {
		return nil, err
	}
	if _, err := cat.Transition(ctx, users["gaj.cataloger"], e.Code, catalog.ActionSubmit, ""); err != nil {
		return nil, err
	}
	for _, a := range []string{catalog.ActionApprove, catalog.ActionPublish} {
		if _, err := cat.Transition(ctx, users["xzsp.approver"], e.Code, a, ""); err != nil {
			return nil, err
		}
	}
	app, err := share.Apply(ctx, users["rsj.consumer"], sharing.ApplicationInput{EntryCode: e.Code, Purpose: "基准测试", Basis: "基准测试（合成）",
		Scenario: "基准测试", Delivery: sharing.DeliveryAPI})
	if err != nil {
		return nil, err
	}
	for _, u := range []string{"gaj.approver", "xzsp.approver"} {
		if _, err := share.Approve(ctx, users[u], app.ID, nil, ""); err != nil {
			return nil, err
		}
	}
	a, secret, err := s.gw.CreateApp(ctx, users["rsj.consumer"], gateway.AppInput{Name: "基准测试应用", RateLimit: 10000, Burst: 10000})
	if err != nil {
		return nil, err
	}
	s.key, s.secret = a.AppKey, secret
	if s.src, err = connector.Open(ctx, connector.SQLite, path); err != nil {
		return nil, err
	}
	if s.fullURL, err = s.listen(s.gw, gateway.Prefix+e.Code); err != nil {
		return nil, err
	}
	if s.bareURL, err = s.listen(http.HandlerFunc(s.bare), "/bare"); err != nil {
		return nil, err
	}
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 10 * time.Second}
	ok = true
	return s, nil
}

// bare serves the same page of the same table: no signature, policy,
// masking, metering or audit.
func (s *serviceBench) bare(w http.ResponseWriter, r *http.Request) {
	cols := strings.Split(maskedFields, ",")
	rows, total, err := s.src.Query(r.Context(), "bench_people", cols,
		[]connector.Filter{{Column: "district", Op: "eq", Values: []any{r.URL.Query().Get("district")}}}, []string{"id_number"}, 20, 0)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	res := gateway.Result{Total: total, Rows: make([]map[string]any, len(rows))}
	for i, row := range rows {
		m := make(map[string]any, len(cols))
		for j, c := range cols {
			m[c] = row[j]
		}
		res.Rows[i] = m
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(res)
}

func (s *serviceBench) listen(h http.Handler, path string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + path, nil
}

func (s *serviceBench) close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	if s.gw != nil {
		s.gw.Close()
	}
	if s.src != nil {
		s.src.Close()
	}
	s.db.Close()
}

// requests prepares n requests for random districts, signed if sign.
func (s *serviceBench) requests(base string, n int, sign bool) ([]*http.Request, error) {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	out := make([]*http.Request, n)
	now := time.Now()
	for i := range out {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s?district=%s&fields=%s&page_size=20", base, district(r.IntN(s.districts)), maskedFields), nil)
		if err != nil {
			return nil, err
		}
		if sign {
			nonce := fmt.Sprintf("bench%d-%s", s.nonceCount.Add(1), crand.Text()[:8])
			if err := gateway.SignRequest(req, s.key, s.secret, "", now, nonce); err != nil {
				return nil, err
			}
		}
		out[i] = req
	}
	return out, nil
}

type runResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
	cpu      time.Duration // this process's CPU time per request: client, server and background work
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (s *serviceBench) do(req *http.Request) bool {
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func summarize(lat []time.Duration, errs int, elapsed time.Duration) runResult {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(10 * time.Microsecond)
	}
	return runResult{rps: float64(len(lat)) / elapsed.Seconds(), p50: q(0.50), p99: q(0.99), errors: errs}
}

// throughput runs workers clients back to back for d, on l.reqs. The
// requests answered by the end of d count towards the rate; those still
// under way then are waited for, and their latency and CPU time count.
func (s *serviceBench) throughput(ctx context.Context, l *load, d time.Duration, workers int) error {
	var next atomic.Int64
	var mu sync.Mutex
	var lastDone time.Time
	start, cpu := time.Now(), cpuTime()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []time.Duration
			bad, counted := 0, 0
			var last time.Time
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := next.Add(1) - 1
				if int(i) >= len(l.reqs) {
					break
				}
				t := time.Now()
				if !s.do(l.reqs[i]) {
					bad++
				}
				last = time.Now()
				mine = append(mine, last.Sub(t))
				if !last.After(deadline) {
					counted++
				}
			}
			mu.Lock()
			l.lat, l.errors, l.counted = append(l.lat, mine...), l.errors+bad, l.counted+counted
			if last.After(lastDone) {
				lastDone = last
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	l.cpu += cpuTime() - cpu
	end := deadline
	if int(next.Load()) >= len(l.reqs) && lastDone.Before(deadline) {
		end = lastDone // out of requests: the turn ended early
	}
	l.elapsed += end.Sub(start)
	return ctx.Err()
}

// latency sends reqs at rate per second, each at its scheduled time, and
// measures from that time (no coordinated omission).
func (s *serviceBench) latency(ctx context.Context, l *load, reqs []*http.Request, rate int) error {
	lat := make([]time.Duration, len(reqs))
	ok := make([]bool, len(reqs))
	start, cpu := time.Now(), cpuTime()
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	for i := range reqs {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			ok[i] = s.do(reqs[i])
			lat[i] = time.Since(at)
		})
	}
	wg.Wait()
	l.elapsed += time.Since(start)
	l.cpu += cpuTime() - cpu
	for _, o := range ok {
		if !o {
			l.errors++
		}
	}
	l.lat = append(l.lat, lat...)
	l.counted += len(reqs)
	return ctx.Err()
}

func district(i int) string { return fmt.Sprintf("4302%06d", i) }

// writePeople fills the served table with synthetic people.
func writePeople(ctx context.Context, path string, n, districts int) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	var have int
	if db.QueryRowContext(ctx, "SELECT count(*) FROM bench_people").Scan(&have) == nil && have == n {
		return nil
	}
	for _, q := range []string{"DROP TABLE IF EXISTS bench_people",
		`CREATE TABLE bench_people (id_number VARCHAR(200) NOT NULL PRIMARY KEY, name VARCHAR(200), phone VARCHAR(200), address VARCHAR(200),
			bank_card VARCHAR(200), gender VARCHAR(200), district VARCHAR(200))`,
		"CREATE INDEX bench_people_district ON bench_people (district, id_number)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO bench_people VALUES (?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(2026, 1))
	surnames := []rune("王李张刘陈杨黄赵吴周")
	for i := range n {
		if _, err := stmt.ExecContext(ctx, fmt.Sprintf("430202%011dX", i), string(surnames[r.IntN(len(surnames))])+"演示"+fmt.Sprint(i),
			fmt.Sprintf("138%08d", r.IntN(1e8)), fmt.Sprintf("湖南省株洲市天元区演示路%d号%d栋", 1+r.IntN(900), 1+r.IntN(30)),
			fmt.Sprintf("6222%015d", r.Int64N(1e15)), []string{"男", "女"}[r.IntN(2)], district(i%districts)); err != nil {
			return err
		}
	}
	return tx.Commit()
}
