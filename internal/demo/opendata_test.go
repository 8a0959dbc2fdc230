package demo_test

import (
	"context"
	"io"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// The demo has open and conditionally open entries, an open one with a
// table to download, and a month of use of each, marked synthetic.
func TestLoadOpenData(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, opendata.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := org.NewService(db, audit.New(db), division.Default())
		cat := catalog.NewService(db, audit.New(db), o, nil)
		lst := lists.NewService(db, audit.New(db), o, cat)
		cat.Negative = lst
		cat.SQLiteRoot = t.TempDir()
		od := opendata.NewService(db, audit.New(db), o, cat)
		for i := 0; i < 2; i++ { // the second load changes nothing
			if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: lst, OpenData: od}, cat.SQLiteRoot, io.Discard); err != nil {
				t.Fatal(err)
			}
		}
		res, err := od.Search(ctx, opendata.Query{})
		if err != nil {
			t.Fatal(err)
		}
		levels := map[string]int{}
		downloadable := 0
		for _, h := range res.Items {
			levels[h.OpenType]++
			d, err := od.Dataset(ctx, h.Code)
			if err != nil {
				t.Fatal(err)
			}
			if d.Downloadable {
				downloadable++
				s, err := od.Sample(ctx, h.Code)
				if err != nil || len(s.Rows) != opendata.SampleRows {
					t.Errorf("sample of %s: %v, %d rows", d.Name, err, len(s.Rows))
				}
			}
			st, err := od.Stats(ctx, h.Code, 31)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Synthetic || len(st.Days) != 30 || st.Views < 30*30 || st.Downloads == 0 {
				t.Errorf("use of %s: %+v, want a month of synthetic views and downloads", d.Name, st)
			}
		}
		if levels[catalog.OpenUnconditional] != 3 || levels[catalog.OpenConditional] != 1 || downloadable != 2 {
			t.Errorf("public datasets by open type %v, %d downloadable; want 3 open (2 with a table) and 1 conditional", levels, downloadable)
		}
		// One registered public user, their application approved by the
		// providing department.
		var user int64
		var state, decider string
		if err := db.QueryRow(ctx, `SELECT u.id, a.state, a.decided_by FROM opendata_users u JOIN opendata_applications a ON a.user_id = u.id
			WHERE u.address = ?`, demo.PublicUser).Scan(&user, &state, &decider); err != nil {
			t.Fatal(err)
		}
		if state != opendata.AppApproved || decider != "scj.approver" {
			t.Errorf("the demo's public application: %s by %s", state, decider)
		}
		if _, err := od.DecidePublic(ctx, user, res.Items[0].Code, nil, nil); err != nil && res.Items[0].OpenType == catalog.OpenConditional {
			t.Errorf("the demo's public user is not served: %v", err)
		}
	})
}
