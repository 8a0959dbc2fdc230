package licence

import (
	"context"
	"embed"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the licence library's schema; it needs org's.
var Migration = store.Migration{Domain: "licence", FS: migrations}

// Files makes licence files; internal/licfile's Service is one. Until the
// platform has one, files and annotated copies are unavailable.
type Files interface {
	// Master renders and signs the master file of doc with the seal of the
	// issuing department.
	Master(ctx context.Context, doc licfile.Document, layout licfile.Layout, issuerDepartmentID int64, verifyURL string) ([]byte, error)
	// Deliver attaches the ledger evidence of the master's data to it.
	Deliver(ctx context.Context, master []byte, ev licfile.Evidence) ([]byte, error)
	// Annotate makes the annotated copy (加注件) of a use.
	Annotate(ctx context.Context, master []byte, a licfile.Annotation) ([]byte, error)
}

// Service is the licence library.
type Service struct {
	db     *store.DB
	audit  *audit.Log
	org    *org.Service
	ledger *ledger.Log
	now    func() time.Time

	// Files makes licence files; nil: files are unavailable.
	Files Files
	// VerifyURL is the public page a licence file's QR code opens, with
	// the identifier appended (e.g. https://platform/v?id=).
	VerifyURL string
	// Log receives what goes wrong in background work.
	Log *slog.Logger
	// ImportBatch is the number of licences written in one transaction with
	// their leaves (one ledger append each); default 5000.
	ImportBatch int
	// CodeTTL is how long a holder's authorisation code lasts; default 15 min.
	CodeTTL time.Duration
	// CopyTTL is how long an annotated copy is valid; default 7 days.
	CopyTTL time.Duration

	// Basis answers the basis recorded for a channel that feeds the library
	// (feed.go); nil: the library takes no feed.
	Basis func(ctx context.Context, channel string) (FeedBasis, error)
	// ChannelState answers a feed's channel state and its last error, for
	// the console; nil: unknown.
	ChannelState func(ctx context.Context, channel string) (state, lastError string)

	// Verification limits, per caller and per client address.
	VerifyRate  rate.Limit
	VerifyBurst int
	limitMu     sync.Mutex
	limiters    map[string]*limiter

	// verifies records successful verifications by group commit, so that
	// auditing them costs one commit per batch under load.
	verifies        *audit.Batcher
	pendingVerifies sync.WaitGroup
	// VerifyWait makes a verification's answer wait for its audit entry's
	// commit.
	VerifyWait bool
}

// NewService returns the licence library, anchoring its events in l. It
// does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, l *ledger.Log) *Service {
	return &Service{db: db, audit: log, org: orgs, ledger: l, now: time.Now, Log: slog.New(slog.DiscardHandler),
		ImportBatch: 5000, CodeTTL: 15 * time.Minute, CopyTTL: 7 * 24 * time.Hour,
		VerifyRate: 20, VerifyBurst: 40, limiters: map[string]*limiter{}, verifies: audit.NewBatcher(log, 500*time.Microsecond, 256)}
}

// Close stops the group commit of the verifications' audit entries, after
// committing those queued.
func (s *Service) Close() error {
	s.pendingVerifies.Wait()
	return s.verifies.Close()
}

func (s *Service) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	return org.Denied(ctx, s.audit, p, action, target, err)
}

// refused audits an invalid request as a failure and returns err.
func (s *Service) refused(ctx context.Context, p org.Principal, action, target string, err error) error {
	if errs.Is(err, errs.Forbidden) {
		return s.denied(ctx, p, action, target, err)
	}
	if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) {
		if rerr := s.audit.Record(ctx, org.Entry(p, action, target, audit.Failure, org.DenialDetail(err))); rerr != nil {
			s.Log.Warn("audit refusal", "err", rerr)
		}
	}
	return err
}
