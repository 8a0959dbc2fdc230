// Package bus connects the platform to its message bus: NATS with JetStream,
// either embedded in the process (the default; its store lives in the data
// directory and it opens no client port) or an external server or cluster.
// The exchange moves batches over it; front-end nodes join it as leaf nodes
// through the leaf listener.
package bus

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
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
	// Cluster, when set, makes the embedded server one of the platform
	// replicas' NATS cluster: routes to the other replicas, JetStream
	// clustered, so the hub's streams and buckets are replicated.
	Cluster *Cluster
	// Trace writes the embedded server's own log to stderr (--log-level debug).
	Trace bool
}

// Cluster is the NATS cluster the platform's replicas form among
// themselves. Routes are authenticated with a secret every replica derives
// from the shared secrets key; the cluster port should still be reachable
// only from the other replicas.
type Cluster struct {
	Name   string   // this replica's server name, unique in the cluster
	Listen string   // host:port for the other replicas' routes
	Peers  []string // host:port of the other replicas' cluster listeners
	Secret []byte   // the routes' password
}

// Replicas is how many copies of each stream and bucket the cluster keeps
// (JetStream's R): 1 for a single server, else one per replica up to 3.
func (c *Cluster) Replicas() int {
	if c == nil {
		return 1
	}
	return min(3, 1+len(c.Peers))
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

// clusterOptions joins opts to the replicas' cluster.
func clusterOptions(opts *server.Options, c *Cluster) error {
	host, portText, err := net.SplitHostPort(c.Listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port == 0 {
		return fmt.Errorf("cluster listen address %q: want host:port with a port", c.Listen)
	}
	user, pass := "govshare-replica", base64.RawURLEncoding.EncodeToString(c.Secret)
	opts.ServerName = c.Name
	opts.Cluster = server.ClusterOpts{Name: "govshare", Host: host, Port: port, Username: user, Password: pass,
		NoAdvertise: true, ConnectRetries: -1}
	for _, p := range c.Peers {
		if _, _, err := net.SplitHostPort(p); err != nil {
			return fmt.Errorf("cluster peer %q: want host:port", p)
		}
		opts.Routes = append(opts.Routes, &url.URL{Scheme: "nats-route", User: url.UserPassword(user, pass), Host: p})
	}
	return nil
}

// tokenAuth admits clients holding the token (the replica's own in-process
// connection) and leaves leaf connections to next.
type tokenAuth struct {
	next  server.Authentication
	token string
}

func (a tokenAuth) Check(c server.ClientAuthentication) bool {
	if c.Kind() == server.CLIENT {
		return subtle.ConstantTimeCompare([]byte(c.GetOpts().Token), []byte(a.token)) == 1
	}
	return a.next != nil && a.next.Check(c)
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
		token := rand.Text()
		s, leaf, err := startEmbedded(o, token)
		if err != nil {
			return nil, err
		}
		b.server, b.leaf = s, leaf
		connOpts = append(connOpts, nats.InProcessServer(s), nats.Token(token))
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
	if o.Cluster != nil {
		b.JS = retryingJS{b.JS}
	}
	if o.Cluster != nil {
		err = b.waitCluster(ctx, o.Cluster.Replicas())
	} else {
		err = b.Check(ctx)
	}
	if err != nil {
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

func startEmbedded(o Options, token string) (*server.Server, string, error) {
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
	if o.Cluster != nil {
		// nats-server routes only once its client listener is up, so a
		// replica listens for clients on loopback; only its own in-process
		// connection, which holds the token, gets in there.
		opts.DontListen, opts.Host, opts.Port = false, "127.0.0.1", server.RANDOM_PORT
		opts.CustomClientAuthentication = tokenAuth{next: o.LeafAuth, token: token}
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
	if o.Cluster != nil {
		if err := clusterOptions(opts, o.Cluster); err != nil {
			return nil, "", err
		}
	}
	opts.NoLog = !o.Trace
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded nats: %w", err)
	}
	if o.Trace {
		s.ConfigureLogger()
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

// waitCluster waits until the replicas' JetStream places a bucket with
// replicas copies: its meta leader is elected and enough replicas are up.
func (b *Bus) waitCluster(ctx context.Context, replicas int) error {
	var err error
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline) && ctx.Err() == nil; time.Sleep(250 * time.Millisecond) {
		if err = b.Check(ctx); err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err = b.JS.CreateOrUpdateKeyValue(cctx, jetstream.KeyValueConfig{Bucket: "govshare_cluster", Replicas: replicas, History: 1,
			Storage: jetstream.MemoryStorage, Description: "govshare: the replicas' JetStream places replicated buckets"})
		cancel()
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("nats cluster: %d replicas of JetStream not ready within 2 minutes: %w", replicas, err)
}

// retryingJS asks again when creating a stream or bucket goes unanswered.
// Replicas starting together create the same streams and buckets, and a
// clustered JetStream may leave all but one of such concurrent requests
// without an answer (seen with nats-server 2.15.3); a request made again
// finds what the first one made.
type retryingJS struct{ jetstream.JetStream }

const createAttempt = 5 * time.Second

func retry[T any](ctx context.Context, create func(context.Context) (T, error)) (T, error) {
	for {
		actx, cancel := context.WithTimeout(ctx, createAttempt)
		v, err := create(actx)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return v, err
		}
	}
}

// withDeadline bounds a creation the caller left unbounded.
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, time.Minute)
}

func (j retryingJS) CreateOrUpdateStream(ctx context.Context, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	return retry(ctx, func(ctx context.Context) (jetstream.Stream, error) { return j.JetStream.CreateOrUpdateStream(ctx, cfg) })
}

func (j retryingJS) CreateOrUpdateKeyValue(ctx context.Context, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	return retry(ctx, func(ctx context.Context) (jetstream.KeyValue, error) {
		return j.JetStream.CreateOrUpdateKeyValue(ctx, cfg)
	})
}

func (j retryingJS) CreateOrUpdateObjectStore(ctx context.Context, cfg jetstream.ObjectStoreConfig) (jetstream.ObjectStore, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	return retry(ctx, func(ctx context.Context) (jetstream.ObjectStore, error) {
		return j.JetStream.CreateOrUpdateObjectStore(ctx, cfg)
	})
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

// Conn is the connection under the JetStream context, as the exchange reads
// the server's largest payload from it.
func (j retryingJS) Conn() *nats.Conn {
	if c, ok := j.JetStream.(interface{ Conn() *nats.Conn }); ok {
		return c.Conn()
	}
	return nil
}
