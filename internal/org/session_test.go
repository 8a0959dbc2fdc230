package org_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// loginAttempts returns how many session.create entries with outcome the
// audit log holds for username.
func (e *env) loginAttempts(username, outcome string) int {
	e.t.Helper()
	return e.count(audit.Filter{Action: "session.create", Actor: username, Outcome: outcome})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		u := w.mustUser(w.adminA, org.UserInput{Username: "a.cat", DisplayName: "编目员", DepartmentID: w.deptA.ID, Roles: roles(org.Cataloger, org.Approver)})

		t.Run("success", func(t *testing.T) {
			before := time.Now()
			s, p, err := w.svc.Login(w.ctx, " a.cat ", userPassword, "198.51.100.7")
			if err != nil {
				t.Fatalf("Login() error: %v", err)
			}
			if !strings.HasPrefix(s.Token, "gss_") {
				t.Errorf("session token %q, want prefix gss_", s.Token)
			}
			if lo, hi := before.Add(w.svc.SessionTTL-time.Second), time.Now().Add(w.svc.SessionTTL); s.ExpiresAt.Before(lo) || s.ExpiresAt.After(hi) {
				t.Errorf("ExpiresAt = %v, want between %v and %v", s.ExpiresAt, lo, hi)
			}
			got, err := w.svc.Authenticate(w.ctx, s.Token, "198.51.100.8")
			if err != nil {
				t.Fatalf("Authenticate() error: %v", err)
			}
			want := org.Principal{UserID: u.ID, Username: "a.cat", DisplayName: "编目员", DepartmentID: w.deptA.ID, DepartmentName: "财政局",
				Roles: roles(org.Cataloger, org.Approver), TokenID: p.TokenID, ClientAddr: "198.51.100.8"}
			if g, wnt := jsonish(got), jsonish(want); g != wnt {
				t.Errorf("Authenticate() =\n%s\nwant\n%s", g, wnt)
			}
			want.ClientAddr = "198.51.100.7"
			if g, wnt := jsonish(p), jsonish(want); g != wnt {
				t.Errorf("Login() principal =\n%s\nwant\n%s", g, wnt)
			}
			entries, _, err := w.log.List(w.ctx, audit.Filter{Action: "session.create", Actor: "a.cat"})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Outcome != audit.Success || entries[0].ClientAddr != "198.51.100.7" || entries[0].ActorID != u.ID {
				t.Errorf("session.create entries = %+v, want one success from 198.51.100.7 by user %d", entries, u.ID)
			}
		})

		failures := []struct {
			name     string
			username string
			password string
		}{
			{name: "wrong password", username: "a.cat", password: "Wrong-Passw0rd"},
			{name: "empty password", username: "a.cat", password: ""},
			{name: "unknown user", username: "nobody", password: userPassword},
			{name: "empty user", username: "", password: userPassword},
			{name: "oversized user", username: strings.Repeat("a", 65), password: userPassword},
			{name: "oversized password", username: "a.cat", password: strings.Repeat("A", 257)},
		}
		for _, tt := range failures {
			t.Run(tt.name, func(t *testing.T) {
				before := w.loginAttempts(tt.username, audit.Failure)
				s, p, err := w.svc.Login(w.ctx, tt.username, tt.password, "203.0.113.9")
				if !errs.Is(err, errs.Unauthorized) {
					t.Errorf("Login(%q, %q) err = %v, want %s", tt.username, tt.password, err, errs.Unauthorized)
				}
				if s.Token != "" || p.UserID != 0 {
					t.Errorf("failed Login() = %+v, %+v, want zero values", s, p)
				}
				if got := w.loginAttempts(tt.username, audit.Failure) - before; got != 1 {
					t.Errorf("%d new session.create failure entries, want 1", got)
				}
			})
		}

		t.Run("unknown user and wrong password look alike", func(t *testing.T) {
			_, _, errUnknown := w.svc.Login(w.ctx, "nobody", userPassword, "")
			_, _, errWrong := w.svc.Login(w.ctx, "a.cat", "Wrong-Passw0rd", "")
			if errUnknown == nil || errWrong == nil || errUnknown.Error() != errWrong.Error() {
				t.Errorf("Login errors differ: unknown user %v, wrong password %v", errUnknown, errWrong)
			}
		})

		t.Run("logout", func(t *testing.T) {
			s, p := w.login("a.cat", userPassword)
			other, _ := w.login("a.cat", userPassword)
			if err := w.svc.Logout(w.ctx, p); err != nil {
				t.Fatalf("Logout() error: %v", err)
			}
			if _, err := w.svc.Authenticate(w.ctx, s.Token, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(logged out token) err = %v, want %s", err, errs.Unauthorized)
			}
			if _, err := w.svc.Authenticate(w.ctx, other.Token, ""); err != nil {
				t.Errorf("Authenticate(other session) after Logout: %v, want it to stay valid", err)
			}
			if got := w.count(audit.Filter{Action: "session.delete", Actor: "a.cat", Outcome: audit.Success}); got != 1 {
				t.Errorf("%d session.delete entries, want 1", got)
			}
		})
	})
}

