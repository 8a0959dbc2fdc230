package node_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/node"
)

// rawLeaf speaks the leaf node protocol to the platform's leaf listener
// with a node's certificate, as a compromised node could, without a NATS
// server of its own that would keep to the permissions the platform
// announces: what it is refused, the platform refuses.
type rawLeaf struct {
	t    *testing.T
	conn net.Conn
	mu   sync.Mutex
	got  []string      // subjects of the messages received, in order
	fail string        // the first -ERR
	done chan struct{} // closed when the platform has closed the connection
}

func dialLeaf(t *testing.T, leafURL, dataDir string) *rawLeaf {
	t.Helper()
	return dialLeafAs(t, leafURL, dataDir, "attacker", 0)
}

// dialLeafAs dials as dialLeaf does, waits pause after the TLS handshake and
// then connects under name.
func dialLeafAs(t *testing.T, leafURL, dataDir, name string, pause time.Duration) *rawLeaf {
	t.Helper()
	u, err := url.Parse(leafURL)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(dataDir, "node.crt"), filepath.Join(dataDir, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dataDir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("leaf listener greeting %q: %v", line, err)
	}
	tc := tls.Client(c, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: u.Hostname()})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	l := &rawLeaf{t: t, conn: tc, done: make(chan struct{})}
	t.Cleanup(func() { tc.Close() })
	time.Sleep(pause)
	fmt.Fprintf(tc, "CONNECT {\"tls_required\":true,\"name\":%q,\"headers\":false}\r\nPING\r\n", name)
	go l.read(bufio.NewReader(tc))
	return l
}

func (l *rawLeaf) read(r *bufio.Reader) {
	defer close(l.done)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		switch f := strings.Fields(line); {
		case len(f) == 0:
		case f[0] == "PING":
			l.mu.Lock()
			fmt.Fprintf(l.conn, "PONG\r\n")
			l.mu.Unlock()
		case f[0] == "-ERR":
			l.mu.Lock()
			if l.fail == "" {
				l.fail = line
			}
			l.mu.Unlock()
		case f[0] == "LMSG" || f[0] == "HMSG":
			n, _ := strconv.Atoi(f[len(f)-1])
			buf := make([]byte, n+2)
			if _, err := ioReadFull(r, buf); err != nil {
				return
			}
			l.mu.Lock()
			l.got = append(l.got, f[1])
			l.mu.Unlock()
		}
	}
}

func ioReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (l *rawLeaf) send(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.conn, format, a...)
}

func (l *rawLeaf) sub(subject string) { l.send("LS+ %s\r\n", subject) }

func (l *rawLeaf) pub(subject, reply, data string) {
	if reply != "" {
		l.send("LMSG %s %s %d\r\n%s\r\n", subject, reply, len(data), data)
	} else {
		l.send("LMSG %s %d\r\n%s\r\n", subject, len(data), data)
	}
}

func (l *rawLeaf) received() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.got...)
}

func (l *rawLeaf) refused() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fail
}

func (l *rawLeaf) has(subject string) bool {
	for _, s := range l.received() {
		if s == subject {
			return true
		}
	}
	return false
}

// TestNodeIsolation: a node's certificate reaches only that node's
// subjects, bucket and consumers; another department's node's data, its
// subjects and the hub's streams stay out of reach, over a leaf connection
// that keeps to no permissions of its own.
func TestNodeIsolation(t *testing.T) {
	t.Run("one platform", func(t *testing.T) { nodeIsolation(t, startPlatform(t)) })
	// Replicas cluster their embedded NATS servers: a leaf connection to
	// one of them reaches no more than on a single platform.
	t.Run("replicas", func(t *testing.T) { nodeIsolation(t, startPlatformOn(t, true)) })
}

