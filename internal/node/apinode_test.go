package node_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/node"
)

// deptAPI stands for a department's API inside its network: it echoes what
// it was asked and counts the calls that reach places outside the base.
type deptAPI struct {
	srv      *httptest.Server
	outside  *httptest.Server // another host, which nodes must not reach
	verified atomic.Int32
	strayed  atomic.Int32
}

func newDeptAPI(t *testing.T) *deptAPI {
	t.Helper()
	d := &deptAPI{}
	d.outside = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.strayed.Add(1)
		w.Write([]byte(`{"outside":true}`))
	}))
	t.Cleanup(d.outside.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/verify", func(w http.ResponseWriter, r *http.Request) {
		d.verified.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "key": r.Header.Get("X-Api-Key"), "certNo": r.URL.Query().Get("certNo"),
			"body": string(body), "holder": "张三丰"})
	})
	mux.HandleFunc("/api/big", func(w http.ResponseWriter, r *http.Request) {
		n := 1 << 20
		if r.URL.Query().Get("over") != "" {
			n = node.APIMaxAnswer + 1
		}
		w.Write([]byte(`"` + strings.Repeat("数", n/3) + `"`))
	})
	mux.HandleFunc("/api/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/api/verify?certNo=moved", http.StatusFound)
	})
	mux.HandleFunc("/api/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, d.outside.URL+"/steal", http.StatusFound)
	})
	mux.HandleFunc("/api/up", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/admin", http.StatusFound) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.strayed.Add(1)
		w.Write([]byte(`{"admin":true}`))
	})
	d.srv = httptest.NewServer(mux)
	t.Cleanup(d.srv.Close)
	return d
}

