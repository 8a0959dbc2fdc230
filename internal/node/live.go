package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/govshare/govshare/internal/store"
)

// LeafTLS returns the TLS configuration of the platform's leaf listener: a
// server certificate signed by the node CA for hosts (the names and
// addresses nodes dial), TLS 1.3, and a client certificate that must be
// signed by the CA and belong to an active node. The check consults the
// registry's set of accepted certificates, which changes as nodes are
// enrolled, disabled and revoked.
func (r *Registry) LeafTLS(hosts []string) (*tls.Config, error) {
	if r.ca == nil {
		return nil, errors.New("node registry not opened")
	}
	key, cert, err := r.ca.signServer(hosts, r.now())
	if err != nil {
		return nil, err
	}
	der, _ := ParseCertificatePEM(cert.PEM)
	base := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{{Certificate: [][]byte{der.Raw}, PrivateKey: key, Leaf: der}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    r.ca.pool(),
	}
	base.VerifyConnection = func(cs tls.ConnectionState) error { return r.verify(cs, "") }
	// The per-connection copy knows the remote address, so that the
	// connection of a node whose certificate is withdrawn can be found and closed.
	base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		c := base.Clone()
		c.GetConfigForClient = nil
		addr := ""
		if hello.Conn != nil {
			addr = hello.Conn.RemoteAddr().String()
		}
		c.VerifyConnection = func(cs tls.ConnectionState) error { return r.verify(cs, addr) }
		return c, nil
	}
	return base, nil
}

// verify accepts a verified client certificate only when it belongs to an
// active node.
func (r *Registry) verify(cs tls.ConnectionState, addr string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("node certificate required")
	}
	c := cs.PeerCertificates[0]
	serial := serialText(c.SerialNumber)
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.allowed[serial]
	if !ok || c.Subject.CommonName != strconv.FormatInt(id, 10) {
		// A refused node retries twice a second: say so once a minute.
		if now := r.now(); now.Sub(r.refused[serial]) >= time.Minute {
			r.refused[serial] = now
			r.log.Warn("leaf connection refused: the node's certificate is revoked, disabled or unknown", "serial", serial,
				"cn", c.Subject.CommonName, "addr", addr)
		}
		return fmt.Errorf("node certificate %s is revoked, disabled or unknown", serial)
	}
	if addr != "" {
		r.conns[addr] = leafConn{serial: serial, at: r.now()}
	}
	return nil
}

// leafConn is the certificate a leaf connection presented, recorded at its
// handshake and again when it authenticates.
type leafConn struct {
	serial string
	at     time.Time
}

// leafConnGrace is how long a recorded connection is kept while the server
// does not list it yet (between handshake and CONNECT, which may take a
// while): a withdrawn certificate must find its connection.
const leafConnGrace = time.Minute

// SignatureHeader carries a node's signature of a message's data: ASN.1
// ECDSA over its SHA-256, made with the node's key (Agent.Sign).
const SignatureHeader = "Govshare-Node-Signature"

// Verify reports whether sig is node id's signature of data, made with the
// key of its currently accepted certificate.
func (r *Registry) Verify(id int64, data, sig []byte) bool {
	r.mu.Lock()
	var key *ecdsa.PublicKey
	for serial, nid := range r.allowed {
		if nid == id {
			key = r.keys[serial]
		}
	}
	r.mu.Unlock()
	if key == nil {
		return false
	}
	sum := sha256.Sum256(data)
	return ecdsa.VerifyASN1(key, sum[:], sig)
}

// Allowed reports whether a certificate is currently accepted.
func (r *Registry) Allowed(cert *x509.Certificate) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.allowed[serialText(cert.SerialNumber)]
	return ok && cert.Subject.CommonName == strconv.FormatInt(id, 10)
}