func nodeIsolation(t *testing.T, p *platform) {
	ctx := p.ctx
	start := func(token string) (*node.Agent, string) {
		dir := t.TempDir()
		a, err := node.Start(ctx, node.Options{Platform: p.api.URL, Token: token, DataDir: dir, Version: "test",
			HeartbeatInterval: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		return a, dir
	}
	ea, eb := p.enrollment(p.opA, "公安局前置机"), p.enrollment(p.opB, "财政局前置机")
	a, aDir := start(ea.Token)
	b, _ := start(eb.Token)
	waitFor(t, 15*time.Second, "both nodes connected", func() bool { return a.Connected() && b.Connected() })
	A, B := ea.NodeID, eb.NodeID

	// What the attacker is after: B's bucket on the hub, a hub stream, B's
	// own stream.
	for id, secret := range map[int64]string{A: "给A的", B: "给B的机密"} {
		kv, err := p.bus.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: exchange.NodeBucket(id)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kv.PutString(ctx, "apply.ch-1", secret); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.bus.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "HUB_SECRET", Subjects: []string{"hubsecret.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.bus.JS.Publish(ctx, "hubsecret.1", []byte("机密")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JetStream().CreateStream(ctx, jetstream.StreamConfig{Name: "B_OUT", Subjects: []string{"b.out.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JetStream().Publish(ctx, "b.out.1", []byte("机密")); err != nil {
		t.Fatal(err)
	}

	t.Run("a node still reads its own bucket", func(t *testing.T) {
		hub, _ := jetstream.NewWithDomain(a.Conn(), exchange.HubDomain)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		kv, err := hub.KeyValue(ctx, exchange.NodeBucket(A))
		if err != nil {
			t.Fatal(err)
		}
		e, err := kv.Get(ctx, "apply.ch-1")
		if err != nil || string(e.Value()) != "给A的" {
			t.Fatalf("own bucket: %v %v", e, err)
		}
	})

	t.Run("the node's own server is refused too", func(t *testing.T) {
		hub, _ := jetstream.NewWithDomain(a.Conn(), exchange.HubDomain)
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		if _, err := hub.KeyValue(ctx, exchange.NodeBucket(B)); err == nil {
			t.Error("node A opened node B's bucket")
		}
		if _, err := hub.Stream(ctx, "HUB_SECRET"); err == nil {
			t.Error("node A reached a hub stream")
		}
		other, _ := jetstream.NewWithDomain(a.Conn(), node.Domain(B))
		if _, err := other.Stream(ctx, "B_OUT"); err == nil {
			t.Error("node A reached node B's domain")
		}
	})

	pd := func(subject string) { // the platform publishes
		if err := p.bus.Conn.Publish(subject, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	b10 := strconv.FormatInt(B, 10)
	// A subject the leaf may receive, sent last: once it arrives, whatever
	// was sent before it on the same path has arrived too, or never will.
	marker := fmt.Sprintf("govshare.node.%d.marker", A)

	t.Run("it cannot subscribe to another node's subjects", func(t *testing.T) {
		// Wildcards are accepted, and what they match is filtered.
		l := dialLeaf(t, p.reg.LeafURL, aDir)
		l.sub(marker)
		for _, s := range []string{">", "govshare.>", "govshare.node.*.api", "govshare.node." + b10 + ".>", "govshare.exchange_deliver.hub.node_" + b10 + ".>",
			"_INBOX_node_" + b10 + ".>", "$JS.node_" + b10 + ".API.>", "_INBOX_hub.>", "$JS.hub.API.>", "hubsecret.>"} {
			l.sub(s)
		}
		time.Sleep(300 * time.Millisecond) // the interest travels to the hub
		others := []string{"govshare.node." + b10 + ".api", node.HeartbeatSubject(B), "govshare.exchange_deliver.hub.node_" + b10 + ".ch-1",
			"_INBOX_hub.x.y", "_INBOX_node_" + b10 + ".x", "hubsecret.2"}
		for _, s := range others {
			pd(s)
		}
		pd(marker)
		waitFor(t, 10*time.Second, "the leaf's own marker", func() bool { return l.has(marker) })
		// What it receives now is node A's own traffic.
		mine := []string{fmt.Sprintf("govshare.node.%d.", A), node.InboxPrefix(A) + ".", "$JS." + node.Domain(A) + ".", "$JS.FC." + node.Domain(A) + "."}
		for _, s := range l.received() {
			if slices.Contains(others, s) || !slices.ContainsFunc(mine, func(p string) bool { return strings.HasPrefix(s, p) }) {
				t.Errorf("node A received %s", s)
			}
		}
		// A literal subject it may not have closes the connection.
		l = dialLeaf(t, p.reg.LeafURL, aDir)
		l.sub("govshare.node." + b10 + ".api")
		waitFor(t, 10*time.Second, "the subscription refused", func() bool { return l.refused() != "" })
	})

	t.Run("it cannot publish as another node", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		sub, err := p.bus.Conn.Subscribe(">", func(m *nats.Msg) {
			if string(m.Data) == "forged" {
				mu.Lock()
				got = append(got, m.Subject)
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		p.bus.Conn.Flush()
		own := node.HeartbeatSubject(A)
		for _, s := range []string{node.HeartbeatSubject(B), exchange.NodeReportSubject(B), "govshare.node." + b10 + ".api",
			"govshare.exchange_deliver.node_" + b10 + ".ch-1", "hubsecret.3"} {
			l := dialLeaf(t, p.reg.LeafURL, aDir)
			l.pub(s, "", "forged")
			l.pub(own, "", "forged") // not sent on if the first is refused
			waitFor(t, 10*time.Second, s+": refused or passed", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return l.refused() != "" || slices.Contains(got, own)
			})
			mu.Lock()
			if slices.Contains(got, s) {
				t.Errorf("the platform received %s from node A", s)
			}
			got = nil
			mu.Unlock()
		}
	})

	t.Run("it cannot use the hub's JetStream API beyond its own", func(t *testing.T) {
		api := "$JS.hub.API."
		inbox := fmt.Sprintf("_INBOX_node_%d.probe", A)
		ask := func(subject string) (answered bool, refused string) {
			l := dialLeaf(t, p.reg.LeafURL, aDir)
			l.sub(inbox + ".>")
			time.Sleep(200 * time.Millisecond)
			l.pub(subject, inbox+".1", "{}")
			waitFor(t, 10*time.Second, subject+": answered or refused", func() bool { return l.refused() != "" || l.has(inbox+".1") })
			return l.has(inbox + ".1"), l.refused()
		}
		if ok, refused := ask(api + "STREAM.INFO.KV_" + exchange.NodeBucket(A)); !ok {
			t.Fatalf("its own bucket: not answered (%s)", refused)
		}
		for _, s := range []string{api + "STREAM.NAMES", api + "INFO", api + "STREAM.INFO.HUB_SECRET", api + "STREAM.MSG.GET.HUB_SECRET",
			api + "DIRECT.GET.KV_" + exchange.NodeBucket(B) + ".$KV." + exchange.NodeBucket(B) + ".apply.ch-1",
			api + "STREAM.INFO.KV_" + exchange.NodeBucket(B), api + "CONSUMER.CREATE.HUB_SECRET",
			api + "CONSUMER.RESET.HUB_SECRET.to_node_" + b10, "$JS.node_" + b10 + ".API.STREAM.INFO.B_OUT"} {
			if ok, _ := ask(s); ok {
				t.Errorf("node A got an answer to %s", s)
			}
		}
	})
}
