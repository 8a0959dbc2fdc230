package basedb_test

import (
	"context"
	"testing"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestBindSource binds a source to a confirmed aggregation mandate: only
// an approver of the data authority may; the officers (三员) and others
// are refused, and so are unknown and unconfirmed mandates.
func TestBindSource(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		c.svc.SetMandates(func(_ context.Context, id int64) (basedb.MandateInfo, error) {
			switch id {
			case 7:
				return basedb.MandateInfo{Provider: c.dept("rsj"), Confirmed: true}, nil
			case 8:
				return basedb.MandateInfo{Provider: c.dept("rsj")}, nil
			}
			return basedb.MandateInfo{}, errs.New(errs.NotFound, nil)
		})
		for _, tc := range []struct {
			who     string
			mandate int64
			want    string
		}{
			{"admin", 7, errs.Forbidden},
			{"secadmin", 7, errs.Forbidden},
			{"auditor", 7, errs.Forbidden},
			{"rsj.approver", 7, errs.Forbidden},
			{"xzsp.consumer", 7, errs.Forbidden},
			{"xzsp.approver", 99, errs.Invalid},
			{"xzsp.approver", 8, errs.Invalid},
		} {
			if _, err := c.svc.BindSource(ctx, c.login(tc.who), "population", basedb.SrcInsurance, tc.mandate); !errs.Is(err, tc.want) {
				t.Errorf("%s binds mandate %d: %v, want %s", tc.who, tc.mandate, err, tc.want)
			}
		}
		src, err := c.svc.BindSource(ctx, c.login("xzsp.approver"), "population", basedb.SrcInsurance, 7)
		if err != nil || src.MandateID != 7 || src.DepartmentID != c.dept("rsj") {
			t.Errorf("bind = %+v, %v", src, err)
		}
		if _, err := c.svc.BindSource(ctx, c.login("xzsp.approver"), "population", "nosuch", 7); !errs.Is(err, errs.NotFound) {
			t.Errorf("an unknown source: %v", err)
		}
		for _, who := range []string{"secadmin", "auditor"} {
			if _, err := c.svc.QualityReport(ctx, c.login(who), "2026-12", 0); !errs.Is(err, errs.Forbidden) {
				t.Errorf("%s reads a quality report: %v, want forbidden", who, err)
			}
		}
	})
}
