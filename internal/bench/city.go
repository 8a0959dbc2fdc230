package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/exchange/leafnet"
)

// CityOptions configure the city benchmark.
type CityOptions struct {
	Nodes     int           // node processes (departments and districts)
	Channels  int           // channels between them
	FullEvery int           // every FullEvery-th channel starts with a full pass of FullRows rows
	FullRows  int           // rows in the source of each full-then-incremental channel
	Rate      int           // single-row changes per second across all channels
	Duration  time.Duration // of the changes
	Poll      time.Duration // between a provider's incremental passes
	Self      string        // the govshare executable, to start the processes
	Target                  // Database: the PostgreSQL sources; Dir: NATS stores and the SQLite targets
}

// citySide is one end of a channel that a city node runs, or (role route)
// a channel the hub routes.
type citySide struct {
	Role    string        `json:"role"` // provider, consumer or route
	Link    exchange.Link `json:"link"`
	Channel specChannel   `json:"channel"`
}

type cityChannel struct {
	ch                 exchange.Channel
	link               exchange.Link
	provider, consumer int
	full               bool
}

// cityChange is a change made at a source and not yet seen at its target.
type cityChange struct {
	ver    int64
	commit time.Time
}

type cityChannelResult struct {
	lat        []time.Duration
	changes    int
	lost       int // changes not seen at the target when the benchmark ended
	deliveries int64
	same       bool
}

