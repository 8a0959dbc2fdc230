package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/exchange/leafnet"
)

// readSpec reads a worker's spec, the first line of in, and answers a
// context that ends when in closes: the driver stopping the worker. With no
// spec at all it answers io.EOF.
func readSpec(ctx context.Context, in io.Reader) (workerSpec, context.Context, context.CancelFunc, error) {
	var spec workerSpec
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		return spec, nil, nil, io.EOF
	}
	if err := json.Unmarshal(sc.Bytes(), &spec); err != nil {
		return spec, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		for sc.Scan() {
		}
		cancel()
	}()
	return spec, ctx, cancel, nil
}

func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// ExchangeOptions configure the exchange benchmark.
type ExchangeOptions struct {
	Rows     int           // rows in the source table
	Batch    int           // rows per read, per batch and per target transaction, on both paths
	MySQL    string        // the MariaDB/MySQL target's DSN
	Targets  []string      // connector.MySQL and/or connector.Postgres (the source's database)
	Rate     int           // single-row changes per second in the latency test
	Duration time.Duration // of the latency test
	Poll     time.Duration // between the provider's incremental passes
	Self     string        // the govshare executable, to start the nodes as processes
	Target                 // Database: the PostgreSQL source; Dir: the NATS stores
}

const (
	benchSource  = "bench_people"
	benchDirect  = "bench_people_direct"
	benchNative  = "bench_people_bulk"
	benchXTarget = "bench_people_exchange"
	benchChannel = "bench-exchange"
)

var benchLink = exchange.Link{Provider: "dept-provider", Hub: "hub", Consumer: "dept-consumer"}

// benchTarget is a database the benchmark copies into.
type benchTarget struct {
	driver, dsn string
	db          *sql.DB
}

func (t benchTarget) name() string {
	if t.driver == connector.MySQL {
		return "MariaDB"
	}
	return "PostgreSQL"
}

// Exchange measures a full copy of a PostgreSQL table into each target three
// ways, side by side: the databases' own bulk path (COPY TO piped into LOAD
// DATA LOCAL or COPY FROM), a direct copy in one process with the exchange's
// own reader and sink, and through the exchange: a provider node process
// (its own NATS server, a leaf of the hub, with the extractor), the hub in
// this process, and a consumer node process (NATS leaf and applier). It
// prints rows/s and MB/s of each, the nodes' peak RSS, and then the latency
// from commit at the source to commit at the target of single-row changes
// made while the channel runs incrementally.
func Exchange(ctx context.Context, o ExchangeOptions, out io.Writer) error {
	if o.Database == "" {
		return errors.New("bench exchange needs --database (the PostgreSQL source)")
	}
	pg, err := sql.Open("pgx", o.Database)
	if err != nil {
		return err
	}
	defer pg.Close()
	var targets []benchTarget
	for _, t := range o.Targets {
		switch t {
		case connector.MySQL:
			if o.MySQL == "" {
				return errors.New("bench exchange needs --mysql for a MariaDB target")
			}
			my, err := sql.Open("mysql", mysqlDSN(o.MySQL))
			if err != nil {
				return err
			}
			defer my.Close()
			targets = append(targets, benchTarget{connector.MySQL, o.MySQL, my})
		case connector.Postgres:
			targets = append(targets, benchTarget{connector.Postgres, o.Database, pg})
		default:
			return fmt.Errorf("bench exchange: target %q, want mysql or postgres", t)
		}
	}
	t0 := time.Now()
	if err := makeSource(ctx, pg, o.Rows); err != nil {
		return fmt.Errorf("source table: %w", err)
	}
	var size int64
	if err := pg.QueryRowContext(ctx, `SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM `+benchSource+` t`).Scan(&size); err != nil {
		return err
	}
	fmt.Fprintf(out, "source: %d rows in PostgreSQL table %s, %.1f MB (%.0f bytes/row as PostgreSQL stores them), made in %s\n",
		o.Rows, benchSource, float64(size)/1e6, float64(size)/float64(max(1, o.Rows)), time.Since(t0).Round(time.Millisecond))
	for _, tgt := range targets {
		if err := exchangeInto(ctx, o, pg, tgt, size, out); err != nil {
			return fmt.Errorf("%s target: %w", tgt.name(), err)
		}
	}
	return nil
}

