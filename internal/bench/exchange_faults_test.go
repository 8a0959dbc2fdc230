package bench

// Fault tests of the exchange (issue 4, "Faults it survives"): the provider
// node, the hub (the platform's side) and the consumer node each run as a
// separate OS process of the real govshare binary ("govshare bench
// exchange-worker --role provider|hub|consumer"), so kill -9 is real, and
// each test ends with the target equal to the source: the same row count
// and the same connector checksum over all rows.
//
//	TestExchangeSurvivesKills       PostgreSQL → MariaDB, 1,000,000 rows: kill -9 of the provider,
//	                                then the hub, then the consumer, in one full sync, each restarted
//	TestExchangeSurvivesOutages     PostgreSQL → SQLite, 100,000 rows: hub down while the provider
//	                                extracts and rows change, then consumer down while the hub delivers
//	TestExchangeConcurrentChanges   PostgreSQL → MariaDB, 100,000 rows, inserts, updates and soft
//	                                deletes during a full-then-incremental sync
//	TestExchangeConcurrentDeletes   MariaDB → PostgreSQL, 100,000 rows, inserts, updates and physical
//	                                deletes during the passes of a Full channel (the range sweep)
//
// They need GOVSHARE_TEST_POSTGRES and GOVSHARE_TEST_MYSQL (skipped without,
// failed in CI). GOVSHARE_FAULTS_ROWS changes the size of the kill test and
// GOVSHARE_FAULTS_DOWN (default 20s) how long the hub and the consumer stay
// down in the outage test; the issue speaks of minutes:
//
//	GOVSHARE_FAULTS_DOWN=3m go test -run Outages -timeout 30m ./internal/bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/exchange/leafnet"
	"github.com/govshare/govshare/internal/store/storetest"
)

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildGovshare compiles the govshare binary once per test binary.
var buildGovshare = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "govshare-faults-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "govshare")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/govshare/govshare/cmd/govshare").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// faultTest skips a fault test with -short, except in CI (CI=true), where
// they always run.
func faultTest(t *testing.T) {
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("runs three govshare processes against real databases; skipped with -short")
	}
}

func envInt(t *testing.T, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, v, err)
		}
		return n
	}
	return def
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", name, v, err)
		}
		return d
	}
	return def
}

// proc is one running worker process and what it reported.
type proc struct {
	role    string
	w       *worker
	started time.Time
	done    chan struct{} // closed when its output ends

	mu     sync.Mutex
	pubSeq int64     // provider: last PubSeq reported
	passes []passEnd // provider: the passes this process finished
	routed bool      // hub
	url    string    // hub: client URL
	errs   []string  // errors it reported
}

type passEnd struct {
	at     time.Time
	pubSeq int64
}

func (p *proc) snapshot() (pubSeq int64, passes int, routed bool, errs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pubSeq, len(p.passes), p.routed, append([]string(nil), p.errs...)
}

// passSince returns the PubSeq at the end of the first pass that began after
// t, if one has ended: a pass begins after the one before it ended (the
// provider then waits a poll), the first when the process started.
func (p *proc) passSince(t time.Time) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prev := p.started
	for _, pe := range p.passes {
		if prev.After(t) {
			return pe.pubSeq, true
		}
		prev = pe.at
	}
	return 0, false
}

// rig runs the three processes of one channel.
type rig struct {
	t       *testing.T
	ctx     context.Context
	bin     string
	dir     string
	hubLeaf string
	spec    []byte
	ch      exchange.Channel
	procs   map[string]*proc
	target  *sql.DB // to read the checkpoint
	tdriver string
}

