package gateway_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
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
	"github.com/govshare/govshare/internal/demo/demotest"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, gateway.Migration}

// city is the demo city with data services served on a loopback port.
type city struct {
	*demotest.City
	gw  *gateway.Service
	srv *httptest.Server
}

func newCity(t *testing.T, db *store.DB) *city {
	t.Helper()
	c := &city{City: demotest.New(t, db)}
	c.gw = gateway.NewService(db, c.Log, c.Cat, c.Sharing, cryptosuite.RandomSealer(), gateway.NewMemoryNonces(0))
	c.Sharing.Deliverers[sharing.DeliveryAPI] = c.gw.Deliverer()
	mux := http.NewServeMux()
	mux.Handle(gateway.Prefix, c.gw)
	c.srv = httptest.NewServer(mux)
	t.Cleanup(func() { c.srv.Close(); c.gw.Close() })
	return c
}

// grant takes rsj's API application for the population register through
// both approvals, the provider keeping only women's rows.
func (c *city) grant() (sharing.Grant, gateway.App, string) {
	c.T.Helper()
	rsj := c.User("rsj.consumer")
	a, err := c.Sharing.Apply(c.Ctx, rsj, sharing.ApplicationInput{EntryCode: c.Code["gaj"], Items: []string{"id_number", "name", "gender"},
		Purpose: "核验参保人员身份", Basis: "《社会保险法》（测试）", Scenario: "参保登记", Delivery: sharing.DeliveryAPI, Lookup: []string{"id_number"}})
	if err != nil {
		c.T.Fatal(err)
	}
	if _, err := c.Sharing.Approve(c.Ctx, c.User("gaj.approver"), a.ID, &sharing.Terms{Filter: sharing.RowFilter{{Item: "gender", Op: "eq", Values: []string{"女"}}}}, ""); err != nil {
		c.T.Fatal(err)
	}
	if a, err = c.Sharing.Approve(c.Ctx, c.User("xzsp.approver"), a.ID, nil, ""); err != nil {
		c.T.Fatal(err)
	}
	g, err := c.Sharing.Grant(c.Ctx, rsj, a.GrantID)
	if err != nil || g.DeliveryRef == "" || g.DeliveryError != "" {
		c.T.Fatalf("grant %+v: %v", g, err)
	}
	apps, err := c.gw.Apps(c.Ctx, rsj)
	if err != nil {
		c.T.Fatal(err)
	}
	i := slices.IndexFunc(apps, func(a gateway.App) bool { return a.GrantID == g.ID })
	if i < 0 || apps[i].AppKey != g.DeliveryRef || !apps[i].SecretPending {
		c.T.Fatalf("no app issued for grant %d: %+v", g.ID, apps)
	}
	app, secret, err := c.gw.RevealSecret(c.Ctx, rsj, apps[i].ID)
	if err != nil {
		c.T.Fatal(err)
	}
	if _, _, err := c.gw.RevealSecret(c.Ctx, rsj, apps[i].ID); err == nil {
		c.T.Error("the secret was shown twice")
	}
	return g, app, secret
}

type response struct {
	status int
	header http.Header
	body   string
}

