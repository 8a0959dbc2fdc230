package node_test

import (
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

	l := dialLeafAs(t, p.reg.LeafURL, dir, "innocent", p.reg.RefreshInterval+500*time.Millisecond)
	waitFor(t, 10*time.Second, "the leaf listed", func() bool {
		lz, _ := p.bus.Server().Leafz(nil)
		return lz != nil && len(lz.Leafs) == 1
	})
	time.Sleep(p.reg.RefreshInterval + 500*time.Millisecond) // a refresh runs while it is connected
	if _, err := p.reg.Revoke(ctx, p.opA, ea.NodeID, "测试吊销"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.done:
	case <-time.After(3*p.reg.RefreshInterval + 2*time.Second):
		t.Fatal("the revoked node's leaf connection, named by itself, is still open")
	}
}
