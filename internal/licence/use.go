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
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// How a holder authorises a use: the holder asks the issuing department
// (the holder's department of record), at its window or through its own
// service, for an authorisation code (授权码) for one licence; the
// department's staff issue it here and hand it to the holder, who gives it
// to the department that wants to use the licence. A code serves one use,
// lasts CodeTTL, may be bound to one using department, and is kept only as
// its hash.

// codeAlphabet has no 0/O, 1/I/L: codes are read aloud and typed.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// CodeLen is the length of an authorisation code.
const CodeLen = 10

// AuthCodeInput asks for an authorisation code.
type AuthCodeInput struct {
	Department int64 `json:"department_id,omitempty" doc:"Only this department may use the code; 0: any department"`
}

// AuthCode is an authorisation code, shown once.
type AuthCode struct {
	Code       string    `json:"code"`
	Identifier string    `json:"identifier"`
	Department int64     `json:"department_id,omitempty"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func codeHash(licenceID int64, code string) string {
	return licfile.SM3Hex([]byte(strconv.FormatInt(licenceID, 10) + ":" + strings.ToUpper(code)))
}

// NewAuthCode issues a holder's authorisation code for one licence, at the
// holder's request, by the issuing department's staff.
func (s *Service) NewAuthCode(ctx context.Context, p org.Principal, ref string, in AuthCodeInput) (AuthCode, error) {
	const action = "licence.authorise"
	l, err := s.find(ctx, ref)
	if err != nil {
		return AuthCode{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if !MayIssue(p, l.DepartmentID) {
		return AuthCode{}, s.denied(ctx, p, action, target, errs.New(errs.Forbidden, msgAuthoriseRole, l.Issuer))
	}
	if l.Status != Valid {
		return AuthCode{}, s.refused(ctx, p, action, target, errs.New(errs.Conflict, msgNotValid, statusWords.Text(l.Status)))
	}
	if in.Department != 0 {
		if _, err := s.org.Department(ctx, in.Department); err != nil {
			return AuthCode{}, errs.FieldMsg("department_id", msgNoDepartment)
		}
	}
	b := make([]byte, CodeLen)
	rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	now := s.now().UTC()
	c := AuthCode{Code: string(b), Identifier: l.Identifier, Department: in.Department, ExpiresAt: now.Add(s.CodeTTL).Truncate(time.Microsecond)}
	var dept any
	if in.Department != 0 {
		dept = in.Department
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO licence_auth_codes (code_hash, licence_id, department_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
			codeHash(l.ID, c.Code), l.ID, dept, p.Username, store.FormatTime(now), store.FormatTime(c.ExpiresAt)); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, org.Entry(p, action, target, audit.Success, audit.Keyed(auditAuthorised, l.Identifier, c.ExpiresAt.In(Beijing).Format("2006-01-02 15:04"))))
	})
	return c, err
}

// UseInput is a request to use a licence (用证).
type UseInput struct {
	Purpose       string `json:"purpose" maxLength:"600" doc:"事由: why the licence is needed, at most 200 characters"`
	Authorisation string `json:"authorisation,omitempty" maxLength:"40" doc:"The holder's authorisation code; or else consent"`
	Consent       string `json:"consent,omitempty" maxLength:"40" doc:"The id of the holder's consent recorded by the department of record, instead of a code: for the caller's department, this purpose, still valid"`
}

// MayUse reports whether p may use licences: a data consumer of a
// department; the three officers use none.
func MayUse(p org.Principal) bool {
	return p.DepartmentID != 0 && !officer(p) && p.Can(org.ConsumeData)
}

// Use is one use of a licence, as the issuing department sees it.
type Use struct {
	ID         string    `json:"id"`
	Identifier string    `json:"identifier"`
	Department string    `json:"department"`
	User       string    `json:"user"`
	Purpose    string    `json:"purpose"`
	At         time.Time `json:"at"`
	ValidUntil time.Time `json:"valid_until" doc:"Until when the annotated copy is valid"`
}

// Item is a surface item as a user of the licence sees it: masked by the
// type's rule.
type Item struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Value string `json:"value"`
}

// Used is the answer to a use: the licence's surface data masked by the
// type's rules, the use record, and the annotated copy (加注件) once the
// platform makes licence files.
type Used struct {
	Use        Use    `json:"use"`
	Type       string `json:"type"`
	TypeName   string `json:"type_name"`
	Number     string `json:"number"`
	HolderName string `json:"holder_name"`
	HolderID   string `json:"holder_id"`
	Issuer     string `json:"issuer"`
	IssuedOn   string `json:"issued_on"`
	ValidUntil string `json:"valid_until,omitempty"`
	Items      []Item `json:"items"`
	Copy       []byte `json:"copy,omitempty" doc:"The annotated copy (PDF, base64)"`
	// CopyProblem says why there is no copy (keyed; not an error of the use).
	CopyProblem errs.Text `json:"-"`
}

// Use uses a licence with its holder's authorisation: the use is logged
// (audit and an anchored used event) and the answer carries the surface
// data masked by the type's rules. A request without a purpose or an
// authorisation is refused and audited.
func (s *Service) Use(ctx context.Context, p org.Principal, ref string, in UseInput) (Used, error) {
	const action = "licence.use"
	if !MayUse(p) {
		return Used{}, s.denied(ctx, p, action, "licence", errs.New(errs.Forbidden, msgUseRole))
	}
	f := errs.Fields{}
	plainText(f, "purpose", &in.Purpose, 200, true)
	in.Authorisation = strings.ToUpper(strings.TrimSpace(in.Authorisation))
	in.Consent = strings.ToLower(strings.TrimSpace(in.Consent))
	switch {
	case in.Authorisation == "" && in.Consent == "":
		f.AddMsg("authorisation", msgAuthRequired)
	case in.Authorisation != "" && in.Consent != "":
		f.AddMsg("consent", msgConsentBoth)
	case in.Consent != "":
		if !validConsentID(in.Consent) {
			f.AddMsg("consent", msgConsentForm)
		}
	case len(in.Authorisation) != CodeLen || strings.Trim(in.Authorisation, codeAlphabet) != "":
		f.AddMsg("authorisation", msgAuthForm, CodeLen)
	}
	if err := f.Err(); err != nil {
		return Used{}, s.refused(ctx, p, action, "licence", err)
	}
	if !s.allow("use:" + p.Username) {
		return Used{}, errs.New(errs.RateLimited, msgRateLimited)
	}
	l, err := s.find(ctx, ref)
	if errs.Is(err, errs.NotFound) {
		return Used{}, s.refused(ctx, p, action, "licence", errs.FieldMsg("identifier", msgLicenceNotFound))
	}
	if err != nil {
		return Used{}, err
	}
	target := "licence:" + strconv.FormatInt(l.ID, 10)
	if l.Status != Valid {
		return Used{}, s.refused(ctx, p, action, target, errs.New(errs.Conflict, msgNotValid, statusWords.Text(l.Status)))
	}
	hash := codeHash(l.ID, in.Authorisation)
	var dept sql.NullInt64
	var expires, usedBy string
	now := s.now().UTC()
	if in.Consent != "" {
		err = s.checkConsent(ctx, l, p, in.Consent, in.Purpose)
	} else {
		err = s.db.QueryRow(ctx, "SELECT department_id, expires_at, use_id FROM licence_auth_codes WHERE code_hash = ? AND licence_id = ?", hash, l.ID).Scan(&dept, &expires, &usedBy)
	}
	switch {
	case in.Consent != "":
		if err != nil && !errs.Is(err, errs.Forbidden) {
			return Used{}, err
		}
	case errors.Is(err, sql.ErrNoRows):
		err = errs.New(errs.Forbidden, msgAuthUnknown)
	case err != nil:
		return Used{}, err
	case usedBy != "":
		err = errs.New(errs.Forbidden, msgAuthUsed)
	case expires <= store.FormatTime(now):
		err = errs.New(errs.Forbidden, msgAuthExpired)
	case dept.Valid && dept.Int64 != p.DepartmentID:
		err = errs.New(errs.Forbidden, msgAuthOtherDept)
	}
	if err != nil {
		return Used{}, s.denied(ctx, p, action, target, err)
	}
	idb := make([]byte, 12)
	rand.Read(idb)
	u := Use{ID: hex.EncodeToString(idb), Identifier: l.Identifier, Department: p.DepartmentName, User: p.Username, Purpose: in.Purpose,
		At: now.Truncate(time.Second), ValidUntil: now.Truncate(time.Second).Add(s.CopyTTL)}
	ev := Event{Name: licfile.Used, Identifier: l.Identifier, Version: l.Version, Use: u.ID}
	err = s.anchor(ctx, p, l, &ev, action, audit.Keyed(auditUsed, l.Identifier, in.Purpose), func(ctx context.Context, tx *store.Tx, at string) error {
		basis := "consent:" + in.Consent
		if in.Consent == "" {
			res, err := tx.Exec(ctx, "UPDATE licence_auth_codes SET use_id = ? WHERE code_hash = ? AND use_id = ''", u.ID, hash)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errs.New(errs.Forbidden, msgAuthUsed)
			}
			basis = "code:" + hash[:16]
		}
		_, err := tx.Exec(ctx, "INSERT INTO licence_uses (id, licence_id, department_id, department, user_id, username, purpose, authorisation, at, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			u.ID, l.ID, p.DepartmentID, p.DepartmentName, p.UserID, p.Username, u.Purpose, basis, at, store.FormatTime(u.ValidUntil))
		return err
	})
	if err != nil {
		return Used{}, s.denied(ctx, p, action, target, err)
	}
	t, err := s.TypeByCode(ctx, l.TypeCode)
	if err != nil {
		return Used{}, err
	}
	out := Used{Use: u, Type: l.TypeCode, TypeName: l.TypeName, Number: l.Number, Issuer: l.Issuer, IssuedOn: l.IssuedOn, ValidUntil: l.ValidUntil,
		HolderName: mask.Text(mask.Apply(mask.Name, l.HolderName)), HolderID: mask.Text(mask.Apply(holderMask(l.HolderKind), l.HolderID))}
	rules := map[string]ItemDef{}
	for _, d := range t.Items {
		rules[d.Code] = d
	}
	for _, it := range l.Items {
		rule := rules[it.Code].Mask
		if rule == "" {
			rule = mask.Full
		}
		out.Items = append(out.Items, Item{Code: it.Code, Label: it.Label, Value: mask.Text(mask.Apply(rule, it.Value))})
	}
	out.Copy, out.CopyProblem = s.annotated(ctx, l, t, u)
	return out, nil
}

// holderMask is how a user sees the holder's code: a person's ID number
// masked 6+4, an entity's credit code (public) as it is.
func holderMask(kind string) string {
	if kind == Person {
		return mask.IDNumber
	}
	return mask.None
}

// Uses lists a licence's uses, newest first, to its issuing department.
func (s *Service) Uses(ctx context.Context, p org.Principal, ref string) ([]Use, error) {
	l, err := s.Licence(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	return s.uses(ctx, "u.licence_id = ?", 500, l.ID)
}

// DepartmentUses lists the latest uses of the licences p's department issued.
func (s *Service) DepartmentUses(ctx context.Context, p org.Principal, limit int) ([]Use, error) {
	if p.DepartmentID == 0 || officer(p) {
		return nil, s.denied(ctx, p, "licence.read", "licence", errs.New(errs.Forbidden, msgListRole))
	}
	return s.uses(ctx, "l.department_id = ?", max(1, min(limit, 200)), p.DepartmentID)
}

func (s *Service) uses(ctx context.Context, where string, limit int, arg any) ([]Use, error) {
	q := "SELECT u.id, l.identifier, u.department, u.username, u.purpose, u.at, u.valid_until FROM licence_uses u JOIN licences l ON l.id = u.licence_id WHERE " +
		where + " ORDER BY u.at DESC LIMIT " + strconv.Itoa(limit)
	rows, err := s.db.Query(ctx, q, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Use
	for rows.Next() {
		var u Use
		var at, until string
		if err := rows.Scan(&u.ID, &u.Identifier, &u.Department, &u.User, &u.Purpose, &at, &until); err != nil {
			return nil, err
		}
		u.At, _ = store.ParseTime(at)
		u.ValidUntil, _ = store.ParseTime(until)
		out = append(out, u)
	}
	return out, rows.Err()
}