// apiNode enrols a node of department A whose node.yaml declares api's
// base, and waits until the platform has its heartbeat.
func apiNode(t *testing.T, p *platform, api *deptAPI) *node.Agent {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "node.yaml")
	yaml := fmt.Sprintf("datasources:\n  - name: mzj-api\n    driver: http\n    url: %s/api/\n    headers: {X-Api-Key: key-secret-123}\n    timeout: 10s\n", api.srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	e := p.enrollment(p.opA, "公安局前置机-API")
	a, err := node.Start(p.ctx, node.Options{Platform: p.api.URL, Token: e.Token, DataDir: t.TempDir(), ConfigFile: cfg, Version: "test",
		HeartbeatInterval: 300 * time.Millisecond, Logger: testLogger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	waitFor(t, 15*time.Second, "the node's http datasource reported", func() bool {
		n, err := p.reg.Node(p.ctx, e.NodeID)
		return err == nil && n.Online && len(n.Datasources) == 1
	})
	return a
}

// rawCall publishes a request message on the hub as anyone on the bus
// could, and reads the node's answer.
func rawCall(t *testing.T, p *platform, subject string, data []byte, sig string) node.APIAnswer {
	t.Helper()
	nc := p.bus.Conn
	inbox := nc.NewRespInbox()
	sub, err := nc.SubscribeSync(inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	msg := nats.NewMsg(subject)
	msg.Reply, msg.Data = inbox, data
	if sig != "" {
		msg.Header.Set(node.SignatureHeader, sig)
	}
	if err := nc.PublishMsg(msg); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for {
		m, err := sub.NextMsg(15 * time.Second)
		if err != nil {
			t.Fatalf("no answer on %s: %v", subject, err)
		}
		if m.Header.Get(node.APIPartHeader) != "" {
			body = append(body, m.Data...)
			continue
		}
		var ans node.APIAnswer
		if err := json.Unmarshal(m.Data, &ans); err != nil {
			t.Fatalf("answer %q: %v", m.Data, err)
		}
		ans.Body = body
		return ans
	}
}

func TestAPIThroughNode(t *testing.T) {
	p := startPlatform(t)
	api := newDeptAPI(t)
	a := apiNode(t, p, api)
	id := a.Identity.NodeID
	base := api.srv.URL + "/api/"

	t.Run("the heartbeat reports the base, never the headers", func(t *testing.T) {
		n, err := p.reg.Node(p.ctx, id)
		if err != nil || n.Datasources[0].URL != base || n.Datasources[0].Driver != node.DriverHTTP {
			t.Fatalf("node datasources = %+v (%v), want the base %s", n.Datasources, err, base)
		}
		var stored string
		if err := p.db.QueryRow(p.ctx, "SELECT datasources FROM nodes WHERE id = ?", id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "key-secret-123") || strings.Contains(stored, "X-Api-Key") {
			t.Errorf("the platform stored the node's API headers: %s", stored)
		}
		bases, err := p.reg.APIBases(p.ctx, p.deptA.ID)
		if err != nil || len(bases) != 1 || bases[0].NodeID != id || bases[0].Datasource != "mzj-api" || !bases[0].Online {
			t.Errorf("APIBases(A) = %+v, %v", bases, err)
		}
		if bases, _ := p.reg.APIBases(p.ctx, p.deptB.ID); len(bases) != 0 {
			t.Errorf("APIBases(B) = %+v, want none", bases)
		}
	})

	t.Run("calls under the base go through with the node's headers", func(t *testing.T) {
		tests := []struct {
			name string
			q    node.APIRequest
			want string
		}{
			{"datasource and path", node.APIRequest{Datasource: "mzj-api", Path: "/verify?certNo=J1", Method: "GET"}, `"certNo":"J1"`},
			{"full URL", node.APIRequest{URL: base + "verify?certNo=J2", Method: "GET"}, `"certNo":"J2"`},
			{"POST with a JSON body", node.APIRequest{Datasource: "mzj-api", URL: base + "verify", Method: "POST", Body: json.RawMessage(`{"certNo":"J3"}`)},
				`"body":"{\"certNo\":\"J3\"}"`},
			{"a redirect within the base", node.APIRequest{Datasource: "mzj-api", Path: "moved", Method: "GET"}, `"certNo":"moved"`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.NodeID = id
				ans, err := p.reg.CallAPI(p.ctx, tt.q)
				if err != nil || ans.Status != 200 {
					t.Fatalf("CallAPI() = %d, %v", ans.Status, err)
				}
				if !strings.Contains(string(ans.Body), tt.want) || !strings.Contains(string(ans.Body), `"key":"key-secret-123"`) {
					t.Errorf("answer %s: want %s and the node's API key", ans.Body, tt.want)
				}
			})
		}
	})

	t.Run("a large answer comes whole, in parts", func(t *testing.T) {
		ans, err := p.reg.CallAPI(p.ctx, node.APIRequest{NodeID: id, Datasource: "mzj-api", Path: "big", Method: "GET"})
		if err != nil || ans.Parts < 4 || len(ans.Body) != ans.Size || !json.Valid(ans.Body) {
			t.Fatalf("CallAPI(big) = %d bytes in %d parts (size %d), %v", len(ans.Body), ans.Parts, ans.Size, err)
		}
	})

	t.Run("the node refuses what lies outside its bases", func(t *testing.T) {
		host := strings.TrimPrefix(api.srv.URL, "http://")
		tests := []struct {
			name string
			q    node.APIRequest
			code string
		}{
			{"another host", node.APIRequest{URL: api.outside.URL + "/api/verify"}, errs.Forbidden},
			{"another host, naming the datasource", node.APIRequest{Datasource: "mzj-api", URL: api.outside.URL + "/api/verify"}, errs.Forbidden},
			{"beside the base", node.APIRequest{URL: api.srv.URL + "/admin"}, errs.Forbidden},
			{"a sibling path", node.APIRequest{URL: api.srv.URL + "/apix"}, errs.Forbidden},
			{"dot dot", node.APIRequest{Datasource: "mzj-api", Path: "../admin"}, errs.Forbidden},
			{"encoded dot dot", node.APIRequest{URL: base + "%2e%2e/admin"}, errs.Forbidden},
			{"encoded slash", node.APIRequest{URL: base + "x%2f..%2f..%2fadmin"}, errs.Forbidden},
			{"credentials", node.APIRequest{URL: "http://u:p@" + host + "/api/verify"}, errs.Forbidden},
			{"https for http", node.APIRequest{URL: "https://" + host + "/api/verify"}, errs.Forbidden},
			{"unknown datasource", node.APIRequest{Datasource: "hr", Path: "verify"}, errs.Forbidden},
			{"a redirect to another host", node.APIRequest{Datasource: "mzj-api", Path: "away"}, errs.Forbidden},
			{"a redirect out of the base", node.APIRequest{Datasource: "mzj-api", Path: "up"}, errs.Forbidden},
			{"a method other than GET and POST", node.APIRequest{Datasource: "mzj-api", Path: "verify", Method: "DELETE"}, errs.Invalid},
			{"an answer over 8 MiB", node.APIRequest{Datasource: "mzj-api", Path: "big?over=1"}, errs.TooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.NodeID = id
				if tt.q.Method == "" {
					tt.q.Method = "GET"
				}
				_, err := p.reg.CallAPI(p.ctx, tt.q)
				if !errs.Is(err, tt.code) {
					t.Errorf("CallAPI() error = %v, want %s", err, tt.code)
				}
			})
		}
		if n := api.strayed.Load(); n != 0 {
			t.Errorf("the node reached %d places outside its base", n)
		}
	})

	t.Run("unsigned, forged, stale and replayed requests are refused", func(t *testing.T) {
		signed := func(q node.APIRequest) ([]byte, string) {
			q.NodeID, q.Datasource, q.Method = id, "mzj-api", "GET"
			if q.Path == "" {
				q.Path = "verify?certNo=forged"
			}
			sig, err := p.reg.SignAPIRequest(&q)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.Marshal(q)
			return data, sig
		}
		good, goodSig := signed(node.APIRequest{})
		tampered := []byte(strings.Replace(string(good), "certNo=forged", "certNo=other", 1))
		stale, staleSig := signed(node.APIRequest{At: time.Now().Add(-2 * time.Minute)})
		early, earlySig := signed(node.APIRequest{At: time.Now().Add(2 * time.Minute)})
		var other node.APIRequest
		json.Unmarshal(good, &other)
		other.NodeID, other.ID, other.At = id+1, "", time.Time{}
		otherSig, _ := p.reg.SignAPIRequest(&other)
		otherData, _ := json.Marshal(other)
		tests := []struct {
			name string
			data []byte
			sig  string
		}{
			{"unsigned", good, ""},
			{"signature of another request", tampered, goodSig},
			{"not a signature", good, base64.StdEncoding.EncodeToString([]byte("signed, trust me"))},
			{"signed two minutes ago", stale, staleSig},
			{"signed two minutes ahead", early, earlySig},
			{"signed for another node", otherData, otherSig},
		}
		before := api.verified.Load()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ans := rawCall(t, p, node.APISubject(id), tt.data, tt.sig)
				if ans.Code != errs.Unauthorized || ans.Status != 0 || len(ans.Body) != 0 {
					t.Errorf("answer %+v, want %s", ans, errs.Unauthorized)
				}
			})
		}
		if n := api.verified.Load() - before; n != 0 {
			t.Errorf("the API was called %d times by refused requests", n)
		}
		t.Run("a replay", func(t *testing.T) {
			if ans := rawCall(t, p, node.APISubject(id), good, goodSig); ans.Status != 200 || ans.Code != "" {
				t.Fatalf("first call: %+v", ans)
			}
			ans := rawCall(t, p, node.APISubject(id), good, goodSig)
			if ans.Code != errs.Unauthorized || !strings.Contains(ans.Error, "replay") {
				t.Errorf("the same request again: %+v, want refused as a replay", ans)
			}
			if n := api.verified.Load() - before; n != 1 {
				t.Errorf("the API was called %d times, want once", n)
			}
		})
	})

	t.Run("a node that is not connected is reported", func(t *testing.T) {
		_, err := p.reg.CallAPI(p.ctx, node.APIRequest{NodeID: id + 100, Datasource: "mzj-api", Path: "verify", Method: "GET"})
		if !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "not connected") {
			t.Errorf("CallAPI(absent node) = %v, want unavailable, not connected", err)
		}
	})
}
