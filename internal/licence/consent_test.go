package licence_test

import (
	"testing"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestConsent uses a licence on a recorded consent instead of a code, and
// refuses and audits a use out of the consent's scope.
func TestConsent(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		typ, err := w.svc.CreateType(w.ctx, w.bdc, titleType())
		if err != nil {
			t.Fatal(err)
		}
		l, err := w.svc.Issue(w.ctx, w.bdc, title(typ.Code, 1))
		if err != nil {
			t.Fatal(err)
		}
		const purpose = "办理户籍迁入"
		in := licence.ConsentInput{Department: w.gajID, Purpose: purpose, ValidUntil: "2026-12-31"}
		if _, err := w.svc.RecordConsent(w.ctx, w.consumer, l.Identifier, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the user records its own consent: %v", err)
		}
		if _, err := w.svc.RecordConsent(w.ctx, w.bdc, l.Identifier, licence.ConsentInput{Department: w.gajID, Purpose: purpose, ValidUntil: "2028-01-01"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a consent beyond a year: %v", err)
		}
		c, err := w.svc.RecordConsent(w.ctx, w.bdc, l.Identifier, in)
		if err != nil || c.State != licence.ConsentActive {
			t.Fatalf("RecordConsent: %+v, %v", c, err)
		}
		var before int
		w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.use' AND outcome <> 'success'").Scan(&before)
		for _, tc := range []struct {
			name string
			p    func() error
			code string
		}{
			{"another purpose", func() error {
				_, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: "其他事由", Consent: c.ID})
				return err
			}, errs.Forbidden},
			{"another department", func() error {
				_, err := w.svc.Use(w.ctx, w.gjj, l.Identifier, licence.UseInput{Purpose: purpose, Consent: c.ID})
				return err
			}, errs.Forbidden},
			{"a consent unknown", func() error {
				_, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: purpose, Consent: "0123456789abcdef01234567"})
				return err
			}, errs.Forbidden},
			{"code and consent", func() error {
				_, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: purpose, Consent: c.ID, Authorisation: "ABCDEFGHJK"})
				return err
			}, errs.Invalid},
		} {
			if err := tc.p(); errs.CodeOf(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		u, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: purpose, Consent: c.ID})
		if err != nil || u.Use.Purpose != purpose {
			t.Fatalf("use on the consent: %+v, %v", u.Use, err)
		}
		// A verification is audited when it answers, as a refusal is.
		if v, err := w.svc.Verify(w.ctx, w.consumer, licence.VerifyInput{Identifier: l.Identifier}); err != nil || !v.Valid {
			t.Fatalf("verify: %+v, %v", v, err)
		}
		var verified int
		for deadline := time.Now().Add(5 * time.Second); verified == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.verify' AND outcome = 'success'").Scan(&verified)
		}
		if verified != 1 {
			t.Errorf("successful verifications audited: %d, want 1", verified)
		}
		// Shown to the department of record, as every use is.
		if us, err := w.svc.DepartmentUses(w.ctx, w.bdc, 10); err != nil || len(us) != 1 || us[0].ID != u.Use.ID {
			t.Fatalf("uses shown to the department of record: %+v, %v", us, err)
		}
		w.now = time.Date(2027, 1, 1, 10, 0, 0, 0, licence.Beijing)
		if _, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: purpose, Consent: c.ID}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("use on an expired consent: %v", err)
		}
		w.now = today
		if _, err := w.svc.RevokeConsent(w.ctx, w.bdc, l.Identifier, c.ID, "持证人撤回同意"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: purpose, Consent: c.ID}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("use on a revoked consent: %v", err)
		}
		var after int
		w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.use' AND outcome <> 'success'").Scan(&after)
		if after != before+6 {
			t.Errorf("refused uses audited: %d, want %d", after, before+6)
		}
		cs, err := w.svc.Consents(w.ctx, w.bdc, l.Identifier)
		if err != nil || len(cs) != 1 || cs[0].State != licence.ConsentRevoked || cs[0].Department == "" {
			t.Fatalf("consents: %+v, %v", cs, err)
		}
		if _, err := w.svc.Consents(w.ctx, w.consumer, l.Identifier); err == nil {
			t.Error("the user reads the holder's consents")
		}
		w.checkAnchored()
	})
}