// jsonish renders a principal with the fields JSON leaves out.
func jsonish(p org.Principal) string {
	b, _ := json.Marshal(p)
	return fmt.Sprintf("%s token=%d addr=%s", b, p.TokenID, p.ClientAddr)
}

func TestAuthenticateRejects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		s, p := e.login(org.AdminUsername, adminPassword)
		_, secret, err := e.svc.CreateToken(e.ctx, p, "脚本", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			token string
		}{
			{name: "empty", token: ""},
			{name: "no prefix", token: strings.TrimPrefix(s.Token, "gss_")},
			{name: "bearer word", token: "Bearer " + s.Token},
			{name: "wrong prefix", token: "gsx_" + strings.TrimPrefix(s.Token, "gss_")},
			{name: "session as api prefix", token: "gst_" + strings.TrimPrefix(s.Token, "gss_")},
			{name: "api as session prefix", token: "gss_" + strings.TrimPrefix(secret, "gst_")},
			{name: "truncated", token: s.Token[:len(s.Token)-1]},
			{name: "upper-cased", token: strings.ToUpper(s.Token)},
			{name: "prefix only", token: "gss_"},
			{name: "too long", token: s.Token + strings.Repeat("x", 100)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if p, err := e.svc.Authenticate(e.ctx, tt.token, ""); !errs.Is(err, errs.Unauthorized) || p.UserID != 0 {
					t.Errorf("Authenticate(%q) = user %d, %v, want %s", tt.token, p.UserID, err, errs.Unauthorized)
				}
			})
		}
	})
}

