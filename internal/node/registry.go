package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the nodes schema; it needs org's.
var Migration = store.Migration{Domain: "node", FS: migrations}

// State is where a node stands in its life.
type State string

const (
	Pending  State = "pending"  // enrolment issued, the node has not enrolled yet
	Active   State = "active"   // enrolled; its certificate is accepted
	Disabled State = "disabled" // refused for now; an operator may enable it again
	Revoked  State = "revoked"  // its certificate is refused for good
)

// States lists the states in display order.
var States = []State{Pending, Active, Disabled, Revoked}

// Datasource is what a node reports about one of its datasources. DSNs and
// credentials stay on the node and never appear here.
type Datasource struct {
	Name    string   `json:"name"`
	Driver  string   `json:"driver" doc:"postgres, mysql, sqlite, files or http"`
	Tables  []string `json:"tables" doc:"Tables and views (files: CSV/XLSX file names)"`
	URL     string   `json:"url,omitempty" doc:"http: the base URL of the department's API that the node calls"`
	Healthy bool     `json:"healthy"`
	Error   string   `json:"error,omitempty" doc:"Why the datasource does not answer"`
}

// Buffer is the state of a node's local JetStream store, where extracted
// data waits while the link to the platform is down.
type Buffer struct {
	Streams   int    `json:"streams"`
	Consumers int    `json:"consumers"`
	Messages  uint64 `json:"messages"`
	Bytes     uint64 `json:"bytes" doc:"File store in use"`
	Memory    uint64 `json:"memory" doc:"Memory store in use"`
}

// Heartbeat is what a node publishes every HeartbeatInterval on
// HeartbeatSubject(id).
type Heartbeat struct {
	NodeID      int64        `json:"node_id"`
	Version     string       `json:"version"`
	Uptime      float64      `json:"uptime_seconds"`
	Datasources []Datasource `json:"datasources"`
	Buffer      Buffer       `json:"buffer"`
	At          time.Time    `json:"at"`
}

// Node is a front-end node (前置机) as the platform knows it.
type Node struct {
	ID              int64        `json:"id"`
	Name            string       `json:"name"`
	DepartmentID    int64        `json:"department_id"`
	DepartmentName  string       `json:"department_name"`
	State           State        `json:"state" enum:"pending,active,disabled,revoked"`
	Online          bool         `json:"online" doc:"Active and heard from within three heartbeat intervals"`
	Domain          string       `json:"domain" doc:"The node's JetStream domain"`
	CertSerial      string       `json:"cert_serial,omitempty"`
	CertFingerprint string       `json:"cert_fingerprint,omitempty" doc:"SHA-256 of the certificate (DER), hex"`
	CertExpiresAt   time.Time    `json:"cert_expires_at,omitzero"`
	Version         string       `json:"version,omitempty"`
	Datasources     []Datasource `json:"datasources"`
	Health          string       `json:"health,omitempty" doc:"ok, or degraded when a datasource does not answer"`
	Buffer          Buffer       `json:"buffer"`
	LastHeartbeat   time.Time    `json:"last_heartbeat,omitzero"`
	Reason          string       `json:"reason,omitempty" doc:"Why it was disabled or revoked"`
	CreatedBy       string       `json:"created_by"`
	CreatedAt       time.Time    `json:"created_at"`
	EnrolledAt      time.Time    `json:"enrolled_at,omitzero"`
	DisabledAt      time.Time    `json:"disabled_at,omitzero"`
	RevokedAt       time.Time    `json:"revoked_at,omitzero"`
	TokenExpiresAt  time.Time    `json:"token_expires_at,omitzero" doc:"Pending nodes: when the enrolment token expires"`
	TokenExpired    bool         `json:"token_expired,omitempty" doc:"Pending nodes: the token expired (or was replaced); issue a new one"`
}

// Domain is the JetStream domain of node id.
func Domain(id int64) string { return "node_" + strconv.FormatInt(id, 10) }

// HeartbeatSubject is where node id publishes its heartbeats.
func HeartbeatSubject(id int64) string { return fmt.Sprintf("govshare.node.%d.heartbeat", id) }