// request is a signed call; tweak may change it after signing.
func (c *city) request(key, secret, method, query string, at time.Time, nonce string, tweak func(*http.Request)) response {
	c.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+gateway.Prefix+c.Code["gaj"]+"?"+query, nil)
	if nonce == "" {
		nonce = rand.Text()
	}
	if err := gateway.SignRequest(req, key, secret, method, at, nonce); err != nil {
		c.T.Fatal(err)
	}
	if tweak != nil {
		tweak(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (c *city) audited(outcome string) int {
	_, n, err := c.Log.List(c.Ctx, audit.Filter{Action: "service.call", Outcome: outcome})
	if err != nil {
		c.T.Fatal(err)
	}
	return n
}

func TestDataService(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		_, app, secret := c.grant()
		call := func(query string) response { return c.request(app.AppKey, secret, "", query, time.Now(), "", nil) }

		r := call("page_size=5")
		if r.status != http.StatusOK {
			t.Fatalf("granted call: %d %s", r.status, r.body)
		}
		var res gateway.Result
		if err := json.Unmarshal([]byte(r.body), &res); err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 || len(res.Rows) != 5 {
			t.Fatalf("total %d, %d rows", res.Total, len(res.Rows))
		}
		for _, row := range res.Rows {
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range row {
					if !yield(k) {
						return
					}
				}
			})
			id, _ := row["id_number"].(string)
			name, _ := row["name"].(string)
			if !slices.Equal(keys, []string{"gender", "id_number", "name"}) || row["gender"] != "女" || !strings.Contains(id, "********") || !strings.HasSuffix(name, "**") {
				t.Errorf("row %v: want the three granted items, women only, ID number and name masked", row)
			}
		}
		r = call("fields=name&page=2&page_size=3")
		res = gateway.Result{}
		json.Unmarshal([]byte(r.body), &res)
		if r.status != http.StatusOK || len(res.Rows) != 3 || len(res.Rows[0]) != 1 {
			t.Errorf("fields=name: %d %s", r.status, r.body)
		}
		r = call("gender=男")
		if json.Unmarshal([]byte(r.body), &res); r.status != http.StatusOK || res.Total != 0 {
			t.Errorf("the provider's row filter must hold against gender=男: %d %s", r.status, r.body)
		}
		r = call("gender.in=" + url.QueryEscape("女") + "," + url.QueryEscape("男") + "&page_size=1000")
		if json.Unmarshal([]byte(r.body), &res); r.status != http.StatusOK || res.Total != 160 || len(res.Rows) != 160 {
			t.Errorf("gender.in: %d, total %d, %d rows; want the 160 women", r.status, res.Total, len(res.Rows))
		}
		if n := c.audited(audit.Success); n != 4 {
			t.Errorf("%d successful calls audited, want 4", n)
		}
	})
}