// exchangeInto runs the three copies into one target and prints them.
func exchangeInto(ctx context.Context, o ExchangeOptions, pg *sql.DB, tgt benchTarget, size int64, out io.Writer) error {
	for _, d := range []string{"hub", "provider", "consumer"} { // a run starts from empty stores
		if err := os.RemoveAll(filepath.Join(o.Dir, d)); err != nil {
			return err
		}
	}
	for _, t := range []string{benchDirect, benchNative, benchXTarget} {
		if _, err := tgt.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return err
		}
	}
	// (a) The databases' own bulk path.
	t0 := time.Now()
	if err := nativeCopy(ctx, o, tgt); err != nil {
		return fmt.Errorf("bulk copy: %w", err)
	}
	native := time.Since(t0)

	// (b) The direct copy.
	t0 = time.Now()
	if err := directCopy(ctx, o, tgt); err != nil {
		return fmt.Errorf("direct copy: %w", err)
	}
	direct := time.Since(t0)

	// (c) Through the nodes and the hub.
	x, err := runExchange(ctx, o, pg, tgt, out, size)
	if err != nil {
		return err
	}
	rate := func(d time.Duration) float64 { return float64(o.Rows) / d.Seconds() }
	mb := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	fmt.Fprintf(out, "\nfull copy of %d rows, batch %s, PostgreSQL → %s (the exchange's writes: connector.Sink.ApplyFull, the target's bulk path into a staging table and one merge per batch, with the checkpoint in the same transaction)\n", o.Rows, batchText(o.Batch), tgt.name())
	fmt.Fprintf(out, "  %-52s %10s %12s %9s %9s\n", "", "time", "rows/s", "MB/s", "of bulk")
	line := func(what string, d time.Duration) {
		fmt.Fprintf(out, "  %-52s %10s %12.0f %9.1f %8.0f%%\n", what, d.Round(time.Millisecond), rate(d), mb(d), 100*native.Seconds()/d.Seconds())
	}
	bulk := "COPY TO → LOAD DATA LOCAL"
	if tgt.driver == connector.Postgres {
		bulk = "COPY TO → COPY FROM"
	}
	line("the databases' own bulk path ("+bulk+")", native)
	line("direct copy (one process, no bus)", direct)
	line("exchange (provider node → hub → consumer node)", x.full)
	fmt.Fprintf(out, "  exchange / bulk path: %.0f%% (goal ≥ 60%%); exchange / direct copy: %.0f%%\n", 100*rate(x.full)/rate(native), 100*rate(x.full)/rate(direct))
	fmt.Fprintf(out, "peak RSS (VmHWM): provider node %.0f MB, consumer node %.0f MB (goal < 150 MB each; nodes run with a 100 MiB Go soft memory limit); hub + benchmark driver process %.0f MB\n",
		float64(x.provHWM)/1024, float64(x.consHWM)/1024, float64(selfHWM())/1024)
	fmt.Fprintf(out, "target = source after the run: %v (%d rows, checksum %s)\n", x.same, x.rows, x.sum)
	if len(x.lat) > 0 {
		slices.Sort(x.lat)
		pct := func(p float64) time.Duration { return x.lat[min(len(x.lat)-1, int(p*float64(len(x.lat))))] }
		fmt.Fprintf(out, "incremental: %d single-row changes (inserts and updates) at %d/s for %s, poll %s: commit at source → commit at target p50 %s, p99 %s, max %s (goal p50 < 1s, p99 < 3s); %d not seen\n",
			len(x.lat), o.Rate, o.Duration, o.Poll, pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond),
			x.lat[len(x.lat)-1].Round(time.Millisecond), x.lost)
	}
	return nil
}

func batchText(n int) string {
	if n <= 0 {
		return fmt.Sprintf("the channel's default (%d rows a read in a full pass, messages of up to 1 MiB)", exchange.FullPassRows)
	}
	return strconv.Itoa(n)
}

