// Package demotest gives tests the demo city in their own database: the
// organisations, the catalog with its demo tables, the three lists and
// the sharing service over them, logged-in users and each department's
// entry.
package demotest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// City is the demo city loaded into a test's database.
type City struct {
	T       *testing.T
	Ctx     context.Context
	Log     *audit.Log
	Org     *org.Service
	Cat     *catalog.Service
	Lists   *lists.Service
	Sharing *sharing.Service
	Now     time.Time         // the sharing service's clock; tests move it
	Code    map[string]string // demo department key → its entry's code
	users   map[string]org.Principal
	links   string // Dir
}

// New loads the demo city (organisations, catalog, lists) into db, with
// the demo tables in a temporary directory.
func New(t *testing.T, db *store.DB) *City {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	cat := catalog.NewService(db, log, o, nil)
	cat.SQLiteRoot = t.TempDir()
	l := lists.NewService(db, log, o, cat)
	cat.Negative = l
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: l}, cat.SQLiteRoot, io.Discard); err != nil {
		t.Fatal(err)
	}
	links := t.TempDir()
	for _, d := range demo.Departments {
		if err := os.Symlink(demo.DatabasePath(cat.SQLiteRoot, d.Key), filepath.Join(links, d.Key+".db")); err != nil {
			t.Fatal(err)
		}
	}
	c := &City{T: t, links: links, Ctx: ctx, Log: log, Org: o, Cat: cat, Lists: l, Now: time.Now(), Code: map[string]string{}, users: map[string]org.Principal{}}
	c.Sharing = sharing.NewService(db, log, o, cat, l)
	c.Sharing.SetClock(func() time.Time { return c.Now })
	res, err := cat.Search(ctx, c.User("xzsp.approver"), catalog.Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Items {
		for _, d := range demo.Departments {
			if d.Name == h.ProviderName {
				c.Code[d.Key] = h.Code
			}
		}
	}
	return c
}

// Dir holds a link named <key>.db to each demo department's database,
// which lies in the department's own folder (demo.DatabasePath).
func (c *City) Dir() string { return c.links }

// User is a demo account, logged in once.
func (c *City) User(name string) org.Principal {
	c.T.Helper()
	if p, ok := c.users[name]; ok {
		return p
	}
	_, p, err := c.Org.Login(c.Ctx, name, demo.Password, "127.0.0.1")
	if err != nil {
		c.T.Fatalf("login %s: %v", name, err)
	}
	c.users[name] = p
	return p
}
