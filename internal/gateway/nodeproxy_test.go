package gateway_test

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

func TestParseDirectHosts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"11430200DM0000019X=api.example.gov.cn", []string{"11430200DM0000019X=api.example.gov.cn"}, false},
		{" 11430200dm0000019x = API.example.gov.cn , 91430200DM0000159Y=10.0.0.8:8080,,11430200DM0000019X=[::1]",
			[]string{"11430200DM0000019X=api.example.gov.cn", "91430200DM0000159Y=10.0.0.8:8080", "11430200DM0000019X=[::1]"}, false},
		{"api.example.gov.cn", nil, true}, // no department
		{"gaj=api.example.gov.cn", nil, true},
		{"11430200DM0000019X=http://api.example.gov.cn", nil, true},
		{"11430200DM0000019X=api.example.gov.cn/v1", nil, true},
		{"11430200DM0000019X=user@api.example.gov.cn", nil, true},
		{"11430200DM0000019X=10.0.0.8:", nil, true},
		{"11430200DM0000019X=a b", nil, true},
	}
	for _, tt := range tests {
		got, err := gateway.ParseDirectHosts(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("ParseDirectHosts(%q) = %q, %v; want %q (error: %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// apiEntry publishes an entry of 民政局 mounted to the API at apiURL, has
// 人社局 apply for two of its three items (the holder's masked) and
// returns the entry's code and an app's credentials.
func (c *city) apiEntry(apiURL string) (code, key, secret string) {
	t := c.T
	t.Helper()
	mzjCat := c.User("mzj.cataloger")
	e, err := c.Cat.Create(c.Ctx, mzjCat, catalog.Entry{Name: "婚姻登记证明核验接口", Summary: "按证号核验（测试）", Category: "departmental", CategoryItem: "05",
		CategorySubItem: "002", Format: "api", ShareType: catalog.ShareUnconditional, OpenType: catalog.OpenNone, UpdateCycle: "realtime",
		Items: []catalog.Item{{Name: "证号", Identifier: "cert_no", DataType: "string", Length: 30, Key: true},
			{Name: "持证人", Identifier: "holder", DataType: "string", Length: 50, Masking: "name"},
			{Name: "备注", Identifier: "secret_note", DataType: "string", Length: 50}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cat.AddMount(c.Ctx, mzjCat, e.Code, catalog.Mount{Kind: catalog.MountAPI, URL: apiURL, Method: "GET",
		Params: []catalog.APIParam{{Name: "certNo", In: "query", Item: "cert_no"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cat.Transition(c.Ctx, mzjCat, e.Code, catalog.ActionSubmit, ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{catalog.ActionApprove, catalog.ActionPublish} {
		if _, err := c.Cat.Transition(c.Ctx, c.User("xzsp.approver"), e.Code, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Sharing.Apply(c.Ctx, c.User("rsj.consumer"), sharing.ApplicationInput{EntryCode: e.Code, Items: []string{"cert_no", "holder"},
		Purpose: "核验", Basis: "依据（测试）", Scenario: "场景", Delivery: sharing.DeliveryAPI}); err != nil {
		t.Fatal(err)
	}
	app, secret, err := c.gw.CreateApp(c.Ctx, c.User("rsj.consumer"), gateway.AppInput{Name: "核验系统"})
	if err != nil {
		t.Fatal(err)
	}
	return e.Code, app.AppKey, secret
}

// svc makes a signed data-service call.
func (c *city) svc(code, key, secret, query string) (int, string) {
	c.T.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+gateway.Prefix+url.PathEscape(code)+"?"+query, nil)
	if err := gateway.SignRequest(req, key, secret, "", time.Now(), rand.Text()); err != nil {
		c.T.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestProxiedAPIThroughNode serves an API-mounted entry whose API only the
// provider's node reaches: the platform (a real bus with a TLS leaf
// listener and the node registry) sends the call to 民政局's enrolled node,
// which adds the API key that only it holds; the answer keeps only the
// granted items, masked.
func TestProxiedAPIThroughNode(t *testing.T) {
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), append(slices.Clone(migrations), node.Migration))
	c := newCity(t, db)
	var mu sync.Mutex
	var asked url.Values
	var apiKey string
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked, apiKey = r.URL.Query(), r.Header.Get("X-Api-Key")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[{"cert_no":"J430200-2026-000001","holder":"张三丰","secret_note":"不该出现"}]}`))
	}))
	defer provider.Close()

	reg := node.NewRegistry(db, c.Log, c.Org, cryptosuite.RandomSealer(), nil)
	reg.HeartbeatInterval = 500 * time.Millisecond
	if err := reg.Open(c.Ctx); err != nil {
		t.Fatal(err)
	}
	tlsConf, err := reg.LeafTLS([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.Open(c.Ctx, bus.Options{StoreDir: t.TempDir(), LeafListen: "127.0.0.1:0", LeafTLS: tlsConf})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reg.LeafURL = "nats-leaf://" + b.LeafAddr()
	if err := reg.Start(c.Ctx, b.Conn, b.Server()); err != nil {
		t.Fatal(err)
	}
	defer reg.Stop()
	enrolAt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in node.EnrollRequest
		json.NewDecoder(r.Body).Decode(&in)
		out, err := reg.Enroll(r.Context(), in, r.RemoteAddr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(out)
	}))
	defer enrolAt.Close()
	admin := org.Principal{UserID: 1, Username: org.AdminUsername, Roles: []org.Role{org.SystemAdmin}}
	mzj := c.User("mzj.cataloger").DepartmentID
	e, err := reg.CreateEnrollment(c.Ctx, admin, node.EnrollmentInput{Name: "民政局前置机", DepartmentID: mzj})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "node.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("datasources:\n  - {name: 婚姻登记, driver: http, url: %q, headers: {X-Api-Key: mzj-key-only-on-the-node}}\n",
		provider.URL+"/marriage/")), 0o644)
	agent, err := node.Start(c.Ctx, node.Options{Platform: enrolAt.URL, Token: e.Token, DataDir: t.TempDir(), ConfigFile: cfg, HeartbeatInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		bases, err := reg.APIBases(c.Ctx, mzj)
		if err == nil && len(bases) == 1 && bases[0].Online {
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("民政局's node did not report its http datasource: %+v, %v", bases, err)
		}
	}
	c.gw.Nodes = reg

	code, key, secret := c.apiEntry(provider.URL + "/marriage/verify")
	status, body := c.svc(code, key, secret, "cert_no=J430200-2026-000001")
	mu.Lock()
	gotCert, gotKey := asked.Get("certNo"), apiKey
	mu.Unlock()
	if status != http.StatusOK || gotCert != "J430200-2026-000001" || gotKey != "mzj-key-only-on-the-node" {
		t.Fatalf("call through the node: %d %s; the provider was asked %q with key %q", status, body, gotCert, gotKey)
	}
	if strings.Contains(body, "不该出现") || strings.Contains(body, "张三丰") || !strings.Contains(body, `"holder":"张**"`) ||
		!strings.Contains(body, `"cert_no":"J430200-2026-000001"`) {
		t.Errorf("answer %s: want only the granted items, masked", body)
	}

	t.Run("the node gone, the call is refused, not sent directly", func(t *testing.T) {
		agent.Close()
		mu.Lock()
		asked = nil
		mu.Unlock()
		c.gw.DirectHosts = []string{demo.DepartmentCode("mzj") + "=" + strings.TrimPrefix(provider.URL, "http://")} // a declared node takes precedence all the same
		status, body := c.svc(code, key, secret, "cert_no=J430200-2026-000001")
		mu.Lock()
		defer mu.Unlock()
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "民政局前置机") || asked != nil {
			t.Errorf("call with the node stopped: %d %s; the provider was asked %v", status, body, asked)
		}
	})
}

// TestTryProxiedAPI runs the console's try-it panel on an API-mounted
// entry: it takes the same proxied path as an app's call.
func TestTryProxiedAPI(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		var asked url.Values
		provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			asked = r.URL.Query()
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":[{"cert_no":"J430200-2026-000001","holder":"张三丰","secret_note":"不该出现"}]}`))
		}))
		defer provider.Close()
		code, _, _ := c.apiEntry(provider.URL + "/verify")
		c.gw.DirectHosts = []string{demo.DepartmentCode("mzj") + "=" + strings.TrimPrefix(provider.URL, "http://")}
		res, err := c.gw.Try(c.Ctx, c.User("rsj.consumer"), code, "cert_no=J430200-2026-000001")
		if err != nil {
			t.Fatalf("Try on an API mount: %v", err)
		}
		if asked.Get("certNo") != "J430200-2026-000001" || res.Total != 1 || len(res.Rows) != 1 || res.Rows[0]["holder"] != "张**" || res.Rows[0]["secret_note"] != nil {
			t.Errorf("Try = %+v, the provider was asked %v; want the one row, granted items only, masked", res, asked)
		}
		_, n, err := c.Log.List(c.Ctx, audit.Filter{Action: "service.call", Q: code, Outcome: audit.Success})
		if err != nil || n != 1 {
			t.Errorf("%d successful calls audited (%v), want 1", n, err)
		}
	})
}