// City runs a city's exchange on one machine: a hub process and o.Nodes
// node processes (each its own NATS server, a leaf of the hub, with its own
// JetStream domain), o.Channels channels between them in a ring, every
// o.FullEvery-th starting with a full pass. While the full passes run, the
// benchmark makes single-row changes at o.Rate per second spread over all
// channels for o.Duration and measures each change's lag from its commit at
// the PostgreSQL source to its commit in the consumer's SQLite target. It
// prints the hub's CPU and peak RSS, each node's peak RSS, lag p50/p99 per
// channel and deliveries, and checks every target against its source.
func City(ctx context.Context, o CityOptions, out io.Writer) error {
	if o.Database == "" {
		return errors.New("bench city needs --database (the PostgreSQL sources)")
	}
	if o.Nodes < 2 || o.Channels < 1 {
		return errors.New("bench city needs at least 2 nodes and 1 channel")
	}
	pg, err := sql.Open("pgx", o.Database)
	if err != nil {
		return err
	}
	defer pg.Close()
	channels := cityChannels(o)
	t0 := time.Now()
	if err := citySources(ctx, pg, o, channels); err != nil {
		return fmt.Errorf("source tables: %w", err)
	}
	full := 0
	for _, c := range channels {
		if c.full {
			full++
		}
	}
	fmt.Fprintf(out, "city: %d node processes, %d channels (%d starting with a full pass of %d rows, %d incremental), %d changes/s for %s; sources made in %s\n",
		o.Nodes, len(channels), full, o.FullRows, len(channels)-full, o.Rate, o.Duration, time.Since(t0).Round(time.Millisecond))

	if err := os.MkdirAll(filepath.Join(o.Dir, "targets"), 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	port, err := leafnet.FreePort()
	if err != nil {
		return err
	}
	hubLeaf := "nats-leaf://127.0.0.1:" + strconv.Itoa(port)
	hub, err := startWorker(ctx, o.Self, "hub", "hub", hubLeaf, filepath.Join(o.Dir, "hub"), os.Stderr)
	if err != nil {
		return err
	}
	workers := []*worker{hub}
	defer func() {
		for _, w := range workers {
			w.stop()
		}
	}()
	if _, err := hub.next(30 * time.Second); err != nil {
		return err
	}
	nodes := make([]*worker, o.Nodes)
	for i := range nodes {
		if nodes[i], err = startWorker(ctx, o.Self, "node", cityDomain(i), hubLeaf, filepath.Join(o.Dir, cityDomain(i)), os.Stderr); err != nil {
			return err
		}
		workers = append(workers, nodes[i])
	}
	for _, w := range nodes {
		if _, err := w.next(30 * time.Second); err != nil {
			return err
		}
	}
	sides := make([][]citySide, o.Nodes)
	var routes []citySide
	for _, c := range channels {
		sc := toSpec(c.ch)
		routes = append(routes, citySide{Role: "route", Link: c.link, Channel: sc})
		sides[c.provider] = append(sides[c.provider], citySide{Role: "provider", Link: c.link, Channel: sc})
		sides[c.consumer] = append(sides[c.consumer], citySide{Role: "consumer", Link: c.link, Channel: sc})
	}
	if err := sendSpec(hub, workerSpec{Sides: routes}); err != nil {
		return err
	}
	if _, err := hub.next(2 * time.Minute); err != nil {
		return err
	}
	hubCPU0 := procCPU(hub.cmd.Process.Pid)
	start := time.Now()
	for i, w := range nodes {
		if err := sendSpec(w, workerSpec{Sides: sides[i], Poll: o.Poll}); err != nil {
			return err
		}
	}
	var mu sync.Mutex
	deliveries := map[string]int64{}
	failed := make(chan error, len(nodes))
	for _, w := range nodes {
		go func() {
			for ev := range w.lines {
				if ev.Error != "" {
					failed <- fmt.Errorf("node process %d: %s", w.cmd.Process.Pid, ev.Error)
				}
				if ev.Channel != "" {
					mu.Lock()
					deliveries[ev.Channel] = max(deliveries[ev.Channel], ev.Deliveries)
					mu.Unlock()
				}
			}
		}()
	}

	results, err := cityChanges(ctx, o, pg, channels, failed)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	hubCPU := procCPU(hub.cmd.Process.Pid) - hubCPU0
	hubHWM := procHWM(hub.cmd.Process.Pid)
	nodeHWM := make([]int64, len(nodes))
	for i, w := range nodes {
		nodeHWM[i] = procHWM(w.cmd.Process.Pid)
	}
	time.Sleep(2 * time.Second) // the nodes' last delivery reports
	mu.Lock()
	for i, c := range channels {
		results[i].deliveries = deliveries[c.ch.ID]
	}
	mu.Unlock()
	if err := cityCompare(ctx, o, channels, results); err != nil {
		return err
	}
	printCity(out, o, channels, results, elapsed, hubCPU, hubHWM, nodeHWM)
	return nil
}

// cityWriters is how many connections make the benchmark's changes.
const cityWriters = 16

func cityDomain(i int) string { return fmt.Sprintf("node%02d", i) }

// cityChannels lays the channels out: channel i runs from node i mod n to
// a node 1 + i/n further round the ring, so every node provides and
// consumes about the same number and no pair repeats while i/n < n-1.
// One channel in o.FullEvery starts with a full pass: the first ones, which
// go round the ring once before any node provides or consumes a second
// (taking every o.FullEvery-th instead put 5 of 11 full passes on one
// consumer node).
func cityChannels(o CityOptions) []cityChannel {
	out := make([]cityChannel, o.Channels)
	fulls := 0
	if o.FullEvery > 0 {
		fulls = (o.Channels + o.FullEvery - 1) / o.FullEvery
	}
	for i := range out {
		p := i % o.Nodes
		c := (p + 1 + (i/o.Nodes)%(o.Nodes-1)) % o.Nodes
		full := i < fulls
		mode := exchange.Incremental
		if full {
			mode = exchange.FullThenIncremental
		}
		id := fmt.Sprintf("city-%02d", i)
		out[i] = cityChannel{
			ch: exchange.Channel{
				ID:        id,
				Source:    exchange.Endpoint{Driver: connector.Postgres, DSN: o.Database, Table: citySource(i)},
				Target:    exchange.Endpoint{Driver: connector.SQLite, DSN: filepath.Join(o.Dir, "targets", id+".db"), Table: "city_target"},
				Mode:      mode,
				Watermark: "updated_at", SoftDelete: "deleted",
			},
			link:     exchange.Link{Provider: cityDomain(p), Hub: "hub", Consumer: cityDomain(c)},
			provider: p, consumer: c, full: full,
		}
	}
	return out
}

func citySource(i int) string { return fmt.Sprintf("city_source_%02d", i) }

// citySources makes one source table per channel: FullRows rows for a
// channel that starts with a full pass, 100 for the others (which follow
// the watermark from the start, so these arrive first too).
func citySources(ctx context.Context, pg *sql.DB, o CityOptions, channels []cityChannel) error {
	for i, c := range channels {
		n := 100
		if c.full {
			n = o.FullRows
		}
		t := citySource(i)
		for _, q := range []string{
			`DROP TABLE IF EXISTS ` + t + ` CASCADE`,
			`CREATE TABLE ` + t + ` (
				id bigint NOT NULL PRIMARY KEY,
				ver bigint NOT NULL,
				name varchar(32) NOT NULL,
				address varchar(128),
				amount numeric(14,2),
				updated_at timestamptz NOT NULL,
				deleted boolean NOT NULL DEFAULT false)`,
			`INSERT INTO ` + t + ` SELECT i, 1,
				(ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴'])[1 + i % 10] || (ARRAY['伟','芳','娜','秀英','𪚥','䶮'])[1 + (i / 10) % 6],
				'湖南省株洲市' || (ARRAY['荷塘区','芦淞区','石峰区','天元区','渌口区'])[1 + i % 5] || (i % 997) || '号',
				((i * 7919) % 10000000) / 100.0,
				timestamptz '2024-01-01 00:00:00+00' + i * interval '1 millisecond',
				false
			FROM generate_series(1::bigint, ` + strconv.Itoa(n) + `) AS i`,
			`CREATE INDEX ` + t + `_wm ON ` + t + ` (updated_at, id)`,
			`ANALYZE ` + t,
			`CREATE VIEW ` + t + `_live AS SELECT * FROM ` + t + ` WHERE NOT deleted`,
		} {
			if _, err := pg.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// cityChanges makes the changes at o.Rate per second, spread at random over
// the channels that follow their source (a channel that starts with a full
// pass joins once its target holds the pass), half new rows and half updates
// of existing ones, and polls each target for them until o.Duration has
// passed and the last ones arrived (or 30 s more).
func cityChanges(ctx context.Context, o CityOptions, pg *sql.DB, channels []cityChannel, failed <-chan error) ([]cityChannelResult, error) {
	type made struct {
		i       int
		id, ver int64
		commit  time.Time
	}
	results := make([]cityChannelResult, len(channels))
	pending := make([]map[int64]cityChange, len(channels))
	locks := make([]sync.Mutex, len(channels)) // pending[i] and results[i].lat
	next := make([]atomic.Int64, len(channels))
	targets := make([]*sql.DB, len(channels))
	following := make([]atomic.Bool, len(channels))
	defer func() {
		for _, db := range targets {
			if db != nil {
				db.Close()
			}
		}
	}()
	for i, c := range channels {
		pending[i] = map[int64]cityChange{}
		following[i].Store(!c.full)
		var top int64
		if err := pg.QueryRowContext(ctx, "SELECT max(id) FROM "+c.ch.Source.Table).Scan(&top); err != nil {
			return nil, err
		}
		next[i].Store(top)
	}
	end := time.Now().Add(o.Duration)
	changes := make(chan made, 4096)
	genErr := make(chan error, cityWriters)
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	// The sources' side: a change per tick, made by one of cityWriters
	// writers, as the departments' systems write at once. A tick no writer
	// is free for is lost: the printed rate is what was made.
	ticks := make(chan int)
	go func() {
		defer close(ticks)
		r := rand.New(rand.NewPCG(11, 55))
		tick := time.NewTicker(time.Second / time.Duration(max(1, o.Rate)))
		defer tick.Stop()
		for time.Now().Before(end) {
			select {
			case <-gctx.Done():
				return
			case <-tick.C:
			}
			i := r.IntN(len(channels))
			if !following[i].Load() {
				continue
			}
			select {
			case ticks <- i:
			default:
			}
		}
	}()
	var writers sync.WaitGroup
	for w := range cityWriters {
		writers.Add(1)
		go func() {
			defer writers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 55))
			for i := range ticks {
				t := channels[i].ch.Source.Table
				stamp := time.Now().UTC().Truncate(time.Microsecond)
				var id, ver int64
				var err error
				if r.IntN(2) == 0 {
					id, ver = next[i].Add(1), 1
					_, err = pg.ExecContext(gctx, `INSERT INTO `+t+` VALUES ($1, 1, '新增𪚥', '湖南省株洲市天元区', 1.23, $2, false)`, id, stamp)
				} else {
					id = 1 + r.Int64N(next[i].Load())
					err = pg.QueryRowContext(gctx, `UPDATE `+t+` SET ver = ver + 1, amount = amount + 1, updated_at = $2 WHERE id = $1 RETURNING ver`, id, stamp).Scan(&ver)
				}
				if errors.Is(err, sql.ErrNoRows) {
					continue // a row another writer is inserting
				}
				if err != nil {
					if gctx.Err() == nil {
						genErr <- err
					}
					return
				}
				changes <- made{i, id, ver, time.Now()}
			}
		}()
	}
	go func() {
		writers.Wait()
		close(changes)
	}()
	target := func(i int) (*sql.DB, error) {
		if targets[i] == nil {
			path := channels[i].ch.Target.DSN
			if _, err := os.Stat(path); err != nil {
				return nil, nil // the consumer has not made it yet
			}
			db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
			if err != nil {
				return nil, err
			}
			targets[i] = db
		}
		return targets[i], nil
	}
	// notYet tells a target not made yet, or one the consumer is writing:
	// look again at the next poll.
	notYet := func(err error) bool {
		return strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "SQLITE_BUSY")
	}
	check := func(i int) error {
		db, err := target(i)
		if db == nil || err != nil {
			return err
		}
		if !following[i].Load() {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM city_target").Scan(&n); err != nil && !notYet(err) {
				return err
			}
			following[i].Store(n >= o.FullRows)
		}
		locks[i].Lock()
		ids := make([]string, 0, len(pending[i]))
		for id := range pending[i] {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		locks[i].Unlock()
		if len(ids) == 0 {
			return nil
		}
		rows, err := db.QueryContext(ctx, "SELECT id, ver FROM city_target WHERE id IN ("+strings.Join(ids, ",")+")")
		if err != nil {
			if notYet(err) {
				return nil
			}
			return err
		}
		defer rows.Close()
		now := time.Now()
		locks[i].Lock()
		defer locks[i].Unlock()
		for rows.Next() {
			var id, ver int64
			if err := rows.Scan(&id, &ver); err != nil {
				return err
			}
			if c, ok := pending[i][id]; ok && ver >= c.ver {
				results[i].lat = append(results[i].lat, now.Sub(c.commit))
				delete(pending[i], id)
			}
		}
		if err := rows.Err(); err != nil && !notYet(err) {
			return err
		}
		return nil
	}
	// One watcher per target, so that a target its consumer is writing (a
	// reader waits for a SQLite writer's commit) delays only its own.
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watchErr := make(chan error, len(channels))
	var watching sync.WaitGroup
	for i := range channels {
		watching.Add(1)
		go func() {
			defer watching.Done()
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-wctx.Done():
					return
				case <-t.C:
				}
				if err := check(i); err != nil && wctx.Err() == nil {
					watchErr <- err
					return
				}
			}
		}()
	}
	finish := func() {
		stopWatch()
		watching.Wait()
	}
	poll := time.NewTicker(200 * time.Millisecond)
	defer poll.Stop()
	drainUntil := end.Add(30 * time.Second)
	for {
		select {
		case <-ctx.Done():
			finish()
			return nil, ctx.Err()
		case err := <-failed:
			finish()
			return nil, err
		case err := <-genErr:
			finish()
			return nil, err
		case err := <-watchErr:
			finish()
			return nil, err
		case c, ok := <-changes:
			if !ok {
				changes = nil // all made
				continue
			}
			locks[c.i].Lock()
			pending[c.i][c.id] = cityChange{ver: c.ver, commit: c.commit}
			locks[c.i].Unlock()
			results[c.i].changes++
		case <-poll.C:
			left := 0
			for i := range channels {
				locks[i].Lock()
				left += len(pending[i])
				locks[i].Unlock()
			}
			if changes == nil && (left == 0 || time.Now().After(drainUntil)) {
				finish()
				for i := range results {
					results[i].lost = len(pending[i])
				}
				return results, nil
			}
		}
	}
}

