package demo_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// The demo's first assessment and sharing results have content: they are
// kept at load, rank the departments and show who uses whose data.
func TestLoadAssess(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, assess.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		o := org.NewService(db, log, division.Default())
		cat := catalog.NewService(db, log, o, nil)
		lst := lists.NewService(db, log, o, cat)
		cat.Negative = lst
		cat.SQLiteRoot = t.TempDir()
		sh := sharing.NewService(db, log, o, cat, lst)
		as := assess.NewService(db, log, o, assess.Sources{Catalog: cat, Lists: lst, Sharing: sh})
		if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: lst, Sharing: sh, Assess: as}, cat.SQLiteRoot, io.Discard); err != nil {
			t.Fatal(err)
		}
		_, authority, err := o.Login(ctx, "xzsp.approver", demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		period := time.Now().In(lists.Beijing).Format("2006-01")
		kept, err := as.Reports(ctx, authority, assess.KindAssessment, 10)
		if err != nil || len(kept) != 2 {
			t.Fatalf("kept assessments: %v, %v; want the department and district reports of %s", kept, err, period)
		}
		r, err := as.Assessment(ctx, authority, period, assess.LevelDepartment)
		if err != nil {
			t.Fatal(err)
		}
		ranked := 0
		for _, row := range r.Rows {
			if row.Rank > 0 {
				ranked++
			}
		}
		if r.ID != kept[len(kept)-1].ID || r.Empty || ranked < 10 || r.Origin != assess.OriginDemand {
			t.Errorf("first assessment %d (kept %d): empty %v, %d ranked of %d", r.ID, kept[len(kept)-1].ID, r.Empty, ranked, r.Units)
		}
		sr, err := as.SharingResults(ctx, authority, period)
		if err != nil {
			t.Fatal(err)
		}
		if sr.Empty || len(sr.Results.Entries) == 0 || sr.Results.Grants == 0 || len(sr.Results.Scenarios) == 0 {
			t.Errorf("sharing results: %+v, want entries used under grants in named scenarios", sr.Results)
		}
		ps, err := as.Projects(ctx, authority)
		if err != nil || len(ps) != 2 {
			t.Fatalf("projects: %v, %v", ps, err)
		}
		passed := map[bool]int{}
		for _, pr := range ps {
			a, err := as.Check(ctx, authority, pr.ID, "zh-CN")
			if err != nil || len(a.Entries) == 0 || len(a.Reasons) == 0 {
				t.Errorf("acceptance of %s: %+v, %v", pr.Name, a, err)
			}
			passed[a.Pass]++
		}
		if passed[true] != 1 || passed[false] != 1 {
			t.Errorf("acceptance: %v, want one project passing and one failing", passed)
		}
	})
}
