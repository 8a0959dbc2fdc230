package basedb_test

import (
	"context"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestFlag: a consumer flags a value it received; the dispute goes to the
// steward of the source's department, who corrects it (noted for the
// source's mandate); the flagger sees the state; overdue disputes count.
func TestFlag(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		c.load(t, 300)
		if _, err := c.svc.Merge(ctx, "population"); err != nil {
			t.Fatal(err)
		}
		p := basedb.Person(4) // an adult insured by 人社
		police := c.login("gaj.consumer")
		in := basedb.FlagInput{DB: "population", Key: p.Key, Attr: "insurance_status", Value: "终止", Reason: "本人已于2024年停保（演示）"}
		for _, tc := range []struct {
			name string
			who  string
			in   basedb.FlagInput
			want string
		}{
			{"the system admin", "admin", in, errs.Forbidden},
			{"the security admin", "secadmin", in, errs.Forbidden},
			{"the auditor", "auditor", in, errs.Forbidden},
			{"an approver without the consumer role", "mzj.approver", in, errs.Forbidden},
			{"no reason", "gaj.consumer", basedb.FlagInput{DB: "population", Key: p.Key, Attr: "insurance_status"}, errs.Invalid},
			{"a value off its rules", "gaj.consumer", basedb.FlagInput{DB: "population", Key: p.Key, Attr: "insurance_status", Value: "也许", Reason: "x"}, errs.Invalid},
			{"an unknown attribute", "gaj.consumer", basedb.FlagInput{DB: "population", Key: p.Key, Attr: "shoe_size", Reason: "x"}, errs.Invalid},
			{"an unknown record", "gaj.consumer", basedb.FlagInput{DB: "population", Key: "430202199001011234", Attr: "name", Reason: "x"}, errs.NotFound},
		} {
			if _, err := c.svc.Flag(ctx, c.login(tc.who), tc.in); !errs.Is(err, tc.want) {
				t.Errorf("%s: Flag = %v, want %s", tc.name, err, tc.want)
			}
		}
		d, err := c.svc.Flag(ctx, police, in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != basedb.KindFlagged || d.A.Source != basedb.SrcInsurance || d.A.RowKey == "" || d.State != basedb.Open || d.Subject == p.Key {
			t.Errorf("flagged = %+v, want 人社's value, its row, open, the key masked for 公安", d)
		}
		// The flagger sees it; 人社's steward sees it; 民政's does not.
		for _, tc := range []struct {
			who  string
			sees bool
		}{{"gaj.consumer", true}, {"rsj.approver", true}, {"mzj.approver", false}, {"xzsp.consumer", true}} {
			_, err := c.svc.Dispute(ctx, c.login(tc.who), d.ID)
			if sees := err == nil; sees != tc.sees {
				t.Errorf("%s sees dispute %d: %v, want %v", tc.who, d.ID, err, tc.sees)
			}
		}
		if _, err := c.svc.Decide(ctx, c.login("mzj.approver"), d.ID, basedb.Confirmed, basedb.Decision{}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("民政 decides 人社's dispute: %v", err)
		}
		// The source is fed by mandate 42: the correction is noted for its channel.
		if err := c.svc.Bind(ctx, "population", basedb.SrcInsurance, c.dept("rsj"), 42); err != nil {
			t.Fatal(err)
		}
		got, err := c.svc.Decide(ctx, c.login("rsj.approver"), d.ID, basedb.Corrected, basedb.Decision{Value: "终止"})
		if err != nil || got.Mandate != 42 || got.State != basedb.Corrected {
			t.Errorf("correct = %+v, %v, want corrected through mandate 42", got, err)
		}
		if mine, err := c.svc.Dispute(ctx, police, d.ID); err != nil || mine.State != basedb.Corrected || mine.Correction != "终止" {
			t.Errorf("the flagger sees %+v, %v", mine, err)
		}

		// Overdue: another flag left open past its five working days.
		d2, err := c.svc.Flag(ctx, police, basedb.FlagInput{DB: "population", Key: p.Key, Attr: "name", Reason: "错别字（演示）"})
		if err != nil {
			t.Fatal(err)
		}
		c.svc.SetNow(func() time.Time { return now.AddDate(0, 0, 10) })
		defer c.svc.SetNow(func() time.Time { return now })
		for _, who := range []string{"gaj.consumer", "xzsp.consumer"} {
			if n, err := c.svc.OverdueFor(ctx, c.login(who)); err != nil || n == 0 {
				t.Errorf("%s: overdue = %d, %v, want some", who, n, err)
			}
		}
		st, err := c.svc.DisputeStats(ctx, c.dept("gaj"), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if err != nil || st.Raised == 0 || st.Overdue == 0 || st.Open == 0 {
			t.Errorf("公安's stats = %+v, %v, want its flagged name overdue (%d)", st, err, d2.ID)
		}
		st, err = c.svc.DisputeStats(ctx, c.dept("rsj"), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if err != nil || st.Settled == 0 || st.SettledInTime == 0 {
			t.Errorf("人社's stats = %+v, %v, want its correction in time", st, err)
		}
	})
}