func newRig(t *testing.T, ch exchange.Channel, poll time.Duration) *rig {
	t.Helper()
	bin, err := buildGovshare()
	if err != nil {
		t.Fatal(err)
	}
	lp, err := leafnet.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := json.Marshal(workerSpec{Channel: ch, Poll: poll, Progress: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r := &rig{t: t, ctx: ctx, bin: bin, dir: t.TempDir(), hubLeaf: fmt.Sprintf("nats-leaf://127.0.0.1:%d", lp),
		spec: append(spec, '\n'), ch: ch, procs: map[string]*proc{}, tdriver: ch.Target.Driver}
	switch ch.Target.Driver {
	case connector.Postgres:
		r.target, err = sql.Open("pgx", ch.Target.DSN)
	case connector.MySQL:
		r.target, err = sql.Open("mysql", mysqlDSN(ch.Target.DSN))
	case connector.SQLite:
		r.target, err = sql.Open("sqlite", "file:"+ch.Target.DSN+"?mode=ro&_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.target.Close() })
	t.Cleanup(func() { // before the databases are dropped
		for _, p := range r.procs {
			p.w.stdin.Close()
			p.w.cmd.Process.Kill()
			<-p.done
			p.w.cmd.Wait()
		}
	})
	return r
}

// launch starts a worker and waits until it is ready (its NATS server runs
// and, for a node, has joined the hub if the hub is up).
func (r *rig) launch(role string) *proc {
	r.t.Helper()
	domain := map[string]string{"hub": "hub", "provider": benchLink.Provider, "consumer": benchLink.Consumer}[role]
	w, err := startWorker(r.ctx, r.bin, role, domain, r.hubLeaf, filepath.Join(r.dir, role), os.Stderr)
	if err != nil {
		r.t.Fatal(err)
	}
	p := &proc{role: role, w: w, started: time.Now(), done: make(chan struct{})}
	r.procs[role] = p
	ev, err := w.next(60 * time.Second)
	if err != nil || !ev.Ready {
		close(p.done)
		r.t.Fatalf("%s process: %v (%+v)", role, err, ev)
	}
	p.url = ev.URL
	go func() {
		defer close(p.done)
		for ev := range w.lines {
			p.mu.Lock()
			switch {
			case ev.Error != "":
				p.errs = append(p.errs, ev.Error)
			case ev.Routed:
				p.routed = true
			case ev.Progress:
				p.pubSeq = max(p.pubSeq, ev.PubSeq)
			case ev.Passes > 0:
				p.pubSeq = max(p.pubSeq, ev.PubSeq)
				p.passes = append(p.passes, passEnd{at: time.Now(), pubSeq: ev.PubSeq})
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// send gives a worker the channel.
func (r *rig) send(p *proc) {
	r.t.Helper()
	if _, err := p.w.stdin.Write(r.spec); err != nil {
		r.t.Fatalf("%s process: %v", p.role, err)
	}
}

// start launches a worker and gives it the channel.
func (r *rig) start(role string) *proc {
	p := r.launch(role)
	r.send(p)
	return p
}

// startAll starts the hub and both nodes and routes the channel.
func (r *rig) startAll() {
	r.t.Helper()
	hub := r.launch("hub")
	prov, cons := r.launch("provider"), r.launch("consumer")
	r.send(hub)
	r.waitFor("the hub to route the channel", time.Minute, func() bool { _, _, ok, _ := hub.snapshot(); return ok })
	r.send(prov)
	r.send(cons)
}

// kill9 kills a worker with SIGKILL and waits until it is gone. It returns
// what the provider had published (its last report) and what the target
// had committed just before.
func (r *rig) kill9(role string) (pub, cp int64) {
	r.t.Helper()
	p := r.procs[role]
	pub, passes := r.pubSeq(), 0
	if pp := r.procs["provider"]; pp != nil {
		_, passes, _, _ = pp.snapshot()
	}
	cp = r.checkpoint()
	if err := p.w.cmd.Process.Kill(); err != nil {
		r.t.Fatalf("kill -9 %s: %v", role, err)
	}
	<-p.done
	p.w.cmd.Wait()
	delete(r.procs, role)
	r.t.Logf("kill -9 %s (pid %d): the provider had published batch %d (passes finished: %d), the target had committed batch %d",
		role, p.w.cmd.Process.Pid, pub, passes, cp)
	return pub, cp
}

// pubSeq is the provider's last reported sequence (0 when it is down).
func (r *rig) pubSeq() int64 {
	if p := r.procs["provider"]; p != nil {
		s, _, _, _ := p.snapshot()
		return s
	}
	return 0
}

// checkpoint is the last batch the target committed.
func (r *rig) checkpoint() int64 {
	var seq int64
	err := r.target.QueryRowContext(r.ctx, "SELECT seq FROM "+connector.CheckpointTable+" WHERE channel = '"+r.ch.ID+"'").Scan(&seq)
	if err != nil {
		return 0 // no table or no row yet
	}
	return seq
}

// waitFor polls cond, failing on a worker's error or after within.
func (r *rig) waitFor(what string, within time.Duration, cond func() bool) {
	r.t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		for role, p := range r.procs {
			if _, _, _, errs := p.snapshot(); len(errs) > 0 {
				r.t.Fatalf("waiting for %s: %s process: %v", what, role, errs)
			}
			select {
			case <-p.done:
				r.t.Fatalf("waiting for %s: the %s process ended", what, role)
			default:
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not within %v (provider published %d, target checkpoint %d)", what, within, r.pubSeq(), r.checkpoint())
		}
	}
}

// settle waits until a pass that began after since has been published and
// applied: the target then holds what the source held at since.
func (r *rig) settle(since time.Time, within time.Duration) {
	r.t.Helper()
	start := time.Now()
	var want int64
	r.waitFor("a provider pass that began after the last change", within, func() bool {
		var ok bool
		want, ok = r.procs["provider"].passSince(since)
		return ok
	})
	r.waitFor(fmt.Sprintf("batch %d at the target", want), within, func() bool { return r.checkpoint() >= want })
	r.t.Logf("settled at batch %d in %s", want, time.Since(start).Round(time.Millisecond))
}

// sameTables compares the source's rows (live, when the source soft-deletes)
// with the target's: row count and connector checksum over all columns.
func sameTables(t *testing.T, src exchange.Endpoint, srcTable string, dst exchange.Endpoint) {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	var took [2]time.Duration
	sum := func(e exchange.Endpoint, table string, side int) (int64, string) {
		defer func(t0 time.Time) { took[side] = time.Since(t0) }(time.Now())
		c, err := connector.Open(ctx, e.Driver, e.DSN)
		if err != nil {
			t.Error(err) // not Fatal: one side runs in a goroutine
			return 0, ""
		}
		defer c.Close()
		n, s, err := c.Checksum(ctx, table, nil)
		if err != nil {
			t.Errorf("checksum of %s: %v", table, err)
		}
		return n, s
	}
	var (
		wantN, gotN     int64
		wantSum, gotSum string
		wg              sync.WaitGroup
	)
	wg.Add(1)
	go func() { defer wg.Done(); wantN, wantSum = sum(src, srcTable, 0) }() // both sides at once
	gotN, gotSum = sum(dst, dst.Table, 1)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if gotN != wantN || gotSum != wantSum {
		t.Fatalf("target %s: %d rows, checksum %s; source %s: %d rows, checksum %s", dst.Table, gotN, gotSum, srcTable, wantN, wantSum)
	}
	t.Logf("target = source: %d rows, checksum %s… (compared in %s: %s source, %s target %s)", gotN, gotSum[:16],
		time.Since(start).Round(time.Millisecond), took[0].Round(time.Millisecond), took[1].Round(time.Millisecond), dst.Driver)
}

// pgSource makes the benchmark's source table of n rows in a fresh
// PostgreSQL schema.
func pgSource(t *testing.T, n int) (dsn string, db *sql.DB) {
	t.Helper()
	dsn = storetest.PostgresSchema(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	start := time.Now()
	if err := makeSource(context.Background(), db, n); err != nil {
		t.Fatal(err)
	}
	t.Logf("source: %d rows in PostgreSQL, made in %s", n, time.Since(start).Round(time.Millisecond))
	return dsn, db
}

// liveRows copies the live rows (deleted = false) of the PostgreSQL source,
// as they are now, into a table with the source's key, and returns its name:
// what the target of a channel with a soft-delete column holds. (A view
// would do, but the checksum reads a table without a key with LIMIT and
// OFFSET, which takes long over a million rows.)
func liveRows(t *testing.T, pg *sql.DB) string {
	t.Helper()
	live := benchSource + "_live"
	for _, q := range []string{
		`DROP TABLE IF EXISTS ` + live,
		`CREATE TABLE ` + live + ` AS SELECT * FROM ` + benchSource + ` WHERE NOT deleted`,
		`ALTER TABLE ` + live + ` ADD PRIMARY KEY (id)`,
	} {
		if _, err := pg.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return live
}

// mutator changes the source while it runs: inserts of new keys, updates
// and deletes (soft: deleted = true, or physical), each a transaction of its
// own, with a new update time.
type mutator struct {
	stop  context.CancelFunc
	done  chan struct{}
	count atomic.Int64
	err   error
}

// newKey is the last key a mutator inserted: beyond the generated ones.
var newKey atomic.Int64

func init() { newKey.Store(100_000_000) }

func mutate(t *testing.T, db *sql.DB, ph func(int) string, rows int, physical bool, perSecond int) *mutator {
	ctx, cancel := context.WithCancel(context.Background())
	m := &mutator{stop: cancel, done: make(chan struct{})}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	go func() {
		defer close(m.done)
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			id := 1 + r.Int64N(int64(rows))
			var err error
			switch op := r.IntN(10); {
			case op < 4:
				next := newKey.Add(1)
				_, err = db.Exec(`INSERT INTO `+benchSource+` (id, id_number, name, phone, address, amount, updated_at, deleted) VALUES (`+
					ph(1)+`, '43020219900101123X', '新增𪚥', '13800000000', '湖南省株洲市天元区', 1.23, `+ph(2)+`, false)`, next, now)
			case op < 8:
				_, err = db.Exec(`UPDATE `+benchSource+` SET amount = amount + 1, name = '改名𠀀', updated_at = `+ph(1)+` WHERE id = `+ph(2), now, id)
			case physical:
				_, err = db.Exec(`DELETE FROM `+benchSource+` WHERE id = `+ph(1), id)
			default:
				_, err = db.Exec(`UPDATE `+benchSource+` SET deleted = true, updated_at = `+ph(1)+` WHERE id = `+ph(2), now, id)
			}
			if err != nil {
				m.err = err
				return
			}
			m.count.Add(1)
		}
	}()
	return m
}

// end stops the changes and returns when the last one has committed.
func (m *mutator) end(t *testing.T) time.Time {
	t.Helper()
	m.stop()
	<-m.done
	if m.err != nil {
		t.Fatalf("change at the source: %v", m.err)
	}
	return time.Now()
}

// followChannel copies the PostgreSQL source to a target, full then
// incremental, in batches of 1,000.
func followChannel(pgDSN, driver, dsn string) exchange.Channel {
	return exchange.Channel{
		ID:        benchChannel,
		Source:    exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN, Table: benchSource},
		Target:    exchange.Endpoint{Driver: driver, DSN: dsn, Table: benchXTarget},
		Mode:      exchange.FullThenIncremental,
		BatchSize: 1000,
		Watermark: "updated_at", SoftDelete: "deleted",
	}
}

func pgPH(i int) string { return "$" + strconv.Itoa(i) }
func myPH(int) string   { return "?" }

// TestExchangeSurvivesKills kills each of the three processes with SIGKILL
// once, one after the other, in the middle of one full sync of 1,000,000
// rows from PostgreSQL to MariaDB, restarts it, and checks the target.
func TestExchangeSurvivesKills(t *testing.T) {
	faultTest(t)
	n := envInt(t, "GOVSHARE_FAULTS_ROWS", 1_000_000)
	pgDSN, pg := pgSource(t, n)
	myDSN, _ := storetest.MySQLDatabase(t)
	ch := followChannel(pgDSN, connector.MySQL, myDSN)
	batches := int64(n / ch.BatchSize)
	r := newRig(t, ch, time.Second)
	start := time.Now()
	r.startAll()

	// The provider, while it extracts.
	r.waitFor("the provider to publish 15% of the batches", 5*time.Minute, func() bool { return r.pubSeq() >= batches*15/100 })
	if pub, _ := r.kill9("provider"); pub >= batches {
		t.Errorf("the provider was killed after it had published all %d batches (%d)", batches, pub)
	}
	r.start("provider")
	// The hub, while the provider extracts and the consumer applies.
	r.waitFor("the provider to publish 45% of the batches", 5*time.Minute, func() bool { return r.pubSeq() >= batches*45/100 })
	if _, cp := r.kill9("hub"); cp >= batches {
		t.Errorf("the hub was killed after the target had all %d batches (%d)", batches, cp)
	}
	r.start("hub")
	// The consumer, while it applies.
	r.waitFor("the target to commit 65% of the batches", 5*time.Minute, func() bool { return r.checkpoint() >= batches*65/100 })
	if _, cp := r.kill9("consumer"); cp >= batches {
		t.Errorf("the consumer was killed after the target had all %d batches (%d)", batches, cp)
	}
	r.start("consumer")

	r.settle(start, 5*time.Minute)
	t.Logf("full sync of %d rows with three kills in %s", n, time.Since(start).Round(time.Millisecond))
	r.waitFor("the hub to route the channel again", time.Minute, func() bool { _, _, ok, _ := r.procs["hub"].snapshot(); return ok })
	t.Logf("the hub's stream of the channel holds %d messages for the %d batches published", hubStreamSeq(t, r.procs["hub"].url), r.pubSeq())
	sameTables(t, exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN}, liveRows(t, pg), ch.Target)
}

// TestExchangeSurvivesOutages keeps the hub down while the provider extracts
// and rows change at the source, then the consumer node down while the hub
// keeps delivering, from PostgreSQL to SQLite.
func TestExchangeSurvivesOutages(t *testing.T) {
	faultTest(t)
	const n = 100_000
	down := envDuration(t, "GOVSHARE_FAULTS_DOWN", 20*time.Second)
	pgDSN, pg := pgSource(t, n)
	lite := filepath.Join(t.TempDir(), "target.db")
	ch := followChannel(pgDSN, connector.SQLite, lite)
	r := newRig(t, ch, 200*time.Millisecond)
	r.startAll()
	r.waitFor("the first batch at the target", time.Minute, func() bool { return r.checkpoint() >= 1 })

	// The hub goes away early in the full pass; the provider extracts the
	// rest, and what changes at the source meanwhile, into its own store.
	r.kill9("hub")
	killed := time.Now()
	pub0 := r.pubSeq()
	m := mutate(t, pg, pgPH, n, false, 50)
	// The batches that had passed the hub before it went are applied; then
	// the target stays where it is.
	at := r.checkpoint()
	for stable := time.Now(); time.Since(stable) < 2*time.Second && time.Since(killed) < down; time.Sleep(100 * time.Millisecond) {
		if c := r.checkpoint(); c != at {
			at, stable = c, time.Now()
		}
	}
	time.Sleep(down - time.Since(killed))
	last := m.end(t)
	pub, cp := r.pubSeq(), r.checkpoint()
	t.Logf("hub down %s: the provider published batches %d to %d, %d changes at the source; target checkpoint %d then %d",
		down, pub0, pub, m.count.Load(), at, cp)
	if pub <= pub0 {
		t.Errorf("the provider published nothing while the hub was down (batch %d)", pub)
	}
	if cp != at || cp >= pub {
		t.Errorf("the target reached batch %d (then %d) while the hub was down, of %d published: expected nothing to arrive", at, cp, pub)
	}
	hubUp := time.Now()
	hub := r.start("hub")
	r.settle(last, 3*time.Minute)
	t.Logf("after the hub returned, all arrived in %s", time.Since(hubUp).Round(time.Millisecond))
	sameTables(t, exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN}, liveRows(t, pg), ch.Target)

	// The consumer node goes away; the hub keeps taking the provider's batches.
	r.waitFor("the hub to route the channel", time.Minute, func() bool { _, _, ok, _ := hub.snapshot(); return ok })
	hubSeq := hubStreamSeq(t, hub.url)
	r.kill9("consumer")
	cp = r.checkpoint()
	m = mutate(t, pg, pgPH, n, false, 50)
	time.Sleep(down)
	last = m.end(t)
	r.waitFor("a provider pass after the changes", time.Minute, func() bool { _, ok := r.procs["provider"].passSince(last); return ok })
	time.Sleep(time.Second) // for the hub to take the last batches
	hubSeq2 := hubStreamSeq(t, hub.url)
	t.Logf("consumer down %s: %d changes at the source; the hub's stream went from %d to %d messages; target checkpoint %d",
		down, m.count.Load(), hubSeq, hubSeq2, r.checkpoint())
	if hubSeq2 <= hubSeq {
		t.Errorf("the hub stored nothing while the consumer node was down (%d messages)", hubSeq2)
	}
	if got := r.checkpoint(); got != cp {
		t.Errorf("the target moved from batch %d to %d with its node down", cp, got)
	}
	consUp := time.Now()
	r.start("consumer")
	r.settle(last, 3*time.Minute)
	t.Logf("after the consumer node returned, all arrived in %s", time.Since(consUp).Round(time.Millisecond))
	sameTables(t, exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN}, liveRows(t, pg), ch.Target)
}

// hubStreamSeq is the last sequence of the channel's stream at the hub.
func hubStreamSeq(t *testing.T, url string) uint64 {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "GOVSHARE_EXCHANGE_HUB_"+benchChannel)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// TestExchangeConcurrentChanges inserts, updates and soft-deletes rows at
// the source while a full-then-incremental sync of 100,000 rows runs from
// PostgreSQL to MariaDB.
func TestExchangeConcurrentChanges(t *testing.T) {
	faultTest(t)
	const n = 100_000
	pgDSN, pg := pgSource(t, n)
	myDSN, _ := storetest.MySQLDatabase(t)
	ch := followChannel(pgDSN, connector.MySQL, myDSN)
	r := newRig(t, ch, 200*time.Millisecond)
	start := time.Now()
	r.startAll()
	m := mutate(t, pg, pgPH, n, false, 100)
	r.waitFor("the full pass", 3*time.Minute, func() bool { _, p, _, _ := r.procs["provider"].snapshot(); return p >= 1 })
	time.Sleep(2 * time.Second) // and some incremental passes
	last := m.end(t)
	t.Logf("%d changes at the source (4 inserts, 4 updates, 2 soft deletes in 10) during the sync", m.count.Load())
	r.settle(last, 3*time.Minute)
	t.Logf("sync with changes in %s", time.Since(start).Round(time.Millisecond))
	sameTables(t, exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN}, liveRows(t, pg), ch.Target)
}

// TestExchangeConcurrentDeletes inserts, updates and physically deletes rows
// at the source while a Full channel copies 100,000 rows from MariaDB to
// PostgreSQL; the pass after the last change removes from the target what
// is gone from the source (the range sweep).
func TestExchangeConcurrentDeletes(t *testing.T) {
	faultTest(t)
	const n = 100_000
	myDSN, myFix := storetest.MySQLDatabase(t)
	my, err := sql.Open("mysql", myFix)
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	start := time.Now()
	for _, q := range []string{
		`CREATE TABLE ` + benchSource + ` (
			id bigint NOT NULL PRIMARY KEY,
			id_number char(18) NOT NULL,
			name varchar(32) NOT NULL,
			phone char(11),
			address varchar(128),
			amount decimal(14,2),
			updated_at datetime(6) NOT NULL,
			deleted boolean NOT NULL DEFAULT false) CHARACTER SET utf8mb4`,
		`INSERT INTO ` + benchSource + `
		SELECT i, CONCAT('430202', 19500101 + i % 500, LPAD(i % 1000, 3, '0'), 'X'),
			CONCAT(ELT(1 + i % 5, '王', '李', '张', '刘', '陈'), ELT(1 + i % 4, '伟', '𪚥', '䶮', '秀英')),
			CONCAT('139', LPAD(i, 8, '0')), CONCAT('湖南省株洲市荷塘区', i % 997, '号'),
			(i * 7919 % 10000000) / 100, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL i SECOND, i % 1000 = 999
		FROM (SELECT a.d + 10*b.d + 100*c.d + 1000*e.d + 10000*f.d + 1 AS i
			FROM (SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a,
			(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b,
			(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c,
			(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e,
			(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) f) s`,
	} {
		if _, err := my.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("source: %d rows in MariaDB, made in %s", n, time.Since(start).Round(time.Millisecond))
	pgDSN := storetest.PostgresSchema(t)
	ch := exchange.Channel{
		ID:        benchChannel,
		Source:    exchange.Endpoint{Driver: connector.MySQL, DSN: myDSN, Table: benchSource},
		Target:    exchange.Endpoint{Driver: connector.Postgres, DSN: pgDSN, Table: benchXTarget},
		Mode:      exchange.Full,
		BatchSize: 1000,
	}
	r := newRig(t, ch, time.Second)
	start = time.Now()
	r.startAll()
	m := mutate(t, my, myPH, n, true, 200)
	r.waitFor("the first full pass", 3*time.Minute, func() bool { _, p, _, _ := r.procs["provider"].snapshot(); return p >= 1 })
	last := m.end(t)
	t.Logf("%d changes at the source (4 inserts, 4 updates, 2 physical deletes in 10) during the first pass", m.count.Load())
	r.settle(last, 3*time.Minute)
	t.Logf("sync with changes and a final pass in %s", time.Since(start).Round(time.Millisecond))
	sameTables(t, exchange.Endpoint{Driver: connector.MySQL, DSN: myDSN}, benchSource, ch.Target)
}