// TestThrottle: failed logins slow further attempts against the user name
// and from the address with growing delays; nothing locks an account for
// good, and every failure answers the same.
func TestThrottle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		// The base delay outlasts the hashing of a few passwords on a busy machine.
		e.svc.Throttle = org.Throttle{AccountFree: 3, AddressFree: 100, Base: 2 * time.Second, Max: time.Minute, Forget: time.Hour}
		u := e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		login := func(user, pw, addr string) error {
			_, _, err := e.svc.Login(e.ctx, user, pw, addr)
			return err
		}
		const wrong = "Wrong-Passw0rd"
		answer := func(err error) string {
			code, msg, fields := errs.PublicIn(err, "en")
			return fmt.Sprint(code, msg, fields)
		}

		// A success clears the count.
		for _, pw := range []string{wrong, wrong, userPassword, wrong, wrong, userPassword} {
			if err := login("zhang.san", pw, "198.51.100.1"); (err == nil) != (pw == userPassword) {
				t.Fatalf("Login(%q) before the limit: %v", pw, err)
			}
		}
		var answers []string
		for range 4 {
			answers = append(answers, answer(login("zhang.san", wrong, "198.51.100.1")))
		}
		throttledAt := time.Now()
		// Inside the delay the right password is refused with the same answer,
		// and from another address too (the user name is throttled).
		err := login("zhang.san", userPassword, "198.51.100.2")
		answers = append(answers, answer(err))
		if got, err := e.svc.User(e.ctx, e.admin, u.ID); err != nil || got.LockedUntil.IsZero() {
			t.Errorf("User().LockedUntil = %v, %v, want the end of the delay", got.LockedUntil, err)
		}
		// An unknown user name, throttled or not, answers the same.
		for range 5 {
			answers = append(answers, answer(login("nobody", wrong, "198.51.100.3")))
		}
		for i, a := range answers {
			if a != answers[0] {
				t.Errorf("answer %d = %q, want the same as the first, %q", i, a, answers[0])
			}
		}
		if !strings.HasPrefix(answers[0], errs.Unauthorized) {
			t.Errorf("answer = %q, want %s", answers[0], errs.Unauthorized)
		}
		entries, _, err := e.log.List(e.ctx, audit.Filter{Action: "session.create", Actor: "zhang.san", PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Outcome != audit.Failure || !strings.Contains(audit.DetailText(entries[0].Detail).In("en"), "throttled") {
			t.Errorf("last session.create entry = %+v, want the throttled refusal", entries)
		}

		// No hard lock: after the delay the right password works.
		time.Sleep(time.Until(throttledAt.Add(e.svc.Throttle.Base + 100*time.Millisecond)))
		if err := login("zhang.san", userPassword, "198.51.100.1"); err != nil {
			t.Errorf("Login() after the delay: %v", err)
		}
		if got, _ := e.svc.User(e.ctx, e.admin, u.ID); !got.LockedUntil.IsZero() {
			t.Errorf("User().LockedUntil = %v after a successful login, want zero", got.LockedUntil)
		}

		// The delay grows: the first failure past the free ones waits the
		// base, the next (after that delay) twice the base. An attempt is
		// counted when it starts, before the password is checked.
		for range 4 {
			login("zhang.san", wrong, "198.51.100.1")
		}
		got, _ := e.svc.User(e.ctx, e.admin, u.ID)
		time.Sleep(time.Until(got.LockedUntil) + 20*time.Millisecond)
		started := time.Now()
		login("zhang.san", wrong, "198.51.100.1")
		got, _ = e.svc.User(e.ctx, e.admin, u.ID)
		if d := got.LockedUntil.Sub(started); d < 2*e.svc.Throttle.Base || d > 2*e.svc.Throttle.Base+time.Second {
			t.Errorf("second delay = %v, want %v", d, 2*e.svc.Throttle.Base)
		}

		// The security admin (the system admin for this department-less
		// account) unlocks: the delay is lifted at once.
		if _, err := e.svc.Unlock(e.ctx, e.admin, u.ID); err != nil {
			t.Fatalf("Unlock() error: %v", err)
		}
		if err := login("zhang.san", userPassword, "198.51.100.1"); err != nil {
			t.Errorf("Login() after Unlock: %v", err)
		}
	})
}

// TestThrottleByAddress: one address guessing many user names is slowed
// down, other addresses are not.
func TestThrottleByAddress(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.Throttle = org.Throttle{AccountFree: 100, AddressFree: 3, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
		e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		for i := range 4 {
			e.svc.Login(e.ctx, fmt.Sprintf("guess%d", i), "Wrong-Passw0rd", "2001:db8::1")
		}
		if _, _, err := e.svc.Login(e.ctx, "zhang.san", userPassword, "2001:db8::2"); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Login() from the same /64 while throttled: %v, want %s", err, errs.Unauthorized)
		}
		if _, _, err := e.svc.Login(e.ctx, "zhang.san", userPassword, "2001:db8:1::1"); err != nil {
			t.Errorf("Login() from another address: %v", err)
		}
	})
}