// TestDataServiceSecurity refuses each attack with a clear error and an
// audit entry, and returns no data.
func TestDataServiceSecurity(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		g, app, secret := c.grant()
		other, otherSecret, err := c.gw.CreateApp(c.Ctx, c.User("ybj.consumer"), gateway.AppInput{Name: "医保核验系统"})
		if err != nil {
			t.Fatal(err)
		}
		slow, slowSecret, err := c.gw.CreateApp(c.Ctx, c.User("rsj.consumer"), gateway.AppInput{Name: "限速应用", RateLimit: 1, Burst: 1})
		if err != nil {
			t.Fatal(err)
		}
		replayed := rand.Text()
		cases := []struct {
			name       string
			key, sec   string
			method     string
			query      string
			at         time.Time
			nonce      string
			tweak      func(*http.Request)
			setup      func()
			status     int
			says       string
			unaudited  bool
			beforeCall func() response
		}{
			{name: "field outside the grant", query: "fields=birth_date", status: 403, says: "birth_date"},
			{name: "filter on an item outside the grant", query: "birth_date=2000-01-01", status: 403, says: "birth_date"},
			{name: "negative-listed item", query: "fields=address", status: 403, says: "address"},
			{name: "prefix filter on a masked lookup key", query: "id_number.prefix=4302", status: 400, says: "only equality on one value"},
			{name: "in filter on a masked lookup key", query: "id_number.in=430202199001010011,430202199001010012", status: 400, says: "only equality on one value"},
			{name: "range filter on a masked item", query: "name.gte=" + url.QueryEscape("王"), status: 400, says: "lookup key"},
			{name: "name oracle: in on a masked item", query: "name.in=" + url.QueryEscape("王演示") + "," + url.QueryEscape("李演示"), status: 400, says: "lookup key"},
			{name: "equality on a masked item that is no lookup key", query: "name=" + url.QueryEscape("王演示"), status: 400, says: "lookup key"},
			{name: "tampered signature", tweak: func(r *http.Request) { r.Header.Set(gateway.HeaderSignature, strings.Repeat("0", 64)) }, status: 401, says: "signature"},
			{name: "tampered query", tweak: func(r *http.Request) { r.URL.RawQuery = "page_size=1000" }, status: 401, says: "signature"},
			{name: "replayed nonce", nonce: replayed, status: 401, says: "already used", beforeCall: func() response {
				return c.request(app.AppKey, secret, "", "", time.Now(), replayed, nil)
			}},
			{name: "old timestamp", at: time.Now().Add(-400 * time.Second), status: 401, says: "behind"},
			{name: "wrong sign method", method: gateway.HMACSM3, status: 401, says: "HMAC-SM3"},
			{name: "unknown app key", key: "gsnosuchapp", status: 401, says: "unknown app key"},
			{name: "another department's credentials", key: other.AppKey, sec: otherSecret, status: 403, says: "no grant"},
			{name: "SQL injection in a filter", query: "id_number=" + url.QueryEscape("' OR 1=1 --"), status: 200},
			{name: "SQL injection in a field name", query: "fields=" + url.QueryEscape("name;DROP TABLE x"), status: 400, says: "fields"},
			{name: "oversized value", query: "gender=" + strings.Repeat("张", 100), status: 400, says: "256"},
			{name: "rate limit", key: slow.AppKey, sec: slowSecret, status: 429, says: "per second", beforeCall: func() response {
				return c.request(slow.AppKey, slowSecret, "", "", time.Now(), "", nil)
			}},
			{name: "expired grant", setup: func() { c.Now = g.ExpiresAt.Add(time.Second) }, status: 403, says: "expired"},
			{name: "revoked grant", setup: func() {
				c.Now = time.Now()
				if _, err := c.Sharing.Revoke(c.Ctx, c.User("gaj.approver"), g.ID, "停止共享（测试）"); err != nil {
					t.Fatal(err)
				}
			}, status: 403, says: "revoked"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if tc.setup != nil {
					tc.setup()
				}
				key, sec := app.AppKey, secret
				if tc.key != "" {
					key, sec = tc.key, tc.sec
				}
				if tc.at.IsZero() {
					tc.at = time.Now()
				}
				if tc.beforeCall != nil {
					if r := tc.beforeCall(); r.status != http.StatusOK {
						t.Fatalf("first call: %d %s", r.status, r.body)
					}
				}
				denied, failed := c.audited(audit.Denied), c.audited(audit.Failure)
				r := c.request(key, sec, tc.method, tc.query, tc.at, tc.nonce, tc.tweak)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
				}
				if tc.status == http.StatusOK {
					var res gateway.Result
					if json.Unmarshal([]byte(r.body), &res); res.Total != 0 || len(res.Rows) != 0 {
						t.Errorf("an injected filter matched rows: %s", r.body)
					}
					return
				}
				var body struct{ Code, Message string }
				if err := json.Unmarshal([]byte(r.body), &body); err != nil || !strings.Contains(body.Message, tc.says) {
					t.Errorf("error %s does not say %q", r.body, tc.says)
				}
				if strings.Contains(r.body, "rows") || strings.Contains(r.body, "王演示") {
					t.Errorf("the refusal leaks data: %s", r.body)
				}
				if tc.status == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
				if got := c.audited(audit.Denied) + c.audited(audit.Failure) - denied - failed; got != 1 {
					t.Errorf("%d audit entries for the refusal, want 1", got)
				}
			})
		}
	})
}

