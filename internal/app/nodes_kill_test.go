package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
)

// proc is a real govshare process the kill test starts, kills and restarts.
type proc struct {
	t    *testing.T
	name string
	args []string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

func runProc(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, args: args, out: &syncBuffer{}}
	p.start()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *proc) start() {
	p.t.Helper()
	bin, err := buildBinary()
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	p.done = done
	go func(c *exec.Cmd) { c.Wait(); close(done) }(p.cmd)
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func killStamp(i int) string {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
}

// TestKillNodesAndPlatformDuringSync runs a channel of 200,000 rows from a
// table on one front-end node to another, with the real binaries, and kills
// (SIGKILL) the provider node, the platform and the consumer node in turn
// while rows travel and the source changes: in the end the target holds
// exactly the source.
func TestKillNodesAndPlatformDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills real processes")
	}
	began := time.Now()

	// The platform, on fixed ports so that a restart keeps them.
	dataDir := t.TempDir()
	listen, leaf := freePort(t), freePort(t)
	base := "http://" + listen
	serveArgs := []string{"serve", "--listen", listen, "--leaf-listen", leaf, "--data-dir", dataDir,
		"--demo", "--demo-nodes=false", "--log-level", "warn"}
	platform := runProc(t, "platform", serveArgs...)
	waitReady(t, base)
	admin := login(t, base, "admin", demo.Password)

	// Two departments of the demo city, each with a node: 公安局 provides,
	// the data authority (市审批局) aggregates.
	deptA, deptB := demoDepartment(t, admin, "株洲市公安局"), demoDepartment(t, admin, "株洲市行政审批服务局")
	enrol := func(d float64, name string) (int64, string) {
		status, body := admin.do("POST", "/api/v1/nodes/enrollments", map[string]any{"name": name, "department_id": d})
		if status != 201 {
			t.Fatalf("create enrolment %s: %d %v", name, status, body)
		}
		return int64(body["node_id"].(float64)), body["token"].(string)
	}
	idA, tokenA := enrol(deptA, "公安局前置机")
	idB, tokenB := enrol(deptB, "审批局前置机")

	// Node A's table of 200,000 people; node B's database has no such table.
	const n = 200000
	dirA, dirB := t.TempDir(), t.TempDir()
	pathA, pathB := filepath.Join(dirA, "src.db"), filepath.Join(dirB, "dst.db")
	open := func(path string) *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(pathA), open(pathB)
	if _, err := dbA.Exec("CREATE TABLE people (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := dbB.Exec("CREATE TABLE 说明 (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	family := []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "欧阳", "司马"}
	given := []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "𠀀"}
	nameOf := func(i int) string {
		return family[i%len(family)] + given[(i/len(family))%len(given)] + strconv.Itoa(i%97)
	}
	tx, err := dbA.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare("INSERT INTO people (id, name, updated_at) VALUES (?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := st.Exec(i, nameOf(i), killStamp(i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	// Changes at node A while the channel runs: new rows and updated rows,
	// each with an update time later than any before.
	stamp, next := n, n
	change := func(inserts, updates int) {
		t.Helper()
		tx, err := dbA.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < inserts; i++ {
			next++
			stamp++
			if _, err := tx.Exec("INSERT INTO people (id, name, updated_at) VALUES (?, ?, ?)", next, nameOf(next)+"新", killStamp(stamp)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < updates; i++ {
			stamp++
			id := 1 + (stamp*7919)%next
			if _, err := tx.Exec("UPDATE people SET name = ?, updated_at = ? WHERE id = ?", nameOf(id)+"改"+strconv.Itoa(stamp), killStamp(stamp), id); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}

	write := func(dir, file, ds string) string {
		cfg := filepath.Join(dir, "node.yaml")
		if err := os.WriteFile(cfg, []byte(fmt.Sprintf("datasources:\n  - {name: %s, driver: sqlite, path: %s}\n", ds, file)), 0o644); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfgA, cfgB := write(dirA, "src.db", "src"), write(dirB, "dst.db", "dst")
	nodeDirA, nodeDirB := t.TempDir(), t.TempDir()
	nodeArgs := func(dir, cfg string) []string {
		return []string{"node", "--data-dir", dir, "--config", cfg, "--heartbeat", "500ms", "--log-level", "warn", "--log-format", "text"}
	}
	nodeA := runProc(t, "node A", append(nodeArgs(nodeDirA, cfgA), "--platform", base, "--token", tokenA)...)
	nodeB := runProc(t, "node B", append(nodeArgs(nodeDirB, cfgB), "--platform", base, "--token", tokenB)...)
	procs := []*proc{platform, nodeA, nodeB}
	logs := func() string {
		s := ""
		for _, p := range procs {
			s += fmt.Sprintf("\n--- %s ---\n%s", p.name, tail(p.out.String(), 3000))
		}
		return s
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(logs())
		}
	})
	wait := func(within time.Duration, what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !ok() {
			for _, p := range procs {
				if p.cmd != nil && p.exited() {
					t.Fatalf("%s exited while waiting until %s", p.name, what)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %s", what, within)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	nodeReady := func(id int64, table string) func() bool {
		return func() bool {
			status, body := admin.do("GET", fmt.Sprintf("/api/v1/nodes/%d", id), nil)
			if status != 200 || body["state"] != "active" || body["online"] != true {
				return false
			}
			ds, _ := body["datasources"].([]any)
			if len(ds) != 1 {
				return false
			}
			d := ds[0].(map[string]any)
			return d["healthy"] == true && fmt.Sprint(d["tables"]) != "" && containsStr(d["tables"], table)
		}
	}
	wait(30*time.Second, "node A reports people", nodeReady(idA, "people"))
	wait(30*time.Second, "node B reports its datasource", nodeReady(idB, "说明"))
	if status, body := admin.do("GET", "/api/v1/nodes", nil); status != 200 || len(body["items"].([]any)) != 2 {
		t.Fatalf("nodes: %d %v", status, body)
	}
	t.Logf("platform and two enrolled nodes ready after %s", time.Since(began).Round(time.Millisecond))

	// The channel's basis: a published entry of 公安局 whose table is on its
	// node, and the authority's aggregation mandate, confirmed by 公安局.
	code := publishTable(t, base, "gaj", "人员信息（前置机）", 0, "", [][3]string{{"id", "integer", "key"}, {"name", "string", ""},
		{"updated_at", "datetime", "timestamp"}})
	status, m := login(t, base, "xzsp.approver", demo.Password).do("POST", "/api/v1/aggregation/mandates", map[string]any{"name": "人员 A→B",
		"entry_code": code, "items": []string{"id", "name", "updated_at"},
		"source": map[string]string{"node_id": strconv.FormatInt(idA, 10), "datasource": "src", "table": "people"},
		"target": map[string]string{"node_id": strconv.FormatInt(idB, 10), "datasource": "dst", "table": "people"},
		"mode":   "full_then_incremental", "schedule": "continuous", "batch_size": 50, "basis": "《政务数据归集规定》（测试）"})
	if status != 201 {
		t.Fatalf("create mandate: %d %v", status, m)
	}
	status, m = login(t, base, "gaj.approver", demo.Password).do("POST", fmt.Sprintf("/api/v1/aggregation/mandates/%v/confirm", m["id"]), nil)
	if status != 200 {
		t.Fatalf("confirm mandate: %d %v", status, m)
	}
	chID := m["channel_id"].(string)
	synced := time.Now()

	// rowsAtB counts the target's rows; 0 while it does not exist.
	rowsAtB := func() int {
		var c int
		if err := dbB.QueryRow("SELECT count(*) FROM people").Scan(&c); err != nil {
			return 0
		}
		return c
	}
	progress := func(atLeast int, within time.Duration) int {
		t.Helper()
		deadline := time.Now().Add(within)
		c := rowsAtB()
		for c < atLeast && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			c = rowsAtB()
		}
		return c
	}

	// 1. The provider node.
	if c := progress(10000, 60*time.Second); c == 0 {
		t.Fatalf("no row arrived at node B within a minute%s", logs())
	}
	nodeA.kill()
	t.Logf("killed node A with %d rows at B (%s)", rowsAtB(), time.Since(synced).Round(time.Millisecond))
	change(100, 100)
	time.Sleep(time.Second)
	nodeA.start()

	// 2. The platform.
	before := rowsAtB()
	c := progress(before+10000, 30*time.Second)
	platform.kill()
	t.Logf("killed the platform with %d rows at B (%s)", c, time.Since(synced).Round(time.Millisecond))
	change(100, 100)
	platform.start()
	waitReady(t, base)
	admin = login(t, base, "admin", demo.Password)
	before = rowsAtB()
	t.Logf("the platform is back with %d rows at B (%s)", before, time.Since(synced).Round(time.Millisecond))

	// 3. The consumer node, while rows still arrive if they do.
	c = progress(before+2000, 10*time.Second)
	nodeB.kill()
	t.Logf("killed node B with %d rows at B (%s)", c, time.Since(synced).Round(time.Millisecond))
	change(100, 100)
	time.Sleep(time.Second)
	nodeB.start()
	change(50, 50)

	// The target converges on the source.
	wantN, wantSum := killChecksum(t, pathA)
	var gotN int64
	var gotSum string
	last := time.Now()
	wait(3*time.Minute, "node B's table equals node A's", func() bool {
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			_, c := admin.do("GET", "/api/v1/channels/"+chID, nil)
			t.Logf("channel: %v %v stats %v; B has %d of %d rows", c["state"], c["reason"], c["stats"], rowsAtB(), wantN)
		}
		gotN, gotSum = killChecksum(t, pathB)
		return gotN == wantN && gotSum == wantSum
	})
	if gotN != int64(next) {
		t.Errorf("target has %d rows, want %d", gotN, next)
	}
	_, c2 := admin.do("GET", "/api/v1/channels/"+chID, nil)
	if c2["state"] != "active" {
		t.Errorf("channel %v (%v), want active", c2["state"], c2["reason"])
	}
	t.Logf("%d rows, checksum %s, equal at B %s after the channel was created; %s in all",
		gotN, gotSum, time.Since(synced).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

func killChecksum(t *testing.T, path string) (int64, string) {
	t.Helper()
	s, err := connector.Open(context.Background(), connector.SQLite, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, sum, err := s.Checksum(context.Background(), "people", nil)
	if err != nil {
		if errors.Is(err, connector.ErrNoTable) {
			return 0, ""
		}
		t.Logf("checksum %s: %v", path, err)
		return -1, ""
	}
	return n, sum
}

func containsStr(list any, s string) bool {
	items, _ := list.([]any)
	for _, it := range items {
		if it == s {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