// cityCompare checks each target against its source's live rows.
func cityCompare(ctx context.Context, o CityOptions, channels []cityChannel, results []cityChannelResult) error {
	s, err := connector.Open(ctx, connector.Postgres, o.Database)
	if err != nil {
		return err
	}
	defer s.Close()
	for i, c := range channels {
		wantN, wantSum, err := s.Checksum(ctx, c.ch.Source.Table+"_live", nil)
		if err != nil {
			return err
		}
		d, err := connector.Open(ctx, connector.SQLite, c.ch.Target.DSN)
		if err != nil {
			return err
		}
		gotN, gotSum, err := d.Checksum(ctx, c.ch.Target.Table, nil)
		d.Close()
		if err != nil {
			return err
		}
		results[i].same = gotN == wantN && gotSum == wantSum
	}
	return nil
}

func printCity(out io.Writer, o CityOptions, channels []cityChannel, results []cityChannelResult, elapsed, hubCPU time.Duration, hubHWM int64, nodeHWM []int64) {
	fmt.Fprintf(out, "\n%-8s %-6s %-16s %8s %11s %9s %9s %6s\n", "channel", "mode", "path", "changes", "deliveries", "lag p50", "lag p99", "same")
	var all []time.Duration
	var total int64
	starved, differ := 0, 0
	for i, c := range channels {
		res := results[i]
		slices.Sort(res.lat)
		all = append(all, res.lat...)
		total += res.deliveries
		mode := "incr"
		if c.full {
			mode = "full+i"
		}
		same := "yes"
		if !res.same {
			same, differ = "NO", differ+1
		}
		p99 := pct(res.lat, 99)
		if res.lost > 0 || p99 >= 3*time.Second {
			starved++
		}
		fmt.Fprintf(out, "%-8s %-6s %-16s %8d %11d %9s %9s %6s\n", c.ch.ID, mode, c.link.Provider+"→"+c.link.Consumer[4:],
			res.changes, res.deliveries, pct(res.lat, 50).Round(time.Millisecond), p99.Round(time.Millisecond), same)
	}
	slices.Sort(all)
	var sum, top int64
	for _, h := range nodeHWM {
		sum += h
		top = max(top, h)
	}
	made := 0
	for _, res := range results {
		made += res.changes
	}
	fmt.Fprintf(out, "\nall channels: %d changes made (%.0f/s; channels starting with a full pass get theirs once it is done), %d seen, lag p50 %s, p99 %s (goal < 3s); %d deliveries (交换条次) in %s\n",
		made, float64(made)/o.Duration.Seconds(), len(all), pct(all, 50).Round(time.Millisecond), pct(all, 99).Round(time.Millisecond), total, elapsed.Round(time.Second))
	fmt.Fprintf(out, "channels starved (a change not seen in the end, or lag p99 ≥ 3s): %d of %d; targets differing from their source: %d\n", starved, len(channels), differ)
	fmt.Fprintf(out, "hub process: CPU %.1f%% of one core, peak RSS %.0f MB (goal < 500 MB)\n",
		100*hubCPU.Seconds()/elapsed.Seconds(), float64(hubHWM)/1024)
	fmt.Fprintf(out, "node processes: peak RSS max %.0f MB, mean %.0f MB\n", float64(top)/1024, float64(sum)/1024/float64(max(1, len(nodeHWM))))
}

