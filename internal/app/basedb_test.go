package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/demo"
)

// TestBaseDBDemo starts the demo with its 1% population (人口基础库): the
// base database, its disputes, quarantined rows and quality scores show
// once it is built, through the API and in the console.
func TestBaseDBDemo(t *testing.T) {
	start0 := time.Now()
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--demo-people", "41200")
	ready := time.Since(start0)
	for deadline := time.Now().Add(5 * time.Minute); !strings.Contains(p.Stdout.String(), "Population base database"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo population was not built in 5 minutes:\n%s", p.Stdout)
		}
	}
	for deadline := time.Now().Add(time.Minute); !strings.Contains(p.Stdout.String(), "Legal entity and credit"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the demo companies were not built:\n%s", p.Stdout)
		}
	}
	t.Logf("console ready in %s; 41,200 people built %s after start", ready, time.Since(start0))

	authority := login(t, p.URL, "xzsp.consumer", demo.Password)
	police := login(t, p.URL, "gaj.consumer", demo.Password)
	insurance := login(t, p.URL, "rsj.approver", demo.Password)
	admin := login(t, p.URL, "admin", demo.Password)
	person := basedb.Person(3)

	status, raw := authority.raw("GET", "/api/v1/basedb", nil)
	var dbs []basedb.Summary
	if status != http.StatusOK || json.Unmarshal(raw, &dbs) != nil || len(dbs) != 3 {
		t.Fatalf("GET /api/v1/basedb: %d %s", status, raw)
	}
	if pop := dbs[0]; pop.Records != 41200 || pop.OpenDisputes == 0 || pop.Quarantined == 0 || pop.Quality == nil {
		t.Errorf("population = %d records, %d open disputes, %d quarantined, quality %v; want 41200 and some of each", pop.Records, pop.OpenDisputes, pop.Quarantined, pop.Quality)
	}
	for _, tc := range []struct {
		name       string
		c          *client
		method     string
		path       string
		body       any
		wantStatus int
		want       string
	}{
		{"record in clear for the authority", authority, "GET", "/api/v1/basedb/population/records/" + person.Key, nil, 200, person.Name},
		{"record masked for another department", police, "GET", "/api/v1/basedb/population/records/" + person.Key, nil, 200, `"masked":true`},
		{"provenance", authority, "GET", "/api/v1/basedb/population/records/" + person.Key + "/provenance", nil, 200, `"row_key":"HJ3"`},
		{"no records for the system admin", admin, "GET", "/api/v1/basedb/population/records/" + person.Key, nil, 403, "forbidden"},
		{"unknown record", authority, "GET", "/api/v1/basedb/population/records/430202199001011234", nil, 404, "not_found"},
		{"unknown base database", authority, "GET", "/api/v1/basedb/nosuch", nil, 404, "not_found"},
		{"verify: match", police, "POST", "/api/v1/basedb/population/verify", map[string]string{"key": person.Key, "name": person.Name}, 200, `"match":true`},
		{"verify: no match", police, "POST", "/api/v1/basedb/population/verify", map[string]string{"key": person.Key, "name": "某某"}, 200, `"match":false`},
		{"verify needs the consumer role", insurance, "POST", "/api/v1/basedb/population/verify", map[string]string{"key": person.Key, "name": person.Name}, 403, "forbidden"},
		{"disputes of 人社's sources", insurance, "GET", "/api/v1/disputes?state=open", nil, 200, "death_before_payment"},
		{"quality scores of a department", insurance, "GET", "/api/v1/quality/scores?from=2000-01-01", nil, 200, basedb.SrcInsurance},
		{"bad day", insurance, "GET", "/api/v1/quality/scores?from=yesterday", nil, 400, "invalid"},
		{"merge: the authority's approver only", police, "POST", "/api/v1/basedb/population/merge", nil, 403, "forbidden"},
		{"credit check", police, "POST", "/api/v1/basedb/credit/check", map[string]string{"key": basedb.Company(59).Key}, 200, `"black_listed":true`},
		{"credit check: unknown", police, "POST", "/api/v1/basedb/credit/check", map[string]string{"key": "91430202MA4L000000"}, 200, `"known":false`},
		{"legal entity verify", police, "POST", "/api/v1/basedb/legal_entity/verify", map[string]string{"key": basedb.Company(1).Key, "name": basedb.Company(1).Name}, 200, `"match":true`},
		{"flag a value", police, "POST", "/api/v1/disputes", map[string]string{"db": "population", "key": person.Key, "attr": "education", "reason": "学历已更新（演示）"}, 201, `"kind":"flagged"`},
		{"flag: officers refused", admin, "POST", "/api/v1/disputes", map[string]string{"db": "population", "key": person.Key, "attr": "education", "reason": "x"}, 403, "forbidden"},
		{"bind: an unknown mandate", authority, "PUT", "/api/v1/basedb/population/sources/rsj_insurance", map[string]int{"mandate_id": 999}, 403, "forbidden"},
		{"bind: no such mandate", login(t, p.URL, "xzsp.approver", demo.Password), "PUT", "/api/v1/basedb/population/sources/rsj_insurance", map[string]int{"mandate_id": 999}, 400, "999"},
		{"quality report", insurance, "GET", "/api/v1/quality/reports/" + time.Now().UTC().Format("2006-01"), nil, 200, basedb.SrcInsurance},
		{"quality report as PDF", insurance, "GET", "/api/v1/quality/reports/" + time.Now().UTC().Format("2006-01") + "?format=pdf", nil, 200, "%PDF"},
		{"quality report as xlsx", insurance, "GET", "/api/v1/quality/reports/" + time.Now().UTC().Format("2006-01") + "?format=xlsx", nil, 200, "PK"},
	} {
		status, raw := tc.c.raw(tc.method, tc.path, tc.body)
		if status != tc.wantStatus || !strings.Contains(string(raw), tc.want) {
			t.Errorf("%s: %s %s = %d %.300s, want %d with %q", tc.name, tc.method, tc.path, status, raw, tc.wantStatus, tc.want)
		}
	}
	// 人社 sees its own scores and disputes only.
	_, raw = insurance.raw("GET", "/api/v1/quality/scores", nil)
	if strings.Contains(string(raw), basedb.SrcHousehold) {
		t.Errorf("人社 sees the household register's scores: %.300s", raw)
	}

	// The console, in Chinese first.
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "xzsp.consumer")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb")), "open /basedb")
	waitText(t, ctx, "#basedb-population", "人口基础库")
	waitText(t, ctx, "#basedb-population .basedb-records", "41,200")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb/population")), "open /basedb/population")
	waitText(t, ctx, "#basedb-scores", "完整性")
	must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#basedb-key"), person.Key), chromedp.Click(chromedp.CSS("#basedb-lookup button"))), "look up")
	waitText(t, ctx, "#basedb-record", person.Name)
	waitText(t, ctx, "#basedb-record", "公安户籍信息")
	waitText(t, ctx, "#basedb-record", "HJ3")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb/disputes?state=open")), "open disputes")
	waitText(t, ctx, "#disputes", "死亡后仍有缴费")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb/disputes?state=open&page=19")), "open disputes, page 19")
	waitText(t, ctx, "#disputes", "同一业务时间取值不同")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb/quality")), "open the quality report")
	waitText(t, ctx, "#quality-sources", "公安户籍信息")
	waitText(t, ctx, "#quality-worst", "不是现行行政区划代码")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/basedb/legal_entity")), "open the legal entities")
	waitText(t, ctx, "#basedb-summary", "法人基础库")

	// Another department's consumer sees the record masked.
	ctx2 := browser(t)
	consoleLogin(t, ctx2, p.URL, "gaj.consumer")
	must(t, chromedp.Do(ctx2, chromedp.Navigate(p.URL+"/basedb/population")), "open /basedb/population")
	must(t, chromedp.Do(ctx2, chromedp.SendKeys(chromedp.CSS("#basedb-key"), person.Key), chromedp.Click(chromedp.CSS("#basedb-lookup button"))), "look up")
	waitText(t, ctx2, "#basedb-record-key", "已脱敏")
	if got := textOf(t, ctx2, "#basedb-record"); strings.Contains(got, person.Name) {
		t.Errorf("the name %s in clear for 公安's consumer", person.Name)
	}
}
