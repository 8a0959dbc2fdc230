package node_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/api"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/exchange/leafnet"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// platform is the platform side of an end-to-end test: the registry, the
// embedded bus with a TLS leaf listener, and the REST API.
type platform struct {
	*world
	bus   *bus.Bus
	api   *httptest.Server
	token string // the system admin's session
}

func startPlatform(t *testing.T, extra ...store.Migration) *platform {
	t.Helper()
	return startPlatformOn(t, false, extra...)
}

// startPlatformOn starts the platform side; clustered makes its bus one of
// three replicas' embedded NATS servers in a cluster (the other two with
// neither registry nor leaf listener), as a platform with replicas runs.
func startPlatformOn(t *testing.T, clustered bool, extra ...store.Migration) *platform {
	t.Helper()
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), append(append([]store.Migration{}, migrations...), extra...))
	p := &platform{world: newWorld(t, db)}
	p.reg.HeartbeatInterval = 500 * time.Millisecond
	tlsConf, err := p.reg.LeafTLS([]string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	o := bus.Options{StoreDir: t.TempDir(), LeafListen: "127.0.0.1:0", LeafTLS: tlsConf, LeafAuth: p.reg.LeafAuth()}
	var others chan error
	if clustered {
		var routes []string
		for range 3 {
			port, err := leafnet.FreePort()
			if err != nil {
				t.Fatal(err)
			}
			routes = append(routes, "127.0.0.1:"+strconv.Itoa(port))
		}
		cluster := func(i int) *bus.Cluster {
			peers := slices.Delete(slices.Clone(routes), i, i+1)
			return &bus.Cluster{Name: "replica-" + strconv.Itoa(i), Listen: routes[i], Peers: peers, Secret: []byte("test routes")}
		}
		o.Cluster = cluster(0)
		others = make(chan error, 2)
		for i := 1; i <= 2; i++ {
			dir := t.TempDir()
			go func() {
				b, err := bus.Open(p.ctx, bus.Options{StoreDir: dir, Cluster: cluster(i)})
				if err == nil {
					t.Cleanup(b.Close)
				}
				others <- err
			}()
		}
	}
	p.bus, err = bus.Open(p.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for range cap(others) {
		if err := <-others; err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(p.bus.Close)
	p.reg.LeafURL = "nats-leaf://" + p.bus.LeafAddr()
	if err := p.reg.Start(p.ctx, p.bus.Conn, p.bus.Server()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.reg.Stop)
	r := chi.NewRouter()
	api.Register(r, api.Deps{Org: p.org, Audit: p.log, Nodes: p.reg, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	p.api = httptest.NewServer(r)
	t.Cleanup(p.api.Close)
	sess, _, err := p.org.Login(p.ctx, org.AdminUsername, adminPassword, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p.token = sess.Token
	return p
}

func (p *platform) call(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, p.api.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// nodeConfig writes node.yaml with a SQLite datasource holding 人口信息 and a
// folder with one CSV file.
func nodeConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "local.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE 人口信息 (身份证号 TEXT PRIMARY KEY, 姓名 TEXT NOT NULL); INSERT INTO 人口信息 VALUES ('430202199001011234', '张三')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Mkdir(filepath.Join(dir, "files"), 0o755)
	os.WriteFile(filepath.Join(dir, "files", "企业名录.csv"), []byte("名称\n甲公司\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "files", "readme.txt"), []byte("not a table"), 0o644)
	cfg := filepath.Join(dir, "node.yaml")
	os.WriteFile(cfg, []byte("datasources:\n  - {name: local, driver: sqlite, path: local.db}\n  - {name: uploads, driver: files, path: files}\n"), 0o644)
	return cfg
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if ok() {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, within)
	return 0
}

func TestNodeEndToEnd(t *testing.T) {
	p := startPlatform(t)
	cfg := nodeConfig(t)
	dataDir := t.TempDir()
	e := p.enrollment(p.opA, "公安局前置机-1")
	opts := node.Options{Platform: p.api.URL, Token: e.Token, DataDir: dataDir, ConfigFile: cfg, Version: "9.9.9",
		HeartbeatInterval: 300 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	a, err := node.Start(p.ctx, opts)
	if err != nil {
		t.Fatalf("Start() with a token: %v", err)
	}
	defer a.Close()
	if a.Identity.NodeID != e.NodeID || a.Identity.Domain != node.Domain(e.NodeID) {
		t.Errorf("identity = %+v", a.Identity)
	}
	if st, err := os.Stat(filepath.Join(dataDir, "node.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("node.key: %v, mode %v; want 0600", err, st.Mode().Perm())
	}

	waitFor(t, 10*time.Second, "leaf connected", func() bool { return a.Connected() && p.bus.Server().NumLeafNodes() == 1 })
	waitFor(t, 10*time.Second, "heartbeat recorded", func() bool {
		n, err := p.reg.Node(p.ctx, e.NodeID)
		return err == nil && n.Online && len(n.Datasources) == 2
	})
	status, list := p.call(t, "GET", "/api/v1/nodes", nil)
	if status != 200 {
		t.Fatalf("GET /api/v1/nodes: %d %v", status, list)
	}
	raw, _ := json.Marshal(list)
	for _, want := range []string{`"state":"active"`, `"online":true`, `"version":"9.9.9"`, `"人口信息"`, `"企业名录.csv"`, `"driver":"files"`, `"healthy":true`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("GET /api/v1/nodes lacks %s: %s", want, raw)
		}
	}
	for _, secret := range []string{"local.db", "readme.txt"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("GET /api/v1/nodes shows %s, which stays on the node", secret)
		}
	}

	t.Run("heartbeats are signed by the node", func(t *testing.T) {
		sig, err := a.Sign([]byte("批次 1"))
		if err != nil || !p.reg.Verify(e.NodeID, []byte("批次 1"), sig) {
			t.Errorf("Verify(Sign(data)) = false (%v)", err)
		}
		if p.reg.Verify(e.NodeID, []byte("批次 2"), sig) || p.reg.Verify(e.NodeID+1, []byte("批次 1"), sig) {
			t.Error("Verify() accepts another message or another node")
		}
	})

	t.Run("the token works once", func(t *testing.T) {
		status, body := p.call(t, "POST", "/api/v1/nodes/enroll", map[string]string{"token": e.Token, "csr": csr(t, "", p256(t))})
		if status != 401 || !strings.Contains(fmt.Sprint(body["message"]), "already been used") {
			t.Errorf("enrol again: %d %v, want 401 already used", status, body)
		}
	})

	t.Run("the node's JetStream domain is reachable from the hub", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
		defer cancel()
		s, err := a.JetStream().CreateStream(ctx, jetstream.StreamConfig{Name: "OUTBOX", Subjects: []string{"dept.gaj.>"}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			if _, err := a.JetStream().Publish(ctx, fmt.Sprintf("dept.gaj.rows.%d", i), []byte("行")); err != nil {
				t.Fatal(err)
			}
		}
		_ = s
		hub, err := jetstream.NewWithDomain(p.bus.Conn, node.Domain(e.NodeID))
		if err != nil {
			t.Fatal(err)
		}
		remote, err := hub.Stream(ctx, "OUTBOX")
		if err != nil {
			t.Fatalf("hub: stream OUTBOX in domain %s: %v", node.Domain(e.NodeID), err)
		}
		info, err := remote.Info(ctx)
		if err != nil || info.State.Msgs != 10 {
			t.Fatalf("hub sees %v messages (%v), want 10", info, err)
		}
		m, err := remote.GetMsg(ctx, 10)
		if err != nil || string(m.Data) != "行" || m.Subject != "dept.gaj.rows.9" {
			t.Errorf("GetMsg(10) = %v, %v", m, err)
		}
		// The hub's own domain is still "hub".
		if _, err := p.bus.JS.AccountInfo(ctx); err != nil {
			t.Errorf("hub JetStream: %v", err)
		}
	})

	t.Run("a restart needs no token", func(t *testing.T) {
		a.Close()
		waitFor(t, 5*time.Second, "leaf gone after stop", func() bool { return p.bus.Server().NumLeafNodes() == 0 })
		// While the node is away, a heartbeat without its signature, from
		// anyone on the bus, is ignored.
		forged, _ := json.Marshal(node.Heartbeat{NodeID: e.NodeID, Version: "forged", At: time.Now()})
		p.bus.Conn.Publish(node.HeartbeatSubject(e.NodeID), forged)
		p.bus.Conn.Flush()
		time.Sleep(300 * time.Millisecond)
		if n, _ := p.reg.Node(p.ctx, e.NodeID); n.Version == "forged" {
			t.Error("an unsigned heartbeat was recorded")
		}
		opts.Token = ""
		if a, err = node.Start(p.ctx, opts); err != nil {
			t.Fatalf("Start() without a token: %v", err)
		}
		waitFor(t, 10*time.Second, "leaf connected again", func() bool { return a.Connected() })
	})

	t.Run("revoke closes the connection and the node gives up", func(t *testing.T) {
		if _, err := p.reg.Revoke(p.ctx, p.opA, e.NodeID, "测试吊销"); err != nil {
			t.Fatal(err)
		}
		d := waitFor(t, 2*time.Second, "leaf connection closed after revoke", func() bool { return p.bus.Server().NumLeafNodes() == 0 })
		t.Logf("leaf closed %s after revoke", d)
		select {
		case <-a.Done():
			if !errors.Is(a.Err(), node.ErrRevoked) {
				t.Errorf("agent stopped with %v, want ErrRevoked", a.Err())
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("agent still running 20s after revoke (connected=%v)", a.Connected())
		}
		if n := p.bus.Server().NumLeafNodes(); n != 0 {
			t.Errorf("%d leaf connections after revoke", n)
		}
		n, _ := p.reg.Node(p.ctx, e.NodeID)
		if n.Online {
			t.Error("a revoked node shows online")
		}
		// A restart is refused too.
		opts.RejectAfter = 2 * time.Second
		err := node.Run(p.ctx, opts)
		if !errors.Is(err, node.ErrRevoked) {
			t.Errorf("Run() after revoke = %v, want ErrRevoked", err)
		}
	})
}
