package licence

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// A recorded consent (记录的授权/同意) is the alternative to an authorisation
// code: the holder consents, at the department of record (the issuing
// department), that one department use the licence for one purpose until a
// date; the department's staff record it here, and revoke it when the
// holder withdraws it. A use naming the consent (UseInput.Consent) must come
// from that department, give that purpose, and fall within the validity;
// otherwise it is refused and audited, as a use without authorisation is.

// MaxConsentDays bounds a consent's validity.
const MaxConsentDays = 366

// Consent states.
const (
	ConsentActive  = "active"
	ConsentExpired = "expired"
	ConsentRevoked = "revoked"
)

// ConsentInput records a consent.
type ConsentInput struct {
	Department int64  `json:"department_id" doc:"The department the holder consents may use the licence"`
	Purpose    string `json:"purpose" maxLength:"600" doc:"事由 the consent covers, at most 200 characters; a use must give the same"`
	ValidUntil string `json:"valid_until" maxLength:"10" doc:"YYYY-MM-DD, the last day it holds (Beijing time), at most a year from today"`
}

// Consent is a recorded consent.
type Consent struct {
	ID           string    `json:"id"`
	Identifier   string    `json:"identifier"`
	DepartmentID int64     `json:"department_id"`
	Department   string    `json:"department"`
	Purpose      string    `json:"purpose"`
	ValidUntil   string    `json:"valid_until"`
	State        string    `json:"state" enum:"active,expired,revoked"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	RevokedBy    string    `json:"revoked_by,omitempty"`
	Reason       string    `json:"reason,omitempty"`
}

var (
	msgConsentUnknown  = errs.Define("licence.consent.unknown", "no such consent for this licence", "该证照没有此项授权同意记录")
	msgConsentRevoked  = errs.Define("licence.consent.revoked", "the holder's consent was revoked", "持证人的授权同意已撤销")
	msgConsentExpired  = errs.Define("licence.consent.expired", "the holder's consent has expired", "持证人的授权同意已过期")
	msgConsentDept     = errs.Define("licence.consent.other_dept", "the holder's consent is for another department", "持证人的授权同意给予的是其他部门")
	msgConsentPurpose  = errs.Define("licence.consent.purpose", "the holder consented to another purpose: %s", "持证人同意的事由是：%s")
	msgConsentForm     = errs.Define("licence.consent.form", "a consent id is 24 hexadecimal digits", "授权同意编号为 24 位十六进制数")
	msgConsentBoth     = errs.Define("licence.use.auth_both", "give an authorisation code or a consent, not both", "授权码与授权同意只能提供其一")
	msgConsentUntil    = errs.Define("licence.consent.until", "from today to %d days ahead", "须在今天至 %d 天之内")
	msgConsentReason   = errs.Define("licence.consent.reason", "give the reason", "请填写原因")
	auditConsent       = errs.Define("licence.audit.consent", "consent %s: %s may use %s for %s until %s", "授权同意 %s：%s 可使用 %s，事由 %s，有效至 %s")
	auditConsentRevoke = errs.Define("licence.audit.consent_revoke", "consent %s revoked: %s", "撤销授权同意 %s：%s")
)

func init() {
	audit.DefineActions(
		audit.Words{"licence.consent", "record a holder's consent", "记录持证人授权同意"},
		audit.Words{"licence.consent.revoke", "revoke a holder's consent", "撤销持证人授权同意"},
	)
}

// RecordConsent records a holder's consent for one licence, by the
// issuing department's administrators and catalogers.
func (s *Service) RecordConsent(ctx context.Context, p org.Principal, ref string, in ConsentInput) (Consent, error) {
	const action = "licence.consent"
	l, err := s.find(ctx, ref)
	if err != nil {
		return Consent{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if !MayIssue(p, l.DepartmentID) {
		return Consent{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgAuthoriseRole, l.Issuer))
	}
	f := errs.Fields{}
	plainText(f, "purpose", &in.Purpose, 200, true)
	var dept org.Department
	if in.Department == 0 {
		f.AddMsg("department_id", msgRequired)
	} else if dept, err = s.org.Department(ctx, in.Department); err != nil {
		f.AddMsg("department_id", msgNoDepartment)
	}
	now := s.now()
	today := now.In(Beijing).Format(time.DateOnly)
	until := dateField(f, "valid_until", in.ValidUntil, "")
	if f["valid_until"].IsZero() && (until == "" || until < today || until > now.In(Beijing).AddDate(0, 0, MaxConsentDays).Format(time.DateOnly)) {
		f.AddMsg("valid_until", msgConsentUntil, MaxConsentDays)
	}
	if err := f.Err(); err != nil {
		return Consent{}, s.refused(ctx, p, action, target, err)
	}
	if l.Status != Valid {
		return Consent{}, s.refused(ctx, p, action, target, errs.New(errs.Conflict, msgNotValid, statusWords.Text(l.Status)))
	}
	b := make([]byte, 12)
	rand.Read(b)
	c := Consent{ID: hex.EncodeToString(b), Identifier: l.Identifier, DepartmentID: dept.ID, Department: dept.Name, Purpose: in.Purpose, ValidUntil: until,
		State: ConsentActive, CreatedBy: p.Username, CreatedAt: now.UTC().Truncate(time.Second)}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO licence_consents (id, licence_id, department_id, purpose, valid_until, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			c.ID, l.ID, c.DepartmentID, c.Purpose, c.ValidUntil, c.CreatedBy, store.FormatTime(c.CreatedAt)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, audit.Keyed(auditConsent, c.ID, dept.Name, l.Identifier, c.Purpose, c.ValidUntil)))
	})
	return c, err
}

// RevokeConsent revokes a consent, when the holder withdraws it.
func (s *Service) RevokeConsent(ctx context.Context, p org.Principal, ref, id, reason string) (Consent, error) {
	const action = "licence.consent.revoke"
	l, err := s.find(ctx, ref)
	if err != nil {
		return Consent{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if !MayIssue(p, l.DepartmentID) {
		return Consent{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgAuthoriseRole, l.Issuer))
	}
	if reason = strings.TrimSpace(reason); reason == "" || len([]rune(reason)) > 200 {
		return Consent{}, errs.FieldMsg("reason", msgConsentReason)
	}
	now := store.FormatTime(s.now())
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE licence_consents SET revoked_at = ?, revoked_by = ?, reason = ? WHERE id = ? AND licence_id = ? AND revoked_at = ''", now, p.Username, reason, id, l.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.NotFound, msgConsentUnknown)
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, audit.Keyed(auditConsentRevoke, id, reason)))
	})
	if err != nil {
		return Consent{}, err
	}
	cs, err := s.consents(ctx, l, "c.id = ?", id)
	if err != nil || len(cs) == 0 {
		return Consent{}, err
	}
	return cs[0], nil
}

// Consents lists a licence's consents, newest first, to its issuing
// department's staff.
func (s *Service) Consents(ctx context.Context, p org.Principal, ref string) ([]Consent, error) {
	l, err := s.Licence(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	return s.consents(ctx, l, "", nil)
}

func (s *Service) consents(ctx context.Context, l Licence, where string, arg any) ([]Consent, error) {
	q, args := "SELECT c.id, c.department_id, d.name, c.purpose, c.valid_until, c.created_by, c.created_at, c.revoked_at, c.revoked_by, c.reason "+
		"FROM licence_consents c JOIN departments d ON d.id = c.department_id WHERE c.licence_id = ?", []any{l.ID}
	if where != "" {
		q, args = q+" AND "+where, append(args, arg)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY c.created_at DESC, c.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Consent{}
	today := s.now().In(Beijing).Format(time.DateOnly)
	for rows.Next() {
		c := Consent{Identifier: l.Identifier}
		var created, revoked string
		if err := rows.Scan(&c.ID, &c.DepartmentID, &c.Department, &c.Purpose, &c.ValidUntil, &c.CreatedBy, &created, &revoked, &c.RevokedBy, &c.Reason); err != nil {
			return nil, err
		}
		c.CreatedAt, _ = store.ParseTime(created)
		c.RevokedAt, _ = store.ParseTime(revoked)
		switch {
		case revoked != "":
			c.State = ConsentRevoked
		case c.ValidUntil < today:
			c.State = ConsentExpired
		default:
			c.State = ConsentActive
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// checkConsent answers why a use by p for purpose may not rest on consent
// id of licence l, nil when it may.
func (s *Service) checkConsent(ctx context.Context, l Licence, p org.Principal, id, purpose string) error {
	var dept int64
	var until, revoked, want string
	err := s.db.QueryRow(ctx, "SELECT department_id, valid_until, revoked_at, purpose FROM licence_consents WHERE id = ? AND licence_id = ?", id, l.ID).
		Scan(&dept, &until, &revoked, &want)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return errs.New(errs.Forbidden, msgConsentUnknown)
	case err != nil:
		return err
	case revoked != "":
		return errs.New(errs.Forbidden, msgConsentRevoked)
	case until < s.now().In(Beijing).Format(time.DateOnly):
		return errs.New(errs.Forbidden, msgConsentExpired)
	case dept != p.DepartmentID:
		return errs.New(errs.Forbidden, msgConsentDept)
	case want != purpose:
		return errs.New(errs.Forbidden, msgConsentPurpose, want)
	}
	return nil
}

// validConsentID reports whether id has a consent id's form.
func validConsentID(id string) bool {
	if len(id) != 24 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}
