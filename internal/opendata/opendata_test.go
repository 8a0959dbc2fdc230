package opendata_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	_ "modernc.org/sqlite"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, opendata.Migration}

func TestLevelOf(t *testing.T) {
	for _, c := range []struct {
		status, open, share string
		want                opendata.Level
	}{
		{catalog.StatusPublished, catalog.OpenUnconditional, catalog.ShareUnconditional, opendata.Open},
		{catalog.StatusPublished, catalog.OpenConditional, catalog.ShareConditional, opendata.Listed},
		{catalog.StatusPublished, catalog.OpenNone, catalog.ShareUnconditional, opendata.Hidden},
		{catalog.StatusPublished, "", catalog.ShareUnconditional, opendata.Hidden},
		{catalog.StatusPublished, catalog.OpenUnconditional, catalog.ShareNone, opendata.Hidden},
		{catalog.StatusDraft, catalog.OpenUnconditional, catalog.ShareUnconditional, opendata.Hidden},
		{catalog.StatusSubmitted, catalog.OpenUnconditional, catalog.ShareUnconditional, opendata.Hidden},
		{catalog.StatusWithdrawn, catalog.OpenUnconditional, catalog.ShareUnconditional, opendata.Hidden},
		{catalog.StatusSuperseded, catalog.OpenConditional, catalog.ShareUnconditional, opendata.Hidden},
	} {
		e := catalog.Entry{Status: c.status, OpenType: c.open, ShareType: c.share}
		if got := opendata.LevelOf(e); got != c.want {
			t.Errorf("LevelOf(%s, %s, %s) = %v, want %v", c.status, c.open, c.share, got, c.want)
		}
	}
}

type world struct {
	ctx context.Context
	db  *store.DB
	od  *opendata.Service
	dir string
	org *org.Service
	at  time.Time
}

func newWorld(t *testing.T, db *store.DB) *world {
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
	if err := demo.Load(ctx, demo.Services{Org: o, Catalog: cat, Lists: lst, OpenData: od}, dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	return &world{ctx: ctx, db: db, od: od, dir: dir, org: o, at: time.Now()}
}

func (w *world) code(t *testing.T, q string) string {
	t.Helper()
	res, err := w.od.Search(w.ctx, opendata.Query{Q: q})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("search %s: %v %+v", q, err, res)
	}
	return res.Items[0].Code
}

// TestDownloads streams an open dataset in each format with the open items
// only, records each download in the audit log and the statistics, and
// refuses a conditionally open one.
func TestDownloads(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.ctx
		parking := w.code(t, "公共停车场")
		before, err := w.od.Stats(ctx, parking, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range opendata.Formats {
			d, err := w.od.PrepareDownload(ctx, parking, f, fmt.Sprintf("192.0.2.%d", len(f)))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var buf bytes.Buffer
			n, err := d.Write(ctx, &buf)
			if err != nil || n != 300 {
				t.Fatalf("%s: %d rows, %v; want the demo's 300", f, n, err)
			}
			var header []string
			rows := 0
			switch f {
			case opendata.CSV:
				recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				header, rows = recs[0], len(recs)-1
			case opendata.JSON:
				var list []map[string]any
				if err := json.Unmarshal(buf.Bytes(), &list); err != nil {
					t.Fatal(err)
				}
				for k := range list[0] {
					header = append(header, k)
				}
				rows = len(list)
				if _, ok := list[0]["spaces"].(float64); !ok {
					t.Errorf("JSON spaces = %#v, want a number", list[0]["spaces"])
				}
			case opendata.XLSX:
				x, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				all, err := x.GetRows(x.GetSheetName(0))
				if err != nil {
					t.Fatal(err)
				}
				header, rows = all[0], len(all)-1
			}
			if rows != 300 || len(header) != 5 || strings.Contains(strings.Join(header, ","), "phone") || strings.Contains(strings.Join(header, ","), "电话") {
				t.Errorf("%s: %d rows with columns %v; want 300 rows of the 5 open items", f, rows, header)
			}
		}
		after, err := w.od.Stats(ctx, parking, 0)
		if err != nil || after.Downloads != before.Downloads+3 {
			t.Errorf("downloads %d → %d (%v), want 3 more", before.Downloads, after.Downloads, err)
		}
		entries, _, err := audit.New(db).List(ctx, audit.Filter{Action: "opendata.download"})
		if err != nil || len(entries) != 3 || entries[0].ClientAddr == "" || entries[0].Target != "catalog:"+parking {
			t.Errorf("audit of downloads: %v %+v", err, entries)
		}
		// Conditionally open: no download, no sample.
		food := w.code(t, "特种设备使用登记")
		if _, err := w.od.PrepareDownload(ctx, food, opendata.CSV, "192.0.2.9"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("download of a conditionally open dataset: %v, want Forbidden", err)
		}
		if _, err := w.od.Sample(ctx, food); !errs.Is(err, errs.Forbidden) {
			t.Errorf("sample of a conditionally open dataset: %v, want Forbidden", err)
		}
		if _, err := w.od.PrepareDownload(ctx, parking, "pdf", "192.0.2.9"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a pdf download: %v, want Invalid", err)
		}
	})
}

