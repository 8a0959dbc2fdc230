// Package leafnet starts NATS servers in the shape of the platform's bus, for
// tests and benchmarks of the exchange: a hub with JetStream domain "hub"
// and a leaf listener (NoAdvertise), and nodes that join it as leaf nodes,
// each with its own JetStream domain. There is no TLS and no enrolment here
// (package node does that); a server can be stopped and started again on the
// same ports and store, as after a crash or a maintenance window.
//
//	hub, _ := leafnet.Start(leafnet.Hub(dir+"/hub"))
//	prov, _ := leafnet.Start(leafnet.Leaf("dept-a", dir+"/a", hub.LeafURL()))
//	nc, _ := prov.Connect()
package leafnet

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server is one NATS server with JetStream.
type Server struct {
	opts *server.Options
	srv  *server.Server
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Hub returns the options of a hub: domain "hub", a client port and a leaf
// port on 127.0.0.1 (fixed, so a restart keeps them), NoAdvertise.
func Hub(storeDir string) (*server.Options, error) {
	cp, err := FreePort()
	if err != nil {
		return nil, err
	}
	lp, err := FreePort()
	if err != nil {
		return nil, err
	}
	return &server.Options{
		ServerName: "hub", Host: "127.0.0.1", Port: cp,
		JetStream: true, JetStreamDomain: "hub", StoreDir: storeDir, NoSigs: true, NoLog: true,
		LeafNode: server.LeafNodeOpts{Host: "127.0.0.1", Port: lp, NoAdvertise: true},
	}, nil
}

// Leaf returns the options of a node: JetStream domain domain, a client port
// on 127.0.0.1 and a leaf connection to hubLeaf (nats-leaf://host:port).
func Leaf(domain, storeDir, hubLeaf string) (*server.Options, error) {
	u, err := url.Parse(hubLeaf)
	if err != nil {
		return nil, err
	}
	cp, err := FreePort()
	if err != nil {
		return nil, err
	}
	return &server.Options{
		ServerName: "node-" + domain, Host: "127.0.0.1", Port: cp,
		JetStream: true, JetStreamDomain: domain, StoreDir: storeDir, NoSigs: true, NoLog: true,
		LeafNode: server.LeafNodeOpts{ReconnectInterval: 250 * time.Millisecond,
			Remotes: []*server.RemoteLeafOpts{{URLs: []*url.URL{u}}}},
	}, nil
}

// Start starts a server with o and waits until it takes clients.
func Start(o *server.Options) (*Server, error) {
	s := &Server{opts: o}
	return s, s.Start()
}

// Start starts the server again (after Stop), on the same ports and store.
func (s *Server) Start() error {
	o := *s.opts
	srv, err := server.NewServer(&o)
	if err != nil {
		return fmt.Errorf("nats %s: %w", s.opts.ServerName, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return fmt.Errorf("nats %s did not start within 30s", s.opts.ServerName)
	}
	s.srv = srv
	return nil
}

// Stop shuts the server down and waits until it has.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
		s.srv = nil
	}
}

// URL is the server's client URL.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.opts.Port) }

// LeafURL is where nodes connect to a hub.
func (s *Server) LeafURL() string {
	return fmt.Sprintf("nats-leaf://127.0.0.1:%d", s.opts.LeafNode.Port)
}

// Leafs returns the number of leaf connections the server has.
func (s *Server) Leafs() int {
	if s.srv == nil {
		return 0
	}
	return s.srv.NumLeafNodes()
}

// WaitLeafs waits until the server has at least n leaf connections.
func (s *Server) WaitLeafs(n int, within time.Duration) error {
	for deadline := time.Now().Add(within); s.Leafs() < n; {
		if time.Now().After(deadline) {
			return fmt.Errorf("nats %s: %d leaf connections after %v, want %d", s.opts.ServerName, s.Leafs(), within, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// Connect opens a client connection that reconnects for ever.
func (s *Server) Connect() (*nats.Conn, error) {
	if s.srv == nil {
		return nil, errors.New("leafnet: server not running")
	}
	return nats.Connect(s.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
}