// mysqlDSN adds what the benchmark's own queries need to a MariaDB DSN.
func mysqlDSN(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for _, p := range []string{"parseTime=true", "charset=utf8mb4", "time_zone=%27%2B00%3A00%27"} {
		if !strings.Contains(dsn, strings.SplitN(p, "=", 2)[0]+"=") {
			dsn += sep + p
			sep = "&"
		}
	}
	return dsn
}

// makeSource creates the source table: an ID number, a name (sometimes with
// a rare character outside the BMP), an address, an amount, an update time
// (distinct per row, indexed with the key for incremental reads) and a
// soft-delete flag.
func makeSource(ctx context.Context, pg *sql.DB, n int) error {
	for _, q := range []string{
		`DROP TABLE IF EXISTS ` + benchSource + ` CASCADE`, // and the view of its live rows
		`CREATE TABLE ` + benchSource + ` (
			id bigint NOT NULL PRIMARY KEY,
			id_number char(18) NOT NULL,
			name varchar(32) NOT NULL,
			phone char(11),
			address varchar(128),
			amount numeric(14,2),
			updated_at timestamptz NOT NULL,
			deleted boolean NOT NULL DEFAULT false)`,
		`INSERT INTO ` + benchSource + `
		SELECT i,
			'4302' || lpad((i % 100)::text, 2, '0') || to_char(date '1950-01-01' + (i % 25000)::int, 'YYYYMMDD') || lpad((i % 1000)::text, 3, '0') || (ARRAY['0','1','2','3','4','5','6','7','8','9','X'])[1 + i % 11],
			(ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + i % 10] ||
				(ARRAY['伟','芳','娜','秀英','敏','静','丽','强','磊','军','洋','勇','艳','杰','娟','涛','明','超','𪚥','䶮','喆','堃'])[1 + (i / 10) % 22] ||
				CASE WHEN i % 7 = 0 THEN '𠀀' ELSE '' END,
			'13' || lpad(((i * 7907) % 1000000000)::text, 9, '0'),
			'湖南省株洲市' || (ARRAY['荷塘区','芦淞区','石峰区','天元区','渌口区'])[1 + i % 5] ||
				(ARRAY['建设路','人民路','新华路','长江北路','炎帝大道','神农大道'])[1 + (i / 5) % 6] || (i % 997) || '号' || (i % 30) || '栋' || (i % 6 + 1) || '单元' || (i % 33 + 101) || '室',
			((i * 7919) % 10000000) / 100.0,
			timestamptz '2024-01-01 00:00:00+00' + i * interval '1 millisecond',
			i % 1000 = 999
		FROM generate_series(1::bigint, ` + strconv.Itoa(n) + `) AS i`,
		`CREATE INDEX ` + benchSource + `_wm ON ` + benchSource + ` (updated_at, id)`,
		`ANALYZE ` + benchSource,
	} {
		if _, err := pg.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// openSink opens the target table as the exchange's sink would, creating it
// (and the checkpoints table) from the source's schema.
func openSink(ctx context.Context, o ExchangeOptions, tgt benchTarget, table string) (*connector.Source, *connector.Source, *connector.Sink, connector.Table, error) {
	src, err := connector.Open(ctx, connector.Postgres, o.Database)
	if err != nil {
		return nil, nil, nil, connector.Table{}, err
	}
	dst, err := connector.OpenWritable(ctx, tgt.driver, tgt.dsn)
	if err != nil {
		src.Close()
		return nil, nil, nil, connector.Table{}, err
	}
	t, err := src.Table(ctx, benchSource)
	if err == nil {
		var sink *connector.Sink
		if sink, err = dst.OpenSink(ctx, table, t); err == nil {
			return src, dst, sink, t, nil
		}
	}
	src.Close()
	dst.Close()
	return nil, nil, nil, connector.Table{}, err
}

// directCopy reads batches by key and writes each as a full pass writes
// it (a key range, the target's bulk path), in one process.
func directCopy(ctx context.Context, o ExchangeOptions, tgt benchTarget) error {
	src, dst, sink, t, err := openSink(ctx, o, tgt, benchDirect)
	if err != nil {
		return err
	}
	defer src.Close()
	defer dst.Close()
	q := "DELETE FROM " + connector.CheckpointTable + " WHERE channel IN ('direct', '" + benchChannel + "')"
	if _, err := tgt.db.ExecContext(ctx, q); err != nil {
		return err
	}
	batch := o.Batch
	if batch <= 0 {
		batch = exchange.FullPassRows
	}
	var after []any
	for seq := int64(1); ; seq++ {
		rows, pos, err := src.ReadAfter(ctx, benchSource, nil, t.Key(), after, false, batch)
		if err != nil {
			return err
		}
		r := &connector.Range{From: after}
		if len(rows) == batch {
			r.To = pos[len(pos)-1]
		}
		if _, err := sink.ApplyFull(ctx, "direct", seq, rows, nil, r); err != nil {
			return err
		}
		if len(rows) < batch {
			return nil
		}
		after = pos[len(pos)-1]
	}
}

// worker is a node process of the benchmark.
type worker struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan workerEvent
}

// workerEvent is a line a worker prints.
type workerEvent struct {
	Ready    bool   `json:"ready,omitempty"`
	PubSeq   int64  `json:"pub_seq,omitempty"`
	Passes   int    `json:"passes,omitempty"`
	Error    string `json:"error,omitempty"`
	URL      string `json:"url,omitempty"`      // the hub's client URL (role hub)
	Routed   bool   `json:"routed,omitempty"`   // the hub routed the channel (role hub)
	Progress bool   `json:"progress,omitempty"` // a provider's PubSeq during a pass (workerSpec.Progress)
	// A city node's deliveries (交换条次) so far on a channel it consumes.
	Channel    string `json:"channel,omitempty"`
	Deliveries int64  `json:"deliveries,omitempty"`
}

func startWorker(ctx context.Context, self, role, domain, hubLeaf, dir string, stderr io.Writer) (*worker, error) {
	cmd := exec.CommandContext(ctx, self, "bench", "exchange-worker", "--role", role, "--domain", domain, "--hub", hubLeaf, "--dir", dir)
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	w := &worker{cmd: cmd, stdin: stdin, lines: make(chan workerEvent, 1024)}
	go func() {
		defer close(w.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev workerEvent
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				w.lines <- ev
			}
		}
	}()
	return w, nil
}