func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		u := e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		s, p := e.login("zhang.san", userPassword)
		_, secret, err := e.svc.CreateToken(e.ctx, p, "脚本", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetDisabled(e.ctx, e.admin, u.ID, true); err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"session": s.Token, "api token": secret} {
			if _, err := e.svc.Authenticate(e.ctx, tok, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(%s of disabled account) err = %v, want %s", name, err, errs.Unauthorized)
			}
		}
		if _, _, err := e.svc.Login(e.ctx, "zhang.san", userPassword, ""); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Login(disabled account) err = %v, want %s", err, errs.Unauthorized)
		}
		entries, _, err := e.log.List(e.ctx, audit.Filter{Action: "session.create", Actor: "zhang.san", PageSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Outcome != audit.Failure || audit.DetailText(entries[0].Detail).In("en") != "account disabled" {
			t.Errorf("last session.create entry = %+v, want a failure for the disabled account", entries)
		}
		if _, err := e.svc.SetDisabled(e.ctx, e.admin, u.ID, false); err != nil {
			t.Fatal(err)
		}
		e.login("zhang.san", userPassword)
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.SessionTTL = 2 * time.Second
		s, _ := e.login(org.AdminUsername, adminPassword)
		time.Sleep(time.Until(s.ExpiresAt.Add(10 * time.Millisecond)))
		if _, err := e.svc.Authenticate(e.ctx, s.Token, ""); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Authenticate(expired session) err = %v, want %s", err, errs.Unauthorized)
		}
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.mustUser(w.adminA, org.UserInput{Username: "a.cat", DepartmentID: w.deptA.ID, Roles: roles(org.Cataloger)})
		_, cat := w.login("a.cat", userPassword)

		before := time.Now()
		tok, secret, err := w.svc.CreateToken(w.ctx, w.adminA, "  数据同步脚本 ", 30*24*time.Hour)
		if err != nil {
			t.Fatalf("CreateToken() error: %v", err)
		}
		if !strings.HasPrefix(secret, "gst_") || len(secret) < 40 {
			t.Errorf("CreateToken() secret = %q, want gst_ and at least 36 more characters", secret)
		}
		if tok.ID == 0 || tok.Name != "数据同步脚本" || tok.Revoked {
			t.Errorf("CreateToken() = %+v, want an id, the trimmed name, not revoked", tok)
		}
		if got := tok.ExpiresAt.Sub(tok.CreatedAt); got != 30*24*time.Hour || tok.CreatedAt.Before(before.Add(-time.Second)) {
			t.Errorf("CreateToken() created %v expires %v, want now and 30 days later", tok.CreatedAt, tok.ExpiresAt)
		}
		p, err := w.svc.Authenticate(w.ctx, secret, "")
		if err != nil {
			t.Fatalf("Authenticate(api token) error: %v", err)
		}
		if p.UserID != w.adminA.UserID || !slices.Equal(p.Roles, roles(org.DeptAdmin)) || p.TokenID != tok.ID {
			t.Errorf("Authenticate(api token) = %+v, want user %d with [dept_admin] and token %d", p, w.adminA.UserID, tok.ID)
		}

		list, err := w.svc.Tokens(w.ctx, w.adminA)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0] != tok {
			t.Errorf("Tokens() = %+v, want only %+v (sessions are not listed)", list, tok)
		}
		if b, _ := json.Marshal(list); strings.Contains(string(b), strings.TrimPrefix(secret, "gst_")) {
			t.Errorf("Tokens() JSON %s contains the secret", b)
		}
		if list, err := w.svc.Tokens(w.ctx, cat); err != nil || len(list) != 0 {
			t.Errorf("Tokens() of another user = %+v, %v, want none", list, err)
		}

		t.Run("others may not revoke", func(t *testing.T) {
			for _, p := range []org.Principal{cat, w.admin, w.aud} {
				w.wantDenied(t, p, "token.revoke", func() error { return w.svc.RevokeToken(w.ctx, p, tok.ID) })
			}
			if _, err := w.svc.Authenticate(w.ctx, secret, ""); err != nil {
				t.Errorf("Authenticate() after refused revocations: %v", err)
			}
		})

		t.Run("owner revokes", func(t *testing.T) {
			if err := w.svc.RevokeToken(w.ctx, w.adminA, tok.ID); err != nil {
				t.Fatalf("RevokeToken() error: %v", err)
			}
			if _, err := w.svc.Authenticate(w.ctx, secret, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(revoked token) err = %v, want %s", err, errs.Unauthorized)
			}
			if list, _ := w.svc.Tokens(w.ctx, w.adminA); len(list) != 1 || !list[0].Revoked {
				t.Errorf("Tokens() after revoking = %+v, want it marked revoked", list)
			}
			if got := w.count(audit.Filter{Action: "token.revoke", Actor: "a.admin", Outcome: audit.Success}); got != 1 {
				t.Errorf("%d token.revoke entries, want 1", got)
			}
		})

		t.Run("security admin revokes any", func(t *testing.T) {
			tok2, secret2, err := w.svc.CreateToken(w.ctx, cat, "cat script", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.svc.RevokeToken(w.ctx, w.sec, tok2.ID); err != nil {
				t.Fatalf("RevokeToken() by security admin error: %v", err)
			}
			if _, err := w.svc.Authenticate(w.ctx, secret2, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(token revoked by security admin) err = %v, want %s", err, errs.Unauthorized)
			}
		})

		t.Run("unknown or session token id", func(t *testing.T) {
			if err := w.svc.RevokeToken(w.ctx, w.adminA, 9999); !errs.Is(err, errs.NotFound) {
				t.Errorf("RevokeToken(9999) err = %v, want %s", err, errs.NotFound)
			}
			if err := w.svc.RevokeToken(w.ctx, w.adminA, w.adminA.TokenID); !errs.Is(err, errs.NotFound) {
				t.Errorf("RevokeToken(own session id) err = %v, want %s", err, errs.NotFound)
			}
		})

		t.Run("tiny ttl expires at once", func(t *testing.T) {
			_, s, err := w.svc.CreateToken(w.ctx, cat, "short", time.Nanosecond)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Authenticate(w.ctx, s, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Authenticate(expired api token) err = %v, want %s", err, errs.Unauthorized)
			}
		})

		bad := []struct {
			name      string
			tokName   string
			ttl       time.Duration
			wantField string
		}{
			{name: "zero ttl", tokName: "x", ttl: 0, wantField: "expires_in_days"},
			{name: "negative ttl", tokName: "x", ttl: -time.Hour, wantField: "expires_in_days"},
			{name: "ttl over a year", tokName: "x", ttl: org.MaxTokenTTL + time.Nanosecond, wantField: "expires_in_days"},
			{name: "ttl of the maximum", tokName: "x", ttl: org.MaxTokenTTL},
			{name: "empty name", tokName: "  ", ttl: time.Hour, wantField: "name"},
			{name: "name too long", tokName: strings.Repeat("名", 51), ttl: time.Hour, wantField: "name"},
			{name: "name of 50 runes", tokName: strings.Repeat("名", 50), ttl: time.Hour},
		}
		for _, tt := range bad {
			t.Run(tt.name, func(t *testing.T) {
				_, s, err := w.svc.CreateToken(w.ctx, cat, tt.tokName, tt.ttl)
				checkErr(t, "CreateToken()", err, "", tt.wantField)
				if tt.wantField != "" && s != "" {
					t.Errorf("refused CreateToken() returned secret %q", s)
				}
			})
		}
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		current, p := e.login("zhang.san", userPassword)
		other, _ := e.login("zhang.san", userPassword)
		_, secret, err := e.svc.CreateToken(e.ctx, p, "脚本", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		const newPassword = "Lusong-Qu-430203"
		tests := []struct {
			name      string
			old, new  string
			wantField string
		}{
			{name: "wrong old password", old: "Wrong-Passw0rd", new: newPassword, wantField: "old_password"},
			{name: "weak new password", old: userPassword, new: "weak", wantField: "new_password"},
			{name: "one class new password", old: userPassword, new: "aaaaaaaaaaaa", wantField: "new_password"},
			{name: "success", old: userPassword, new: newPassword},
			{name: "old password no longer current", old: userPassword, new: "Another-Passw0rd", wantField: "old_password"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checkErr(t, "ChangePassword()", e.svc.ChangePassword(e.ctx, p, tt.old, tt.new), "", tt.wantField)
			})
		}
		if _, err := e.svc.Authenticate(e.ctx, current.Token, ""); err != nil {
			t.Errorf("Authenticate(current session) after ChangePassword: %v, want valid", err)
		}
		if _, err := e.svc.Authenticate(e.ctx, other.Token, ""); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Authenticate(other session) after ChangePassword: err = %v, want %s", err, errs.Unauthorized)
		}
		if _, err := e.svc.Authenticate(e.ctx, secret, ""); err != nil {
			t.Errorf("Authenticate(api token) after ChangePassword: %v, want valid (only sessions are closed)", err)
		}
		if _, _, err := e.svc.Login(e.ctx, "zhang.san", userPassword, ""); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Login(old password) err = %v, want %s", err, errs.Unauthorized)
		}
		e.login("zhang.san", newPassword)
		if got := e.count(audit.Filter{Action: "user.password", Outcome: audit.Failure}); got != 2 {
			t.Errorf("%d user.password failure entries, want 2", got)
		}
		if got := e.count(audit.Filter{Action: "user.password", Outcome: audit.Success}); got != 1 {
			t.Errorf("%d user.password success entries, want 1", got)
		}
	})
}

