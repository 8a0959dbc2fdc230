package licence

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/quality"
)

// VerifyInput asks whether a licence is valid: by identifier, or by the
// holder's ID number (or credit code) and the licence type.
type VerifyInput struct {
	Identifier string `json:"identifier,omitempty" maxLength:"200"`
	HolderID   string `json:"holder_id,omitempty" maxLength:"30"`
	Type       string `json:"type,omitempty" maxLength:"21"`
}

// Reasons a verification gives.
const (
	ReasonValid      = "valid"
	ReasonRevoked    = "revoked"
	ReasonSuspended  = "suspended"
	ReasonExpired    = "expired"
	ReasonSuperseded = "superseded" // an earlier version: a change replaced it
	ReasonNotFound   = "not_found"
)

// Verdict is a verification's answer: valid or not, and why. Nothing more.
type Verdict struct {
	Valid   bool   `json:"valid"`
	Reason  string `json:"reason" enum:"valid,revoked,suspended,expired,superseded,not_found"`
	Message string `json:"message" doc:"The reason in words"`
}

func verdict(reason string) Verdict {
	return Verdict{Valid: reason == ReasonValid, Reason: reason, Message: reasonWords.Text(reason).String()}
}

// In says the verdict in lang.
func (v Verdict) In(lang string) Verdict {
	v.Message = reasonWords.Text(v.Reason).In(lang)
	return v
}

// MayVerify reports whether p may verify licences: any department's user;
// the three officers verify nothing.
func MayVerify(p org.Principal) bool { return p.DepartmentID != 0 && !officer(p) }

// Verify answers whether a licence is valid, for a department's user, at
// most VerifyRate a second per caller and per client address. It reads the
// database every time: a revocation is seen as soon as it commits.
func (s *Service) Verify(ctx context.Context, p org.Principal, in VerifyInput) (Verdict, error) {
	if !MayVerify(p) {
		return Verdict{}, s.denied(ctx, p, "licence.verify", "licence", errs.New(errs.Forbidden, msgVerifyRole))
	}
	if !s.allow("user:"+p.Username) || !s.allow("addr:"+p.ClientAddr) {
		return Verdict{}, errs.New(errs.RateLimited, msgRateLimited)
	}
	in.Identifier, in.HolderID, in.Type = strings.TrimSpace(in.Identifier), strings.ToUpper(strings.TrimSpace(in.HolderID)), strings.TrimSpace(in.Type)
	v, err := s.verify(ctx, in)
	if err != nil {
		return v, err
	}
	// Each answer is audited (refusals are, above and by the transports),
	// through the group commit: what was asked (a holder's code masked) and
	// the verdict.
	asked := in.Identifier
	if asked == "" {
		asked = in.Type + " " + mask.Text(mask.Apply(mask.IDNumber, in.HolderID))
	}
	s.recordVerified(ctx, org.Entry(p, "licence.verify", "licence", audit.Success, audit.Keyed(auditVerified, asked, v.Reason)))
	return v, nil
}

// verify answers a checked request.
func (s *Service) verify(ctx context.Context, in VerifyInput) (Verdict, error) {
	if in.Identifier != "" {
		return s.verifyIdentifier(ctx, in.Identifier)
	}
	f := errs.Fields{}
	if in.HolderID == "" {
		f.AddMsg("identifier", msgVerifyWhat)
		return Verdict{}, f.Err()
	}
	if quality.CheckIDNumber(in.HolderID) != nil && quality.CheckCreditCode(in.HolderID) != nil {
		f.AddMsg("holder_id", msgHolderIDForm)
	}
	if CheckTypeCode(in.Type) != nil {
		f.AddMsg("type", msgTypeCodeForm)
	}
	if err := f.Err(); err != nil {
		return Verdict{}, err
	}
	rows, err := s.db.Query(ctx, "SELECT status, valid_until FROM licences WHERE holder_id = ? AND type_code = ?", in.HolderID, in.Type)
	if err != nil {
		return Verdict{}, err
	}
	defer rows.Close()
	best := ReasonNotFound
	rank := map[string]int{ReasonNotFound: 0, ReasonRevoked: 1, ReasonExpired: 2, ReasonSuspended: 3, ReasonValid: 4}
	now := s.now()
	for rows.Next() {
		var st, until string
		if err := rows.Scan(&st, &until); err != nil {
			return Verdict{}, err
		}
		if r := reasonOf(effective(st, until, now)); rank[r] > rank[best] {
			best = r
		}
	}
	return verdict(best), rows.Err()
}

