package org_test

import (
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestOfficerAccounts: the three officers' accounts (三员) are disabled,
// enabled and unlocked by the security admin alone, and no officer acts on
// their own account.
func TestOfficerAccounts(t *testing.T) {
	t.Parallel()
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		audSession, _ := w.login("aud", userPassword)
		bUser := w.mustUser(w.admin, org.UserInput{Username: "b.user", DepartmentID: w.deptB.ID})
		disable := func(p org.Principal, id int64) func() error {
			return func() error { _, err := w.svc.SetDisabled(w.ctx, p, id, true); return err }
		}
		enable := func(p org.Principal, id int64) func() error {
			return func() error { _, err := w.svc.SetDisabled(w.ctx, p, id, false); return err }
		}
		unlock := func(p org.Principal, id int64) func() error {
			return func() error { _, err := w.svc.Unlock(w.ctx, p, id); return err }
		}
		setRoles := func(p org.Principal, id int64, rs ...org.Role) func() error {
			return func() error { _, err := w.svc.SetRoles(w.ctx, p, id, rs); return err }
		}
		refused := []struct {
			name    string
			p       org.Principal
			action  string
			op      func() error
			wantKey string // the keyed message, where the rule has one
		}{
			{"system admin disables the auditor", w.admin, "user.disable", disable(w.admin, w.aud.UserID), "org.user.officer_account"},
			{"system admin disables the security admin", w.admin, "user.disable", disable(w.admin, w.sec.UserID), "org.user.officer_account"},
			{"system admin enables the auditor", w.admin, "user.enable", enable(w.admin, w.aud.UserID), "org.user.officer_account"},
			{"system admin unlocks the security admin", w.admin, "user.unlock", unlock(w.admin, w.sec.UserID), "org.user.officer_account"},
			{"system admin changes the auditor's roles", w.admin, "user.roles", setRoles(w.admin, w.aud.UserID, org.SecurityAdmin), ""},
			{"auditor disables the system admin", w.aud, "user.disable", disable(w.aud, w.admin.UserID), "org.user.manage_refused"},
			{"dept admin disables the auditor", w.adminA, "user.disable", disable(w.adminA, w.aud.UserID), "org.user.officer_account"},
			{"security admin disables a department account", w.sec, "user.disable", disable(w.sec, bUser.ID), "org.user.manage_refused"},
			// No officer acts on their own account.
			{"system admin disables own account", w.admin, "user.disable", disable(w.admin, w.admin.UserID), "org.user.own_account"},
			{"system admin unlocks own account", w.admin, "user.unlock", unlock(w.admin, w.admin.UserID), "org.user.own_account"},
			{"system admin changes own roles", w.admin, "user.roles", setRoles(w.admin, w.admin.UserID), ""},
			{"security admin disables own account", w.sec, "user.disable", disable(w.sec, w.sec.UserID), "org.user.own_account"},
			{"security admin enables own account", w.sec, "user.enable", enable(w.sec, w.sec.UserID), "org.user.own_account"},
			{"security admin unlocks own account", w.sec, "user.unlock", unlock(w.sec, w.sec.UserID), "org.user.own_account"},
			{"security admin changes own roles", w.sec, "user.roles", setRoles(w.sec, w.sec.UserID, org.Auditor), "org.user.own_account"},
			{"auditor disables own account", w.aud, "user.disable", disable(w.aud, w.aud.UserID), "org.user.own_account"},
			{"auditor unlocks own account", w.aud, "user.unlock", unlock(w.aud, w.aud.UserID), "org.user.own_account"},
			{"auditor changes own roles", w.aud, "user.roles", setRoles(w.aud, w.aud.UserID), ""},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				var err error
				w.wantDenied(t, tt.p, tt.action, func() error { err = tt.op(); return err })
				if tt.wantKey != "" {
					if got := errs.TextOf(err).Msg; got == nil || got.Key != tt.wantKey {
						t.Errorf("message = %v, want key %s", errs.TextOf(err), tt.wantKey)
					}
				}
			})
		}
		for _, u := range []org.Principal{w.admin, w.sec, w.aud} {
			if got, err := w.svc.User(w.ctx, w.sec, u.UserID); err != nil || got.Disabled {
				t.Errorf("after the refusals, %s disabled = %v, %v; want enabled", u.Username, got.Disabled, err)
			}
		}
		if _, err := w.svc.Authenticate(w.ctx, audSession.Token, ""); err != nil {
			t.Errorf("the auditor's session after the refusals: %v, want it still valid", err)
		}

		// The security admin manages the other two officers' accounts.
		for _, target := range []org.Principal{w.aud, w.admin} {
			for _, op := range []struct {
				action string
				run    func() error
			}{{"user.disable", disable(w.sec, target.UserID)}, {"user.enable", enable(w.sec, target.UserID)}, {"user.unlock", unlock(w.sec, target.UserID)}} {
				before := w.count(audit.Filter{Actor: "sec", Action: op.action, Outcome: audit.Success})
				if err := op.run(); err != nil {
					t.Errorf("%s of %s by the security admin: %v", op.action, target.Username, err)
				}
				if got := w.count(audit.Filter{Actor: "sec", Action: op.action, Outcome: audit.Success}) - before; got != 1 {
					t.Errorf("%s of %s: %d success entries, want 1", op.action, target.Username, got)
				}
			}
		}
		// Disabling by the security admin ends the auditor's session, as it should.
		if err := disable(w.sec, w.aud.UserID)(); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Authenticate(w.ctx, audSession.Token, ""); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("the auditor's session after the security admin disabled the account: %v, want %s", err, errs.Unauthorized)
		}
		// The console shows the buttons by the same rule.
		aud, _ := w.svc.User(w.ctx, w.sec, w.aud.UserID)
		if w.admin.CanManageAccount(aud) || !w.sec.CanManageAccount(aud) || w.aud.CanManageAccount(aud) {
			t.Errorf("CanManageAccount(auditor) by admin, sec, aud = %v, %v, %v; want false, true, false",
				w.admin.CanManageAccount(aud), w.sec.CanManageAccount(aud), w.aud.CanManageAccount(aud))
		}
	})
}
