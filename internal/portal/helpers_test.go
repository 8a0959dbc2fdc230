package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/portal"
	"github.com/govshare/govshare/internal/store"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, opendata.Migration}

// platform is the demo city's catalog behind a real portal server.
type platform struct {
	ctx     context.Context
	db      *store.DB
	org     *org.Service
	catalog *catalog.Service
	od      *opendata.Service
	audit   *audit.Log
	url     string
}

// newPlatform loads the demo city (closed, conditionally open and open
// entries) and serves the portal on a loopback port, its public URL
// being the server's own.
func newPlatform(t *testing.T, db *store.DB) *platform {
	t.Helper()
	ctx := context.Background()
	al := audit.New(db)
	o := org.NewService(db, al, division.Default())
	cat := catalog.NewService(db, al, o, nil)
	lst := lists.NewService(db, al, o, cat)
	cat.Negative = lst
	dir := t.TempDir()
	cat.SQLiteRoot = dir
	od := opendata.NewService(db, al, o, cat)
	// Room for a crawler's downloads; TestDownloadThrottle covers the limits.
	od.Throttle = opendata.NewThrottle(opendata.ThrottleLimits{PerMinute: 6000, Burst: 1000, Concurrent: 4})
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: lst, OpenData: od}, dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	srv := httptest.NewUnstartedServer(r)
	srv.Start()
	t.Cleanup(srv.Close)
	portal.Register(r, portal.Deps{OpenData: od, PublicURL: srv.URL})
	return &platform{ctx: ctx, db: db, org: o, catalog: cat, od: od, audit: al, url: srv.URL}
}

func (p *platform) login(t *testing.T, user string) org.Principal {
	t.Helper()
	_, pr, err := p.org.Login(p.ctx, user, demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return pr
}

// get fetches a path as an anonymous client: no cookie, no token.
func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
