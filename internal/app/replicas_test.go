package app

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/exchange/leafnet"
	"github.com/govshare/govshare/internal/store/storetest"
)

// process is a platform process started by a test.
type process struct {
	name string
	cmd  *exec.Cmd
	base chan string // its console's URL, once it says it
}

// launch starts the real binary without waiting for it to serve.
func launch(t *testing.T, args ...string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "warn"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	r := &process{cmd: cmd, base: make(chan string, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := consoleLine.FindStringSubmatch(sc.Text()); m != nil {
				r.base <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	return r
}

// readiness reads a replica's /readyz.
func readiness(base string) map[string]string {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var m map[string]string
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

// TestReplicasTakeOverTheChannels runs three replicas on one PostgreSQL
// database, their embedded NATS servers clustered with JetStream replicated,
// and kills the one that runs the channels in the middle of a full sync:
// another takes over within 10 s, and the target ends up holding exactly the
// source's rows. Sessions and search agree across replicas.
func TestReplicasTakeOverTheChannels(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four platform processes")
	}
	dsn := storetest.PostgresSchema(t)
	pgSource, pgTarget := storetest.PostgresSchema(t), storetest.PostgresSchema(t)
	keys := t.TempDir()
	shared := []string{"--database", dsn, "--secrets-key", filepath.Join(keys, "secrets.key"), "--audit-key", filepath.Join(keys, "audit.key"),
		"--admin-password", testPassword}
	// The demo city, loaded once; its SQLite datasources lie in a directory
	// every replica sees (as on a shared file system).
	first := t.TempDir()
	cmd, _ := startProcess(t, append([]string{"--migrate", "--demo", "--data-dir", first}, shared...)...)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	var ports []string
	for range 3 {
		p, err := leafnet.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, "127.0.0.1:"+strconv.Itoa(p))
	}
	var replicas []*process
	for i, name := range []string{"a", "b", "c"} {
		dir := t.TempDir()
		if err := os.Symlink(filepath.Join(first, "datasources"), filepath.Join(dir, "datasources")); err != nil {
			t.Fatal(err)
		}
		var peers []string
		for j, p := range ports {
			if j != i {
				peers = append(peers, p)
			}
		}
		replicas = append(replicas, launch(t, append([]string{"--data-dir", dir, "--replica-name", name, "--datasource-hosts", "127.0.0.1",
			"--cluster-listen", ports[i], "--cluster-peers", strings.Join(peers, ",")}, shared...)...))
		replicas[i].name = name
	}
	bases := map[string]string{}
	for _, r := range replicas {
		select {
		case base := <-r.base:
			waitReady(t, base)
			bases[r.name] = base
		case <-time.After(2 * time.Minute):
			t.Fatalf("replica %s did not start", r.name)
		}
	}

	// Sessions agree: a token from one replica works on the others.
	admin := login(t, bases["a"], "admin", testPassword)
	for _, name := range []string{"b", "c"} {
		other := &client{t: t, base: bases[name], token: admin.token}
		if status, body := other.do("GET", "/api/v1/me", nil); status != http.StatusOK {
			t.Errorf("replica %s with replica a's session: %d %v", name, status, body)
		}
	}

	src, err := sql.Open("pgx", pgSource)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const n = 20000
	for _, q := range []string{
		`CREATE TABLE people (id bigint PRIMARY KEY, name varchar(64) NOT NULL, amount numeric(12,2), updated_at timestamp(6) NOT NULL)`,
		fmt.Sprintf(`INSERT INTO people SELECT g, '王𪚥' || g, g * 1.5, timestamp '2025-01-01' + g * interval '1 second' FROM generate_series(1, %d) g`, n),
	} {
		if _, err := src.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	base := bases["b"]
	dsIDs := map[string]float64{}
	for _, d := range []struct{ user, name, dsn string }{{"gaj.node", "gaj-pg", pgSource}, {"xzsp.node", "xzsp-pg", pgTarget}} {
		status, body := login(t, base, d.user, demo.Password).do("POST", "/api/v1/catalog/datasources", map[string]string{"name": d.name, "driver": connector.Postgres, "dsn": d.dsn})
		if status != http.StatusCreated {
			t.Fatalf("register %s: %d %v", d.name, status, body)
		}
		dsIDs[d.name] = body["id"].(float64)
	}
	code := publishTable(t, base, "gaj", "副本测试人员", dsIDs["gaj-pg"], "people", [][3]string{{"id", "integer", "key"}, {"name", "string", ""},
		{"amount", "decimal", ""}, {"updated_at", "datetime", "timestamp"}})

	// Search agrees: the entry published through b is found through c.
	searcher := login(t, bases["c"], "xzsp.approver", demo.Password)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, body := searcher.do("GET", "/api/v1/catalog/entries?q=副本测试人员", nil)
		if items, _ := body["items"].([]any); len(items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica c does not find the entry published through replica b: %v", body)
		}
	}

	// A full sync in small batches, long enough to kill its runner midway.
	authority := login(t, base, "xzsp.approver", demo.Password)
	status, m := authority.do("POST", "/api/v1/aggregation/mandates", map[string]any{"entry_code": code, "items": []string{"id", "name", "amount", "updated_at"},
		"target": map[string]string{"datasource": "xzsp-pg", "table": "people"}, "mode": "full_then_incremental", "schedule": "continuous",
		"basis": "《政务数据归集规定》（测试）", "batch_size": 20})
	if status != http.StatusCreated {
		t.Fatalf("mandate: %d %v", status, m)
	}
	if status, m = login(t, base, "gaj.approver", demo.Password).do("POST", fmt.Sprintf("/api/v1/aggregation/mandates/%v/confirm", m["id"]), nil); status != http.StatusOK {
		t.Fatalf("confirm: %d %v", status, m)
	}
	dst, err := sql.Open("pgx", pgTarget)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	arrived := func() int {
		var got int
		dst.QueryRow("SELECT count(*) FROM people").Scan(&got)
		return got
	}
	for deadline := time.Now().Add(90 * time.Second); arrived() < n/10; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the full sync did not start: %d rows arrived", arrived())
		}
	}
	var leader *process
	for _, r := range replicas {
		if readiness(bases[r.name])["channels"] == "leader" {
			leader = r
		}
	}
	if leader == nil {
		t.Fatal("no replica says it leads the channels")
	}
	if err := leader.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed, before := time.Now(), arrived()
	if before >= n {
		t.Fatalf("the full sync ended before the kill (%d rows): make it longer", before)
	}
	leader.cmd.Wait()
	var next string
	for next == "" {
		for _, r := range replicas {
			if r != leader && readiness(bases[r.name])["channels"] == "leader" {
				next = r.name
			}
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("no replica took over within 10s of killing %s", leader.name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(killed)
	for arrived() <= before {
		if time.Since(killed) > 20*time.Second {
			t.Fatalf("replica %s leads but the sync does not go on (%d rows)", next, before)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("killed %s at %d of %d rows; %s took over in %s, rows flowing again after %s", leader.name, before, n, next, took.Round(time.Millisecond),
		time.Since(killed).Round(time.Millisecond))
	rows := waitSame(t, "after the take-over", [3]string{connector.Postgres, pgSource, "people"}, [3]string{connector.Postgres, pgTarget, "people"})
	if rows != n {
		t.Fatalf("target holds %d rows, want %d", rows, n)
	}
}
