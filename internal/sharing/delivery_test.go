package sharing_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestTableDelivery approves a table grant and watches its channel deliver
// only the granted columns, masked, and only the rows of the row filter;
// revoking the grant stops the channel.
func TestTableDelivery(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	storetest.Each(t, append(slices.Clone(testMigrations), exchange.Migration), func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := w.Ctx
		name := string(db.Dialect)
		eng := exchange.New(b.JS, exchange.Options{Stream: "SHARE_" + name, Subject: "share." + name, Bucket: "share_" + name})
		tables := &sharing.TableDelivery{Sharing: w.Sharing}
		mgr := exchange.NewManager(db, w.Log, w.Org, exchange.PlatformResolver(w.Cat), eng,
			exchange.ManagerOptions{Shape: tables.Shape, Tick: 100 * time.Millisecond, Bucket: "share_lease_" + name})
		tables.Channels = mgr
		w.Sharing.Deliverers[sharing.DeliveryTable] = tables
		if err := mgr.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(mgr.Shutdown)

		a := w.apply(sharing.DeliveryTable, "id_number", "name", "gender")
		if _, err := w.Sharing.Approve(ctx, w.User("gaj.approver"), a.ID, &sharing.Terms{Filter: sharing.RowFilter{{Item: "gender", Op: sharing.OpEq, Values: []string{"女"}}}}, ""); err != nil {
			t.Fatal(err)
		}
		a, err := w.Sharing.Approve(ctx, w.User("xzsp.approver"), a.ID, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		g, err := w.Sharing.Grant(ctx, w.User("rsj.consumer"), a.GrantID)
		if err != nil || g.DeliveryRef == "" || g.DeliveryError != "" {
			t.Fatalf("grant %+v: %v", g, err)
		}

		target, err := connector.Open(ctx, connector.SQLite, filepath.Join(w.Dir(), "rsj.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		deadline := time.Now().Add(30 * time.Second)
		var n int64
		for n < 160 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
			n, _ = target.Count(ctx, "人口信息")
		}
		if n != 160 {
			c, _ := mgr.Channel(ctx, org.System, g.DeliveryRef)
			t.Fatalf("the target holds %d rows, want the source's 160 women; channel %+v", n, c)
		}
		tab, err := target.Table(ctx, "人口信息")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range tab.Columns {
			cols = append(cols, c.Name)
		}
		if !slices.Equal(cols, []string{"id_number", "name", "gender"}) {
			t.Errorf("target columns %v: want the granted items only", cols)
		}
		rows, _, err := target.Query(ctx, "人口信息", cols, nil, nil, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			id, nm := r[0].(string), r[1].(string)
			if len(id) != 64 || !strings.HasSuffix(nm, "**") || r[2] != "女" {
				t.Fatalf("row %v: want a hashed key, a masked name and women only", r)
			}
		}

		// The key travels hashed under the consumer's own key (HMAC-SM3), the
		// same key the shape carries to a provider's node.
		rsj := w.User("rsj.consumer")
		key, err := w.Sharing.HashKey(ctx, rsj.DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		sh, err := tables.Shape(ctx, g.ID, rsj.DepartmentID)
		if err != nil || !bytes.Equal(sh.HashKey, key) {
			t.Fatalf("the shape's hash key %x, want the consumer's %x: %v", sh.HashKey, key, err)
		}
		source, err := connector.Open(ctx, connector.SQLite, filepath.Join(w.Dir(), "gaj.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer source.Close()
		ids, _, err := source.Query(ctx, "population", []string{"id_number"}, nil, nil, 1000, 0)
		if err != nil {
			t.Fatal(err)
		}
		keyed := map[any]bool{}
		for _, r := range ids {
			keyed[mask.Masker{Key: key}.Apply(mask.Hash, r[0])] = true
		}
		for _, r := range rows {
			if !keyed[r[0]] {
				t.Fatalf("delivered key %v is not the HMAC-SM3 of a source ID number under the consumer's key", r[0])
			}
		}

		// Revoking stops the channel.
		if _, err := w.Sharing.Revoke(ctx, w.User("gaj.approver"), g.ID, "停止共享（测试）"); err != nil {
			t.Fatal(err)
		}
		c, err := mgr.Channel(ctx, org.System, g.DeliveryRef)
		if err != nil || c.State != exchange.ChannelRevoked {
			t.Errorf("after revoking the grant the channel is %s (%v), want %s", c.State, err, exchange.ChannelRevoked)
		}

		// Expiry stops a grant's channel too, once the sweep has run.
		g2 := w.grantPopulation(sharing.DeliveryTable, "id_number")
		if n, err := w.Sharing.ExpireDue(ctx); err != nil || n != 0 {
			t.Fatalf("expired %d before the expiry: %v", n, err)
		}
		w.Now = g2.ExpiresAt
		if n, err := w.Sharing.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d at the expiry: %v", n, err)
		}
		if g2, _ = w.Sharing.Grant(ctx, w.User("rsj.consumer"), g2.ID); g2.State != sharing.GrantExpired {
			t.Errorf("grant state %s, want %s", g2.State, sharing.GrantExpired)
		}
		if c, err := mgr.Channel(ctx, org.System, g2.DeliveryRef); err != nil || c.State != exchange.ChannelRevoked || !strings.Contains(c.Reason, "expired") {
			t.Errorf("after the grant expired its channel is %s (%q, %v), want %s for the expiry", c.State, c.Reason, err, exchange.ChannelRevoked)
		}
	})
}
