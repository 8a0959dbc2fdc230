package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/notice"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// platform is a running platform's parts.
type platform struct {
	cfg      *Config
	replica  string // this replica's name in the cluster; empty for a single platform
	log      *slog.Logger
	db       *store.DB
	bus      *bus.Bus
	audit    *audit.Log
	org      *org.Service
	catalog  *catalog.Service
	lists    *lists.Service
	sharing  *sharing.Service
	gateway  *gateway.Service
	channels *exchange.Manager
	mandates *aggregation.Service
	basedb   *basedb.Service
	geo      *geo.Service
	nodes    *node.Registry
	notices  *notice.Service
	reminder *notice.Sharing
	ledger   *ledger.Log
	anchors  *ledger.Anchors
	licences *licence.Service
	seals    *seal.Service
	files    *licfile.Service
	opendata *opendata.Service
	assess   *assess.Service // 考核, 共享成效, 项目验收
	baseURL  string
	secure   bool // cookies are Secure (HTTPS)

	demoWitness *ledger.Cosigner // --demo: the demo's own witness
	demoNodes   *demo.Nodes      // --demo: the demo's front-end nodes (demonodes.go)
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := configure("serve", "govshare serve: run the platform (console, REST API, exchange bus)", args, getenv, stdout, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("tls-cert and tls-key go together")
	}
	if cfg.LookupQuota < 1 {
		return fmt.Errorf("lookup-quota: want at least 1 lookup a day, got %d", cfg.LookupQuota)
	}
	if cfg.NoticeInterval < time.Second {
		return fmt.Errorf("notice-interval: want at least 1s, got %s", cfg.NoticeInterval)
	}
	sender, err := notice.ParseSender(cfg.NoticeSender, log)
	if err != nil {
		return fmt.Errorf("notice-sender: %w", err)
	}
	if cfg.AdminPassword != "" {
		if err := org.CheckPasswordPolicy(cfg.AdminPassword); err != nil {
			return fmt.Errorf("admin-password: %s", errs.Message(err))
		}
	}
	directHosts, err := gateway.ParseDirectHosts(cfg.APIDirectHosts)
	if err != nil {
		return fmt.Errorf("api-direct-hosts: %w", err)
	}
	dsHosts, err := connector.ParseHosts(cfg.DatasourceHosts)
	if err != nil {
		return fmt.Errorf("datasource-hosts: %w", err)
	}
	if cfg.Demo {
		dsHosts = dsHosts.With(connector.Loopback...)
	}
	started := time.Now()
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data-dir: %w", err)
	}
	p := &platform{cfg: cfg, log: log, secure: cfg.TLSCert != ""}
	if p.db, err = openStore(ctx, cfg, cfg.Migrate); err != nil {
		return err
	}
	defer p.db.Close()
	if cfg.SecretsKey == "" {
		cfg.SecretsKey = filepath.Join(cfg.DataDir, "keys", "secrets.key")
	}
	secrets, err := cryptosuite.LoadSealer(cfg.SecretsKey)
	if err != nil {
		return fmt.Errorf("secrets-key: %w", err)
	}
	if p.audit, err = openAudit(ctx, p.db, cfg, stdout); err != nil {
		return err
	}
	p.org = org.NewService(p.db, p.audit, division.Default())
	p.org.SessionTTL = cfg.SessionTTL
	p.nodes = node.NewRegistry(p.db, p.audit, p.org, secrets, log)
	if err := p.nodes.Open(ctx); err != nil {
		return err
	}
	if p.demoNodesWanted() && cfg.LeafListen == "" {
		cfg.LeafListen = "127.0.0.1:0" // the demo's nodes join on loopback
	}
	busOpts := bus.Options{URL: cfg.NATS, StoreDir: filepath.Join(cfg.DataDir, "nats"), LeafListen: cfg.LeafListen, Trace: cfg.LogLevel == "debug"}
	if busOpts.Cluster, err = replicaCluster(cfg, secrets); err != nil {
		return err
	}
	if busOpts.Cluster != nil {
		p.replica = busOpts.Cluster.Name
	}
	var leafHost, leafPort string
	if cfg.LeafListen != "" {
		if cfg.NATS != "" {
			return errors.New("leaf-listen needs the embedded NATS: with --nats, nodes join your NATS cluster's own leaf listener")
		}
		if leafHost, leafPort, err = leafAdvertise(cfg.LeafListen, cfg.LeafAdvertise); err != nil {
			return err
		}
		hosts := []string{leafHost, "localhost", "127.0.0.1", "::1"}
		if h, _, _ := net.SplitHostPort(cfg.LeafListen); h != "" && h != "0.0.0.0" && h != "::" {
			hosts = append(hosts, h)
		}
		busOpts.LeafAuth = p.nodes.LeafAuth() // each node reaches only its own subjects
		if busOpts.LeafTLS, err = p.nodes.LeafTLS(hosts); err != nil {
			return fmt.Errorf("leaf listener TLS: %w", err)
		}
	}
	p.bus, err = bus.Open(ctx, busOpts)
	if err != nil {
		return err
	}
	defer p.bus.Close()
	if addr := p.bus.LeafAddr(); addr != "" {
		if leafPort == "" {
			_, leafPort, _ = net.SplitHostPort(addr)
		}
		p.nodes.LeafURL = "nats-leaf://" + net.JoinHostPort(leafHost, leafPort)
	}
	if err := p.nodes.Start(ctx, p.bus.Conn, p.bus.Server()); err != nil {
		return err
	}
	defer p.nodes.Stop()
	profile, ok := catalog.Profiles[cfg.CodeProfile]
	if !ok {
		return fmt.Errorf("code-profile: want national or segmented, got %q", cfg.CodeProfile)
	}
	p.catalog = catalog.NewService(p.db, p.audit, p.org, profile)
	p.catalog.SQLiteRoot, p.catalog.Hosts, p.catalog.Log = filepath.Join(cfg.DataDir, "datasources"), dsHosts, log
	p.catalog.Replicated = busOpts.Cluster != nil
	p.catalog.Secrets = secrets
	p.lists = lists.NewService(p.db, p.audit, p.org, p.catalog)
	p.catalog.Negative = p.lists
	p.sharing = sharing.NewService(p.db, p.audit, p.org, p.catalog, p.lists)
	p.sharing.Log = log
	p.sharing.Secrets, p.sharing.LookupQuota = secrets, cfg.LookupQuota
	p.notices = notice.NewService(p.db)
	p.notices.Sender, p.notices.Log = sender, log
	p.reminder = &notice.Sharing{Notices: p.notices, Sharing: p.sharing, Log: log}
	p.sharing.Watchers = append(p.sharing.Watchers, p.reminder)
	// The fonts of printed forms load on the first print; without them the
	// platform runs and a print answers which package to install.
	p.sharing.Fonts = &pdfdoc.Loader{Dir: cfg.PDFFonts}
	if err := p.sharing.Fonts.Check(); err != nil {
		log.Warn("application forms cannot be printed until the PDF fonts are installed (pdf-fonts)", "err", err)
	}
	nonces, err := gateway.OpenKVNonces(ctx, p.bus.JS, "GOVSHARE_NONCES", 2*gateway.DefaultWindow, busOpts.Cluster.Replicas())
	if err != nil {
		return fmt.Errorf("nonce store: %w", err)
	}
	p.gateway = gateway.NewService(p.db, p.audit, p.catalog, p.sharing, p.catalog.Secrets, nonces)
	p.gateway.Log = log
	p.gateway.Nodes, p.gateway.DirectHosts = p.nodes, directHosts
	p.catalog.APIHostOwners = p.gateway.DirectOwners
	defer p.gateway.Close()
	p.sharing.Deliverers[sharing.DeliveryAPI] = p.gateway.Deliverer()
	tables := &sharing.TableDelivery{Sharing: p.sharing}
	if p.demoNodesWanted() {
		tables.NodeSource = p.demoGrantSource
	}
	// Rows of the platform-run channels that fail their rules (the catalog
	// items' validators, else the column types) wait here with the reason,
	// in the database the replicas share; earlier versions kept a file.
	quarantine := exchange.NewQuarantine(p.db)
	if n, err := quarantine.MoveFrom(ctx, filepath.Join(cfg.DataDir, "quarantine.db")); err != nil {
		return err
	} else if n > 0 {
		log.Info("quarantine: entries moved from the data directory's file into the database", "entries", n)
	}
	xo := exchange.Options{Logger: log, Quarantine: quarantine, Replicas: busOpts.Cluster.Replicas()}
	if busOpts.Cluster != nil {
		// A replica that takes over the channels finds the batch the dead
		// leader was applying again after AckWait: keep that short.
		xo.AckWait = 4 * time.Second
	}
	xo.Targets = p.libraryTargets()
	engine := exchange.New(p.bus.JS, xo)
	defer engine.Close()
	// Every channel has a basis: a grant (tables.Shape) or an aggregation
	// mandate (p.mandates.Shape), checked before each pass and batch.
	p.mandates = aggregation.NewService(p.db, p.audit, p.org, p.catalog, p.lists)
	p.mandates.HashKey = p.sharing.HashKey
	p.channels = exchange.NewManager(p.db, p.audit, p.org, p.withLibrary(exchange.NodeResolver(p.catalog, p.nodes)), engine,
		exchange.ManagerOptions{Logger: log, Shape: tables.Shape, Mandate: p.mandates.Shape, Rules: tables.Rules})
	tables.Channels = p.channels
	p.mandates.SetChannels(p.channels)
	p.basedb = p.newBaseDB()
	p.geo = p.newGeo()
	p.sharing.Deliverers[sharing.DeliveryTable] = tables

	if _, err := checkPublicURL(cfg.PublicURL); cfg.PublicURL != "" && err != nil {
		return err
	}
	p.opendata = opendata.NewService(p.db, p.audit, p.org, p.catalog)
	p.opendata.Log = log
	p.opendata.Keys, p.gateway.Public = p.gateway, p.opendata // public users' keys: issued on approval, decided per call
	statsCtx, stopStats := context.WithCancel(ctx)
	statsDone := make(chan struct{})
	go func() { p.opendata.Run(statsCtx, 5*time.Second); close(statsDone) }()
	defer func() { stopStats(); <-statsDone }()
	p.assess = assess.NewService(p.db, p.audit, p.org, assess.Sources{Catalog: p.catalog, Lists: p.lists, Sharing: p.sharing, Gateway: p.gateway,
		Exchange: p.channels, Quality: p.basedb})
	p.assess.Fonts, p.assess.Log = p.sharing.Fonts, log

	if err := p.openLedger(secrets); err != nil {
		return err
	}
	defer p.ledger.Close()
	p.licences = licence.NewService(p.db, p.audit, p.org, p.ledger)
	p.licences.Log = log
	defer p.licences.Close()
	p.wireLicenceFeeds()
	p.seals = seal.New(p.db, secrets, p.org, seal.Options{Audit: p.audit})
	if err := p.seals.Start(ctx); err != nil {
		return err
	}
	p.files = licfile.NewService(p.seals, p.sharing.Fonts)

	users, err := p.org.CountUsers(ctx)
	if err != nil {
		return err
	}
	if err := p.checkStartFlags(ctx, users, stdout); err != nil {
		return err
	}
	if cfg.Demo {
		svc := demo.Services{Org: p.org, Catalog: p.catalog, Lists: p.lists, Sharing: p.sharing, Gateway: p.gateway, Exchange: p.channels, Aggregation: p.mandates, Anchors: p.anchors, Licences: p.licences, OpenData: p.opendata, Assess: p.assess}
		// The demo's own department API, on a loopback port; the gateway may call it directly.
		if svc.API, err = demo.StartAPI(ctx, svc); err != nil {
			return err
		}
		defer svc.API.Close()
		if err := demo.Load(ctx, svc, p.catalog.SQLiteRoot, stdout); err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		if err := p.loadDemoGeo(ctx, svc, stdout); err != nil {
			return err
		}
		go demo.RunLicenceFeed(ctx, p.catalog.SQLiteRoot, demo.FeedEvery)
		if users == 0 && cfg.AdminPassword != "" {
			if err := p.setDemoAdminPassword(ctx, cfg.AdminPassword); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "The demo's %q logs in with the password given by --admin-password.\n", org.AdminUsername)
		}
	} else {
		pw, created, err := p.org.Bootstrap(ctx, cfg.AdminPassword)
		if err != nil {
			return fmt.Errorf("create the first admin: %w", err)
		}
		if created && cfg.AdminPassword == "" {
			fmt.Fprintf(stdout, "First platform admin created: user %q, one-time password %s\nChange it after logging in (账户 → 修改密码).\n", org.AdminUsername, pw)
		}
	}

	// Licence files and annotated copies, rendered on first request; set
	// after the demo loads, whose one use needs no copy.
	p.licences.Files = p.files
	if err := p.channels.Start(ctx); err != nil {
		return fmt.Errorf("exchange: %w", err)
	}
	defer p.channels.Shutdown()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	p.prepareDemoNodes(ln.Addr().String())
	if p.baseURL, err = publicURL(cfg, ln.Addr().String(), log); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	srv := &http.Server{
		Handler:           p.handler(reg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if p.secure {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	p.licences.VerifyURL = cfg.LicenceVerifyURL
	if p.licences.VerifyURL == "" {
		p.licences.VerifyURL = p.baseURL + "/v?id=" // the public status page a licence's QR code opens
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var metrics *http.Server
	metricsAt := "off (--metrics-listen)"
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics-listen %s: %w", cfg.MetricsListen, err)
		}
		metrics = &http.Server{Handler: metricsHandler(reg), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		go func() { errc <- metrics.Serve(mln) }()
		defer metrics.Close()
		metricsAt = "http://" + mln.Addr().String() + "/metrics"
	}
	go p.expireGrants(ctx)
	go p.remind(ctx)
	go p.ledger.Run(ctx)
	go p.runBaseDB(ctx, cfg.Demo, stdout)
	go p.anchors.RunAuditAnchor(ctx, cfg.LedgerAuditAnchor)
	go p.licences.RunExpiry(ctx, time.Minute)
	if p.demoWitness != nil && !p.secure {
		go p.runDemoWitness(ctx, "http://"+ln.Addr().String())
	}
	go p.gateway.Run(ctx)
	go p.assess.Run(ctx, time.Hour)
	if p.demoNodes != nil {
		p.demoNodes.Start()
		defer p.demoNodes.Stop() // before the bus closes
	}

	where := "SQLite " + cfg.dsn()
	if p.db.Dialect == store.Postgres {
		where = "PostgreSQL"
	}
	busWhere := "embedded NATS JetStream in " + filepath.Join(cfg.DataDir, "nats")
	if !p.bus.Embedded() {
		busWhere = "NATS " + cfg.NATS
	}
	if p.nodes.LeafURL != "" {
		busWhere += "; nodes join at " + p.nodes.LeafURL
	}
	log.Info("govshare started", "addr", ln.Addr().String(), "database", string(p.db.Dialect), "embedded_bus", p.bus.Embedded(),
		"version", Version, "startup", time.Since(started).String())
	fmt.Fprintf(stdout, "govshare %s is running\n  console: %s://%s/\n  API:     %s://%s/api/v1 (OpenAPI: /openapi.json)\n  state:   %s; bus: %s\n  metrics: %s\n",
		Version, scheme, ln.Addr(), scheme, ln.Addr(), where, busWhere, metricsAt)
	if p.demoNodes != nil {
		p.demoNodes.Describe(stdout)
	}

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return nil
}

// openLedger opens the evidence ledger with its signing keys under
// DATA-DIR/keys, sealed with the secrets key, and starts its sequencer.
func (p *platform) openLedger(secrets *cryptosuite.Sealer) error {
	cfg := p.cfg
	if cfg.LedgerInterval <= 0 || cfg.LedgerAuditAnchor <= 0 {
		return errors.New("ledger-interval and ledger-audit-anchor: want positive durations")
	}
	fallback := "govshare.local/ledger"
	if h, err := os.Hostname(); err == nil {
		if o, err := ledger.ParseOrigin(h + "/ledger"); err == nil {
			fallback = o
		}
	}
	signer, err := ledger.LoadSigner(filepath.Join(cfg.DataDir, "keys"), cfg.LedgerOrigin, fallback, secrets)
	if err != nil {
		return fmt.Errorf("ledger-origin: %w", err)
	}
	var witnesses []ledger.WitnessKey
	for _, w := range strings.Split(cfg.LedgerWitnesses, ",") {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		k, err := ledger.ParseWitnessKey(w)
		if err != nil {
			return fmt.Errorf("ledger-witnesses: %w", err)
		}
		witnesses = append(witnesses, k)
	}
	if cfg.Demo {
		// The demo runs one witness of its own (runDemoWitness).
		c, err := ledger.LoadCosigner(filepath.Join(cfg.DataDir, "keys", "demo-witness.key"), "witness.demo.govshare.local")
		if err != nil {
			return fmt.Errorf("demo witness: %w", err)
		}
		k, _ := ledger.ParseWitnessKey(c.VerifierKey())
		witnesses, p.demoWitness = append(witnesses, k), c
	}
	p.ledger = ledger.New(p.db, signer, ledger.Options{Interval: cfg.LedgerInterval, Logger: p.log, Witnesses: witnesses, Audit: p.audit})
	p.ledger.Start()
	p.anchors = &ledger.Anchors{Log: p.ledger, Audit: p.audit}
	return nil
}

// runDemoWitness witnesses the demo's own ledger over HTTP, as a witness
// elsewhere would ("govshare witness"), so that the demo shows cosigned
// checkpoints.
func (p *platform) runDemoWitness(ctx context.Context, base string) {
	w := &ledger.Witness{LogURL: base, LogKeys: p.ledgerVerifiers(), Cosigner: p.demoWitness,
		State: filepath.Join(p.cfg.DataDir, "keys", "demo-witness.state")}
	t := time.NewTicker(p.cfg.LedgerInterval)
	defer t.Stop()
	for {
		if _, _, err := w.Step(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("demo witness", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *platform) ledgerVerifiers() []note.Verifier {
	vs, _ := ledger.ParseVerifierKeys(strings.Join(p.ledger.VerifierKeys(), "\n"))
	return vs
}

// auditKeyPath is --audit-key, or DATA-DIR/keys/audit.key.
func auditKeyPath(cfg *Config) string {
	if cfg.AuditKey != "" {
		return cfg.AuditKey
	}
	return filepath.Join(cfg.DataDir, "keys", "audit.key")
}

// openAudit opens the audit log chained with HMAC-SM3 under the key in
// auditKeyPath, creating the key on the first start; a chain written before
// the platform had a key is verified and re-hashed under the new key then.
func openAudit(ctx context.Context, db *store.DB, cfg *Config, stdout io.Writer) (*audit.Log, error) {
	path := auditKeyPath(cfg)
	key, pending, err := audit.LoadKey(path, true)
	if err != nil {
		return nil, fmt.Errorf("audit-key: %w", err)
	}
	log := audit.NewKeyed(db, key)
	if !pending {
		return log, nil
	}
	n, err := log.Rekey(ctx)
	if b := (*audit.Break)(nil); errors.As(err, &b) {
		// The chain takes no key this start: drop the new one, so that the
		// right one, once copied there, is the only one.
		audit.DiscardPendingKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("audit-key: no key at %s, and the audit log cannot take a new one: %w "+
			"(a replica uses the first one's key file: copy it there or give --audit-key)", path, err)
	}
	if err := audit.CommitKey(path); err != nil {
		return nil, err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "Audit log: %d entries verified and re-hashed with HMAC-SM3 under the new key %s; keep it outside the database's backups.\n", n, path)
	}
	return log, nil
}

// checkStartFlags refuses, or says it does not apply, a flag this start
// would otherwise ignore without a word: --admin-password acts only when the
// platform creates its first admin, and --demo loads the demo city only into
// an empty platform (or finds it there).
func (p *platform) checkStartFlags(ctx context.Context, users int, stdout io.Writer) error {
	cfg := p.cfg
	if cfg.AdminPassword != "" {
		if users > 0 {
			msg := fmt.Sprintf("--admin-password not applied: the platform already has its first admin %q; change the password in the console (账户 → 修改密码) or with PUT /api/v1/me/password", org.AdminUsername)
			fmt.Fprintln(stdout, msg)
			p.log.Warn(msg)
		}
	}
	if cfg.Demo && users > 0 {
		_, n, err := p.org.Departments(ctx, org.DepartmentFilter{Q: demo.CreditCode(0, demo.Departments[0]), PageSize: 1})
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("demo: this platform already has accounts and is not the demo city; the demo loads only into an empty platform (start without --demo, or with a new --data-dir)")
		}
	}
	return nil
}

// setDemoAdminPassword gives the demo's admin the password of --admin-password
// in place of the demo password, as the admin would.
func (p *platform) setDemoAdminPassword(ctx context.Context, password string) error {
	_, admin, err := p.org.Login(ctx, org.AdminUsername, demo.Password, "127.0.0.1")
	if err != nil {
		return fmt.Errorf("admin-password: %w", err)
	}
	if err := p.org.ChangePassword(ctx, admin, demo.Password, password); err != nil {
		return fmt.Errorf("admin-password: %w", err)
	}
	return p.org.Logout(ctx, admin)
}

// expireGrants stops the deliveries of grants as they expire. Access itself
// stops at expiry whether or not this has run (the policy check compares
// the expiry); this ends channels and marks the grants.
func (p *platform) expireGrants(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := p.sharing.ExpireDue(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("expire grants", "err", err)
			}
		}
	}
}

// remind reminds approvers of steps nearing or past their time limit, at
// start and every --notice-interval; each reminder goes out once, whichever
// replica sends it.
func (p *platform) remind(ctx context.Context) {
	t := time.NewTicker(p.cfg.NoticeInterval)
	defer t.Stop()
	for {
		if n, err := p.reminder.Check(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("remind approvers", "err", err)
		} else if n > 0 {
			p.log.Info("approvers reminded", "notices", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// leafAdvertise returns the host and port nodes dial: --leaf-advertise, or
// the listen address (the machine's host name when it listens on all
// interfaces). An empty port means the listener's own.
func leafAdvertise(listen, advertise string) (host, port string, err error) {
	lh, lp, err := net.SplitHostPort(listen)
	if err != nil {
		return "", "", fmt.Errorf("leaf-listen %q: want host:port", listen)
	}
	if lp != "0" {
		port = lp
	}
	if advertise != "" {
		if h, p, err := net.SplitHostPort(advertise); err == nil {
			return h, p, nil
		}
		return strings.Trim(advertise, "[]"), port, nil
	}
	switch lh {
	case "", "0.0.0.0", "::":
		name, err := os.Hostname()
		if err != nil {
			return "", "", fmt.Errorf("leaf-advertise: set it, the host name is unknown: %w", err)
		}
		return name, port, nil
	}
	return lh, port, nil
}

// replicaCluster is the NATS cluster of the platform's replicas, nil for a
// single platform. Replicas share one PostgreSQL database and one secrets
// key, from which the routes' secret is derived.
func replicaCluster(cfg *Config, secrets *cryptosuite.Sealer) (*bus.Cluster, error) {
	if cfg.ClusterListen == "" {
		if cfg.ClusterPeers != "" {
			return nil, errors.New("cluster-peers needs --cluster-listen")
		}
		return nil, nil
	}
	if cfg.NATS != "" {
		return nil, errors.New("cluster-listen clusters the embedded NATS servers of the replicas: drop --nats")
	}
	if cfg.Database == "" {
		return nil, errors.New("cluster-listen needs --database: replicas share one PostgreSQL database")
	}
	var peers []string
	for p := range strings.SplitSeq(cfg.ClusterPeers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			peers = append(peers, p)
		}
	}
	name := cfg.ReplicaName
	if name == "" {
		host, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(cfg.ClusterListen)
		name = host + "-" + port
	}
	return &bus.Cluster{Name: name, Listen: cfg.ClusterListen, Peers: peers, Secret: secrets.Derive("nats cluster routes")}, nil
}