const (
	heartbeatWildcard = "govshare.node.*.heartbeat"
	changedSubject    = "govshare.platform.nodes.changed"
	tokenPrefix       = "gsn_"
)

// Registry is the platform side of the nodes: their certificate authority,
// enrolment, state, heartbeats, and the leaf listener's TLS check.
type Registry struct {
	db     *store.DB
	audit  *audit.Log
	org    *org.Service
	sealer *cryptosuite.Sealer
	log    *slog.Logger
	now    func() time.Time

	// HeartbeatInterval is how often nodes report; a node not heard from
	// for three intervals is offline.
	HeartbeatInterval time.Duration
	// TokenTTL is the lifetime of an enrolment token.
	TokenTTL time.Duration
	// RefreshInterval is how often the set of accepted certificates is
	// read again from the database, so replicas agree.
	RefreshInterval time.Duration
	// LeafURL is the address nodes dial (nats-leaf://host:port); empty
	// when this platform has no leaf listener, and enrolment is refused.
	LeafURL string

	ca *ca

	mu      sync.Mutex
	allowed map[string]int64            // accepted certificate serial -> node id
	conns   map[string]leafConn         // leaf connection remote address -> its certificate
	seen    map[int64]time.Time         // last heartbeat heard by this replica
	written map[int64]dbBeat            // last heartbeat written by this replica
	refused map[string]time.Time        // when a refused certificate was last logged
	keys    map[string]*ecdsa.PublicKey // public key by accepted certificate serial
	srv     *server.Server
	nc      *nats.Conn
	subs    []*nats.Subscription
	stop    chan struct{}
	done    chan struct{}
}

type dbBeat struct {
	at     time.Time
	digest string
}

// NewRegistry returns a registry over db; sealer protects the CA key. It does no I/O.
func NewRegistry(db *store.DB, log *audit.Log, orgs *org.Service, sealer *cryptosuite.Sealer, logger *slog.Logger) *Registry {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Registry{db: db, audit: log, org: orgs, sealer: sealer, log: logger, now: time.Now,
		HeartbeatInterval: 10 * time.Second, TokenTTL: 24 * time.Hour, RefreshInterval: 3 * time.Second,
		allowed: map[string]int64{}, conns: map[string]leafConn{}, seen: map[int64]time.Time{}, written: map[int64]dbBeat{},
		refused: map[string]time.Time{}, keys: map[string]*ecdsa.PublicKey{}}
}

// Open loads the CA from the database, creating it on the first start, and
// reads the accepted certificates.
func (r *Registry) Open(ctx context.Context) error {
	c, err := r.loadOrCreateCA(ctx)
	if err != nil {
		return err
	}
	r.ca = c
	_, err = r.refresh(ctx)
	return err
}

func (r *Registry) loadOrCreateCA(ctx context.Context) (*ca, error) {
	var certPEM, keySealed string
	err := r.db.QueryRow(ctx, "SELECT cert_pem, key_sealed FROM node_ca WHERE id = 1").Scan(&certPEM, &keySealed)
	if errors.Is(err, sql.ErrNoRows) {
		if err := r.createCA(ctx); err != nil {
			return nil, err
		}
		err = r.db.QueryRow(ctx, "SELECT cert_pem, key_sealed FROM node_ca WHERE id = 1").Scan(&certPEM, &keySealed)
	}
	if err != nil {
		return nil, fmt.Errorf("read the node CA: %w", err)
	}
	keyPEM, err := r.sealer.Open(keySealed)
	if err != nil {
		return nil, fmt.Errorf("node CA key: %w (is --secrets-key the file the CA was created with?)", err)
	}
	return loadCA(certPEM, keyPEM)
}

func (r *Registry) createCA(ctx context.Context) error {
	c, err := newCA(r.now())
	if err != nil {
		return err
	}
	keyPEM, err := c.marshalKey()
	if err != nil {
		return err
	}
	{
		// Another replica may create it at the same time: the first wins and both read it back.
		if err := r.db.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO node_ca (id, cert_pem, key_sealed, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
				string(c.pem), r.sealer.Seal(keyPEM), store.FormatTime(r.now()))
			if err != nil {
				return err
			}
			return r.audit.Append(ctx, tx, audit.Entry{Actor: org.System.Username, Action: "node.ca.create", Target: "node_ca",
				Outcome: audit.Success, Detail: audit.Keyed(auditCA, fingerprint(c.cert.Raw))})
		}); err != nil {
			return fmt.Errorf("store the node CA: %w", err)
		}
	}
	return nil
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// CAPEM returns the CA certificate in PEM.
func (r *Registry) CAPEM() []byte { return r.ca.pem }

