package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
)

// ErrRevoked is the agent's error when the platform keeps refusing its
// certificate.
var ErrRevoked = errors.New("the platform refuses this node's certificate: certificate revoked or not trusted " +
	"(the node was disabled or revoked in the console, or the platform's CA changed); ask for a new enrolment token")

// Identity is what a node keeps in its data directory after enrolling.
type Identity struct {
	NodeID     int64     `json:"node_id"`
	Name       string    `json:"name"`
	Domain     string    `json:"domain"`
	LeafURL    string    `json:"leaf_url"`
	Platform   string    `json:"platform"`
	EnrolledAt time.Time `json:"enrolled_at"`
}

// Files in the data directory.
const (
	identityFile = "node.json"
	keyFile      = "node.key" // never leaves the node; mode 0600
	certFile     = "node.crt"
	caFile       = "ca.crt"
)

// LoadIdentity reads the identity a previous enrolment saved in dataDir.
func LoadIdentity(dataDir string) (Identity, error) {
	var id Identity
	b, err := os.ReadFile(filepath.Join(dataDir, identityFile))
	if err != nil {
		return id, err
	}
	if err := json.Unmarshal(b, &id); err != nil {
		return id, fmt.Errorf("%s: %w", filepath.Join(dataDir, identityFile), err)
	}
	return id, nil
}

// EnrollOptions say how to enrol.
type EnrollOptions struct {
	Platform string // the platform's console/API URL, e.g. https://share.example.gov.cn
	Token    string
	DataDir  string
	Version  string
	Client   *http.Client // nil: a client with a 30 s timeout
}