// procCPU is a process's user and system CPU time so far, 0 if unknown.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start after ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

func sendSpec(w *worker, spec workerSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	_, err = w.stdin.Write(append(b, '\n'))
	return err
}

// routeAll routes the hub's channels, each with its link, retrying while
// the nodes' leaf connections come up.
func routeAll(ctx context.Context, js jetstream.JetStream, routes []citySide) error {
	deadline := time.Now().Add(time.Minute)
	for _, r := range routes {
		link := r.Link
		e := exchange.New(js, exchange.Options{Link: &link})
		for {
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := e.Route(rctx, r.Channel.channel())
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil || time.Now().After(deadline) {
				return fmt.Errorf("route %s: %w", r.Channel.ID, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
	return nil
}

// runCityNode runs the sides of channels a city node takes part in: an
// extract loop per provided channel, an applier per consumed one, and a
// report of each consumed channel's deliveries every second.
func runCityNode(ctx context.Context, nc *nats.Conn, spec workerSpec, report func(workerEvent)) error {
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(256))
	if err != nil {
		return err
	}
	errc := make(chan error, len(spec.Sides))
	type consumed struct {
		e  *exchange.Engine
		id string
	}
	var mine []consumed
	sources := &exchange.Sources{} // as a node's agent shares them between its channels
	defer sources.Close()
	for _, s := range spec.Sides {
		link := s.Link
		e := exchange.New(js, exchange.Options{Link: &link, Poll: spec.Poll, Sources: sources})
		ch := s.Channel.channel()
		if s.Role == "consumer" {
			mine = append(mine, consumed{e, ch.ID})
			go func() { errc <- e.Apply(ctx, ch) }()
			continue
		}
		go func() {
			for {
				// A pass that fails (a timeout on a loaded machine) is tried
				// again, as a node's agent does; the batches it published stay.
				if err := e.Extract(ctx, ch); err != nil && ctx.Err() == nil {
					fmt.Fprintf(os.Stderr, "node %s: channel %s: %v (trying again)\n", s.Link.Provider, ch.ID, err)
				}
				select {
				case <-ctx.Done():
					errc <- nil
					return
				case <-time.After(spec.Poll):
				}
			}
		}()
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case err := <-errc:
			if err != nil && ctx.Err() == nil {
				return err
			}
			if ctx.Err() != nil {
				return nil
			}
		case <-t.C:
			for _, c := range mine {
				report(workerEvent{Channel: c.id, Deliveries: c.e.Stats(c.id).Deliveries})
			}
		case <-ctx.Done():
			return nil
		}
	}
}
