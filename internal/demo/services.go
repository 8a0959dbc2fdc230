package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// loadServices gives the human resources bureau (市人社局) the data service
// of the market regulator's enterprise register (unconditional, so granted
// at once): two apps, the API grant, a day of synthetic usage for the
// charts, and a few real signed calls through the gateway. The population
// register is left for a person (or a test) to apply for.
func loadServices(ctx context.Context, svc Services) error {
	const entryName = "企业登记注册信息"
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	rsj, err := login("rsj.consumer")
	if err != nil {
		return err
	}
	res, err := svc.Catalog.Search(ctx, rsj, catalog.Query{Q: entryName, PageSize: 5})
	if err != nil {
		return err
	}
	code := ""
	for _, h := range res.Items {
		if h.Name == entryName {
			code = h.Code
		}
	}
	if code == "" {
		return fmt.Errorf("no %s in the demo catalog", entryName)
	}
	employ, secret, err := svc.Gateway.CreateApp(ctx, rsj, gateway.AppInput{Name: "就业登记系统", Description: "公共就业服务：就业登记时核验用人单位（演示）",
		RateLimit: 20})
	if err != nil {
		return err
	}
	benefits, _, err := svc.Gateway.CreateApp(ctx, rsj, gateway.AppInput{Name: "社保登记系统", Description: "用人单位社会保险登记时核验企业信息（演示）",
		SignMethod: gateway.HMACSM3, RateLimit: 10})
	if err != nil {
		return err
	}
	app, err := svc.Sharing.Apply(ctx, rsj, sharing.ApplicationInput{EntryCode: code, Items: []string{"credit_code", "name", "legal_rep", "founded"},
		Purpose: "就业登记和社会保险登记时核验用人单位的登记信息", Basis: "《中华人民共和国社会保险法》第五十七条（演示）", Scenario: "用人单位社会保险登记",
		Delivery: sharing.DeliveryAPI, AppID: employ.ID})
	if err != nil {
		return fmt.Errorf("rsj applies for %s: %w", code, err)
	}
	// A conditional entry would wait for the provider's approver, then the authority's.
	for _, user := range []string{"scj.approver", "xzsp.approver"} {
		if !sharing.Pending(app.State) {
			break
		}
		p, err := login(user)
		if err != nil {
			return err
		}
		approved, err := svc.Sharing.Approve(ctx, p, app.ID, nil, "同意（演示）")
		if err != nil {
			return fmt.Errorf("%s approves application %d: %w", user, app.ID, err)
		}
		app = approved
	}
	if app.State != sharing.StateApproved {
		return fmt.Errorf("application %d is %s, not approved", app.ID, app.State)
	}
	// A day of usage: office hours busy, nights quiet, a few refusals.
	r := mrand.New(mrand.NewPCG(2026, 11))
	now := time.Now()
	for m := 24 * 60; m > 2; m-- {
		at := now.Add(-time.Duration(m) * time.Minute)
		hour := at.In(beijingTime).Hour()
		busy := 0
		switch {
		case hour >= 9 && hour < 12, hour >= 14 && hour < 18:
			busy = 6
		case hour >= 8 && hour < 20:
			busy = 2
		}
		for i, a := range []gateway.App{employ, benefits} {
			n := r.IntN(busy/(i+1) + 1)
			if n == 0 {
				continue
			}
			errors := 0
			if r.IntN(40) == 0 {
				errors = 1
			}
			svc.Gateway.RecordUsage(at, a.ID, code, n, errors, (n-errors)*(1+r.IntN(10)), time.Duration(2+r.IntN(6))*time.Millisecond)
		}
	}
	// Real calls, signed as the app would sign them.
	// Lists are comma-separated: a comma inside one value is escaped.
	for _, q := range []string{"fields=name,legal_rep&page_size=5", "name.prefix=" + url.QueryEscape("株洲演示00") + "&page_size=3",
		"founded.gte=2025-06-01&page=2", "fields=capital"} {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, gateway.Prefix+code+"?"+q, nil)
		if err := gateway.SignRequest(req, employ.AppKey, secret, employ.SignMethod, time.Now(), rand.Text()); err != nil {
			return err
		}
		rec := httptest.NewRecorder()
		svc.Gateway.ServeHTTP(rec, req)
		if want := http.StatusOK; q == "fields=capital" {
			if rec.Code != http.StatusForbidden {
				return fmt.Errorf("demo call %s answered %d, want 403: %s", q, rec.Code, rec.Body)
			}
		} else if rec.Code != want {
			return fmt.Errorf("demo call %s answered %d: %s", q, rec.Code, rec.Body)
		}
	}
	return nil
}

// beijingTime is China Standard Time, for office hours.
var beijingTime = time.FixedZone("CST", 8*3600)