// TestDownloadThrottle lets an address run one download at a time and
// start a few a minute; another address is counted apart.
func TestDownloadThrottle(t *testing.T) {
	th := opendata.NewThrottle(opendata.ThrottleLimits{PerMinute: 1, Burst: 2, Concurrent: 1})
	done, err := th.Start("198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := th.Start("198.51.100.1"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a second download at once: %v, want RateLimited", err)
	}
	other, err := th.Start("198.51.100.2")
	if err != nil {
		t.Errorf("another address: %v", err)
	}
	other()
	done()
	done2, err := th.Start("198.51.100.1")
	if err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
	done2()
	if _, err := th.Start("198.51.100.1"); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a third download within the minute: %v, want RateLimited", err)
	}
}

// TestDownloadMemory streams a table of 200,000 rows: the heap stays flat.
func TestDownloadMemory(t *testing.T) {
	db := storetest.Open(t, t.TempDir()+"/govshare.db", migrations)
	w := newWorld(t, db)
	parking := w.code(t, "公共停车场")
	src, err := sql.Open("sqlite", demo.DatabasePath(w.dir, "cgj"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const extra = 200000
	tx, _ := src.Begin()
	stmt, err := tx.Prepare("INSERT INTO parking_lots (lot_id, name, address, spaces, fee, manager_phone) VALUES (?, ?, ?, ?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range extra {
		stmt.Exec(fmt.Sprintf("ZZQ%07d", i), "大量测试停车场", "株洲市测试路", i%500, "免费", "13900000000")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	d, err := w.od.PrepareDownload(w.ctx, parking, opendata.CSV, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	mw := &memWriter{every: 2 << 20}
	start := time.Now()
	n, err := d.Write(w.ctx, mw)
	if err != nil || n != 300+extra {
		t.Fatalf("%d rows, %v", n, err)
	}
	grow := int64(mw.peak) - int64(base)
	t.Logf("%d rows, %d MB in %s; heap grew by at most %.1f MB", n, mw.n>>20, time.Since(start), float64(grow)/(1<<20))
	if grow > 32<<20 {
		t.Errorf("the heap grew by %d MB while streaming %d MB: not constant", grow>>20, mw.n>>20)
	}
}

// memWriter discards what it is given, noting the heap's peak.
type memWriter struct {
	n, next, every int
	peak           uint64
}

func (m *memWriter) Write(b []byte) (int, error) {
	m.n += len(b)
	if m.n >= m.next {
		m.next = m.n + m.every
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.peak = max(m.peak, ms.HeapAlloc)
	}
	return len(b), nil
}

// TestDatasetsForFollowsTheCatalog reads datasets through the cache, then
// closes one by a new version and withdraws another: neither is served again.
func TestDatasetsForFollowsTheCatalog(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.ctx
		names := func() []string {
			t.Helper()
			res, err := w.od.Search(ctx, opendata.Query{})
			if err != nil {
				t.Fatal(err)
			}
			list, err := w.od.DatasetsFor(ctx, res.Items)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range list {
				out = append(out, d.Name)
			}
			return out
		}
		if got := names(); len(got) != 4 {
			t.Fatalf("datasets %v, want the demo's 4", got)
		}
		o := org.NewService(db, audit.New(db), division.Default())
		cat := catalog.NewService(db, audit.New(db), o, nil)
		login := func(u string) org.Principal {
			_, p, err := o.Login(ctx, u, demo.Password, "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		cgj, approver := login("cgj.cataloger"), login("xzsp.approver")
		parking := w.code(t, "公共停车场")
		e, err := cat.Get(ctx, cgj, parking, false)
		if err != nil {
			t.Fatal(err)
		}
		e.OpenType = catalog.OpenNone
		for i := range e.Items {
			e.Items[i].OpenType = catalog.OpenNone
		}
		if _, err := cat.Update(ctx, cgj, parking, e); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			who := approver
			if a == catalog.ActionSubmit {
				who = cgj
			}
			if _, err := cat.Transition(ctx, who, parking, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := cat.Transition(ctx, approver, w.code(t, "空气质量"), catalog.ActionWithdraw, "测试"); err != nil {
			t.Fatal(err)
		}
		got := names()
		for _, n := range got {
			if n == "公共停车场信息" || n == "环境空气质量日报" {
				t.Errorf("%s is still served after it was closed or withdrawn: %v", n, got)
			}
		}
		if len(got) != 2 {
			t.Errorf("datasets %v, want 2 left", got)
		}
	})
}

// TestThrottlePerKey counts a download against its address and its key:
// one key is throttled from many addresses, and another key from the same
// address still starts.
func TestThrottlePerKey(t *testing.T) {
	th := opendata.NewThrottle(opendata.ThrottleLimits{PerMinute: 1, Burst: 2, Concurrent: 1})
	key := opendata.KeyOf(7)
	done, err := th.Start("198.51.100.1", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := th.Start("198.51.100.2", key); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a key's second download at once, from another address: %v", err)
	}
	done()
	if done, err = th.Start("198.51.100.3", key); err != nil {
		t.Fatalf("the key's second download: %v", err)
	}
	done()
	if _, err := th.Start("198.51.100.4", key); !errs.Is(err, errs.RateLimited) {
		t.Errorf("a key's third download within its burst, from a third address: %v", err)
	}
	// The refusals took nothing from the addresses.
	for _, addr := range []string{"198.51.100.2", "198.51.100.4"} {
		d, err := th.Start(addr, opendata.KeyOf(8))
		if err != nil {
			t.Errorf("%s with another key: %v", addr, err)
			continue
		}
		d()
	}
}
