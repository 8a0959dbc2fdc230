package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// Token kinds.
const (
	SessionToken = "session" // console and API sessions from a login
	APIToken     = "api"     // long-lived tokens for scripts
)

// Token prefixes tell session tokens from API tokens at a glance.
const (
	sessionPrefix = "gss_"
	apiPrefix     = "gst_"
)

// AdminUsername is the first platform admin's account.
const AdminUsername = "admin"

// Bootstrap creates the first system admin when there are no users. It
// returns the password to print once (the given one, or a generated one) and
// whether an account was created.
func (s *Service) Bootstrap(ctx context.Context, password string) (string, bool, error) {
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", false, err
	}
	if password == "" {
		password = GeneratePassword()
	} else if err := CheckPasswordPolicy(password); err != nil {
		return "", false, errs.FieldText("admin_password", errs.TextOf(err))
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", false, err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, "INSERT INTO users (username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			AdminUsername, "平台系统管理员", hash, s.nowText()).Scan(&id); err != nil {
			return fmt.Errorf("create admin: %w", err)
		}
		if err := insertRoles(ctx, tx, id, []Role{SystemAdmin}); err != nil {
			return err
		}
		return s.record(ctx, tx, System, "user.create", fmt.Sprintf("user:%d", id), audit.Success, audit.Keyed(auditBootstrap, AdminUsername, roleList([]Role{SystemAdmin})))
	})
	return password, err == nil, err
}

// Session is a bearer token with its expiry.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Messages of logging in.
var (
	msgBadLogin = errs.Define("org.session.bad_login",
		"wrong user name or password; after repeated failures, wait a moment before trying again",
		"用户名或密码错误；多次失败后请稍候再试")
	msgDisabled        = errs.Define("org.session.disabled", "account disabled", "账户已停用")
	msgOldPassword     = errs.Define("org.user.old_password_mismatch", "does not match", "与当前密码不符")
	msgTooManyAttempts = errs.Define("org.user.too_many_attempts",
		"too many wrong passwords: wait a moment before trying again", "密码错误次数过多，请稍候再试")
)

// errBadLogin is the one answer to every failed login: a wrong password, an
// unknown user name, a throttled attempt or oversized credentials.
var errBadLogin = errs.New(errs.Unauthorized, msgBadLogin)

// Login checks a password and opens a session. Every attempt is audited.
// Failures slow further attempts against the user name and from the client
// address (see Throttle); the caller learns nothing but errBadLogin.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (Session, Principal, error) {
	username = strings.TrimSpace(username)
	p := Principal{Username: username, ClientAddr: clientAddr}
	fail := func(reason *errs.Msg, err error) (Session, Principal, error) {
		if rerr := s.audit.Record(ctx, Entry(p, "session.create", "user:"+username, audit.Failure, audit.Keyed(reason))); rerr != nil {
			return Session{}, Principal{}, fmt.Errorf("audit login: %w", rerr)
		}
		return Session{}, Principal{}, err
	}
	if len(username) > 64 || len(password) > 256 {
		return fail(auditOversized, errBadLogin)
	}
	if ok, err := s.reserve(ctx, username, clientAddr); err != nil {
		return Session{}, Principal{}, fmt.Errorf("login: %w", err)
	} else if !ok {
		return fail(auditThrottled, errBadLogin)
	}
	var id int64
	var hash string
	var disabled bool
	err := s.db.QueryRow(ctx, "SELECT id, password_hash, disabled FROM users WHERE username = ?", username).Scan(&id, &hash, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		CheckPassword(dummyHash, password) // same cost as a real check
		return fail(auditUnknownUser, errBadLogin)
	}
	if err != nil {
		return Session{}, Principal{}, fmt.Errorf("login: %w", err)
	}
	p.UserID = id
	now := s.now()
	if !CheckPassword(hash, password) {
		return fail(auditWrongPassword, errBadLogin)
	}
	// Only someone who knows the password learns that the account is disabled.
	if disabled {
		return fail(auditDisabled, errs.New(errs.Unauthorized, msgDisabled))
	}
	tok := newToken(sessionPrefix)
	exp := now.Add(s.SessionTTL).UTC().Truncate(time.Second)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.release(ctx, tx, username, clientAddr); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "INSERT INTO tokens (user_id, kind, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			id, SessionToken, hashToken(tok), store.FormatTime(now), store.FormatTime(exp)).Scan(&p.TokenID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "session.create", fmt.Sprintf("user:%d", id), audit.Success, "")
	})
	if err != nil {
		return Session{}, Principal{}, fmt.Errorf("login: %w", err)
	}
	full, err := s.Authenticate(ctx, tok, clientAddr)
	return Session{Token: tok, ExpiresAt: exp}, full, err
}

var dummyHash, _ = HashPassword("dummy password for timing")

var errBadToken = errs.New(errs.Unauthorized, msgBadCredentials)

