package portal_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/portal"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// servedCity is the demo city behind the portal and the gateway, wired as
// serve wires them: approvals issue keys, the gateway asks the open data
// domain about public keys.
type servedCity struct {
	*platform
	gw  *gateway.Service
	out *opendata.Outbox
}

func newServedCity(t *testing.T, db *store.DB) *servedCity {
	t.Helper()
	ctx := context.Background()
	al := audit.New(db)
	o := org.NewService(db, al, division.Default())
	cat := catalog.NewService(db, al, o, nil)
	lst := lists.NewService(db, al, o, cat)
	cat.Negative = lst
	dir := t.TempDir()
	cat.SQLiteRoot = dir
	sh := sharing.NewService(db, al, o, cat, lst)
	gw := gateway.NewService(db, al, cat, sh, cryptosuite.RandomSealer(), gateway.NewMemoryNonces(0))
	t.Cleanup(func() { gw.Close() })
	od := opendata.NewService(db, al, o, cat)
	out := &opendata.Outbox{}
	od.Sender, od.Keys, gw.Public = out, gw, od
	od.Throttle = opendata.NewThrottle(opendata.ThrottleLimits{PerMinute: 60, Burst: 3, Concurrent: 1})
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: lst, OpenData: od}, dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.Handle(gateway.Prefix+"*", gw)
	portal.Register(r, portal.Deps{OpenData: od, PublicURL: srv.URL, Keys: gw})
	return &servedCity{platform: &platform{ctx: ctx, db: db, org: o, catalog: cat, od: od, audit: al, url: srv.URL}, gw: gw, out: out}
}

