package node_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/node"
)

// TestRevokedLeafClosedWhateverItsName: a node that waits after its TLS
// handshake (past a refresh of the registry) and then connects under a
// name of its choosing is still found and closed when it is revoked.
func TestRevokedLeafClosedWhateverItsName(t *testing.T) {
	p := startPlatform(t)
	ctx := p.ctx
	ea := p.enrollment(p.opA, "A")
	dir := t.TempDir()
	a, err := node.Start(ctx, node.Options{Platform: p.api.URL, Token: ea.Token, DataDir: dir, Version: "test", HeartbeatInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "node A connected", func() bool { return a.Connected() })
	a.Close() // its key and certificate remain, and the protocol is spoken by hand

	u, _ := url.Parse(p.reg.LeafURL)
	pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "node.crt"), filepath.Join(dir, "node.key"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil { // INFO
		t.Fatal(err)
	}
	tc := tls.Client(c, &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: u.Hostname()})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(p.reg.RefreshInterval + 500*time.Millisecond)
	fmt.Fprintf(tc, "CONNECT {\"tls_required\":true,\"name\":\"innocent\",\"headers\":false}\r\nPING\r\n")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		br := bufio.NewReader(tc)
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if len(l) >= 4 && l[:4] == "PING" {
				fmt.Fprintf(tc, "PONG\r\n")
			}
		}
	}()
	waitFor(t, 10*time.Second, "the leaf listed", func() bool {
		lz, _ := p.bus.Server().Leafz(nil)
		return lz != nil && len(lz.Leafs) == 1
	})
	time.Sleep(p.reg.RefreshInterval + 500*time.Millisecond) // a refresh runs while it is connected
	if _, err := p.reg.Revoke(ctx, p.opA, ea.NodeID, "测试吊销"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-time.After(3*p.reg.RefreshInterval + 2*time.Second):
		t.Fatal("the revoked node's leaf connection, named by itself, is still open")
	}
}