// principals and permissions

// operatesAll reports whether p manages the nodes of every department.
func operatesAll(p org.Principal) bool { return p.Has(org.SystemAdmin) }

// operatesDept reports whether p manages the nodes of department dept: a
// node operator or department admin of that department.
func operatesDept(p org.Principal, dept int64) bool {
	if operatesAll(p) {
		return true
	}
	return dept != 0 && p.DepartmentID == dept && (p.Can(org.OperateNodes) || p.Can(org.ManageDeptUsers))
}

// seesAll reports whether p sees the nodes of every department.
func seesAll(p org.Principal) bool {
	return p.Has(org.SystemAdmin) || p.Has(org.SecurityAdmin) || p.Has(org.Auditor)
}

// CanOperate reports whether p may add, disable and revoke nodes of dept.
func CanOperate(p org.Principal, dept int64) bool { return operatesDept(p, dept) }

// CanView reports whether p may open the nodes page at all.
func CanView(p org.Principal) bool {
	return seesAll(p) || (p.DepartmentID != 0 && (p.Can(org.OperateNodes) || p.Can(org.ManageDeptUsers)))
}

func entry(p org.Principal, action, target, outcome, detail string) audit.Entry {
	return audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
		Action: action, Target: target, Outcome: outcome, ClientAddr: p.ClientAddr, Detail: detail}
}

// Enrolment

// EnrollmentInput asks for a new node and its one-time enrolment token.
type EnrollmentInput struct {
	Name         string `json:"name" maxLength:"64" doc:"The node's name, e.g. 公安局前置机-1"`
	DepartmentID int64  `json:"department_id,omitempty" minimum:"0" doc:"Department the node serves; defaults to the caller's"`
}