// refresh reads the accepted certificates and returns the ones withdrawn
// since the last read, whose connections it closes.
func (r *Registry) refresh(ctx context.Context) (map[string]int64, error) {
	rows, err := r.db.Query(ctx, "SELECT cert_serial, id, cert_pem FROM nodes WHERE state = ? AND cert_serial <> ''", string(Active))
	if err != nil {
		return nil, fmt.Errorf("read accepted node certificates: %w", err)
	}
	defer rows.Close()
	now := map[string]int64{}
	pems := map[string]string{}
	for rows.Next() {
		var serial, certPEM string
		var id int64
		if err := rows.Scan(&serial, &id, &certPEM); err != nil {
			return nil, err
		}
		now[serial], pems[serial] = id, certPEM
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	keys := map[string]*ecdsa.PublicKey{}
	for serial, certPEM := range pems {
		if k, ok := r.keys[serial]; ok {
			keys[serial] = k
		} else if c, err := ParseCertificatePEM([]byte(certPEM)); err == nil {
			if k, ok := c.PublicKey.(*ecdsa.PublicKey); ok {
				keys[serial] = k
			}
		}
	}
	r.keys = keys
	gone := map[string]int64{}
	for s, id := range r.allowed {
		if _, ok := now[s]; !ok {
			gone[s] = id
		}
	}
	r.allowed = now
	r.mu.Unlock()
	if len(gone) > 0 {
		r.kick(gone)
	}
	return gone, nil
}

// kick closes the leaf connections of withdrawn certificates: those whose
// handshake presented one of them, and those naming a withdrawn node.
func (r *Registry) kick(gone map[string]int64) {
	r.mu.Lock()
	srv := r.srv
	conns := maps.Clone(r.conns)
	r.mu.Unlock()
	if srv == nil {
		return
	}
	lz, err := srv.Leafz(nil)
	if err != nil {
		r.log.Warn("list leaf connections", "err", err)
		return
	}
	names := map[string]bool{}
	for _, id := range gone {
		names[Domain(id)] = true
	}
	live := map[string]bool{}
	for _, l := range lz.Leafs {
		addr := net.JoinHostPort(l.IP, strconv.Itoa(l.Port))
		live[addr] = true
		_, withdrawn := gone[conns[addr].serial]
		if withdrawn || names[l.Name] {
			if err := srv.DisconnectClientByID(l.ID); err != nil {
				r.log.Warn("close leaf connection", "addr", addr, "err", err)
				continue
			}
			r.log.Info("closed the leaf connection of a withdrawn node certificate", "addr", addr, "name", l.Name)
		}
	}
	r.mu.Lock()
	for a, c := range r.conns {
		if !live[a] && r.now().Sub(c.at) > leafConnGrace {
			delete(r.conns, a)
		}
	}
	r.mu.Unlock()
}

// changed re-reads the accepted certificates after a change made here and
// tells the other replicas to do the same.
func (r *Registry) changed(ctx context.Context) {
	if _, err := r.refresh(ctx); err != nil {
		r.log.Error("refresh node certificates", "err", err)
	}
	r.mu.Lock()
	nc := r.nc
	r.mu.Unlock()
	if nc != nil {
		nc.Publish(changedSubject, nil)
	}
}

// Start listens for heartbeats and changes on nc and keeps the accepted
// certificates fresh; srv, when the bus is embedded, is the server whose
// leaf connections it closes. Stop ends it.
func (r *Registry) Start(ctx context.Context, nc *nats.Conn, srv *server.Server) error {
	r.mu.Lock()
	r.nc, r.srv = nc, srv
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	r.mu.Unlock()
	hb, err := nc.Subscribe(heartbeatWildcard, r.heartbeat)
	if err != nil {
		return fmt.Errorf("subscribe to node heartbeats: %w", err)
	}
	hb.SetPendingLimits(10000, 16<<20)
	ch, err := nc.Subscribe(changedSubject, func(*nats.Msg) {
		if _, err := r.refresh(context.Background()); err != nil {
			r.log.Error("refresh node certificates", "err", err)
		}
	})
	if err != nil {
		hb.Unsubscribe()
		return fmt.Errorf("subscribe to node changes: %w", err)
	}
	r.subs = []*nats.Subscription{hb, ch}
	go func() {
		defer close(r.done)
		t := time.NewTicker(r.RefreshInterval)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if _, err := r.refresh(ctx); err != nil {
					r.log.Error("refresh node certificates", "err", err)
				}
				cancel()
				r.kick(nil) // forget the addresses of closed connections
			}
		}
	}()
	return nil
}

// Stop ends what Start began.
func (r *Registry) Stop() {
	if r.stop == nil {
		return
	}
	for _, s := range r.subs {
		s.Unsubscribe()
	}
	close(r.stop)
	<-r.done
	r.stop = nil
}