// Authenticate resolves a bearer token to its principal.
func (s *Service) Authenticate(ctx context.Context, token, clientAddr string) (Principal, error) {
	if !strings.HasPrefix(token, sessionPrefix) && !strings.HasPrefix(token, apiPrefix) || len(token) > 100 {
		return Principal{}, errBadToken
	}
	var p Principal
	var expires, revoked string
	var disabled bool
	err := s.db.QueryRow(ctx, `SELECT t.id, t.expires_at, t.revoked_at, u.id, u.username, u.display_name, COALESCE(u.department_id, 0), COALESCE(d.name, ''), u.disabled
		FROM tokens t JOIN users u ON u.id = t.user_id LEFT JOIN departments d ON d.id = u.department_id WHERE t.hash = ?`, hashToken(token)).
		Scan(&p.TokenID, &expires, &revoked, &p.UserID, &p.Username, &p.DisplayName, &p.DepartmentID, &p.DepartmentName, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errBadToken
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	exp, _ := store.ParseTime(expires)
	if revoked != "" || disabled || !s.now().Before(exp) {
		return Principal{}, errBadToken
	}
	roles, err := rolesOf(ctx, s.db, []int64{p.UserID})
	if err != nil {
		return Principal{}, err
	}
	p.Roles, p.ClientAddr = roles[p.UserID], clientAddr
	return p, nil
}

// Logout revokes the session token the principal authenticated with.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND kind = ? AND revoked_at = ''", s.nowText(), p.TokenID, SessionToken); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "session.delete", fmt.Sprintf("user:%d", p.UserID), audit.Success, "")
	})
}

// ChangePassword replaces the principal's own password after checking the old one.
func (s *Service) ChangePassword(ctx context.Context, p Principal, old, new string) error {
	var hash string
	if err := s.db.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = ?", p.UserID).Scan(&hash); err != nil {
		return notFound(err, msgSelfNotFound)
	}
	// Wrong guesses are throttled as at login: a stolen session must not
	// become a way to guess the password.
	if ok, err := s.reserve(ctx, p.Username, p.ClientAddr); err != nil {
		return fmt.Errorf("change password: %w", err)
	} else if !ok {
		if err := s.audit.Record(ctx, Entry(p, "user.password", fmt.Sprintf("user:%d", p.UserID), audit.Failure, audit.Keyed(auditThrottled))); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return errs.FieldMsg("old_password", msgTooManyAttempts)
	}
	if !CheckPassword(hash, old) {
		if err := s.audit.Record(ctx, Entry(p, "user.password", fmt.Sprintf("user:%d", p.UserID), audit.Failure, audit.Keyed(auditWrongCurrent))); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return errs.FieldMsg("old_password", msgOldPassword)
	}
	// The right password gives the attempt's count back.
	if err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.release(ctx, tx, p.Username, p.ClientAddr) }); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := CheckPasswordPolicy(new); err != nil {
		return errs.FieldText("new_password", errs.TextOf(err))
	}
	newHash, err := HashPassword(new)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", newHash, p.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND kind = ? AND id <> ? AND revoked_at = ''",
			s.nowText(), p.UserID, SessionToken, p.TokenID); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "user.password", fmt.Sprintf("user:%d", p.UserID), audit.Success, audit.Keyed(auditSessionsShut))
	})
}

// Token describes an API token; its secret is shown only when created.
type Token struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Revoked   bool      `json:"revoked"`
}

// MaxTokenTTL bounds an API token's life.
const MaxTokenTTL = 366 * 24 * time.Hour

// CreateToken issues an API token for the principal's own account.
func (s *Service) CreateToken(ctx context.Context, p Principal, name string, ttl time.Duration) (Token, string, error) {
	name = strings.TrimSpace(name)
	f := errs.Fields{}
	if n := len([]rune(name)); n == 0 || n > 50 {
		f.AddMsg("name", msgTokenName)
	}
	if ttl <= 0 || ttl > MaxTokenTTL {
		f.AddMsg("expires_in_days", msgTokenDays)
	}
	if err := f.Err(); err != nil {
		return Token{}, "", err
	}
	secret := newToken(apiPrefix)
	now := s.now().UTC().Truncate(time.Microsecond)
	t := Token{Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO tokens (user_id, kind, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			p.UserID, APIToken, name, hashToken(secret), store.FormatTime(now), store.FormatTime(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		return s.record(ctx, tx, p, "token.create", fmt.Sprintf("token:%d", t.ID), audit.Success, audit.Keyed(auditToken, name))
	})
	return t, secret, err
}

// Tokens lists the principal's API tokens, newest first.
func (s *Service) Tokens(ctx context.Context, p Principal) ([]Token, error) {
	rows, err := s.db.Query(ctx, "SELECT id, name, created_at, expires_at, revoked_at FROM tokens WHERE user_id = ? AND kind = ? ORDER BY id DESC", p.UserID, APIToken)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, expires, revoked string
		if err := rows.Scan(&t.ID, &t.Name, &created, &expires, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, _ = store.ParseTime(created)
		t.ExpiresAt, _ = store.ParseTime(expires)
		t.Revoked = revoked != ""
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes an API token of the principal's own, or any when the
// principal is the security admin.
func (s *Service) RevokeToken(ctx context.Context, p Principal, id int64) error {
	target := fmt.Sprintf("token:%d", id)
	var owner int64
	if err := s.db.QueryRow(ctx, "SELECT user_id FROM tokens WHERE id = ? AND kind = ?", id, APIToken).Scan(&owner); err != nil {
		return notFound(err, msgTokenNotFound, id)
	}
	if owner != p.UserID && !p.Can(ManageRoles) {
		return s.DenyMsg(ctx, p, "token.revoke", target, msgRevokeRefused)
	}
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = ''", s.nowText(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, p, "token.revoke", target, audit.Success, "")
	})
}
