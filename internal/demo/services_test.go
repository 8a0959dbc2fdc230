package demo_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, gateway.Migration}

// TestLoadServices: the demo's human resources bureau holds an API grant
// with two apps, and the usage charts have a day of calls to show.
func TestLoadServices(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var err error
		log := audit.New(db)
		o := org.NewService(db, log, division.Default())
		cat := catalog.NewService(db, log, o, nil)
		cat.SQLiteRoot = t.TempDir()
		l := lists.NewService(db, log, o, cat)
		cat.Negative = l
		sh := sharing.NewService(db, log, o, cat, l)
		sealer := cryptosuite.RandomSealer()
		newGateway := func() *gateway.Service {
			gw := gateway.NewService(db, log, cat, sh, sealer, gateway.NewMemoryNonces(0))
			t.Cleanup(func() { gw.Close() })
			sh.Deliverers[sharing.DeliveryAPI] = gw.Deliverer()
			return gw
		}
		gw := newGateway()
		svc := demo.Services{Org: o, Catalog: cat, Lists: l, Sharing: sh, Gateway: gw}
		if svc.API, err = demo.StartAPI(ctx, svc); err != nil { // as serve --demo does
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.API.Close() })
		if err := demo.Load(ctx, svc, cat.SQLiteRoot, io.Discard); err != nil {
			t.Fatal(err)
		}
		testAPIService(t, svc, newGateway)
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

// testAPIService: 市医保局's app calls the entry mounted to the demo API
// through the gateway and gets the granted items, masked; after a restart
// whose old port is taken, the API listens elsewhere and the mount follows.
func testAPIService(t *testing.T, svc demo.Services, newGateway func() *gateway.Service) {
	api := svc.API
	ctx := context.Background()
	_, ybj, err := svc.Org.Login(ctx, "ybj.consumer", demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	grants, _, err := svc.Sharing.Grants(ctx, ybj, sharing.GrantFilter{Role: "consumer", Delivery: sharing.DeliveryAPI, State: sharing.GrantActive})
	if err != nil {
		t.Fatal(err)
	}
	if len(grants) != 1 || grants[0].EntryName != demo.APIEntryName || grants[0].AppID == 0 {
		t.Fatalf("ybj's API grants = %+v, want the %s grant with an app", grants, demo.APIEntryName)
	}
	code := grants[0].EntryCode
	app, secret, err := svc.Gateway.RotateSecret(ctx, ybj, grants[0].AppID)
	if err != nil {
		t.Fatal(err)
	}
	// A record as the provider's API holds it, unmasked.
	resp, err := http.Get(api.URL() + "?qx=" + url.QueryEscape("荷塘区"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Total int
		Rows  []map[string]any
	}
	err = json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	if err != nil || raw.Total == 0 || len(raw.Rows) == 0 {
		t.Fatalf("demo API by district: %+v, %v", raw, err)
	}
	rec := raw.Rows[0]
	for _, it := range []string{"id_number", "name", "phone"} {
		if _, ok := rec[it].(string); !ok {
			t.Fatalf("demo API record %v lacks %s", rec, it)
		}
	}
	if !strings.Contains(rec["name"].(string), "演示") {
		t.Errorf("demo API name %q is not marked synthetic", rec["name"])
	}
	call := func(gw *gateway.Service) (int, string) {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, gateway.Prefix+code+"?id_number="+url.QueryEscape(rec["id_number"].(string)), nil)
		if err := gateway.SignRequest(req, app.AppKey, secret, app.SignMethod, time.Now(), rand.Text()); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		gw.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	check := func(gw *gateway.Service) {
		t.Helper()
		status, body := call(gw)
		var res gateway.Result
		if status != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil || res.Total != 1 || len(res.Rows) != 1 {
			t.Fatalf("signed call by ID number: %d %s; want the one record", status, body)
		}
		got := res.Rows[0]
		for it, rule := range map[string]string{"id_number": mask.IDNumber, "name": mask.Name, "phone": mask.Phone} {
			if want := mask.Apply(rule, rec[it]); got[it] != want || got[it] == rec[it] {
				t.Errorf("%s = %v, want %v (masked %s)", it, got[it], want, rule)
			}
		}
		if _, ok := got["amount"]; ok || got["district"] != "荷塘区" {
			t.Errorf("row %v: want the granted items only", got)
		}
	}
	check(svc.Gateway)

	// Restart on the same data: the old port is still taken, so the API
	// comes up on another one and Load moves the mount there.
	restarted := svc
	restarted.Gateway = newGateway()
	if restarted.API, err = demo.StartAPI(ctx, restarted); err != nil {
		t.Fatal(err)
	}
	defer restarted.API.Close()
	if restarted.API.URL() == api.URL() {
		t.Fatalf("the restarted API took the port still in use: %s", api.URL())
	}
	if err := api.Close(); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, restarted, t.TempDir(), io.Discard); err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(restarted.API.URL()); !slices.Equal(restarted.Gateway.DirectHosts, []string{demo.DepartmentCode("mzj") + "=" + u.Host}) {
		h := restarted.Gateway.DirectHosts
		t.Errorf("direct hosts = %v, want only the restarted demo API's address (%s)", h, restarted.API.URL())
	}
	_, mzj, err := svc.Org.Login(ctx, "mzj.cataloger", demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := svc.Catalog.Mounts(ctx, mzj, code)
	if err != nil || len(ms) != 1 || ms[0].URL != restarted.API.URL() || !ms[0].OK {
		t.Fatalf("mounts after restart = %+v, %v; want one at %s", ms, err, restarted.API.URL())
	}
	check(restarted.Gateway)
	// Restarted again with the port free: it is reused and nothing moves.
	restarted.API.Close()
	again := restarted
	again.Gateway = newGateway()
	if again.API, err = demo.StartAPI(ctx, again); err != nil {
		t.Fatal(err)
	}
	defer again.API.Close()
	if again.API.URL() != restarted.API.URL() {
		t.Errorf("restart with the port free: API at %s, want %s", again.API.URL(), restarted.API.URL())
	}
	if err := demo.Load(ctx, again, t.TempDir(), io.Discard); err != nil {
		t.Fatal(err)
	}
	if again, err := svc.Catalog.Mounts(ctx, mzj, code); err != nil || len(again) != 1 || again[0].ID != ms[0].ID {
		t.Errorf("mounts after a restart on the same port = %+v, %v; want mount %d unchanged", again, err, ms[0].ID)
	}
	check(again.Gateway)
}
