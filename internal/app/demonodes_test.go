package app

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// demoNodesOnline waits until the demo's two nodes are online and answers
// their ids (provider first) and the ids of the channels into the approval
// bureau's node (mandate's and grant's), by target table.
func demoNodesOnline(t *testing.T, admin *client, within time.Duration) (ids [2]float64, channels map[string]string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		channels = map[string]string{}
		online := 0
		_, body := admin.do("GET", "/api/v1/nodes", nil)
		items, _ := body["items"].([]any)
		for _, it := range items {
			n := it.(map[string]any)
			for i, d := range demo.DemoNodes {
				if n["name"] == d.Name && n["online"] == true && n["last_heartbeat"] != nil {
					ids[i] = n["id"].(float64)
					online++
				}
			}
		}
		_, body = admin.do("GET", "/api/v1/channels?page_size=100", nil)
		chs, _ := body["items"].([]any)
		for _, it := range chs {
			c := it.(map[string]any)
			tgt, _ := c["target"].(map[string]any)
			if tgt["node_id"] != nil && tgt["node_id"] != "" {
				channels[tgt["table"].(string)] = c["id"].(string)
			}
		}
		if online == 2 && len(channels) == 2 {
			return ids, channels
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo nodes: %d of 2 online, channels into a node %v, after %s", online, channels, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestDemoNodes runs serve --demo with its front-end nodes: the police and
// approval bureaus' nodes enrol and come online, a mandate's and a grant's
// channel carry the police bureau's table node to node (the grant's masked
// and narrowed as granted), and stopping the receiving node holds the new
// rows back until it is started again; the platform then stops cleanly.
func TestDemoNodes(t *testing.T) {
	dir := t.TempDir()
	began := time.Now()
	p := start(t, "--demo", "--demo-nodes", "--data-dir", dir)
	t.Logf("serve --demo with nodes answered /readyz after %s", time.Since(began).Round(time.Millisecond))
	if !strings.Contains(p.Stdout.String(), "Demo front-end nodes (前置机)") || !strings.Contains(p.Stdout.String(), "nodes join at nats-leaf://127.0.0.1:") {
		t.Errorf("serve --demo does not describe its nodes:\n%s", p.Stdout)
	}
	admin := login(t, p.URL, "admin", demo.Password)
	ids, channels := demoNodesOnline(t, admin, 90*time.Second)
	t.Logf("both demo nodes online after %s", time.Since(began).Round(time.Millisecond))
	nodesDir := filepath.Join(dir, "demo-nodes")
	ctx := context.Background()
	rows := func(table string) int {
		n, err := demo.NodeTableRows(ctx, nodesDir, "xzsp", table)
		if err != nil {
			t.Logf("rows of %s: %v", table, err)
		}
		return n
	}
	waitRows := func(table string, atLeast int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for rows(table) < atLeast {
			if time.Now().After(deadline) {
				_, c := admin.do("GET", "/api/v1/channels/"+channels[table], nil)
				t.Fatalf("%s holds %d rows, want at least %d within %s; channel: %v", table, rows(table), atLeast, within, c)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	for _, table := range []string{demo.NodeMandateTable, demo.NodeGrantTable} {
		if channels[table] == "" {
			t.Fatalf("no channel into %s: %v", table, channels)
		}
		waitRows(table, demo.NodeRows, 90*time.Second)
	}
	t.Logf("both channels delivered the %d rows node to node after %s", demo.NodeRows, time.Since(began).Round(time.Millisecond))

	t.Run("the grant's rows arrive narrowed and masked as granted", func(t *testing.T) {
		db, err := sql.Open("sqlite", filepath.Join(nodesDir, "xzsp", "xzsp-frontend.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		r, err := db.Query("SELECT * FROM " + demo.NodeGrantTable + " LIMIT 1")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		r.Close()
		if strings.Join(cols, ",") != "id_number,name,birth_date,updated_at" {
			t.Errorf("the grant's table has columns %v, want the four granted items", cols)
		}
		var unmasked int
		if err := db.QueryRow("SELECT count(*) FROM " + demo.NodeGrantTable + " WHERE name LIKE '%演示%' OR length(id_number) = 18").Scan(&unmasked); err != nil {
			t.Fatal(err)
		}
		if unmasked != 0 {
			t.Errorf("%d rows of the grant's table hold an unmasked name or ID number", unmasked)
		}
	})

	t.Run("only the node's department stops it", func(t *testing.T) {
		path := fmt.Sprintf("/api/v1/demo/nodes/%d/stop", int64(ids[1]))
		if status, body := login(t, p.URL, "gaj.node", demo.Password).do("POST", path, nil); status != 403 {
			t.Errorf("the police bureau's operator stops the approval bureau's node: %d %v", status, body)
		}
		if status, body := login(t, p.URL, "auditor", demo.Password).do("POST", path, nil); status != 403 {
			t.Errorf("the auditor stops a node: %d %v", status, body)
		}
		if status, body := admin.do("POST", "/api/v1/demo/nodes/999/stop", nil); status != 404 {
			t.Errorf("stop an unknown demo node: %d %v", status, body)
		}
	})

	t.Run("a stopped node's backlog builds and drains", func(t *testing.T) {
		op := login(t, p.URL, "xzsp.node", demo.Password)
		if status, body := op.do("POST", fmt.Sprintf("/api/v1/demo/nodes/%d/stop", int64(ids[1])), nil); status != 200 {
			t.Fatalf("stop the approval bureau's node: %d %v", status, body)
		}
		before := rows(demo.NodeMandateTable)
		_, n := admin.do("GET", fmt.Sprintf("/api/v1/nodes/%d", int64(ids[0])), nil)
		bufferAtStop, _ := n["buffer"].(map[string]any)["messages"].(float64)
		// The police bureau's business system adds 40 people.
		src, err := sql.Open("sqlite", "file:"+filepath.Join(nodesDir, "gaj", "gaj-frontend.db")+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		now := time.Now().UTC().Format(time.RFC3339)
		for i := range 40 {
			id := fmt.Sprintf("43020220000101%03d", i) + "X"
			if _, err := src.Exec("INSERT INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, '女', '2000-01-01', '株洲市演示路1号', ?)",
				id, "测试演示"+strconv.Itoa(i), now); err != nil {
				t.Fatal(err)
			}
		}
		var want int
		if err := src.QueryRow("SELECT count(*) FROM population").Scan(&want); err != nil {
			t.Fatal(err)
		}
		// The provider's node extracts them into its store, where they wait
		// while the consumer's node is down.
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, n := admin.do("GET", fmt.Sprintf("/api/v1/nodes/%d", int64(ids[0])), nil)
			buf, _ := n["buffer"].(map[string]any)
			if m, _ := buf["messages"].(float64); m > bufferAtStop {
				t.Logf("the police bureau's node holds %v messages in its store (%v at the stop)", m, bufferAtStop)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the provider's node buffers nothing while the consumer's node is stopped: %v", n)
			}
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(2 * time.Second)
		if got := rows(demo.NodeMandateTable); got > before {
			t.Errorf("rows arrived at a stopped node: %d, were %d", got, before)
		}
		if status, body := op.do("POST", fmt.Sprintf("/api/v1/demo/nodes/%d/start", int64(ids[1])), nil); status != 200 {
			t.Fatalf("start the approval bureau's node: %d %v", status, body)
		}
		waitRows(demo.NodeMandateTable, want, 60*time.Second)
		t.Logf("the backlog drained: %d rows at the approval bureau's node", rows(demo.NodeMandateTable))
	})

	t.Run("the nodes page stops and starts a demo node", func(t *testing.T) {
		ctx := browser(t)
		consoleLogin(t, ctx, p.URL, "xzsp.node")
		row := fmt.Sprintf("#node-%d", int64(ids[1]))
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/nodes"), chromedp.WaitVisible(chromedp.CSS(row+" .node-demo-stop button"))), "open the nodes page")
		if got := textOf(t, ctx, row); !strings.Contains(got, demo.DemoNodes[1].Datasource) || !strings.Contains(got, "在线") {
			t.Errorf("the approval bureau's node reads %q", got)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(row+" .node-demo-stop button")), chromedp.WaitVisible(chromedp.CSS(".flash"))), "stop")
		waitText(t, ctx, ".flash", "已停止")
		must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row+" .node-demo-start button")), chromedp.Click(chromedp.CSS(row+" .node-demo-start button")),
			chromedp.WaitVisible(chromedp.CSS(row+" .node-demo-stop button"))), "start")
		waitText(t, ctx, ".flash", "已启动")
		if status, body := login(t, p.URL, "auditor", demo.Password).do("GET", "/api/v1/audit?action=demo.node.&outcome=success", nil); status != 200 || body["total"].(float64) < 4 {
			t.Errorf("stops and starts in the audit log: %d %v", status, body)
		}
	})

	stopped := time.Now()
	if err := p.stop(); err != nil {
		t.Errorf("serve with demo nodes did not stop cleanly: %v", err)
	}
	t.Logf("stopped in %s", time.Since(stopped).Round(time.Millisecond))
}

// TestDemoNodesEndWithThePlatform runs the real binary with --demo: its
// nodes are no processes of their own (nothing is left behind when the
// platform is killed with SIGKILL), and after the kill a new start on the
// same data directory brings them back with the identities they enrolled.
func TestDemoNodesEndWithThePlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	cmd, base := startProcess(t, "--demo", "--data-dir", dir)
	admin := login(t, base, "admin", demo.Password)
	first, _ := demoNodesOnline(t, admin, 90*time.Second)
	if kids := childProcesses(t, cmd.Process.Pid); len(kids) > 0 {
		t.Errorf("serve --demo runs child processes %v; its nodes should run in its process", kids)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	_, base = startProcess(t, "--demo", "--data-dir", dir)
	again, _ := demoNodesOnline(t, login(t, base, "admin", demo.Password), 90*time.Second)
	if again != first {
		t.Errorf("after a restart the demo nodes are %v, were %v (they should keep their enrolment)", again, first)
	}
}

// childProcesses lists the processes whose parent is pid (Linux /proc).
func childProcesses(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}