// heartbeatWrite is the most often one replica writes a node's heartbeat
// when nothing but the time changed.
const heartbeatWrite = 20 * time.Second

func (r *Registry) heartbeat(m *nats.Msg) {
	parts := strings.Split(m.Subject, ".")
	if len(parts) != 4 {
		return
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return
	}
	sig, _ := base64.StdEncoding.DecodeString(m.Header.Get(SignatureHeader))
	if !r.Verify(id, m.Data, sig) {
		r.log.Debug("node heartbeat without a valid signature ignored", "node", id)
		return
	}
	var hb Heartbeat
	if len(m.Data) > 256<<10 || json.Unmarshal(m.Data, &hb) != nil || hb.NodeID != id {
		r.log.Warn("unreadable node heartbeat", "node", id)
		return
	}
	now := r.now()
	r.mu.Lock()
	r.seen[id] = now
	ds, _ := json.Marshal(normalise(hb.Datasources))
	buf, _ := json.Marshal(hb.Buffer)
	health := "ok"
	for _, d := range hb.Datasources {
		if !d.Healthy {
			health = "degraded"
		}
	}
	sum := sha256.Sum256([]byte(truncate(hb.Version, 64) + "\x00" + string(ds) + "\x00" + health))
	digest := hex.EncodeToString(sum[:])
	last := r.written[id]
	if last.digest == digest && now.Sub(last.at) < heartbeatWrite {
		r.mu.Unlock()
		return
	}
	r.written[id] = dbBeat{at: now, digest: digest}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	at := store.FormatTime(now)
	if err := r.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE nodes SET version = ?, datasources = ?, health = ?, buffer = ?, last_heartbeat = ?, updated_at = ?
			WHERE id = ? AND state = ?`, truncate(hb.Version, 64), string(ds), health, string(buf), at, at, id, string(Active))
		return err
	}); err != nil {
		r.log.Error("record node heartbeat", "node", id, "err", err)
		r.mu.Lock()
		delete(r.written, id)
		r.mu.Unlock()
	}
}

// normalise bounds what a heartbeat may store.
func normalise(ds []Datasource) []Datasource {
	if len(ds) > 100 {
		ds = ds[:100]
	}
	out := make([]Datasource, 0, len(ds))
	for _, d := range ds {
		d.Name, d.Driver, d.Error = truncate(d.Name, 64), truncate(d.Driver, 16), truncate(d.Error, 300)
		if len(d.URL) > 500 || d.Driver != DriverHTTP {
			d.URL = ""
		}
		if len(d.Tables) > 1000 {
			d.Tables = d.Tables[:1000]
		}
		if d.Tables == nil {
			d.Tables = []string{}
		}
		out = append(out, d)
	}
	return out
}

// LeafAuth authorises the connections of the platform's embedded bus (set
// it as bus.Options.LeafAuth): in-process clients (the platform's own; the
// embedded server listens for no other) get everything, and a leaf
// connection gets LeafPermissions of the node its verified certificate
// names, decided when it connects, so that a node enrolled later needs no
// change to the server. A leaf without an accepted certificate is refused.
func (r *Registry) LeafAuth() server.Authentication { return leafAuth{r} }

type leafAuth struct{ r *Registry }

func (l leafAuth) Check(c server.ClientAuthentication) bool {
	switch c.Kind() {
	case server.CLIENT:
		return true // in-process: the embedded server has no client port
	case server.LEAF:
	default:
		return false
	}
	cs := c.GetTLSConnectionState()
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return false
	}
	cert := cs.PeerCertificates[0]
	// Recorded before the check, so that a certificate withdrawn in between
	// either fails the check or finds this connection to close.
	if a := c.RemoteAddress(); a != nil {
		l.r.mu.Lock()
		l.r.conns[a.String()] = leafConn{serial: serialText(cert.SerialNumber), at: l.r.now()}
		l.r.mu.Unlock()
	}
	if !l.r.Allowed(cert) {
		return false
	}
	id, err := strconv.ParseInt(cert.Subject.CommonName, 10, 64)
	if err != nil {
		return false
	}
	c.RegisterUser(&server.User{Username: Domain(id), Permissions: LeafPermissions(id)})
	return true
}
