package sharing

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the sharing schema; it needs org's.
var Migration = store.Migration{Domain: "sharing", FS: migrations}

// Delivery modes of an application and its grant.
const (
	DeliveryTable = "table" // table sync to one of the consumer's datasources (exchange channel)
	DeliveryAPI   = "api"   // data-service API called with app credentials
	DeliveryFile  = "file"  // file download from the console or API
)

// Deliverer starts and stops what a grant delivers: an exchange channel for
// a table grant, app credentials for an API grant. Start answers a reference
// (the channel ID, the app key) kept on the grant.
type Deliverer interface {
	Start(ctx context.Context, g Grant) (ref string, err error)
	Stop(ctx context.Context, g Grant, reason string) error
}

// Service runs applications and grants, and decides every data access.
type Service struct {
	db    *store.DB
	audit *audit.Log
	org   *org.Service
	cat   *catalog.Service
	lists *lists.Service
	now   func() time.Time

	// StageDays is the number of working days each approval step may take.
	StageDays int
	// Deliverers start and stop deliveries by mode; a mode without one
	// records the grant only (file downloads need nothing started).
	Deliverers map[string]Deliverer
	Log        *slog.Logger
	// Secrets seals the consumer departments' hash keys (HashKey).
	Secrets *cryptosuite.Sealer
	// Fonts print the application forms (FormPDF); the zero Loader reads
	// them from Debian's directories.
	Fonts *pdfdoc.Loader
	// LookupQuota is how many calls with a lookup on a masked item (查询条件)
	// one app or console user may make a day; 0 is DefaultLookupQuota.
	LookupQuota int
	// Watchers hear of each step an application takes, once it has
	// committed (to remind those concerned; package notice).
	Watchers []Watcher
	cache    factCache
	hashKeys struct {
		sync.Mutex
		m map[int64][]byte
	}
}

// NewService returns the sharing service. It does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, cat *catalog.Service, l *lists.Service) *Service {
	s := &Service{db: db, audit: log, org: orgs, cat: cat, lists: l, now: time.Now, StageDays: 5,
		Deliverers: map[string]Deliverer{}, Log: slog.Default(), cache: factCache{m: map[factKey]facts{}}, Secrets: cryptosuite.RandomSealer()}
	s.hashKeys.m = map[int64][]byte{}
	s.Fonts = &pdfdoc.Loader{}
	return s
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) nowText() string { return store.FormatTime(s.now()) }

func (s *Service) record(ctx context.Context, tx *store.Tx, p org.Principal, action, target, detail string) error {
	return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, detail))
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	var u *unseen
	if errors.As(err, &u) {
		if rerr := s.audit.Record(ctx, org.Entry(p, action, target, audit.Denied, audit.Keyed(auditUnseen, errs.TextOf(err)))); rerr != nil {
			return errors.Join(err, fmt.Errorf("audit denial: %w", rerr))
		}
		return err
	}
	return org.Denied(ctx, s.audit, p, action, target, err)
}

// unseen answers a caller who acts on an application or grant they cannot
// see: 404, as reading it answers, so that neither tells another
// department's records from missing ones; the attempt is audited as denied.
type unseen struct{ err *errs.Error }

func (u *unseen) Error() string { return u.err.Error() }
func (u *unseen) Unwrap() error { return u.err }

func notVisible(kind string, id int64) error {
	m := msgAppNotFound
	if kind == "grant" {
		m = msgGrantNotFound
	}
	return &unseen{errs.New(errs.NotFound, m, id)}
}

// mustSee answers notVisible unless p may see records between consumer
// and provider.
func (s *Service) mustSee(ctx context.Context, p org.Principal, kind string, id, consumer, provider int64) error {
	ok, err := s.sees(ctx, p, consumer, provider)
	if err != nil {
		return err
	}
	if !ok {
		return notVisible(kind, id)
	}
	return nil
}

// isAuthority reports whether p approves for the data authority.
func (s *Service) isAuthority(ctx context.Context, p org.Principal) (bool, error) {
	return s.lists.IsAuthority(ctx, p)
}

// sees reports whether p may read applications and grants between consumer
// and provider: their own departments' staff, the authority's approvers and
// the security admin.
func (s *Service) sees(ctx context.Context, p org.Principal, consumer, provider int64) (bool, error) {
	if p.DepartmentID != 0 && (p.DepartmentID == consumer || p.DepartmentID == provider) {
		return true, nil
	}
	return s.SeesAll(ctx, p)
}

// SeesAll reports whether p sees every department's applications, grants
// and usage: the data authority's approvers and the security admin.
func (s *Service) SeesAll(ctx context.Context, p org.Principal) (bool, error) {
	if p.Can(org.ManagePolicies) {
		return true, nil
	}
	return s.isAuthority(ctx, p)
}
