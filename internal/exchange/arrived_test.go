package exchange_test

import (
	"context"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestArrived delivers the population table to another department and
// reads what arrived: the consumer sees a sample of the basis's columns
// and the counts reconciled, audited; the provider and the officers see
// nothing; a channel whose basis ended shows no row.
func TestArrived(t *testing.T) {
	b, err := bus.Open(context.Background(), bus.Options{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ms := []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, exchange.Migration}
	storetest.Each(t, ms, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := string(db.Dialect)
		e := exchange.New(b.JS, exchange.Options{Stream: "ARRIVED_" + d, Subject: "arrived." + d, Bucket: "arrived_" + d})
		m, log, ids, login := demoCity(t, db, e)
		mk := func(mandate int64, table string) exchange.ChannelInfo {
			c, err := m.Create(ctx, org.System, exchange.ChannelInput{MandateID: mandate, Name: table, ProviderID: ids["gaj"], ConsumerID: ids["scj"],
				Source: exchange.TableRef{Datasource: "gaj-业务库", Table: "population"}, Target: exchange.TableRef{Datasource: "scj-业务库", Table: table},
				Mode: exchange.Full, Schedule: "0 3 * * *", BatchSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := mk(mandatePopulation, "arrived_population")
		consumer := login("scj.consumer")
		a, err := m.Arrived(ctx, consumer, c.ID, "en")
		if err != nil || a.State != exchange.ArrivedEmpty || a.Reconcile.TargetRows != 0 || len(a.Rows) != 0 {
			t.Fatalf("before the first pass: %+v, %v", a, err)
		}
		if err := m.SyncNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		a, err = m.Arrived(ctx, consumer, c.ID, "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, col := range a.Columns {
			cols = append(cols, col.Name)
		}
		if a.State != exchange.ArrivedRows || len(a.Rows) != exchange.ArrivedSampleSize || strings.Join(cols, ",") != "id_number,name,gender,birth_date,address,updated_at" {
			t.Errorf("what arrived: %s, columns %v, %d rows", a.State, cols, len(a.Rows))
		}
		for _, row := range a.Rows {
			if len(row) != len(cols) || row[0] == "" {
				t.Errorf("row %v", row)
			}
		}
		r := a.Reconcile
		if r.TargetRows != 300 || r.Deliveries != 300 || !r.Match || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "一致") {
			t.Errorf("reconcile: %+v", r)
		}
		entries, _, err := log.List(ctx, audit.Filter{Action: "channel.arrived", Outcome: audit.Success})
		if err != nil || len(entries) != 1 || entries[0].Actor != "scj.consumer" {
			t.Errorf("audit of the reading: %+v, %v", entries, err)
		}

		for _, who := range []string{"gaj.node", "gaj.consumer", org.AdminUsername, "auditor", "xzsp.consumer"} {
			if _, err := m.Arrived(ctx, login(who), c.ID, "en"); !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
				t.Errorf("%s reads what arrived: %v", who, err)
			}
		}
		denied, _, _ := log.List(ctx, audit.Filter{Action: "channel.arrived", Outcome: audit.Denied})
		if len(denied) < 4 {
			t.Errorf("%d refusals audited, want at least 4", len(denied))
		}

		// A channel whose mandate was revoked shows no row, and reads nothing.
		gone := mk(mandateRevoked, "arrived_revoked")
		if a, err := m.Arrived(ctx, consumer, gone.ID, "en"); err != nil || a.State != exchange.ArrivedNoBasis || len(a.Rows) != 0 || a.Reconcile.TargetRows != -1 {
			t.Errorf("revoked basis: %+v, %v", a, err)
		}
	})
}
