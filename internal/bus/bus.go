// Package bus connects the platform to its message bus: NATS with JetStream,
// either embedded in the process (the default; its store lives in the data
// directory and it opens no client port) or an external server or cluster.
// The exchange moves batches over it; front-end nodes join it as leaf nodes
// through the leaf listener.
package bus

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configure the bus.
type Options struct {
	URL        string // external server, e.g. nats://127.0.0.1:4222; empty embeds one
	StoreDir   string // JetStream file store of the embedded server
	LeafListen string // host:port for front-end nodes to join as leaf nodes; empty disables
	// LeafTLS secures the leaf listener (server certificate, client
	// certificate check); nil leaves the listener without TLS, which only
	// tests should do.
	LeafTLS *tls.Config
	// LeafAuth, when set, authorises the connections of the embedded
	// server: it must accept its in-process clients and gives each leaf
	// connection its permissions (node.Registry.LeafAuth).
	LeafAuth server.Authentication
	Domain   string // JetStream domain of the embedded server
}

// InboxPrefix is the prefix of the reply subjects of the platform's
// requests: nodes may answer on it (node.LeafPermissions).
const InboxPrefix = "_INBOX_hub"

// Bus is a connection to NATS with JetStream.
type Bus struct {
	Conn   *nats.Conn
	JS     jetstream.JetStream
	server *server.Server
	leaf   string // host:port of the leaf listener
}

// Open starts the embedded server or connects to the external one.
func Open(ctx context.Context, o Options) (*Bus, error) {
	if o.Domain == "" {
		o.Domain = "hub"
	}
	b := &Bus{}
	connOpts := []nats.Option{nats.Name("govshare platform"), nats.MaxReconnects(-1), nats.ReconnectWait(500 * time.Millisecond),
		nats.CustomInboxPrefix(InboxPrefix)}
	url := o.URL
	if url == "" {
		s, leaf, err := startEmbedded(o)
		if err != nil {
			return nil, err
		}
		b.server, b.leaf = s, leaf
		connOpts = append(connOpts, nats.InProcessServer(s))
	}
	nc, err := nats.Connect(url, connOpts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to nats %s: %w", describe(url), err)
	}
	b.Conn = nc
	if b.JS, err = jetstream.New(nc); err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	if err := b.Check(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func describe(url string) string {
	if url == "" {
		return "(embedded)"
	}
	return url
}

func startEmbedded(o Options) (*server.Server, string, error) {
	opts := &server.Options{
		ServerName:      "govshare-platform",
		DontListen:      true, // clients connect in-process; no standard port is taken
		JetStream:       true,
		JetStreamDomain: o.Domain,
		StoreDir:        o.StoreDir,
		NoSigs:          true,
		NoLog:           true,
		// Replies and flow control name the domain and the consumer
		// ($JSC.R.<domain>..., $JS.FC.hub.<account>.<stream>.<consumer>...), so
		// that a node may answer only what concerns it (node.LeafPermissions).
		FeatureFlags: map[string]bool{"js_api_reply_v2": true, "js_ack_fc_v2": true},
	}
	if o.LeafAuth != nil {
		opts.CustomClientAuthentication = o.LeafAuth
	}
	leaf := ""
	if o.LeafListen != "" {
		host, portText, err := net.SplitHostPort(o.LeafListen)
		port, perr := strconv.Atoi(portText)
		if err != nil || perr != nil {
			return nil, "", fmt.Errorf("leaf listen address %q: want host:port", o.LeafListen)
		}
		if port == 0 {
			// nats-server does not tell which port it picked, so pick one here.
			if port, err = freePort(host); err != nil {
				return nil, "", fmt.Errorf("leaf listen address %q: %w", o.LeafListen, err)
			}
		}
		opts.LeafNode = server.LeafNodeOpts{Host: host, Port: port, NoAdvertise: true, TLSConfig: o.LeafTLS, TLSTimeout: 5}
		leaf = net.JoinHostPort(host, strconv.Itoa(port))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, "", errors.New("embedded nats did not start within 30s (is the leaf listen address free?)")
	}
	return s, leaf, nil
}

func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LeafAddr is the host:port of the embedded server's leaf listener, or "".
func (b *Bus) LeafAddr() string { return b.leaf }

// Server is the embedded server, or nil when the bus is external.
func (b *Bus) Server() *server.Server { return b.server }

// Check reports whether the bus and JetStream answer.
func (b *Bus) Check(ctx context.Context) error {
	if b.Conn == nil || !b.Conn.IsConnected() {
		return errors.New("nats: not connected")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := b.JS.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// Embedded reports whether the server runs inside this process.
func (b *Bus) Embedded() bool { return b.server != nil }

// Close drains the connection and stops the embedded server.
func (b *Bus) Close() {
	if b.Conn != nil {
		b.Conn.Drain()
		b.Conn.Close()
	}
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}