// TestEveryPathAsksThePolicy takes each way data leaves the platform —
// data-service call, console preview (try-it), file download, exchange
// channel — through a grant and after its revocation: each must be refused
// by the policy check (an audited policy.deny), so a path that skipped the
// check would fail here.
func TestEveryPathAsksThePolicy(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		rsj := c.User("rsj.consumer")
		grantBy := func(delivery string) sharing.Grant {
			in := sharing.ApplicationInput{EntryCode: c.Code["gaj"], Items: []string{"id_number", "name"}, Purpose: "核验", Basis: "依据（测试）",
				Scenario: "场景", Delivery: delivery}
			if delivery == sharing.DeliveryTable {
				in.Target = &sharing.Target{Datasource: "rsj-业务库", Table: "人口信息"}
			}
			a, err := c.Sharing.Apply(c.Ctx, rsj, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{"gaj.approver", "xzsp.approver"} {
				if a, err = c.Sharing.Approve(c.Ctx, c.User(u), a.ID, nil, ""); err != nil {
					t.Fatal(err)
				}
			}
			g, err := c.Sharing.Grant(c.Ctx, rsj, a.GrantID)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		api, app, secret := c.grant()
		file, table := grantBy(sharing.DeliveryFile), grantBy(sharing.DeliveryTable)
		tables := sharing.TableDelivery{Sharing: c.Sharing}
		paths := []struct {
			name string
			call func() error
		}{
			{"data service", func() error {
				r := c.request(app.AppKey, secret, "", "page_size=1", time.Now(), "", nil)
				if r.status != http.StatusOK {
					return fmt.Errorf("%d %s", r.status, r.body)
				}
				return nil
			}},
			{"console preview", func() error {
				_, err := c.gw.Try(c.Ctx, rsj, c.Code["gaj"], "fields=name&page_size=1")
				return err
			}},
			{"file download", func() error {
				dl, err := c.gw.Download(c.Ctx, rsj, file.ID)
				if err != nil {
					return err
				}
				var buf strings.Builder
				if err := dl.WriteCSV(c.Ctx, &buf); err != nil {
					return err
				}
				if lines := strings.Count(buf.String(), "\n"); lines != 301 || !strings.Contains(buf.String(), "**") {
					t.Errorf("download: %d lines, want a header and 300 masked rows", lines)
				}
				return nil
			}},
			{"exchange channel", func() error {
				_, err := tables.Shape(c.Ctx, table.ID, rsj.DepartmentID)
				return err
			}},
		}
		for _, p := range paths {
			if err := p.call(); err != nil {
				t.Fatalf("%s under its grant: %v", p.name, err)
			}
		}
		for _, g := range []sharing.Grant{api, file, table} {
			if _, err := c.Sharing.Revoke(c.Ctx, c.User("gaj.approver"), g.ID, "停止共享（测试）"); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range paths {
			_, before, _ := c.Log.List(c.Ctx, audit.Filter{Action: "policy.deny"})
			if err := p.call(); err == nil {
				t.Errorf("%s after revocation: allowed", p.name)
			}
			if _, after, _ := c.Log.List(c.Ctx, audit.Filter{Action: "policy.deny"}); after != before+1 {
				t.Errorf("%s after revocation: %d policy refusals audited, want 1: the path does not ask the policy", p.name, after-before)
			}
		}
	})
}

// TestProxiedAPI serves an entry mounted to a provider's API: the call goes
// to the provider with the granted items' parameters, and the answer keeps
// only granted items, masked.
func TestProxiedAPI(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		var asked url.Values
		provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked = r.URL.Query()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":[{"cert_no":"J430200-2026-000001","holder":"张三丰","secret_note":"不该出现"}]}`))
		}))
		defer provider.Close()
		code, key, secret := c.apiEntry(provider.URL + "/verify")
		call := func() (int, string) { return c.svc(code, key, secret, "cert_no=J430200-2026-000001") }
		// No node of 民政局 serves the URL and its host is not allowed:
		// the platform does not call it.
		status, body := call()
		if status != http.StatusServiceUnavailable || asked != nil ||
			!strings.Contains(body, "no node of department") || !strings.Contains(body, "--api-direct-hosts") {
			t.Fatalf("direct call to a host not allowed: %d %s; the provider was asked %v", status, body, asked)
		}
		mzj := demo.DepartmentCode("mzj")
		c.gw.DirectHosts = []string{mzj + "=127.0.0.1"} // the host alone allows its default port only
		if status, body = call(); status != http.StatusServiceUnavailable || asked != nil {
			t.Fatalf("direct call to an allowed host on another port: %d %s; the provider was asked %v", status, body, asked)
		}
		c.gw.DirectHosts = []string{demo.DepartmentCode("gaj") + "=" + strings.TrimPrefix(provider.URL, "http://")}
		if status, body = call(); status != http.StatusServiceUnavailable || asked != nil {
			t.Fatalf("direct call to a host allowed for another department: %d %s; the provider was asked %v", status, body, asked)
		}
		c.gw.DirectHosts = []string{mzj + "=" + strings.TrimPrefix(provider.URL, "http://")}
		status, body = call()
		if status != http.StatusOK || asked.Get("certNo") != "J430200-2026-000001" {
			t.Fatalf("proxied call: %d %s; the provider was asked %v", status, body, asked)
		}
		if strings.Contains(body, "不该出现") || strings.Contains(body, "张三丰") || !strings.Contains(body, `"holder":"张**"`) {
			t.Errorf("answer %s: want only the granted items, masked", body)
		}
	})
}