// Enroll creates the node's key in DataDir (mode 0600), sends a certificate
// request with the one-time token and saves the certificate, the CA and the
// identity the platform answers with.
func Enroll(ctx context.Context, o EnrollOptions) (Identity, error) {
	if o.Platform == "" {
		return Identity{}, errors.New("--platform is required to enrol (the platform's URL, e.g. https://share.example.gov.cn)")
	}
	u, err := url.Parse(strings.TrimRight(o.Platform, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Identity{}, fmt.Errorf("--platform %q: want the platform's http(s):// URL", o.Platform)
	}
	nodeID, ok := tokenNodeID(o.Token)
	if !ok {
		return Identity{}, errors.New("--token does not look like an enrolment token (gsn_<id>_...); copy it whole from the console")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return Identity{}, fmt.Errorf("data-dir: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Identity{}, err
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: strconv.FormatInt(nodeID, 10)}}, key)
	if err != nil {
		return Identity{}, err
	}
	body, _ := json.Marshal(EnrollRequest{Token: strings.TrimSpace(o.Token), Version: o.Version,
		CSR: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER}))})
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String()+"/api/v1/nodes/enroll", bytes.NewReader(body))
	if err != nil {
		return Identity{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("enrol at %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		var e struct {
			Message string            `json:"message"`
			Details map[string]string `json:"details"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Message != "" {
			msg = e.Message
			for k, v := range e.Details {
				msg += "; " + k + ": " + v
			}
		}
		return Identity{}, fmt.Errorf("enrolment refused by the platform (%d): %s", resp.StatusCode, msg)
	}
	var got Enrolled
	if err := json.Unmarshal(raw, &got); err != nil {
		return Identity{}, fmt.Errorf("enrolment: unreadable answer: %w", err)
	}
	cert, err := ParseCertificatePEM([]byte(got.Certificate))
	if err != nil {
		return Identity{}, fmt.Errorf("enrolment: certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return Identity{}, errors.New("enrolment: the platform's certificate is not for this node's key")
	}
	if _, err := ParseCertificatePEM([]byte(got.CA)); err != nil {
		return Identity{}, fmt.Errorf("enrolment: CA: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{NodeID: got.NodeID, Name: got.Name, Domain: got.Domain, LeafURL: got.LeafURL, Platform: u.String(), EnrolledAt: time.Now().UTC()}
	idJSON, _ := json.MarshalIndent(id, "", "  ")
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600},
		{certFile, []byte(got.Certificate), 0o644},
		{caFile, []byte(got.CA), 0o644},
		{identityFile, append(idJSON, '\n'), 0o644},
	} {
		if err := writeFileAtomic(filepath.Join(o.DataDir, f.name), f.data, f.mode); err != nil {
			return Identity{}, err
		}
	}
	return id, nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Options configure a node agent.
type Options struct {
	Platform   string // platform URL, needed only to enrol
	Token      string // one-time enrolment token, needed only on the first run
	DataDir    string
	ConfigFile string // node.yaml; empty means no datasources
	Version    string
	Logger     *slog.Logger
	Client     *http.Client

	HeartbeatInterval time.Duration // default 10 s
	// RejectAfter is how long the platform may keep refusing the node's
	// certificate, with no successful connection, before the agent gives
	// up with ErrRevoked. Default 5 s.
	RejectAfter time.Duration
	// MaxMemory bounds the node's JetStream memory store (default 32 MiB).
	MaxMemory int64
	// LeafURL, when set, is dialled in place of the leaf URL the enrolment
	// saved: the demo's nodes dial the demo platform's loopback listener,
	// whose port changes from one start to the next.
	LeafURL string
}

// Agent is a running front-end node: an embedded NATS server with its own
// JetStream domain, joined to the platform as a leaf node over TLS, and a
// heartbeat that reports its datasources.
type Agent struct {
	Identity Identity
	Config   Config

	o       Options
	log     *slog.Logger
	srv     *server.Server
	nc      *nats.Conn
	js      jetstream.JetStream
	started time.Time
	key     *ecdsa.PrivateKey

	mu         sync.Mutex
	sources    map[string]*connector.Source
	rejections []time.Time
	connected  bool
	err        error
	done       chan struct{}
	chDone     chan struct{}     // closed when the channels have stopped
	runs       map[string]string // run request last served, per channel
	quarantine exchange.Quarantine
	cancel     context.CancelFunc
}

// Start enrols when the data directory holds no identity (or the token is
// for another node), starts the embedded server and begins heartbeats.
func Start(ctx context.Context, o Options) (*Agent, error) {
	if o.DataDir == "" {
		return nil, errors.New("--data-dir is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 10 * time.Second
	}
	if o.RejectAfter <= 0 {
		o.RejectAfter = 5 * time.Second
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = 32 << 20
	}
	a := &Agent{o: o, log: o.Logger, sources: map[string]*connector.Source{}, done: make(chan struct{}), chDone: make(chan struct{})}
	if o.ConfigFile != "" {
		c, err := LoadConfig(o.ConfigFile)
		if err != nil {
			return nil, err
		}
		a.Config = c
	}
	id, err := LoadIdentity(o.DataDir)
	switch {
	case err == nil && o.Token != "":
		if tid, ok := tokenNodeID(o.Token); ok && tid != id.NodeID {
			a.log.Info("the token is for another node; enrolling again", "old_node", id.NodeID, "new_node", tid)
			err = os.ErrNotExist
		} else {
			a.log.Info("already enrolled; the token is not needed", "node", id.NodeID)
		}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if err != nil {
		if o.Token == "" {
			return nil, fmt.Errorf("%s holds no node identity: enrol first with --platform URL --token TOKEN (the console's 前置机 page shows both)", o.DataDir)
		}
		if id, err = Enroll(ctx, EnrollOptions{Platform: o.Platform, Token: o.Token, DataDir: o.DataDir, Version: o.Version, Client: o.Client}); err != nil {
			return nil, err
		}
		a.log.Info("enrolled", "node", id.NodeID, "name", id.Name, "domain", id.Domain)
	}
	a.Identity = id
	if o.LeafURL != "" {
		a.Identity.LeafURL = o.LeafURL
	}
	if err := a.startServer(); err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(o.DataDir, caFile))
	if err == nil {
		err = a.startAPI(caPEM)
	}
	if err != nil {
		a.nc.Close()
		a.srv.Shutdown()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go a.channels(runCtx)
	go a.run(runCtx)
	return a, nil
}

func (a *Agent) tlsConfig(host string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(filepath.Join(a.o.DataDir, certFile), filepath.Join(a.o.DataDir, keyFile))
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	if _, ok := pair.PrivateKey.(*ecdsa.PrivateKey); !ok {
		return nil, errors.New("node key: not an ECDSA key")
	}
	caPEM, err := os.ReadFile(filepath.Join(a.o.DataDir, caFile))
	if err != nil {
		return nil, fmt.Errorf("platform CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("platform CA: %s holds no certificate", filepath.Join(a.o.DataDir, caFile))
	}
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: host}, nil
}

func (a *Agent) startServer() error {
	leaf, err := url.Parse(a.Identity.LeafURL)
	if err != nil || leaf.Host == "" {
		return fmt.Errorf("leaf URL %q in %s: %v", a.Identity.LeafURL, identityFile, err)
	}
	tc, err := a.tlsConfig(leaf.Hostname())
	if err != nil {
		return err
	}
	a.key = tc.Certificates[0].PrivateKey.(*ecdsa.PrivateKey)
	opts := &server.Options{
		ServerName:         a.Identity.Domain,
		DontListen:         true, // local clients connect in-process; the node opens no port
		JetStream:          true,
		JetStreamDomain:    a.Identity.Domain,
		JetStreamMaxMemory: a.o.MaxMemory,
		StoreDir:           filepath.Join(a.o.DataDir, "nats"),
		NoSigs:             true,
		// Replies and flow control name the domain and the consumer, as on
		// the platform (LeafPermissions).
		FeatureFlags: map[string]bool{"js_api_reply_v2": true, "js_ack_fc_v2": true},
		LeafNode: server.LeafNodeOpts{
			ReconnectInterval: 500 * time.Millisecond,
			Remotes:           []*server.RemoteLeafOpts{{URLs: []*url.URL{leaf}, TLS: true, TLSConfig: tc, TLSTimeout: 5}},
		},
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("embedded nats: %w", err)
	}
	s.SetLoggerV2(&natsLogger{a: a}, false, false, false)
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return errors.New("embedded nats did not start within 30s")
	}
	a.srv = s
	nc, err := nats.Connect("", nats.InProcessServer(s), nats.Name("govshare node agent"), nats.MaxReconnects(-1),
		nats.CustomInboxPrefix(InboxPrefix(a.Identity.NodeID))) // the platform lets the node receive only on these
	if err != nil {
		s.Shutdown()
		return fmt.Errorf("connect to the embedded nats: %w", err)
	}
	a.nc = nc
	if a.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		s.Shutdown()
		return err
	}
	a.started = time.Now()
	return nil
}

// Sign signs data with the node's private key (ASN.1 ECDSA over SHA-256),
// as Registry.Verify checks it; send it in SignatureHeader, base64.
func (a *Agent) Sign(data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return ecdsa.SignASN1(rand.Reader, a.key, sum[:])
}

// Server is the node's embedded NATS server.
func (a *Agent) Server() *server.Server { return a.srv }

// Conn is an in-process connection to the node's embedded server.
func (a *Agent) Conn() *nats.Conn { return a.nc }

// JetStream is the node's local JetStream (its own domain).
func (a *Agent) JetStream() jetstream.JetStream { return a.js }

// Datasource returns the configuration of the datasource called name.
func (a *Agent) Datasource(name string) (DatasourceConfig, bool) {
	i := slices.IndexFunc(a.Config.Datasources, func(d DatasourceConfig) bool { return d.Name == name })
	if i < 0 {
		return DatasourceConfig{}, false
	}
	return a.Config.Datasources[i], true
}

// Connected reports whether the leaf link to the platform is up.
func (a *Agent) Connected() bool { return a.srv != nil && a.srv.NumLeafNodes() > 0 }

// Done is closed when the agent stops by itself (revoked) or is closed.
func (a *Agent) Done() <-chan struct{} { return a.done }

// Err is why the agent stopped, once Done is closed: ErrRevoked, or nil.
func (a *Agent) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func (a *Agent) fail(err error) {
	a.mu.Lock()
	if a.err == nil {
		a.err = err
	}
	a.mu.Unlock()
	a.cancel()
}

// Close stops the heartbeats, the datasources and the embedded server.
func (a *Agent) Close() {
	a.cancel()
	<-a.done
}

// Run starts an agent and runs it until ctx ends (a clean stop) or the
// platform refuses its certificate (ErrRevoked).
func Run(ctx context.Context, o Options) error {
	a, err := Start(ctx, o)
	if err != nil {
		return err
	}
	o.Logger.Info("node running", "node", a.Identity.NodeID, "domain", a.Identity.Domain, "platform", a.Identity.LeafURL,
		"datasources", len(a.Config.Datasources))
	select {
	case <-ctx.Done():
	case <-a.Done():
	}
	a.Close()
	return a.Err()
}

func (a *Agent) run(ctx context.Context) {
	defer close(a.done)
	defer func() {
		<-a.chDone // the channels use the connection
		a.nc.Drain()
		a.nc.Close()
		a.srv.Shutdown()
		a.srv.WaitForShutdown()
		a.mu.Lock()
		for _, s := range a.sources {
			s.Close()
		}
		a.mu.Unlock()
	}()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last, lastProbe, downSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		up := a.Connected()
		a.mu.Lock()
		was := a.connected
		a.connected = up
		if up {
			a.rejections = nil
		}
		var refusedFor time.Duration
		if n := len(a.rejections); n >= 3 {
			refusedFor = time.Since(a.rejections[0])
		}
		a.mu.Unlock()
		if up && !was {
			a.log.Info("connected to the platform", "leaf", a.Identity.LeafURL)
		}
		if !up && was {
			a.log.Warn("link to the platform lost; extracted data waits in the local store", "leaf", a.Identity.LeafURL)
		}
		if refusedFor >= a.o.RejectAfter {
			a.fail(ErrRevoked)
			return
		}
		if !up {
			if was || downSince.IsZero() {
				downSince = time.Now()
			}
			if time.Since(downSince) >= time.Second && time.Since(lastProbe) >= time.Second {
				lastProbe = time.Now()
				a.checkRefused(ctx)
			}
		}
		if up && (!was || time.Since(last) >= a.o.HeartbeatInterval) {
			last = time.Now()
			a.beat(ctx)
		}
	}
}

// checkRefused probes the leaf listener while the link is down and records
// whether it refuses the node's certificate.
func (a *Agent) checkRefused(ctx context.Context) {
	refused, err := a.probe(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.connected {
		return
	}
	if refused {
		a.log.Warn("the platform refused this node's certificate", "err", err)
		a.rejections = append(a.rejections, time.Now())
	} else {
		a.rejections = nil
	}
}

// beat publishes one heartbeat.
func (a *Agent) beat(ctx context.Context) {
	hb := Heartbeat{NodeID: a.Identity.NodeID, Version: a.o.Version, Uptime: time.Since(a.started).Seconds(), At: time.Now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, a.o.HeartbeatInterval)
	defer cancel()
	for _, d := range a.Config.Datasources {
		hb.Datasources = append(hb.Datasources, a.inspect(ctx, d))
	}
	if info, err := a.js.AccountInfo(ctx); err == nil {
		hb.Buffer = Buffer{Streams: info.Streams, Consumers: info.Consumers, Bytes: info.Store, Memory: info.Memory}
		for name := range a.js.StreamNames(ctx).Name() {
			if s, err := a.js.Stream(ctx, name); err == nil {
				hb.Buffer.Messages += s.CachedInfo().State.Msgs
			}
		}
	}
	b, _ := json.Marshal(hb)
	msg := nats.NewMsg(HeartbeatSubject(a.Identity.NodeID))
	msg.Data = b
	if sig, err := a.Sign(b); err == nil {
		msg.Header.Set(SignatureHeader, base64.StdEncoding.EncodeToString(sig))
	}
	if err := a.nc.PublishMsg(msg); err != nil {
		a.log.Warn("heartbeat", "err", err)
	}
}

// inspect reports a datasource's tables and health; never its DSN.
func (a *Agent) inspect(ctx context.Context, d DatasourceConfig) Datasource {
	out := Datasource{Name: d.Name, Driver: d.Driver, Tables: []string{}}
	if d.Driver == DriverHTTP {
		// The base tells the platform which calls go through this node;
		// the headers (credentials) stay here. The API is not probed.
		out.URL, out.Healthy = d.URL, true
		return out
	}
	if d.Driver == DriverFiles {
		entries, err := os.ReadDir(d.Path)
		if err != nil {
			out.Error = "folder unreadable: " + err.Error()
			return out
		}
		for _, e := range entries {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if !e.IsDir() && (ext == ".csv" || ext == ".xlsx") {
				out.Tables = append(out.Tables, e.Name())
			}
		}
		out.Healthy = true
		return out
	}
	a.mu.Lock()
	src := a.sources[d.Name]
	a.mu.Unlock()
	if src == nil {
		var err error
		if src, err = connector.Open(ctx, d.Driver, d.Target()); err != nil {
			out.Error = err.Error() // connector errors never show the password
			return out
		}
		a.mu.Lock()
		a.sources[d.Name] = src
		a.mu.Unlock()
	}
	tables, err := src.Tables(ctx)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Tables, out.Healthy = tables, true
	return out
}

// Source returns an open connector for datasource name (not files); the agent owns it.
func (a *Agent) Source(ctx context.Context, name string) (*connector.Source, error) {
	d, ok := a.Datasource(name)
	if !ok {
		return nil, fmt.Errorf("no datasource %q in the node config", name)
	}
	if d.Driver == DriverFiles {
		return nil, fmt.Errorf("datasource %q is a folder of files, not a database", name)
	}
	if d.Driver == DriverHTTP {
		return nil, fmt.Errorf("datasource %q is an API, not a database", name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.sources[name]; s != nil {
		return s, nil
	}
	s, err := connector.Open(ctx, d.Driver, d.Target())
	if err != nil {
		return nil, err
	}
	a.sources[name] = s
	return s, nil
}

// natsLogger passes the embedded server's log to slog.
type natsLogger struct{ a *Agent }

func (l *natsLogger) Noticef(f string, v ...any) { l.a.log.Debug(fmt.Sprintf(f, v...), "from", "nats") }
func (l *natsLogger) Warnf(f string, v ...any)   { l.a.log.Warn(fmt.Sprintf(f, v...), "from", "nats") }
func (l *natsLogger) Fatalf(f string, v ...any)  { l.a.log.Error(fmt.Sprintf(f, v...), "from", "nats") }
func (l *natsLogger) Errorf(f string, v ...any)  { l.a.log.Error(fmt.Sprintf(f, v...), "from", "nats") }
func (l *natsLogger) Debugf(f string, v ...any)  {}
func (l *natsLogger) Tracef(string, ...any)      {}

// probe asks the platform's leaf listener, as the leaf connection would,
// whether it accepts the node's certificate. It reports refused when the
// TLS handshake ends in an alert from the platform; a listener that cannot
// be reached is not a refusal (the link is just down).
func (a *Agent) probe(ctx context.Context) (refused bool, err error) {
	leaf, err := url.Parse(a.Identity.LeafURL)
	if err != nil {
		return false, err
	}
	tc, err := a.tlsConfig(leaf.Hostname())
	if err != nil {
		return false, err
	}
	d := net.Dialer{Timeout: 3 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", leaf.Host)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	// The listener greets with an INFO line before TLS starts.
	line, err := bufio.NewReader(io.LimitReader(conn, 64<<10)).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		return false, fmt.Errorf("no NATS greeting from %s", leaf.Host)
	}
	tconn := tls.Client(conn, tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return isAlert(err), err
	}
	// With TLS 1.3 the server checks the client's certificate after the
	// client's side of the handshake: a refusal arrives as an alert.
	tconn.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
	_, err = tconn.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, nil // accepted: the server waits for CONNECT
	}
	return isAlert(err), err
}

func isAlert(err error) bool {
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return true
	}
	var verr *tls.CertificateVerificationError
	return errors.As(err, &verr) || (err != nil && strings.Contains(err.Error(), "remote error: tls:"))
}