// TestChangePasswordThrottled: a stolen session is no way around the login
// throttle to guess the current password.
func TestChangePasswordThrottled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.Throttle = org.Throttle{AccountFree: 2, AddressFree: 100, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
		e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		_, p := e.login("zhang.san", userPassword)
		for range 3 {
			checkErr(t, "ChangePassword(wrong)", e.svc.ChangePassword(e.ctx, p, "Wrong-Passw0rd", "Lusong-Qu-430203"), "", "old_password")
		}
		err := e.svc.ChangePassword(e.ctx, p, userPassword, "Lusong-Qu-430203")
		if _, _, fields := errs.PublicIn(err, "en"); !strings.Contains(fields["old_password"], "too many") {
			t.Fatalf("ChangePassword(right) while throttled = %v, want old_password refused for too many attempts", err)
		}
		if _, _, err := e.svc.Login(e.ctx, "zhang.san", userPassword, "203.0.113.50"); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("Login() while throttled by the password changes = %v, want %s", err, errs.Unauthorized)
		}
	})
}

// TestThrottleConcurrent: attempts sent at once cannot all slip in before
// the first failure is recorded; past the free failures, one more is
// checked and the rest wait.
func TestThrottleConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.svc.Throttle = org.Throttle{AccountFree: 2, AddressFree: 100, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
		e.mustUser(e.admin, org.UserInput{Username: "zhang.san"})
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.svc.Login(e.ctx, "zhang.san", "Wrong-Passw0rd", "198.51.100.9")
			}()
		}
		wg.Wait()
		entries, _, err := e.log.List(e.ctx, audit.Filter{Action: "session.create", Actor: "zhang.san", PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, en := range entries {
			if audit.DetailText(en.Detail).In("en") == "wrong password" {
				checked++
			}
		}
		if len(entries) != 12 || checked != 3 {
			t.Errorf("%d attempts audited, %d passwords checked; want 12 and 3 (2 free and the one that starts the delay)", len(entries), checked)
		}
	})
}