// next waits for the worker's next event.
func (w *worker) next(within time.Duration) (workerEvent, error) {
	select {
	case ev, ok := <-w.lines:
		if !ok {
			return ev, fmt.Errorf("node process %d ended", w.cmd.Process.Pid)
		}
		if ev.Error != "" {
			return ev, fmt.Errorf("node process %d: %s", w.cmd.Process.Pid, ev.Error)
		}
		return ev, nil
	case <-time.After(within):
		return workerEvent{}, fmt.Errorf("node process %d said nothing within %v", w.cmd.Process.Pid, within)
	}
}

// stop reads the worker's peak RSS and stops it.
func (w *worker) stop() int64 {
	hwm := procHWM(w.cmd.Process.Pid)
	w.stdin.Close()
	w.cmd.Process.Signal(syscall.SIGTERM)
	w.cmd.Wait()
	return hwm
}

// procHWM returns VmHWM of a process in KiB, 0 if unknown.
func procHWM(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

func selfHWM() int64 { return procHWM(os.Getpid()) }

type exchangeResult struct {
	full             time.Duration
	provHWM, consHWM int64
	same             bool
	rows             int64
	sum              string
	lat              []time.Duration
	lost             int
}

func runExchange(ctx context.Context, o ExchangeOptions, pg *sql.DB, tgt benchTarget, out io.Writer, size int64) (*exchangeResult, error) {
	ho, err := leafnet.Hub(filepath.Join(o.Dir, "hub"))
	if err != nil {
		return nil, err
	}
	hub, err := leafnet.Start(ho)
	if err != nil {
		return nil, err
	}
	defer hub.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	prov, err := startWorker(ctx, o.Self, "provider", benchLink.Provider, hub.LeafURL(), filepath.Join(o.Dir, "provider"), os.Stderr)
	if err != nil {
		return nil, err
	}
	cons, err := startWorker(ctx, o.Self, "consumer", benchLink.Consumer, hub.LeafURL(), filepath.Join(o.Dir, "consumer"), os.Stderr)
	if err != nil {
		prov.stop()
		return nil, err
	}
	res := &exchangeResult{}
	defer func() {
		if res.provHWM == 0 {
			prov.stop()
			cons.stop()
		}
	}()
	for _, w := range []*worker{prov, cons} {
		if _, err := w.next(30 * time.Second); err != nil {
			return nil, err
		}
	}
	if err := hub.WaitLeafs(2, 10*time.Second); err != nil {
		return nil, err
	}
	nc, err := hub.Connect()
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ch := exchange.Channel{
		ID:        benchChannel,
		Source:    exchange.Endpoint{Driver: connector.Postgres, DSN: o.Database, Table: benchSource},
		Target:    exchange.Endpoint{Driver: tgt.driver, DSN: tgt.dsn, Table: benchXTarget},
		Mode:      exchange.FullThenIncremental,
		BatchSize: o.Batch,
		Watermark: "updated_at", SoftDelete: "deleted",
	}
	if err := exchange.New(js, exchange.Options{Link: &benchLink}).Route(ctx, ch); err != nil {
		return nil, err
	}
	spec, err := json.Marshal(workerSpec{Channel: ch, Poll: o.Poll})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	for _, w := range []*worker{prov, cons} {
		if _, err := w.stdin.Write(append(spec, '\n')); err != nil {
			return nil, err
		}
	}
	// The first pass is the full one (with one incremental read after it).
	ev, err := prov.next(time.Hour)
	if err != nil {
		return nil, err
	}
	if err := waitCheckpoint(ctx, tgt, ev.PubSeq, time.Hour, cons); err != nil {
		return nil, err
	}
	res.full = time.Since(start)
	fmt.Fprintf(out, "exchange: full sync done in %s (%d batches)\n", res.full.Round(time.Millisecond), ev.PubSeq)
	var published atomic.Int64
	published.Store(ev.PubSeq)
	go func() {
		for ev := range prov.lines { // the provider reports each pass
			published.Store(max(published.Load(), ev.PubSeq))
		}
	}()

	// Incremental changes at a steady rate while the channel follows.
	if o.Duration > 0 && o.Rate > 0 {
		if res.lat, res.lost, err = latency(ctx, o, pg, tgt.db); err != nil {
			return nil, err
		}
	}
	// Let the last changes through, then compare.
	time.Sleep(3 * o.Poll)
	if err := waitCheckpoint(ctx, tgt, published.Load(), time.Minute, cons); err != nil {
		return nil, err
	}
	res.provHWM, res.consHWM = prov.stop(), cons.stop()
	s, err := connector.Open(ctx, connector.Postgres, o.Database)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	// The target holds the source's live rows.
	if _, err := pg.ExecContext(ctx, `CREATE OR REPLACE VIEW `+benchSource+`_live AS SELECT * FROM `+benchSource+` WHERE NOT deleted`); err != nil {
		return nil, err
	}
	wantN, wantSum, err := s.Checksum(ctx, benchSource+"_live", nil)
	if err != nil {
		return nil, err
	}
	d, err := connector.Open(ctx, tgt.driver, tgt.dsn)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	gotN, gotSum, err := d.Checksum(ctx, benchXTarget, nil)
	if err != nil {
		return nil, err
	}
	res.same, res.rows, res.sum = gotN == wantN && gotSum == wantSum, gotN, gotSum[:16]+"…"
	if !res.same {
		fmt.Fprintf(out, "MISMATCH: source %d rows %s, target %d rows %s\n", wantN, wantSum, gotN, gotSum)
	}
	return res, nil
}

// waitCheckpoint waits until the target's checkpoint of the channel reaches seq.
func waitCheckpoint(ctx context.Context, tgt benchTarget, seq int64, within time.Duration, w *worker) error {
	for deadline := time.Now().Add(within); ; {
		var got int64
		err := tgt.db.QueryRowContext(ctx, "SELECT seq FROM "+connector.CheckpointTable+" WHERE channel = '"+benchChannel+"'").Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if got >= seq {
			return nil
		}
		select {
		case ev, ok := <-w.lines:
			if !ok || ev.Error != "" {
				return fmt.Errorf("consumer node stopped: %s", ev.Error)
			}
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("batch %d not applied within %v (checkpoint %d)", seq, within, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// latency makes single-row changes at the source at o.Rate per second for
// o.Duration, each with a new update time, and polls the target for them.
func latency(ctx context.Context, o ExchangeOptions, pg, target *sql.DB) ([]time.Duration, int, error) {
	type change struct {
		id     int64
		stamp  time.Time
		commit time.Time
	}
	pending := map[int64]change{}
	var lat []time.Duration
	r := rand.New(rand.NewPCG(5, 6))
	var next int64 // the newest row: an earlier target's run inserted some
	if err := pg.QueryRowContext(ctx, "SELECT max(id) FROM "+benchSource).Scan(&next); err != nil {
		return nil, 0, err
	}
	tick := time.NewTicker(time.Second / time.Duration(o.Rate))
	defer tick.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	end := time.Now().Add(o.Duration)
	drainUntil := end.Add(10 * time.Second)
	check := func() error {
		if len(pending) == 0 {
			return nil
		}
		ids := make([]string, 0, len(pending))
		for id := range pending {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		rows, err := target.QueryContext(ctx, "SELECT id, updated_at FROM "+benchXTarget+" WHERE id IN ("+strings.Join(ids, ",")+")")
		if err != nil {
			return err
		}
		defer rows.Close()
		now := time.Now()
		for rows.Next() {
			var id int64
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				return err
			}
			if c, ok := pending[id]; ok && at.Equal(c.stamp) {
				lat = append(lat, now.Sub(c.commit))
				delete(pending, id)
			}
		}
		return rows.Err()
	}
	for {
		select {
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		case <-tick.C:
			if time.Now().After(end) {
				continue
			}
			stamp := time.Now().UTC().Truncate(time.Microsecond)
			var id int64
			var err error
			if r.IntN(2) == 0 {
				next++
				id = next
				_, err = pg.ExecContext(ctx, `INSERT INTO `+benchSource+` VALUES ($1, '430202199001011234', '新增𪚥', '13800000000', '湖南省株洲市天元区', 1.23, $2, false)`, id, stamp)
			} else {
				id = 1 + r.Int64N(int64(o.Rows))
				if _, busy := pending[id]; busy || id%1000 == 999 { // soft-deleted rows stay away from the target
					continue
				}
				_, err = pg.ExecContext(ctx, `UPDATE `+benchSource+` SET amount = amount + 1, updated_at = $2 WHERE id = $1`, id, stamp)
			}
			if err != nil {
				return nil, 0, err
			}
			pending[id] = change{id: id, stamp: stamp, commit: time.Now()}
		case <-poll.C:
			if err := check(); err != nil {
				return nil, 0, err
			}
			if time.Now().After(end) && (len(pending) == 0 || time.Now().After(drainUntil)) {
				return lat, len(pending), nil
			}
		}
	}
}

// workerSpec is what a node process reads on its stdin before it starts.
type workerSpec struct {
	Channel exchange.Channel `json:"channel"`
	Poll    time.Duration    `json:"poll"`
	// Progress makes the provider report its PubSeq while a pass runs
	// (events with Progress set), not only when a pass ends.
	Progress bool `json:"progress,omitempty"`
	// Sides, for a city node (role node), are the ends of the channels it
	// runs; for the hub, the channels it routes (see City).
	Sides []citySide `json:"sides,omitempty"`
}

// specChannel is what of an exchange.Channel a worker reads: all but the
// Shaper, a function, which JSON cannot carry (the benchmark's channels
// have none).
type specChannel struct {
	ID                    string
	Source, Target        exchange.Endpoint
	Mode                  string
	BatchSize             int
	Watermark, SoftDelete string
	Rules                 map[string]exchange.Rule
}

func toSpec(c exchange.Channel) specChannel {
	return specChannel{c.ID, c.Source, c.Target, c.Mode, c.BatchSize, c.Watermark, c.SoftDelete, c.Rules}
}

func (c specChannel) channel() exchange.Channel {
	return exchange.Channel{ID: c.ID, Source: c.Source, Target: c.Target, Mode: c.Mode, BatchSize: c.BatchSize,
		Watermark: c.Watermark, SoftDelete: c.SoftDelete, Rules: c.Rules}
}

// MarshalJSON writes the spec with the channel as a specChannel.
func (s workerSpec) MarshalJSON() ([]byte, error) {
	type plain workerSpec
	return json.Marshal(struct {
		plain
		Channel specChannel `json:"channel"`
	}{plain(s), toSpec(s.Channel)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *workerSpec) UnmarshalJSON(b []byte) error {
	type plain workerSpec
	var v struct {
		plain
		Channel specChannel `json:"channel"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = workerSpec(v.plain)
	s.Channel = v.Channel.channel()
	return nil
}

// WorkerOptions configure one node process of the exchange benchmark.
type WorkerOptions struct {
	Role   string // provider, consumer, node (a city node: see City) or hub
	Domain string // its JetStream domain (not for hub, whose domain is "hub")
	Hub    string // the hub's leaf URL; for role hub, where it listens (nats-leaf://127.0.0.1:PORT)
	Dir    string // its NATS store

	MemoryLimit int64 // Go soft memory limit of the process in bytes (debug.SetMemoryLimit); 0 leaves it
}

// ExchangeWorker runs one node of the exchange benchmark: an embedded NATS
// server that joins the hub as a leaf node with its own JetStream domain,
// and the extractor (role provider, an incremental pass every poll) or the
// applier (role consumer). It reports on out as JSON lines, reads the
// channel from in, and stops when ctx ends or in closes.
//
// Role hub runs the platform's side instead (see exchangeHub): the hub's
// NATS server, listening for leaf nodes on the URL in o.Hub, which routes the
// channel it reads with exchange.Engine.Route.
func ExchangeWorker(ctx context.Context, o WorkerOptions, in io.Reader, out io.Writer) error {
	var mu sync.Mutex // the provider's progress reports come from another goroutine
	enc := json.NewEncoder(out)
	report := func(ev workerEvent) { mu.Lock(); enc.Encode(ev); mu.Unlock() }
	if o.Role == "hub" {
		return exchangeHub(ctx, o, in, report)
	}
	lo, err := leafnet.Leaf(o.Domain, o.Dir, o.Hub)
	if err != nil {
		return err
	}
	srv, err := leafnet.Start(lo)
	if err != nil {
		return err
	}
	defer srv.Stop()
	nc, err := srv.Connect()
	if err != nil {
		return err
	}
	defer nc.Close()
	// A node runs with a soft memory limit, as GOMEMLIMIT sets it: the
	// NATS server's block caches are garbage the collector may take.
	if o.MemoryLimit > 0 {
		debug.SetMemoryLimit(o.MemoryLimit)
	}
	report(workerEvent{Ready: true})
	spec, ctx, cancel, err := readSpec(ctx, in)
	if err != nil {
		return ignoreEOF(err)
	}
	defer cancel()
	if o.Role == "node" {
		err = runCityNode(ctx, nc, spec, report)
	} else {
		err = runNode(ctx, o, nc, spec, report)
	}
	if err != nil && ctx.Err() == nil {
		report(workerEvent{Error: err.Error()})
		return err
	}
	return nil
}

func runNode(ctx context.Context, o WorkerOptions, nc *nats.Conn, spec workerSpec, report func(workerEvent)) error {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	if err != nil {
		return err
	}
	e := exchange.New(js, exchange.Options{Link: &benchLink, Poll: spec.Poll})
	ch := spec.Channel
	if o.Role == "consumer" {
		return e.Apply(ctx, ch)
	}
	if spec.Progress {
		go func() {
			t := time.NewTicker(100 * time.Millisecond)
			defer t.Stop()
			var last int64
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if s := e.Stats(ch.ID).PubSeq; s != last {
					last = s
					report(workerEvent{Progress: true, PubSeq: s})
				}
			}
		}()
	}
	for passes := 1; ; passes++ {
		if err := e.Extract(ctx, ch); err != nil {
			return err
		}
		report(workerEvent{PubSeq: e.Stats(ch.ID).PubSeq, Passes: passes})
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(spec.Poll):
		}
	}
}