// Enrollment is a new node with its one-time token.
type Enrollment struct {
	NodeID    int64     `json:"node_id"`
	Name      string    `json:"name"`
	Token     string    `json:"token" doc:"One-time enrolment token; shown only now, stored hashed"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CreateEnrollment adds a pending node to a department and returns the
// token with which the node enrols.
func (r *Registry) CreateEnrollment(ctx context.Context, p org.Principal, in EnrollmentInput) (Enrollment, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.DepartmentID == 0 {
		in.DepartmentID = p.DepartmentID
	}
	target := "department:" + strconv.FormatInt(in.DepartmentID, 10)
	if !operatesDept(p, in.DepartmentID) {
		return Enrollment{}, r.org.DenyMsg(ctx, p, "node.enrollment.create", target, msgAddRefused)
	}
	f := errs.Fields{}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f.AddMsg("name", msgRequired)
	case n > 64:
		f.AddMsg("name", msgName64)
	}
	if in.DepartmentID == 0 {
		f.AddMsg("department_id", msgDeptRequired)
	}
	if err := f.Err(); err != nil {
		return Enrollment{}, err
	}
	if r.LeafURL == "" {
		return Enrollment{}, errs.New(errs.Unavailable, msgNoLeaf)
	}
	dept, err := r.org.Department(ctx, in.DepartmentID)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return Enrollment{}, errs.FieldMsg("department_id", msgNoDepartment)
		}
		return Enrollment{}, err
	}
	now := r.now()
	out := Enrollment{Name: in.Name, ExpiresAt: now.Add(r.TokenTTL).UTC().Truncate(time.Second)}
	err = r.db.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO nodes (name, department_id, state, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, dept.ID, string(Pending), p.Username, store.FormatTime(now), store.FormatTime(now)).Scan(&out.NodeID)
		if store.IsUnique(err) {
			return errs.FieldMsg("name", msgNameTaken, dept.Name, in.Name)
		}
		if err != nil {
			return fmt.Errorf("insert node: %w", err)
		}
		out.Token = newToken(out.NodeID)
		if _, err := tx.Exec(ctx, "INSERT INTO node_enrollments (node_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			out.NodeID, hashToken(out.Token), p.Username, store.FormatTime(now), store.FormatTime(out.ExpiresAt)); err != nil {
			return fmt.Errorf("insert enrolment: %w", err)
		}
		return r.audit.Append(ctx, tx, entry(p, "node.enrollment.create", nodeTarget(out.NodeID), audit.Success,
			audit.Keyed(auditEnrollment, in.Name, dept.Name, store.FormatTime(out.ExpiresAt))))
	})
	if err != nil {
		return Enrollment{}, err
	}
	return out, nil
}

// ReissueToken replaces the enrolment token of a pending node (when the
// first one expired or was lost); the old token stops working.
func (r *Registry) ReissueToken(ctx context.Context, p org.Principal, id int64) (Enrollment, error) {
	n, err := r.Node(ctx, id)
	if err != nil {
		return Enrollment{}, err
	}
	if !operatesDept(p, n.DepartmentID) {
		return Enrollment{}, r.org.DenyMsg(ctx, p, "node.enrollment.create", nodeTarget(id), msgTokenRefused)
	}
	if n.State != Pending {
		return Enrollment{}, errs.New(errs.Conflict, msgTokenPending, id, stateWords.Text(string(n.State)))
	}
	if r.LeafURL == "" {
		return Enrollment{}, errs.New(errs.Unavailable, msgNoLeaf)
	}
	now := r.now()
	out := Enrollment{NodeID: id, Name: n.Name, Token: newToken(id), ExpiresAt: now.Add(r.TokenTTL).UTC().Truncate(time.Second)}
	err = r.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE node_enrollments SET used_at = ? WHERE node_id = ? AND used_at = ''", store.FormatTime(now), id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO node_enrollments (node_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			id, hashToken(out.Token), p.Username, store.FormatTime(now), store.FormatTime(out.ExpiresAt)); err != nil {
			return fmt.Errorf("insert enrolment: %w", err)
		}
		return r.audit.Append(ctx, tx, entry(p, "node.enrollment.create", nodeTarget(id), audit.Success,
			audit.Keyed(auditNewToken, n.Name, store.FormatTime(out.ExpiresAt))))
	})
	if err != nil {
		return Enrollment{}, err
	}
	return out, nil
}

// newToken returns an enrolment token for node id: its id (so the node
// can name itself in its request) and 160 random bits.
func newToken(id int64) string {
	b := make([]byte, 20)
	rand.Read(b)
	return fmt.Sprintf("%s%d_%s", tokenPrefix, id, strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)))
}

func nodeTarget(id int64) string { return "node:" + strconv.FormatInt(id, 10) }

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// EnrollRequest is what a node sends once, with its token.
type EnrollRequest struct {
	Token   string `json:"token" maxLength:"200" doc:"The one-time enrolment token"`
	CSR     string `json:"csr" maxLength:"8000" doc:"PEM certificate request for the node's ECDSA P-256 key; CN empty or the node id"`
	Version string `json:"version,omitempty" maxLength:"64" doc:"The node's govshare version"`
}

// Enrolled is the platform's answer to a successful enrolment.
type Enrolled struct {
	NodeID      int64  `json:"node_id"`
	Name        string `json:"name"`
	Certificate string `json:"certificate" doc:"The node's certificate (PEM), good for a year"`
	CA          string `json:"ca" doc:"The platform's node CA (PEM); it signs the leaf listener's certificate"`
	LeafURL     string `json:"leaf_url" doc:"Where the node connects as a NATS leaf node over TLS"`
	Domain      string `json:"domain" doc:"The node's JetStream domain"`
}

// Enroll burns a token and signs the node's certificate request. Every
// attempt is audited; a bad token is Unauthorized, a bad request Invalid
// (and the token stays usable).
func (r *Registry) Enroll(ctx context.Context, in EnrollRequest, clientAddr string) (Enrolled, error) {
	actor := org.Principal{Username: "node-enrollment", ClientAddr: clientAddr}
	target := "node:?"
	if id, ok := tokenNodeID(in.Token); ok {
		target = nodeTarget(id)
	}
	var out Enrolled
	err := r.enroll(ctx, in, &out)
	if err != nil {
		if errs.Is(err, errs.Unauthorized) || errs.Is(err, errs.Invalid) || errs.Is(err, errs.Unavailable) {
			if rerr := r.audit.Record(ctx, entry(actor, "node.enroll", target, audit.Failure, org.DenialDetail(err))); rerr != nil {
				return Enrolled{}, errors.Join(err, rerr)
			}
		}
		return Enrolled{}, err
	}
	r.changed(ctx)
	return out, nil
}

func tokenNodeID(tok string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(tok), tokenPrefix)
	if !ok {
		return 0, false
	}
	idText, _, ok := strings.Cut(rest, "_")
	id, err := strconv.ParseInt(idText, 10, 64)
	return id, ok && err == nil && id > 0
}

func (r *Registry) enroll(ctx context.Context, in EnrollRequest, out *Enrolled) error {
	if r.LeafURL == "" {
		return errs.New(errs.Unavailable, msgNoLeaf)
	}
	tok := strings.TrimSpace(in.Token)
	if tok == "" {
		return errs.New(errs.Unauthorized, msgTokenMissing)
	}
	now := r.now()
	return r.db.InTx(ctx, func(tx *store.Tx) error {
		var enrolID, nodeID int64
		var expires, used, state, name string
		err := tx.QueryRow(ctx, `SELECT e.id, e.node_id, e.expires_at, e.used_at, n.state, n.name FROM node_enrollments e
			JOIN nodes n ON n.id = e.node_id WHERE e.token_hash = ?`, hashToken(tok)).Scan(&enrolID, &nodeID, &expires, &used, &state, &name)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.Unauthorized, msgTokenUnknown)
		}
		if err != nil {
			return fmt.Errorf("read enrolment: %w", err)
		}
		if used != "" {
			return errs.New(errs.Unauthorized, msgTokenUsed)
		}
		if exp, _ := store.ParseTime(expires); !now.Before(exp) {
			return errs.New(errs.Unauthorized, msgTokenExpired, exp.UTC().Format(time.RFC3339))
		}
		if State(state) != Pending {
			return errs.New(errs.Unauthorized, msgCannotEnrol, nodeID, stateWords.Text(state))
		}
		csr, err := checkCSR(in.CSR, nodeID)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "UPDATE node_enrollments SET used_at = ? WHERE id = ? AND used_at = ''", store.FormatTime(now), enrolID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Unauthorized, msgTokenUsedRace)
		}
		cert, err := r.ca.signNode(csr, nodeID, now)
		if err != nil {
			return err
		}
		version := truncate(in.Version, 64)
		if _, err := tx.Exec(ctx, `UPDATE nodes SET state = ?, cert_serial = ?, cert_fingerprint = ?, cert_pem = ?, cert_expires_at = ?, version = ?,
			enrolled_at = ?, updated_at = ? WHERE id = ?`, string(Active), cert.Serial, cert.Fingerprint, string(cert.PEM), store.FormatTime(cert.NotAfter), version,
			store.FormatTime(now), store.FormatTime(now), nodeID); err != nil {
			return fmt.Errorf("activate node: %w", err)
		}
		actor := org.Principal{Username: "node:" + strconv.FormatInt(nodeID, 10)}
		if err := r.audit.Append(ctx, tx, entry(actor, "node.enroll", nodeTarget(nodeID), audit.Success,
			audit.Keyed(auditEnrolled, cert.Serial, cert.Fingerprint, version))); err != nil {
			return err
		}
		*out = Enrolled{NodeID: nodeID, Name: name, Certificate: string(cert.PEM), CA: string(r.ca.pem), LeafURL: r.LeafURL, Domain: Domain(nodeID)}
		return nil
	})
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Reading

// Filter narrows a list of nodes.
type Filter struct {
	State        State
	DepartmentID int64
	Page         int
	PageSize     int
}

const nodeColumns = `n.id, n.name, n.department_id, d.name, n.state, n.cert_serial, n.cert_fingerprint, n.cert_expires_at, n.version,
	n.datasources, n.health, n.buffer, n.last_heartbeat, n.reason, n.created_by, n.created_at, n.enrolled_at, n.disabled_at, n.revoked_at,
	COALESCE((SELECT MAX(e.expires_at) FROM node_enrollments e WHERE e.node_id = n.id AND e.used_at = ''), '')`

func (r *Registry) scan(sc interface{ Scan(...any) error }) (Node, error) {
	var n Node
	var state, certExp, ds, buf, hb, created, enrolled, disabled, revoked, tokenExp string
	if err := sc.Scan(&n.ID, &n.Name, &n.DepartmentID, &n.DepartmentName, &state, &n.CertSerial, &n.CertFingerprint, &certExp, &n.Version,
		&ds, &n.Health, &buf, &hb, &n.Reason, &n.CreatedBy, &created, &enrolled, &disabled, &revoked, &tokenExp); err != nil {
		return Node{}, err
	}
	n.State = State(state)
	n.Domain = Domain(n.ID)
	n.CertExpiresAt, _ = store.ParseTime(certExp)
	n.LastHeartbeat, _ = store.ParseTime(hb)
	n.CreatedAt, _ = store.ParseTime(created)
	n.EnrolledAt, _ = store.ParseTime(enrolled)
	n.DisabledAt, _ = store.ParseTime(disabled)
	n.RevokedAt, _ = store.ParseTime(revoked)
	if n.State == Pending {
		n.TokenExpiresAt, _ = store.ParseTime(tokenExp)
		n.TokenExpired = !r.now().Before(n.TokenExpiresAt)
	}
	json.Unmarshal([]byte(ds), &n.Datasources)
	json.Unmarshal([]byte(buf), &n.Buffer)
	if n.Datasources == nil {
		n.Datasources = []Datasource{}
	}
	r.mu.Lock()
	if t := r.seen[n.ID]; t.After(n.LastHeartbeat) {
		n.LastHeartbeat = t
	}
	r.mu.Unlock()
	n.Online = n.State == Active && !n.LastHeartbeat.IsZero() && r.now().Sub(n.LastHeartbeat) < 3*r.HeartbeatInterval
	return n, nil
}

// List returns the nodes p may see: all of them for the platform officers,
// their own department's for node operators and department admins.
func (r *Registry) List(ctx context.Context, p org.Principal, f Filter) ([]Node, int, error) {
	if !CanView(p) {
		return nil, 0, r.org.DenyMsg(ctx, p, "node.list", "nodes", msgListForbidden)
	}
	if !seesAll(p) {
		f.DepartmentID = p.DepartmentID
	}
	return r.list(ctx, f)
}

// All returns every node, for other parts of the platform (no permission check).
func (r *Registry) All(ctx context.Context, f Filter) ([]Node, int, error) { return r.list(ctx, f) }

func (r *Registry) list(ctx context.Context, f Filter) ([]Node, int, error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "n.state = ?"), append(args, string(f.State))
	}
	if f.DepartmentID != 0 {
		where, args = append(where, "n.department_id = ?"), append(args, f.DepartmentID)
	}
	return store.List(ctx, r.db, store.Listing{Count: "SELECT COUNT(*) FROM nodes n", Select: "SELECT " + nodeColumns + " FROM nodes n JOIN departments d ON d.id = n.department_id",
		Where: where, Args: args, Order: "CASE n.state WHEN 'active' THEN 0 WHEN 'pending' THEN 1 WHEN 'disabled' THEN 2 ELSE 3 END, d.name_key, n.name, n.id",
		Page: f.Page, Size: f.PageSize}, func(rows *sql.Rows) (Node, error) { return r.scan(rows) })
}

// Get returns node id if p may see it.
func (r *Registry) Get(ctx context.Context, p org.Principal, id int64) (Node, error) {
	n, err := r.Node(ctx, id)
	if err != nil {
		return Node{}, err
	}
	if !seesAll(p) && !(CanView(p) && p.DepartmentID == n.DepartmentID) {
		return Node{}, r.org.DenyMsg(ctx, p, "node.read", nodeTarget(id), msgOtherDepartment)
	}
	return n, nil
}

// Node returns node id, for other parts of the platform (no permission check).
func (r *Registry) Node(ctx context.Context, id int64) (Node, error) {
	n, err := r.scan(r.db.QueryRow(ctx, "SELECT "+nodeColumns+" FROM nodes n JOIN departments d ON d.id = n.department_id WHERE n.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Node{}, errs.New(errs.NotFound, msgNodeNotFound, id)
	}
	if err != nil {
		return Node{}, fmt.Errorf("read node %d: %w", id, err)
	}
	return n, nil
}

// State changes

// Disable refuses node id's certificate until it is enabled again and
// closes its connection.
func (r *Registry) Disable(ctx context.Context, p org.Principal, id int64, reason string) (Node, error) {
	return r.transition(ctx, p, id, "disable", reason, []State{Active}, Disabled)
}

// Enable accepts a disabled node's certificate again.
func (r *Registry) Enable(ctx context.Context, p org.Principal, id int64) (Node, error) {
	return r.transition(ctx, p, id, "enable", "", []State{Disabled}, Active)
}

// Revoke refuses node id's certificate for good and closes its connection;
// revoking a pending node cancels its enrolment.
func (r *Registry) Revoke(ctx context.Context, p org.Principal, id int64, reason string) (Node, error) {
	return r.transition(ctx, p, id, "revoke", reason, []State{Pending, Active, Disabled}, Revoked)
}

func (r *Registry) transition(ctx context.Context, p org.Principal, id int64, action, reason string, from []State, to State) (Node, error) {
	reason = strings.TrimSpace(reason)
	n, err := r.Node(ctx, id)
	if err != nil {
		return Node{}, err
	}
	if !operatesDept(p, n.DepartmentID) {
		return Node{}, r.org.DenyMsg(ctx, p, "node."+action, nodeTarget(id), msgChangeRefused)
	}
	if to != Active && reason == "" {
		return Node{}, errs.FieldMsg("reason", msgReasonNeeded)
	}
	if utf8.RuneCountInString(reason) > 500 {
		return Node{}, errs.FieldMsg("reason", msgReason500)
	}
	ok := false
	for _, s := range from {
		ok = ok || n.State == s
	}
	if !ok {
		return Node{}, errs.New(errs.Conflict, msgCannotChange, id, stateWords.Text(string(n.State)), changeWords.Text(action))
	}
	now := store.FormatTime(r.now())
	err = r.db.InTx(ctx, func(tx *store.Tx) error {
		q := "UPDATE nodes SET state = ?, updated_at = ?"
		args := []any{string(to), now}
		switch to {
		case Disabled:
			q += ", disabled_at = ?, reason = ?"
			args = append(args, now, reason)
		case Revoked:
			q += ", revoked_at = ?, reason = ?"
			args = append(args, now, reason)
		case Active:
			q += ", disabled_at = '', reason = ''"
		}
		res, err := tx.Exec(ctx, q+" WHERE id = ? AND state = ?", append(args, id, string(n.State))...)
		if err != nil {
			return fmt.Errorf("%s node: %w", action, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.New(errs.Conflict, msgChanged, id)
		}
		return r.audit.Append(ctx, tx, entry(p, "node."+action, nodeTarget(id), audit.Success, stateDetail(n, reason)))
	})
	if err != nil {
		return Node{}, err
	}
	r.changed(ctx)
	return r.Node(ctx, id)
}

// NodeInfo describes node id for the exchange (exchange.Nodes): its
// department, state, domain and the datasources of its last heartbeat.
func (r *Registry) NodeInfo(ctx context.Context, id int64) (exchange.NodeInfo, error) {
	n, err := r.Node(ctx, id)
	if err != nil {
		return exchange.NodeInfo{}, err
	}
	out := exchange.NodeInfo{ID: n.ID, DepartmentID: n.DepartmentID, Active: n.State == Active, Online: n.Online, Domain: n.Domain,
		Datasources: map[string]exchange.NodeDatasource{}}
	for _, d := range n.Datasources {
		out.Datasources[d.Name] = exchange.NodeDatasource{Driver: d.Driver, Tables: d.Tables, Healthy: d.Healthy}
	}
	return out, nil
}
