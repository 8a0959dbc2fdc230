package gateway

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the gateway schema; it needs org's.
var Migration = store.Migration{Domain: "gateway", FS: migrations}

// Service serves granted data to apps (数据服务): it verifies signatures,
// limits rates, asks the sharing policy, reads the mounted resource, masks
// and meters every call.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	cat     *catalog.Service
	sharing *sharing.Service
	secrets *cryptosuite.Sealer

	verifier *Verifier
	limiter  *Limiter
	calls    *audit.Batcher
	creds    credentials
	sources  sources
	readers  readers
	usage    *usage
	Log      *slog.Logger
	// Client calls the providers' mounted APIs on hosts in DirectHosts.
	Client *http.Client
	// Nodes reaches the providers' APIs through their front-end nodes.
	Nodes NodeAPIs
	// DirectHosts lists, as CREDIT-CODE=host[:port] (ParseDirectHosts), the
	// hosts whose mounted APIs the platform may call itself when no node of
	// the provider serves them, each for the one department it names.
	DirectHosts []string
	bases       apiBases
	// Public decides the calls of public users' keys (the open data
	// domain); nil refuses them.
	Public PublicPolicy
	quotas quotas
}

// NewService returns the data-service gateway. nonces remembers the nonces
// seen, shared by every replica (a NATS KV bucket) or local to one.
func NewService(db *store.DB, log *audit.Log, cat *catalog.Service, sh *sharing.Service, secrets *cryptosuite.Sealer, nonces NonceStore) *Service {
	s := &Service{db: db, audit: log, cat: cat, sharing: sh, secrets: secrets, limiter: NewLimiter(),
		calls: audit.NewBatcher(log, 500*time.Microsecond, 256), creds: credentials{m: map[string]credential{}},
		sources: sources{m: map[string]*connector.Source{}}, readers: readers{m: map[string]cachedReader{}}, Log: slog.Default(), Client: &http.Client{Timeout: 15 * time.Second}}
	s.usage = newUsage(db)
	s.verifier = &Verifier{Window: 300 * time.Second, Now: time.Now, Nonces: nonces, Lookup: func(ctx context.Context, key string) ([]byte, string, error) {
		c, err := s.credential(ctx, key)
		if err != nil {
			return nil, "", err
		}
		if c.app.State != AppActive {
			return nil, "", errs.New(errs.Unauthorized, msgAppDisabled, key)
		}
		return c.secret, c.app.SignMethod, nil
	}}
	return s
}

// Run flushes usage counters until ctx ends.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.usage.flush(flush)
			cancel()
			return
		case <-t.C:
			if err := s.usage.flush(ctx); err != nil && ctx.Err() == nil {
				s.Log.Warn("flush service usage", "err", err)
			}
		}
	}
}

// Close flushes pending audit entries and closes connections.
func (s *Service) Close() error {
	err := s.calls.Close()
	return errors.Join(err, s.sources.close())
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	return org.Denied(ctx, s.audit, p, action, target, err)
}

// sources keeps one connection pool per datasource.
type sources struct {
	mu sync.Mutex
	m  map[string]*connector.Source
}

func (c *sources) get(ctx context.Context, driver, dsn string) (*connector.Source, error) {
	key := driver + "\x00" + dsn
	c.mu.Lock()
	defer c.mu.Unlock()
	if src, ok := c.m[key]; ok {
		return src, nil
	}
	src, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgSourceSilent)
	}
	c.m[key] = src
	return src, nil
}

func (c *sources) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for k, src := range c.m {
		err = errors.Join(err, src.Close())
		delete(c.m, k)
	}
	return err
}
