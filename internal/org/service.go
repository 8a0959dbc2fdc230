package org

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the org schema.
var Migration = store.Migration{Domain: "org", FS: migrations}

// Service manages regions, departments, users, roles, sessions and tokens.
type Service struct {
	db        *store.DB
	audit     *audit.Log
	divisions *division.Table
	now       func() time.Time

	SessionTTL time.Duration // console and API sessions
	Throttle   Throttle      // delays after failed logins
}

// NewService returns a service over db that records changes in log.
func NewService(db *store.DB, log *audit.Log, divisions *division.Table) *Service {
	return &Service{db: db, audit: log, divisions: divisions, now: time.Now,
		SessionTTL: 12 * time.Hour, Throttle: DefaultThrottle}
}

// Divisions returns the division table regions are checked against.
func (s *Service) Divisions() *division.Table { return s.divisions }

// Division returns the division of code in the GB/T 2260 table, or NotFound.
func (s *Service) Division(code string) (division.Division, error) {
	d, ok := s.divisions.Lookup(code)
	if !ok {
		return d, errs.New(errs.NotFound, msgNotInTable, code, s.divisions.Version())
	}
	return d, nil
}

func (s *Service) record(ctx context.Context, tx *store.Tx, p Principal, action, target, outcome, detail string) error {
	return s.audit.Append(ctx, tx, Entry(p, action, target, outcome, detail))
}

// Entry is the audit entry of an action p took on target.
func Entry(p Principal, action, target, outcome, detail string) audit.Entry {
	return audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
		Action: action, Target: target, Outcome: outcome, ClientAddr: p.ClientAddr, Detail: detail}
}

// Denied records err in log as p's refused action when it is a Forbidden
// error (a refusal decided before, or inside a rolled-back transaction),
// and passes every err on.
func Denied(ctx context.Context, log *audit.Log, p Principal, action, target string, err error) error {
	if !errs.Is(err, errs.Forbidden) {
		return err
	}
	if rerr := log.Record(ctx, Entry(p, action, target, audit.Denied, DenialDetail(err))); rerr != nil {
		return errors.Join(err, fmt.Errorf("audit denial: %w", rerr))
	}
	return err
}

// DenialDetail is how the audit log keeps a refusal: by its message's key
// when the domain defined it (the auditor reads it in their language), as
// its English otherwise.
func DenialDetail(err error) string {
	if t := errs.TextOf(err); t.Msg != nil {
		return audit.Keyed(t.Msg, t.Args...)
	}
	return errs.Message(err)
}

// DenyMsg records a refused action and returns the Forbidden error, said by
// a defined message.
func (s *Service) DenyMsg(ctx context.Context, p Principal, action, target string, m *errs.Msg, args ...any) error {
	err := errs.New(errs.Forbidden, m, args...)
	if rerr := s.audit.Record(ctx, Entry(p, action, target, audit.Denied, DenialDetail(err))); rerr != nil {
		return fmt.Errorf("audit denial: %w", rerr)
	}
	return err
}

// RequireAuditor lets the auditor (and only the holders of audit.read) read,
// verify and export the audit log; a refusal is recorded as action.
func (s *Service) RequireAuditor(ctx context.Context, p Principal, action string) error {
	if p.Can(ReadAudit) {
		return nil
	}
	return s.DenyMsg(ctx, p, action, "audit", msgAuditorOnly)
}

func (s *Service) require(ctx context.Context, p Principal, perm Permission, action, target string) error {
	if p.Can(perm) {
		return nil
	}
	return s.DenyMsg(ctx, p, action, target, msgPermissionRequired, string(perm))
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func (s *Service) nowText() string { return store.FormatTime(s.now()) }

// notFound says that a record is not found, or wraps another failure to
// read it.
func notFound(err error, m *errs.Msg, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, m, args...)
	}
	return fmt.Errorf("read %s: %w", m.With(args...), err)
}
