package node_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
)

var _ exchange.Nodes = (*node.Registry)(nil)

// testLogger is the second manager's; GOVSHARE_TEST_DEBUG=1 shows its log.
var testLogger = slog.New(slog.DiscardHandler)

func init() {
	if os.Getenv("GOVSHARE_TEST_DEBUG") != "" {
		testLogger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

func TestSignatureHeaders(t *testing.T) {
	if node.SignatureHeader != exchange.NodeSignatureHeader {
		t.Errorf("node.SignatureHeader %q != exchange.NodeSignatureHeader %q", node.SignatureHeader, exchange.NodeSignatureHeader)
	}
}

// sqliteNode writes node.yaml naming one SQLite datasource, name, in a
// fresh folder, and returns the config and the database's path.
func sqliteNode(t *testing.T, name string, setup string) (cfg, path string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, name+".db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(setup); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "node.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("datasources:\n  - {name: %s, driver: sqlite, path: %s.db}\n", name, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, path
}

func stampOf(i int) string {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05.000000")
}

// insertRows adds rows from (inclusive) to to (exclusive) to 人口 at path.
// It waits for the node's readers (extract passes, heartbeats) to let go.
func insertRows(t *testing.T, path string, from, to int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare("INSERT INTO 人口 (编号, 姓名, 金额, 更新) VALUES (?, ?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		if _, err := st.Exec(i, fmt.Sprintf("姓名%d𠀀", i), fmt.Sprintf("%d.%02d", i, i%100), stampOf(i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func sqliteSum(t *testing.T, path, table string) (int64, string) {
	t.Helper()
	s, err := connector.Open(context.Background(), connector.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, sum, err := s.Checksum(context.Background(), table, nil)
	if err != nil {
		if errors.Is(err, connector.ErrNoTable) {
			return 0, ""
		}
		t.Fatal(err)
	}
	return n, sum
}

// TestChannelBetweenNodes runs a channel from a table on node A to a table
// on node B through the platform: 20,000 rows exactly once, pause, a node
// restart, and node A revoked.
func TestChannelBetweenNodes(t *testing.T) {
	top := t
	p := startPlatform(t, exchange.Migration)
	ctx := p.ctx
	srcCfg, srcPath := sqliteNode(t, "src", `CREATE TABLE 人口 (编号 INTEGER NOT NULL PRIMARY KEY, 姓名 VARCHAR(64), 金额 DECIMAL(12,2), 更新 DATETIME NOT NULL)`)
	dstCfg, dstPath := sqliteNode(t, "dst", `CREATE TABLE 说明 (id INTEGER PRIMARY KEY)`)
	const n = 20000
	insertRows(t, srcPath, 1, n+1)

	start := func(cfg, token, dir string) (*node.Agent, node.Options) {
		o := node.Options{Platform: p.api.URL, Token: token, DataDir: dir, ConfigFile: cfg, Version: "test",
			HeartbeatInterval: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
		a, err := node.Start(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		return a, o
	}
	ea, eb := p.enrollment(p.opA, "公安局前置机"), p.enrollment(p.opB, "财政局前置机")
	a, aOpts := start(srcCfg, ea.Token, t.TempDir())
	defer func() { a.Close() }()
	bDir := t.TempDir()
	b, bOpts := start(dstCfg, eb.Token, bDir)
	defer func() { b.Close() }()
	waitFor(t, 15*time.Second, "both nodes report their datasources", func() bool {
		na, err1 := p.reg.Node(ctx, ea.NodeID)
		nb, err2 := p.reg.Node(ctx, eb.NodeID)
		return err1 == nil && err2 == nil && len(na.Datasources) == 1 && len(nb.Datasources) == 1 && na.Datasources[0].Healthy
	})

	// The sharing policy, as a grant's channel asks it: granted columns and
	// masks, and a row filter the test may add.
	var policy struct {
		sync.Mutex
		filter bool
	}
	shape := func(ctx context.Context, grant, consumer int64) (*exchange.Shape, error) {
		policy.Lock()
		defer policy.Unlock()
		sh := &exchange.Shape{Columns: []string{"编号", "姓名", "更新"}, Mask: map[string]string{"姓名": mask.Name}}
		if policy.filter {
			sh.Filter = []exchange.RowCondition{{Column: "编号", Op: "lte", Values: []string{"100"}}}
		}
		return sh, nil
	}
	// Every channel has a basis: the tests' aggregation mandate 1 delivers the
	// whole table (internal/aggregation answers a confirmed mandate's shape so).
	mandate := func(ctx context.Context, mandate, consumer int64) (*exchange.Shape, error) {
		if mandate != 1 || consumer != p.deptB.ID {
			return nil, fmt.Errorf("no confirmed mandate %d into department %d", mandate, consumer)
		}
		return &exchange.Shape{Columns: []string{"编号", "姓名", "金额", "更新"}}, nil
	}
	engine := exchange.New(p.bus.JS, exchange.Options{})
	m := exchange.NewManager(p.db, p.log, p.org, exchange.NodeResolver(nil, p.reg), engine,
		exchange.ManagerOptions{Tick: 100 * time.Millisecond, StatsEvery: 300 * time.Millisecond, Shape: shape, Mandate: mandate})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()

	in := exchange.ChannelInput{Name: "人口 A→B", ProviderID: p.deptA.ID, ConsumerID: p.deptB.ID,
		Source: exchange.TableRef{NodeID: strconv.FormatInt(ea.NodeID, 10), Datasource: "src", Table: "人口"},
		Target: exchange.TableRef{NodeID: strconv.FormatInt(eb.NodeID, 10), Datasource: "dst", Table: "人口"},
		Mode:   exchange.FullThenIncremental, Watermark: "更新", BatchSize: 1000, MandateID: 1}

	t.Run("refs are checked against the registry", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			mut  func(*exchange.ChannelInput)
			want string
		}{
			{"unknown node", func(c *exchange.ChannelInput) { c.Source.NodeID = "999" }, "not found"},
			{"another department's node", func(c *exchange.ChannelInput) { c.ProviderID = p.deptB.ID }, "not found in this department"},
			{"datasource not reported", func(c *exchange.ChannelInput) { c.Source.Datasource = "hr" }, `has not reported a datasource "hr"`},
			{"table not reported", func(c *exchange.ChannelInput) { c.Source.Table = "无此表" }, "has not reported a table"},
			{"node and platform mixed", func(c *exchange.ChannelInput) { c.Target.NodeID = "" }, "not supported yet"},
		} {
			bad := in
			tt.mut(&bad)
			_, err := m.Create(ctx, org.System, bad)
			if err == nil || !strings.Contains(fmt.Sprint(err, errDetails(err)), tt.want) {
				t.Errorf("%s: Create() = %v %v, want %q", tt.name, err, errDetails(err), tt.want)
			}
		}
	})

	ch, err := m.Create(ctx, org.System, in)
	if err != nil {
		t.Fatalf("Create: %v %v", err, errDetails(err))
	}
	same := func(when string, within time.Duration) {
		t.Helper()
		wantN, wantSum := sqliteSum(t, srcPath, "人口")
		var gotN int64
		var gotSum string
		waitFor(t, within, when+": target holds the source", func() bool {
			gotN, gotSum = sqliteSum(t, dstPath, "人口")
			return gotN == wantN && gotSum == wantSum
		})
	}
	// The incremental phase of a full-then-incremental channel starts at the
	// highest watermark seen when the full pass began, inclusive, so the row
	// holding it travels twice (the second time changing nothing): one
	// delivery more than the rows.
	deliveries := func(want int64, within time.Duration) {
		t.Helper()
		want++
		var c exchange.ChannelInfo
		waitFor(t, within, fmt.Sprintf("channel statistics count %d deliveries", want), func() bool {
			c, _ = m.Channel(ctx, org.System, ch.ID)
			return c.Stats.Deliveries >= want
		})
		// a little longer: nothing more may be counted
		time.Sleep(time.Second)
		c, _ = m.Channel(ctx, org.System, ch.ID)
		if c.Stats.Deliveries != want || c.Stats.Rows != want {
			t.Errorf("statistics: deliveries %d rows %d, want %d (exactly once)", c.Stats.Deliveries, c.Stats.Rows, want)
		}
	}
	began := time.Now()
	same("full sync of 20,000 rows", 90*time.Second)
	t.Logf("20,000 rows from node A to node B in %s", time.Since(began).Round(10*time.Millisecond))
	deliveries(n, 15*time.Second)
	if c, _ := m.Channel(ctx, org.System, ch.ID); c.State != exchange.ChannelActive {
		t.Errorf("channel %s (%s), want active", c.State, c.Reason)
	}

	t.Run("pause stops the nodes' sides, resume runs them again", func(t *testing.T) {
		if _, err := m.Pause(ctx, org.System, ch.ID, "测试暂停"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		insertRows(t, srcPath, n+1, n+101)
		time.Sleep(3 * time.Second)
		if got, _ := sqliteSum(t, dstPath, "人口"); got != n {
			t.Fatalf("paused channel delivered: target has %d rows, want %d", got, n)
		}
		if _, err := m.Resume(ctx, org.System, ch.ID); err != nil {
			t.Fatal(err)
		}
		same("after resume", 30*time.Second)
		deliveries(n+100, 15*time.Second)
	})

	t.Run("a provider node restart resumes", func(t *testing.T) {
		a.Close()
		insertRows(t, srcPath, n+101, n+121)
		aOpts.Token = ""
		if a, err = node.Start(ctx, aOpts); err != nil {
			t.Fatal(err)
		}
		same("after the provider node restarted", 30*time.Second)
		deliveries(n+120, 15*time.Second)
	})

	t.Run("a consumer node restart resumes", func(t *testing.T) {
		b.Close()
		insertRows(t, srcPath, n+121, n+171)
		time.Sleep(2 * time.Second)
		bOpts.Token = ""
		if b, err = node.Start(ctx, bOpts); err != nil {
			t.Fatal(err)
		}
		same("after the consumer node restarted", 30*time.Second)
		deliveries(n+170, 15*time.Second)
	})

	t.Run("a new leader withdraws a channel paused while none ran", func(t *testing.T) {
		m.Shutdown() // the nodes go on with what they were told
		m2 := exchange.NewManager(p.db, p.log, p.org, exchange.NodeResolver(nil, p.reg), engine,
			exchange.ManagerOptions{Tick: 100 * time.Millisecond, StatsEvery: 300 * time.Millisecond, Shape: shape, Mandate: mandate, Logger: testLogger})
		top.Cleanup(m2.Shutdown) // not the subtest's: m2 runs the rest
		if _, err := m2.Pause(ctx, org.System, ch.ID, "无主时暂停"); err != nil {
			t.Fatal(err)
		}
		m = m2
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		insertRows(t, srcPath, n+171, n+181)
		time.Sleep(3 * time.Second)
		if got, _ := sqliteSum(t, dstPath, "人口"); got != n+170 {
			t.Fatalf("paused channel delivered: target has %d rows, want %d", got, n+170)
		}
		if _, err := m.Resume(ctx, org.System, ch.ID); err != nil {
			t.Fatal(err)
		}
		same("after resume under the new leader", 30*time.Second)
		deliveries(n+180, 15*time.Second)
	})

	t.Run("a grant's channel is shaped on the provider node, row filter included", func(t *testing.T) {
		g := in
		g.Name, g.GrantID, g.MandateID, g.Target.Table = "授权 A→B", 7, 0, "人口_授权"
		gc, err := m.Create(ctx, org.System, g)
		if err != nil {
			t.Fatalf("Create: %v %v", err, errDetails(err))
		}
		last := time.Now()
		waitFor(t, 30*time.Second, "the grant's rows delivered", func() bool {
			if time.Since(last) > 5*time.Second {
				last = time.Now()
				c, _ := m.Channel(ctx, org.System, gc.ID)
				t.Logf("grant channel: %s %q %+v", c.State, c.Reason, c.Stats)
			}
			got, _ := sqliteSum(t, dstPath, "人口_授权")
			return got == n+180
		})
		db, err := sql.Open("sqlite", dstPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.Query("SELECT * FROM 人口_授权 WHERE 编号 = 12")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var id int64
		var name, stamp string
		for rows.Next() {
			if err := rows.Scan(&id, &name, &stamp); err != nil {
				t.Fatal(err)
			}
		}
		rows.Close()
		if strings.Join(cols, ",") != "编号,姓名,更新" || name != "姓**" {
			t.Errorf("target columns %v, 姓名 %q; want 编号,姓名,更新 and the name masked (姓**)", cols, name)
		}

		if err := m.Stop(ctx, org.System, gc.ID, "授权撤销"); err != nil {
			t.Fatal(err)
		}

		// A grant with a row filter: the provider node sends only its rows.
		policy.Lock()
		policy.filter = true
		policy.Unlock()
		f := in
		f.Name, f.GrantID, f.MandateID, f.Target.Table = "授权 A→B 过滤", 8, 0, "人口_过滤"
		fc, err := m.Create(ctx, org.System, f)
		if err != nil {
			t.Fatalf("Create: %v %v", err, errDetails(err))
		}
		waitFor(t, 30*time.Second, "the filtered grant's 100 rows delivered", func() bool {
			got, _ := sqliteSum(t, dstPath, "人口_过滤")
			return got == 100
		})
		var outside int
		if err := db.QueryRow("SELECT count(*) FROM 人口_过滤 WHERE 编号 > 100").Scan(&outside); err != nil || outside != 0 {
			t.Errorf("rows outside the filter delivered: %d (%v)", outside, err)
		}
		if err := m.Stop(ctx, org.System, fc.ID, "测试结束"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a failure on a node puts the channel in error with the reason", func(t *testing.T) {
		bad := in
		bad.Name, bad.Watermark, bad.Target.Table = "无此列", "无此列", "人口_错"
		bc, err := m.Create(ctx, org.System, bad) // the platform cannot see the node's columns
		if err != nil {
			t.Fatalf("Create: %v %v", err, errDetails(err))
		}
		waitFor(t, 15*time.Second, "channel in error", func() bool {
			c, _ := m.Channel(ctx, org.System, bc.ID)
			return c.State == exchange.ChannelError && strings.Contains(c.Reason, "extract side on node") && strings.Contains(c.Reason, "无此列")
		})
		if err := m.Stop(ctx, org.System, bc.ID, "测试结束"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("revoking the provider node stops its side", func(t *testing.T) {
		if _, err := p.reg.Revoke(ctx, p.opA, ea.NodeID, "测试吊销"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-a.Done():
		case <-time.After(20 * time.Second):
			t.Fatal("node A still runs 20s after it was revoked")
		}
		waitFor(t, 10*time.Second, "channel in error", func() bool {
			c, _ := m.Channel(ctx, org.System, ch.ID)
			return c.State == exchange.ChannelError && strings.Contains(c.Reason, "not active")
		})
		insertRows(t, srcPath, n+181, n+191)
		time.Sleep(2 * time.Second)
		if got, _ := sqliteSum(t, dstPath, "人口"); got != n+180 {
			t.Errorf("after revoke the target has %d rows, want %d", got, n+180)
		}
	})
}

func errDetails(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return fmt.Sprint(e.Fields)
	}
	return ""
}
