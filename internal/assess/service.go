package assess

import (
	"context"
	"embed"
	"log/slog"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the assessment's schema; it needs org's.
var Migration = store.Migration{Domain: "assess", FS: migrations}

// Quality is what the assessment reads of the base databases (基础库):
// basedb.Service's quality scores and disputes. Nil marks the quality
// indicators not measured.
type Quality interface {
	Scores(ctx context.Context, p org.Principal, f basedb.ScoreFilter) ([]basedb.Score, error)
	Disputes(ctx context.Context, p org.Principal, f basedb.DisputeFilter) ([]basedb.Dispute, int, error)
}

// Sources are the domains whose records the reports count. Catalog,
// Lists and Sharing are needed; a nil Gateway, Exchange or Quality leaves
// its indicators not measured.
type Sources struct {
	Catalog  *catalog.Service
	Lists    *lists.Service
	Sharing  *sharing.Service
	Gateway  *gateway.Service
	Exchange *exchange.Manager
	Quality  Quality
}

// Service computes, keeps and reads the reports.
type Service struct {
	db    *store.DB
	audit *audit.Log
	org   *org.Service
	src   Sources
	now   func() time.Time
	// Fonts print the reports as PDF; nil reads them from Debian's directories.
	Fonts *pdfdoc.Loader
	Log   *slog.Logger
}

// NewService returns the reports' service. It does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, src Sources) *Service {
	return &Service{db: db, audit: log, org: orgs, src: src, now: time.Now, Fonts: &pdfdoc.Loader{}, Log: slog.Default()}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// scope is what a principal sees of the reports.
type scope struct {
	all       bool  // every unit: the authority's staff and the auditor
	authority bool  // configures and generates: the authority's staff
	dept      int64 // else its own department only
	region    string
}

// scope answers p's view of the reports, or Forbidden.
func (s *Service) scope(ctx context.Context, p org.Principal) (scope, error) {
	if p.Has(org.Auditor) {
		return scope{all: true}, nil
	}
	if p.Has(org.SystemAdmin) || p.Has(org.SecurityAdmin) || p.DepartmentID == 0 {
		return scope{}, errs.New(errs.Forbidden, msgReadDenied)
	}
	d, err := s.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return scope{}, err
	}
	if d.Kind == org.KindAuthority {
		return scope{all: true, authority: true, dept: d.ID, region: d.RegionCode}, nil
	}
	return scope{dept: d.ID, region: d.RegionCode}, nil
}

func (s *Service) requireAuthority(ctx context.Context, p org.Principal, what *errs.Msg) error {
	sc, err := s.scope(ctx, p)
	if err != nil {
		return err
	}
	if !sc.authority {
		return errs.New(errs.Forbidden, msgAuthorityOnly, what.With())
	}
	return nil
}

func (s *Service) record(ctx context.Context, tx *store.Tx, p org.Principal, action, target, detail string) error {
	return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, detail))
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	return org.Denied(ctx, s.audit, p, action, target, err)
}

// departments lists every department.
func (s *Service) departments(ctx context.Context) ([]org.Department, error) {
	var out []org.Department
	for page := 1; ; page++ {
		ds, total, err := s.org.Departments(ctx, org.DepartmentFilter{Page: page, PageSize: store.MaxPageSize})
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
		if len(ds) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

// MayConfigure reports whether p configures indicators and makes reports
// on demand: the data authority's staff.
func (s *Service) MayConfigure(ctx context.Context, p org.Principal) bool {
	sc, err := s.scope(ctx, p)
	return err == nil && sc.authority
}
