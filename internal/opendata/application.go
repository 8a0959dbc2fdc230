package opendata

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// States of a public user's application (有条件开放申请).
const (
	AppPending  = "pending"  // waits for the providing department
	AppApproved = "approved" // the user's key may call the entry's data service
	AppRejected = "rejected"
	AppRevoked  = "revoked" // the providing department withdrew an approval: the key no longer calls the entry
)

// Lengths of an application's purpose (用途).
const (
	MinPurpose = 10
	MaxPurpose = 500
)

// Application is a public user's application for a conditionally open entry.
type Application struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	UserName   string    `json:"user_name"`
	UserMasked string    `json:"user_address" doc:"The applicant's address, its middle hidden"`
	Code       string    `json:"code"`
	EntryName  string    `json:"entry_name"`
	ProviderID int64     `json:"provider_id"`
	Purpose    string    `json:"purpose"`
	State      string    `json:"state" enum:"pending,approved,rejected"`
	Reason     string    `json:"reason,omitempty"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
}

// Keys issues the API key of a public user whose application is approved:
// the gateway's (gateway.Service.IssuePublicKey).
type Keys interface {
	IssuePublicKey(ctx context.Context, user int64) error
}

func applicationTarget(id int64) string { return "opendata_application:" + strconv.FormatInt(id, 10) }

// Apply files u's application for the conditionally open entry code, with
// its purpose. An open entry needs none; a closed one does not exist for
// the public; one application at a time per entry.
func (s *Service) Apply(ctx context.Context, u User, code, purpose, client string) (Application, error) {
	e, l, err := s.entry(ctx, code)
	if err != nil {
		return Application{}, err
	}
	if l != Listed {
		return Application{}, errs.New(errs.Conflict, msgNoApplication, code)
	}
	purpose = strings.TrimSpace(purpose)
	if n := utf8.RuneCountInString(purpose); n < MinPurpose || n > MaxPurpose {
		return Application{}, errs.FieldMsg("purpose", msgPurpose, MinPurpose, MaxPurpose)
	}
	now := s.now()
	var id int64
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM opendata_applications WHERE user_id = ? AND code = ? AND state IN (?, ?)",
			u.ID, e.Code, AppPending, AppApproved).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.New(errs.Conflict, msgApplied, e.Code)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO opendata_applications (user_id, code, entry_name, provider_id, purpose, state, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, e.Code, e.Name, e.ProviderID, purpose, AppPending, store.FormatTime(now)).Scan(&id); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, publicEntry(u, "opendata.apply", client, audit.Success, audit.Keyed(auditApply, e.Code, e.Name)))
	})
	if err != nil {
		return Application{}, err
	}
	return s.application(ctx, id)
}

const selectApplication = `SELECT a.id, a.user_id, u.name, u.address, a.code, a.entry_name, a.provider_id, a.purpose, a.state, a.reason,
	a.decided_by, a.created_at, a.decided_at FROM opendata_applications a JOIN opendata_users u ON u.id = a.user_id`

func scanApplication(sc interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var created, decided, addr string
	err := sc.Scan(&a.ID, &a.UserID, &a.UserName, &addr, &a.Code, &a.EntryName, &a.ProviderID, &a.Purpose, &a.State, &a.Reason,
		&a.DecidedBy, &created, &decided)
	a.UserMasked = maskAddress(addr)
	a.CreatedAt, _ = store.ParseTime(created)
	if decided != "" {
		a.DecidedAt, _ = store.ParseTime(decided)
	}
	return a, err
}

func (s *Service) application(ctx context.Context, id int64) (Application, error) {
	a, err := scanApplication(s.db.QueryRow(ctx, selectApplication+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errs.New(errs.NotFound, msgNoApplicationID, id)
	}
	return a, err
}

func (s *Service) applications(ctx context.Context, cond string, args ...any) ([]Application, error) {
	rows, err := s.db.Query(ctx, selectApplication+" WHERE "+cond+" ORDER BY a.id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Application{}
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MyApplications lists u's applications, newest first.
func (s *Service) MyApplications(ctx context.Context, u User) ([]Application, error) {
	return s.applications(ctx, "a.user_id = ?", u.ID)
}

// ApplicationFor returns u's latest application for code, NotFound when
// there is none.
func (s *Service) ApplicationFor(ctx context.Context, u User, code string) (Application, error) {
	list, err := s.applications(ctx, "a.user_id = ? AND a.code = ?", u.ID, code)
	if err != nil {
		return Application{}, err
	}
	if len(list) == 0 {
		return Application{}, errs.New(errs.NotFound, msgNoApplicationID, 0)
	}
	return list[0], nil
}

// mayDecide reports whether p decides the public's applications for the
// entries of department dept: an approver (审核员) of that department, as
// for the sharing applications it provides. The three officers and every
// other department are refused.
func mayDecide(p org.Principal, dept int64) bool {
	return dept != 0 && p.DepartmentID == dept && p.Can(org.ReviewCatalog)
}

// Applications lists the public's applications for p's department's
// entries, in state (all when empty), newest first. Only the department's
// approvers see them.
func (s *Service) Applications(ctx context.Context, p org.Principal, state string) ([]Application, error) {
	if !mayDecide(p, p.DepartmentID) {
		return nil, org.Denied(ctx, s.audit, p, "opendata.application.list", "department:"+strconv.FormatInt(p.DepartmentID, 10),
			errs.New(errs.Forbidden, msgDecide))
	}
	if state != "" {
		return s.applications(ctx, "a.provider_id = ? AND a.state = ?", p.DepartmentID, state)
	}
	return s.applications(ctx, "a.provider_id = ?", p.DepartmentID)
}

// Decide approves or rejects a pending application, by an approver of the
// providing department; a rejection says why. Approval issues the user's
// API key (Keys) in the same step: the key then calls the entry's data
// service through the gateway. Without Keys (a domain test, a tool) the
// approval stands and no key is issued.
func (s *Service) Decide(ctx context.Context, p org.Principal, id int64, approve bool, reason string) (Application, error) {
	a, err := s.decidable(ctx, p, id, "opendata.application.decide")
	if err != nil {
		return a, err
	}
	reason = strings.TrimSpace(reason)
	state := AppApproved
	if !approve {
		state = AppRejected
		if reason == "" {
			return a, errs.FieldMsg("reason", msgReason)
		}
	}
	if utf8.RuneCountInString(reason) > MaxPurpose {
		return a, errs.FieldMsg("reason", msgPurpose, 1, MaxPurpose)
	}
	if err := s.move(ctx, p, a, AppPending, state, reason, msgDecided); err != nil {
		return a, err
	}
	if approve && s.Keys != nil {
		if err := s.Keys.IssuePublicKey(ctx, a.UserID); err != nil {
			return a, err
		}
	}
	return s.application(ctx, id)
}

// decidable reads application id for p to decide or withdraw: only the
// providing department's approvers may; others are refused and audited
// under action, and one outside the department is told it does not exist.
func (s *Service) decidable(ctx context.Context, p org.Principal, id int64, action string) (Application, error) {
	a, err := s.application(ctx, id)
	if err != nil {
		return a, err
	}
	if !mayDecide(p, a.ProviderID) {
		if p.DepartmentID != a.ProviderID && !p.Can(org.ReadAudit) {
			err = errs.New(errs.NotFound, msgNoApplicationID, id)
		} else {
			err = errs.New(errs.Forbidden, msgDecide)
		}
		return Application{}, org.Denied(ctx, s.audit, p, action, applicationTarget(id), err)
	}
	return a, nil
}

// move takes application a from state from to state to with the reason,
// audited as "opendata.application.<to>"; an application no longer in from
// answers a conflict with notFrom.
func (s *Service) move(ctx context.Context, p org.Principal, a Application, from, to, reason string, notFrom *errs.Msg) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE opendata_applications SET state = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = ?",
			to, reason, p.Username, store.FormatTime(s.now()), a.ID, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, notFrom, a.ID)
		}
		return s.audit.Append(ctx, tx, org.Entry(p, "opendata.application."+to, applicationTarget(a.ID), audit.Success,
			audit.Keyed(auditDecide, a.Code, a.EntryName, reason)))
	})
}

// Revoke withdraws an approved application, by an approver of the providing
// department, with the reason: from the next call on, the user's key no
// longer reaches the entry (DecidePublic asks for an approval every time).
// The user may apply again.
func (s *Service) Revoke(ctx context.Context, p org.Principal, id int64, reason string) (Application, error) {
	a, err := s.decidable(ctx, p, id, "opendata.application.revoke")
	if err != nil {
		return a, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return a, errs.FieldMsg("reason", msgRevokeReason)
	}
	if utf8.RuneCountInString(reason) > MaxPurpose {
		return a, errs.FieldMsg("reason", msgPurpose, 1, MaxPurpose)
	}
	if err := s.move(ctx, p, a, AppApproved, AppRevoked, reason, msgNotApprovedApp); err != nil {
		return a, err
	}
	return s.application(ctx, id)
}

// DecidePublic decides one data-service call by public user user's key
// for entry code (the gateway's gateway.PublicPolicy): the entry still
// conditionally open, an approved application of the user for it, and the
// items asked for (all when empty) and filtered on among the entry's open
// items; a masked item cannot be filtered on. It answers the items and
// masks to apply and counts an API call of the dataset.
func (s *Service) DecidePublic(ctx context.Context, user int64, code string, items, filtered []string) (sharing.Decision, error) {
	e, l, err := s.entry(ctx, code)
	if err != nil {
		return sharing.Decision{}, errs.New(errs.Forbidden, msgNotApproved, code)
	}
	if l != Listed {
		return sharing.Decision{}, errs.New(errs.Forbidden, msgNotApproved, code)
	}
	var n int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM opendata_applications WHERE user_id = ? AND code = ? AND state = ?", user, e.Code, AppApproved).Scan(&n); err != nil {
		return sharing.Decision{}, err
	}
	if n == 0 {
		return sharing.Decision{}, errs.New(errs.Forbidden, msgNotApproved, code)
	}
	d := sharing.Decision{Entry: e, Masking: map[string]string{}, HashKey: s.HashKey}
	var open []string
	for _, it := range e.Items {
		if listed, _ := publicItem(l, it); listed {
			open = append(open, it.Identifier)
			d.Masking[it.Identifier] = rule(it)
		}
	}
	if len(open) == 0 {
		return sharing.Decision{}, errs.New(errs.Forbidden, msgNotApproved, code)
	}
	if len(items) == 0 {
		d.Items = open
	} else {
		for _, it := range open { // in the entry's order
			if slices.Contains(items, it) {
				d.Items = append(d.Items, it)
			}
		}
		for _, it := range items {
			if !slices.Contains(open, it) {
				return sharing.Decision{}, errs.FieldMsg("fields", msgNotOpenItem, it)
			}
		}
	}
	for _, it := range filtered {
		r, ok := d.Masking[it]
		if !ok {
			return sharing.Decision{}, errs.FieldMsg(it, msgNotOpenItem, it)
		}
		if r != mask.None {
			return sharing.Decision{}, errs.FieldMsg(it, msgMaskedFilter, it)
		}
	}
	s.Count(e.Code, APICall)
	return d, nil
}
