package demo_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestLoadServices: the demo's human resources bureau holds an API grant
// with two apps, and the usage charts have a day of calls to show.
func TestLoadServices(t *testing.T) {
	migrations := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, gateway.Migration}
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db)
		o := org.NewService(db, log, division.Default())
		cat := catalog.NewService(db, log, o, nil)
		cat.SQLiteDirs = []string{t.TempDir()}
		l := lists.NewService(db, log, o, cat)
		cat.Negative = l
		sh := sharing.NewService(db, log, o, cat, l)
		gw := gateway.NewService(db, log, cat, sh, cryptosuite.RandomSealer(), gateway.NewMemoryNonces(0))
		t.Cleanup(func() { gw.Close() })
		sh.Deliverers[sharing.DeliveryAPI] = gw.Deliverer()
		if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: l, Sharing: sh, Gateway: gw}, cat.SQLiteDirs[0], io.Discard); err != nil {
			t.Fatal(err)
		}
		_, rsj, err := o.Login(ctx, "rsj.consumer", demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		grants, _, err := sh.Grants(ctx, rsj, sharing.GrantFilter{Role: "consumer", Delivery: sharing.DeliveryAPI, State: sharing.GrantActive})
		if err != nil {
			t.Fatal(err)
		}
		if len(grants) != 1 || grants[0].EntryName != "企业登记注册信息" {
			t.Fatalf("rsj's API grants = %+v, want the enterprise register's", grants)
		}
		apps, err := gw.Apps(ctx, rsj)
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 2 {
			t.Fatalf("rsj has %d apps, want 2", len(apps))
		}
		usage, err := gw.Usage(ctx, rsj, time.Now().Add(-24*time.Hour), grants[0].EntryCode)
		if err != nil {
			t.Fatal(err)
		}
		calls := map[int64]int64{}
		var errors int64
		for _, u := range usage {
			calls[u.AppID] += u.Calls
			errors += u.Errors
		}
		for _, a := range apps {
			if calls[a.ID] < 100 {
				t.Errorf("app %s made %d calls in the last day, want a day's worth", a.Name, calls[a.ID])
			}
		}
		if errors == 0 {
			t.Error("no failed calls: the demo's refused call was not metered")
		}
	})
}