func reasonOf(status string) string {
	switch status {
	case Valid:
		return ReasonValid
	case Revoked:
		return ReasonRevoked
	case Suspended:
		return ReasonSuspended
	}
	return ReasonExpired
}

// verifyIdentifier answers for one identifier, whose check character is
// checked first.
func (s *Service) verifyIdentifier(ctx context.Context, ident string) (Verdict, error) {
	id, err := ParseIdentifier(ident)
	if err != nil {
		return Verdict{}, errs.FieldText("identifier", errs.TextOf(err))
	}
	var st, until, version string
	err = s.db.QueryRow(ctx, "SELECT status, valid_until, version FROM licences WHERE base = ?", id.Base()).Scan(&st, &until, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return verdict(ReasonNotFound), nil
	}
	if err != nil {
		return Verdict{}, err
	}
	switch {
	case id.Version == version:
		return verdict(reasonOf(effective(st, until, s.now()))), nil
	case id.Version < version:
		var n int
		if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM licence_versions WHERE identifier = ?", id.String()).Scan(&n); err != nil {
			return Verdict{}, err
		}
		if n > 0 {
			return verdict(ReasonSuperseded), nil
		}
	}
	return verdict(ReasonNotFound), nil
}

// PublicStatus is what the public page a licence file's QR code opens
// shows: the status of one identifier, nothing more, rate limited by the
// client's address.
func (s *Service) PublicStatus(ctx context.Context, clientAddr, ident string) (Verdict, error) {
	if !s.allow("addr:" + clientAddr) {
		return Verdict{}, errs.New(errs.RateLimited, msgRateLimited)
	}
	return s.verifyIdentifier(ctx, strings.TrimSpace(ident))
}

type limiter struct {
	*rate.Limiter
	seen time.Time
}

// allow takes one token of key's limiter, creating it on first use and
// dropping limiters idle for a minute once there are many.
func (s *Service) allow(key string) bool {
	if s.VerifyRate <= 0 {
		return true
	}
	now := time.Now()
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	l, ok := s.limiters[key]
	if !ok {
		if len(s.limiters) > 10000 {
			for k, v := range s.limiters {
				if now.Sub(v.seen) > time.Minute {
					delete(s.limiters, k)
				}
			}
		}
		l = &limiter{Limiter: rate.NewLimiter(s.VerifyRate, s.VerifyBurst)}
		s.limiters[key] = l
	}
	l.seen = now
	return l.AllowN(now, 1)
}

// recordVerified audits a verification's answer without holding the answer
// back for the commit: the group commit takes it within a millisecond or
// so, while the caller has its verdict (a verification changes nothing, so
// at most the entries of the last instant before a crash are lost, never a
// change's). VerifyWait makes the answer wait instead.
func (s *Service) recordVerified(ctx context.Context, e audit.Entry) {
	if s.VerifyWait {
		if err := s.verifies.Record(ctx, e); err != nil {
			s.Log.Warn("audit a verification", "err", err)
		}
		return
	}
	s.pendingVerifies.Add(1)
	go func() {
		defer s.pendingVerifies.Done()
		if err := s.verifies.Record(context.WithoutCancel(ctx), e); err != nil {
			s.Log.Warn("audit a verification", "err", err)
		}
	}()
}
