package basedb_test

import (
	"context"
	"testing"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/quality"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestLegalEntitiesAndCredit builds the legal entity and credit base
// databases from their synthetic sources: wrong codes are quarantined, the
// planted conflicts raise disputes (a name spelt otherwise at the same time,
// a company dissolved yet licensed, a company on both lists), and the credit
// check answers facts within the periods of publication.
func TestLegalEntitiesAndCredit(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		const n = 2000
		rows, planted := basedb.SyntheticEntities(n, now)
		for _, src := range basedb.LegalEntities().Sources {
			if _, err := c.svc.Stage(ctx, "legal_entity", src.ID, rows[src.ID]); err != nil {
				t.Fatal(err)
			}
		}
		credit, plantedCredit := basedb.SyntheticCredit(n, now)
		for _, src := range basedb.Credit().Sources {
			if _, err := c.svc.Stage(ctx, "credit", src.ID, credit[src.ID]); err != nil {
				t.Fatal(err)
			}
		}
		for _, db := range []string{"legal_entity", "credit"} {
			if _, err := c.svc.Merge(ctx, db); err != nil {
				t.Fatal(err)
			}
		}
		if planted.SameTime == 0 || planted.ClosedLicensed == 0 || plantedCredit.RedAndBlack == 0 || planted.BadRows == 0 {
			t.Fatalf("planted %+v, %+v: the fixture plants nothing", planted, plantedCredit)
		}
		for _, tc := range []struct {
			name string
			q    string
			args []any
			want int
		}{
			{"legal entities", "SELECT COUNT(*) FROM basedb_g_legal_entity", nil, n - planted.BadRows/2},
			{"quarantined", "SELECT COUNT(*) FROM basedb_quarantine WHERE db = 'legal_entity'", nil, planted.BadRows},
			{"names at the same time", "SELECT COUNT(*) FROM basedb_disputes WHERE db = 'legal_entity' AND kind = ?", []any{basedb.KindSameTime}, planted.SameTime},
			{"dissolved yet licensed", "SELECT COUNT(*) FROM basedb_disputes WHERE kind = ?", []any{basedb.KindClosedLicensed}, planted.ClosedLicensed},
			{"red and black", "SELECT COUNT(*) FROM basedb_disputes WHERE kind = ?", []any{basedb.KindRedAndBlack}, plantedCredit.RedAndBlack},
			{"credit quarantined", "SELECT COUNT(*) FROM basedb_quarantine WHERE db = 'credit'", nil, plantedCredit.BadRows},
		} {
			if got := count(t, db, tc.q, tc.args...); got != tc.want {
				t.Errorf("%s = %d, want %d", tc.name, got, tc.want)
			}
		}
		for i := range 50 {
			if err := quality.CheckCreditCode(basedb.Company(i).Key); err != nil {
				t.Fatalf("company %d: %v", i, err)
			}
		}

		// The credit check answers facts, never the record.
		consumer := c.login("gaj.consumer")
		for _, tc := range []struct {
			name string
			i    int
			want func(basedb.CreditFacts) bool
		}{
			{"black listed", 59, func(f basedb.CreditFacts) bool { return f.Known && f.BlackListed && !f.RedListed }},
			{"red and black", 9, func(f basedb.CreditFacts) bool { return f.BlackListed && f.RedListed }},
			{"red listed", 21, func(f basedb.CreditFacts) bool { return f.RedListed && !f.BlackListed }},
			{"licence published", 0, func(f basedb.CreditFacts) bool { return f.LicencePublished && *f.NameMatch }},
		} {
			co := basedb.Company(tc.i)
			f, err := c.svc.CheckCredit(ctx, consumer, basedb.CreditInput{Key: co.Key, Name: co.Name})
			if err != nil || !tc.want(f) {
				t.Errorf("%s: CheckCredit(%d) = %+v, %v", tc.name, tc.i, f, err)
			}
		}
		f, err := c.svc.CheckCredit(ctx, consumer, basedb.CreditInput{Key: basedb.Company(n + 5).Key, Name: "某某公司"})
		if err != nil || f.Known || f.NameMatch == nil || *f.NameMatch {
			t.Errorf("unknown company: %+v, %v", f, err)
		}
		// A penalty's publication ends with its legal period: 警告 three months.
		var old, cur int
		for i := 0; i < n; i += 7 {
			if f, err := c.svc.CheckCredit(ctx, consumer, basedb.CreditInput{Key: basedb.Company(i).Key}); err == nil && f.PenaltyPublished {
				cur++
			} else {
				old++
			}
		}
		if cur == 0 || old == 0 {
			t.Errorf("penalties published %d, past their period %d: want some of each", cur, old)
		}
		for _, who := range []string{"admin", "secadmin", "auditor", "rsj.approver"} {
			if _, err := c.svc.CheckCredit(ctx, c.login(who), basedb.CreditInput{Key: basedb.Company(1).Key}); !errs.Is(err, errs.Forbidden) {
				t.Errorf("%s checks credit: %v, want forbidden", who, err)
			}
		}
	})
}