// browser is a person's browser: it keeps cookies and follows redirects.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func send(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// call signs a data-service call with a public key.
func call(t *testing.T, base, code, key, secret, query string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+gateway.Prefix+code+query, nil)
	if key != "" {
		if err := gateway.SignRequest(req, key, secret, gateway.HMACSHA256, time.Now(), rand.Text()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// register logs a new public user in through the pages, with the code the
// sender received.
func (c *servedCity) register(t *testing.T, b *http.Client, addr string) {
	t.Helper()
	if st, body := send(t, b, http.MethodPost, c.url+"/open/login/code", url.Values{"address": {addr}, "next": {"/open/account"}}); st != http.StatusOK || !strings.Contains(body, `id="code-sent"`) {
		t.Fatalf("ask a code: %d %s", st, body)
	}
	m, ok := c.out.Last(addr)
	if !ok {
		t.Fatalf("no code sent to %s", addr)
	}
	st, body := send(t, b, http.MethodPost, c.url+"/open/login", url.Values{"address": {addr}, "code": {m.Code}, "next": {"/open/account"}})
	if st != http.StatusOK || !strings.Contains(body, `id="account-user"`) || !strings.Contains(body, `id="no-key"`) {
		t.Fatalf("log in: %d %s", st, body)
	}
}

// TestConditionalDataNeedsApproval walks the way of a member of the
// public to conditionally open data: registration by a code, the
// application with its state on the dataset page, the providing
// department's approval, the key and its secret, and signed calls served
// by the gateway, shaped by the open items and masks, audited, and
// throttled per key and per address. Before approval, and for anyone
// else, nothing conditional is served: not to an anonymous client, not to
// a user whose application waits, not to a key approved for no such
// entry.
func TestConditionalDataNeedsApproval(t *testing.T) {
	storetest.Each(t, append(migrations, sharing.Migration, gateway.Migration), func(t *testing.T, db *store.DB) {
		c := newServedCity(t, db)
		ctx := c.ctx
		res, err := c.od.Search(ctx, opendata.Query{Q: "特种设备"})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("search: %+v %v", res, err)
		}
		code := res.Items[0].Code
		page := c.url + "/open/dataset/" + opendata.Slug(code)

		// Anonymous: no data, a link to log in.
		if st, _, _ := call(t, c.url, code, "", "", ""); st != http.StatusUnauthorized {
			t.Errorf("an unsigned call: %d", st)
		}
		if st, _, body := get(t, page); st != http.StatusOK || !strings.Contains(body, `id="apply-login"`) || strings.Contains(body, "apply-form") {
			t.Errorf("the anonymous dataset page: %d", st)
		}
		if st, _, body := get(t, c.url+"/open/account"); st != http.StatusOK || !strings.Contains(body, `id="code-form"`) {
			t.Errorf("the account page, anonymously: %d", st)
		}

		// Register and apply.
		b := browser(t)
		c.register(t, b, "applicant@example.com")
		if st, body := send(t, b, http.MethodGet, page, nil); st != http.StatusOK || !strings.Contains(body, `id="apply-form"`) {
			t.Fatalf("the dataset page, logged in: %d", st)
		}
		st, body := send(t, b, http.MethodPost, page+"/apply", url.Values{"purpose": {"用于电梯安全社会监督研究的统计分析"}, "agree": {"yes"}})
		if st != http.StatusOK || !strings.Contains(body, `id="application-state" class="state pending"`) {
			t.Fatalf("apply: %d %s", st, body)
		}

		// A key of another user, approved for nothing of this entry, and
		// the pending applicant, who has no key: nothing.
		var other int64
		if err := db.QueryRow(ctx, "SELECT id FROM opendata_users WHERE address = ?", demo.PublicUser).Scan(&other); err != nil {
			t.Fatal(err)
		}
		var applicant int64
		if err := db.QueryRow(ctx, "SELECT id FROM opendata_users WHERE address = ?", "applicant@example.com").Scan(&applicant); err != nil {
			t.Fatal(err)
		}
		if _, err := c.gw.PublicKeyOf(ctx, applicant); err == nil {
			t.Error("a pending applicant holds a key")
		}
		stranger, err := c.od.RegisterUser(ctx, "stranger@example.com", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.gw.IssuePublicKey(ctx, stranger.ID); err != nil {
			t.Fatal(err)
		}
		sk, _ := c.gw.PublicKeyOf(ctx, stranger.ID)
		ss, err := c.gw.RevealPublicSecret(ctx, stranger.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st, _, body := call(t, c.url, code, sk.AppKey, ss, ""); st != http.StatusForbidden || strings.Contains(body, "TZS-") {
			t.Errorf("a key without approval: %d %s", st, body)
		}

		// The providing department approves; the key and its secret, once.
		apps, err := c.od.Applications(ctx, c.login(t, "scj.approver"), opendata.AppPending)
		if err != nil || len(apps) != 1 {
			t.Fatalf("pending: %+v %v", apps, err)
		}
		if _, err := c.od.Decide(ctx, c.login(t, "scj.approver"), apps[0].ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if st, body := send(t, b, http.MethodGet, page, nil); st != http.StatusOK || !strings.Contains(body, `class="state approved"`) {
			t.Errorf("the dataset page after approval: %d", st)
		}
		st, body = send(t, b, http.MethodPost, c.url+"/open/account/secret", url.Values{})
		if st != http.StatusOK || !strings.Contains(body, `id="secret"`) {
			t.Fatalf("reveal: %d %s", st, body)
		}
		key, err := c.gw.PublicKeyOf(ctx, applicant)
		if err != nil {
			t.Fatal(err)
		}
		secret := between(body, `id="secret">`, `</p>`)
		secret = strings.TrimSpace(between(secret, "<code>", "</code>"))
		if st, body := send(t, b, http.MethodPost, c.url+"/open/account/secret", url.Values{}); st != http.StatusConflict {
			t.Errorf("a second reveal: %d %s", st, body)
		}

		// Served, shaped and masked.
		st, _, body = call(t, c.url, code, key.AppKey, secret, "?page_size=5")
		if st != http.StatusOK {
			t.Fatalf("an approved call: %d %s", st, body)
		}
		var got gateway.Result
		if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Rows) != 5 {
			t.Fatalf("rows: %v %s", err, body)
		}
		for _, row := range got.Rows {
			name, _ := row["safety_officer"].(string)
			if !strings.Contains(name, "*") {
				t.Errorf("the safety officer's name unmasked: %q", name)
			}
		}
		if st, _, _ := call(t, c.url, code, key.AppKey, secret, "?safety_officer=张三"); st != http.StatusBadRequest {
			t.Errorf("a filter on a masked item: %d", st)
		}
		list, _, err := c.audit.List(ctx, audit.Filter{Action: "service.call", PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		var audited, denied bool
		for _, e := range list {
			audited = audited || e.Actor == "public:"+key.AppKey && e.Outcome == audit.Success
			denied = denied || e.Actor == "public:"+sk.AppKey && e.Outcome == audit.Denied
		}
		if !audited || !denied {
			t.Errorf("audit: the approved call %v, the refused one %v", audited, denied)
		}

		// Throttled per key: a burst beyond the key's is refused with Retry-After.
		limited := 0
		for range gateway.PublicBurst + 5 {
			st, h, _ := call(t, c.url, code, key.AppKey, secret, "?page_size=1")
			if st == http.StatusTooManyRequests {
				limited++
				if h.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			}
		}
		if limited == 0 {
			t.Errorf("%d calls at once, none throttled", gateway.PublicBurst+5)
		}

		// Downloads are throttled per user as well as per address: the
		// logged-in user's fourth download in a row is refused.
		parking, err := c.od.Search(ctx, opendata.Query{Q: "公共停车场"})
		if err != nil || len(parking.Items) != 1 {
			t.Fatal(err)
		}
		dl := c.url + "/open/dataset/" + opendata.Slug(parking.Items[0].Code) + "/download.csv"
		var codes []int
		for range 4 {
			st, _ := send(t, b, http.MethodGet, dl, nil)
			codes = append(codes, st)
		}
		if codes[0] != http.StatusOK || codes[3] != http.StatusTooManyRequests {
			t.Errorf("downloads of one user: %v", codes)
		}

		// The demo's public user holds an approved application and a key.
		if _, err := c.gw.PublicKeyOf(ctx, other); err != nil {
			t.Errorf("the demo's public user has no key: %v", err)
		}
	})
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}
