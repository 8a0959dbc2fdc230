package basedb

import (
	"context"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// CreditInput is a credit check (信用核查) request.
type CreditInput struct {
	Key  string `json:"key" minLength:"1" maxLength:"64" doc:"The unified social credit code"`
	Name string `json:"name,omitempty" maxLength:"200" doc:"The name to check against the record (optional)"`
}

// CreditFacts answers a credit check with facts, never the records: whether
// the credit base database knows the code, and whether a black list, a red
// list, a penalty or a licence concerns it now, within its period of
// publication.
type CreditFacts struct {
	Known            bool  `json:"known" doc:"The credit base database holds records of the code"`
	NameMatch        *bool `json:"name_match,omitempty" doc:"The name given matches (when one is given)"`
	BlackListed      bool  `json:"black_listed" doc:"On a black list (严重失信) within its period of publication"`
	RedListed        bool  `json:"red_listed" doc:"On a red list (守信激励) within its period"`
	PenaltyPublished bool  `json:"penalty_published" doc:"An administrative penalty within its period of publication"`
	LicencePublished bool  `json:"licence_published" doc:"An administrative licence in force"`
}

// inPeriod reports whether a value is published at now: within its source
// row's period of validity, where it has one.
func inPeriod(v Value, now time.Time) bool {
	if v.Value == "" {
		return false
	}
	return (v.ValidFrom.IsZero() || !now.Before(v.ValidFrom)) && (v.ValidTo.IsZero() || !now.After(v.ValidTo))
}

// CheckCredit answers a credit check against the credit base database for
// a data consumer (数据使用者) of any department, without returning the
// records. Every check is audited, with the code masked and the facts.
func (s *Service) CheckCredit(ctx context.Context, p org.Principal, in CreditInput) (CreditFacts, error) {
	const action = "basedb.credit_check"
	tgt := "basedb:credit"
	if p.DepartmentID == 0 || !p.Can(org.ConsumeData) {
		return CreditFacts{}, org.Denied(ctx, s.audit, p, action, tgt, errs.New(errs.Forbidden, msgVerifyDenied))
	}
	f, err := s.creditFacts(ctx, in)
	if err != nil {
		return f, err
	}
	if err := s.audit.Record(ctx, org.Entry(p, action, tgt, audit.Success, audit.Keyed(auditCredit, maskKey(strings.ToUpper(strings.TrimSpace(in.Key))),
		f.Known, f.BlackListed, f.RedListed, f.PenaltyPublished))); err != nil {
		return CreditFacts{}, err
	}
	return f, nil
}

// creditFacts answers a credit check's facts; callers check and audit.
func (s *Service) creditFacts(ctx context.Context, in CreditInput) (CreditFacts, error) {
	sc, err := s.schema("credit")
	if err != nil {
		return CreditFacts{}, err
	}
	key, name := strings.ToUpper(strings.TrimSpace(in.Key)), strings.TrimSpace(in.Name)
	if key == "" {
		return CreditFacts{}, errs.FieldMsg("key", msgRequired)
	}
	var f CreditFacts
	vals, _, _, err := s.golden(ctx, sc, key)
	if errs.Is(err, errs.NotFound) {
		if name != "" {
			f.NameMatch = new(bool)
		}
		return f, nil
	}
	if err != nil {
		return f, err
	}
	now := s.now()
	f.Known = true
	if name != "" {
		m := vals["name"].Value == name
		f.NameMatch = &m
	}
	f.BlackListed = inPeriod(vals["black_list"], now)
	f.RedListed = inPeriod(vals["red_list"], now)
	f.PenaltyPublished = inPeriod(vals["penalty"], now)
	f.LicencePublished = inPeriod(vals["licence"], now)
	return f, nil
}
