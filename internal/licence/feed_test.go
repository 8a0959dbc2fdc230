package licence_test

import (
	"context"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestFeed feeds title certificates into the library as a channel's
// applier does: batches applied once, bad rows set aside with their reason,
// a row fixed at the source issued and its entry resolved.
func TestFeed(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		typ, err := w.svc.CreateType(w.ctx, w.bdc, titleType())
		if err != nil {
			t.Fatal(err)
		}
		basis := licence.FeedBasis{Name: "不动产权证书 → 电子证照库", MandateID: 7, ProviderID: w.bdc.DepartmentID, ConsumerID: w.consumer.DepartmentID, Type: typ.Code}
		w.svc.Basis = func(ctx context.Context, channel string) (licence.FeedBasis, error) {
			b := basis
			b.Channel = channel
			return b, nil
		}
		const ch = "ch-feed"
		schema := connector.Table{Name: "zs", Columns: []connector.Column{
			{Name: "zsbh", PrimaryKey: true}, {Name: "持证主体"}, {Name: "holder_id"}, {Name: "identifier"}, {Name: "type"},
			{Name: "issued_on"}, {Name: "坐落 (location)"}, {Name: "area"}, {Name: "gxsj"}}}

		// The licence number's column is named neither way: the channel stops, naming the field.
		if _, err := w.svc.OpenFeed(w.ctx, ch, typ.Code, schema); err == nil || !strings.Contains(errs.TextOf(err).String(), "number") {
			t.Fatalf("OpenFeed without a number column: %v", err)
		}
		if _, err := w.svc.SetFeedMapping(w.ctx, w.scj, ch, map[string]string{"zsbh": "number"}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another department maps the feed: %v", err)
		}
		if _, err := w.svc.SetFeedMapping(w.ctx, w.bdc, ch, map[string]string{"zsbh": "no_such_field"}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("mapping to an unknown field: %v", err)
		}
		if _, err := w.svc.SetFeedMapping(w.ctx, w.bdc, ch, map[string]string{"zsbh": "number"}); err != nil {
			t.Fatal(err)
		}
		ft, err := w.svc.OpenFeed(w.ctx, ch, typ.Code, schema)
		if err != nil {
			t.Fatal(err)
		}
		if seq, err := ft.Checkpoint(w.ctx, ch); err != nil || seq != 0 {
			t.Fatalf("Checkpoint = %d, %v; want 0", seq, err)
		}
		good := title(typ.Code, 1)
		row := func(in licence.IssueInput, id, typ string) []any {
			return []any{in.Number, in.HolderName, in.HolderID, id, typ, in.IssuedOn, in.Items["location"], in.Items["area"], "2026-12-08 09:00:00"}
		}
		badHolder := title(typ.Code, 2)
		badHolder.HolderID = badHolder.HolderID[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", badHolder.HolderID[17])+1)%11])
		wrongCheck := title(typ.Code, 3)
		id, _ := licence.NewIdentifier(typ.Code, typ.IssuerCode, "FEED3", "001")
		bad := id.String()[:len(id.String())-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(id.String(), "A")]
		rows := [][]any{row(good, "", ""), row(badHolder, "", ""), row(wrongCheck, bad, ""), row(good, "", ""), row(title(typ.Code, 5), "", "11100000000013338W032")}
		applied, err := ft.ApplyRange(w.ctx, ch, 1, rows, [][]any{{"湘（2026）株洲市不动产权第0000099号"}}, nil)
		if err != nil || !applied {
			t.Fatalf("batch 1: %v, %v", applied, err)
		}
		// The same batch again (a redelivery after a crash) changes nothing.
		if applied, err := ft.ApplyRange(w.ctx, ch, 1, rows, nil, nil); err != nil || applied {
			t.Fatalf("batch 1 again: applied %v, %v", applied, err)
		}
		f, err := w.svc.Feed(w.ctx, w.bdc, ch)
		if err != nil {
			t.Fatal(err)
		}
		if f.LastSeq != 1 || f.Issued != 1 || f.Quarantined != 5 || f.Open != 5 || f.Type != typ.Code {
			t.Fatalf("feed after batch 1: %+v", f)
		}
		aside, n, err := w.svc.FeedRows(w.ctx, w.bdc, ch, false, 1, 50)
		if err != nil || n != 5 {
			t.Fatalf("FeedRows: %d, %v", n, err)
		}
		fields := map[string]bool{}
		for _, r := range aside {
			fields[r.Field] = true
			if r.Reason == "" || r.Key == "" {
				t.Errorf("row set aside without reason or key: %+v", r)
			}
		}
		for _, want := range []string{"holder_id", "identifier", "type"} { // the duplicate row: its derived identifier
			if !fields[want] {
				t.Errorf("no row set aside for %s: %+v", want, aside)
			}
		}
		if _, _, err := w.svc.FeedRows(w.ctx, w.consumer, ch, false, 1, 50); err == nil {
			t.Errorf("the authority's consumer reads the rows set aside")
		}
		// The holder's ID fixed at the source: the row comes again and is issued; the good one again is skipped.
		fixed := badHolder
		fixed.HolderID = idNumber(2)
		if applied, err := ft.ApplyRange(w.ctx, ch, 2, [][]any{row(good, "", ""), row(fixed, "", "")}, nil, nil); err != nil || !applied {
			t.Fatalf("batch 2: %v, %v", applied, err)
		}
		if f, _ = w.svc.Feed(w.ctx, w.bdc, ch); f.Issued != 2 || f.Already != 1 || f.Open != 4 || f.LastSeq != 2 {
			t.Fatalf("feed after batch 2: %+v", f)
		}
		l, err := w.svc.Licence(w.ctx, w.bdc, mustIdentifier(t, w, typ.Code, fixed.Number))
		if err != nil {
			t.Fatal(err)
		}
		evs, err := w.svc.Events(w.ctx, w.bdc, l.Identifier)
		if err != nil || len(evs) != 1 || evs[0].Name != "issued" || !strings.HasPrefix(evs[0].Actor, "feed:") {
			t.Fatalf("events of the fed licence: %+v, %v", evs, err)
		}
		if fs, err := w.svc.Feeds(w.ctx, w.consumer); err != nil || len(fs) != 1 {
			t.Fatalf("the authority's feeds: %v, %v", fs, err)
		}
		if fs, err := w.svc.Feeds(w.ctx, w.admin); err != nil || len(fs) != 0 {
			t.Fatalf("the system admin sees feeds: %v, %v", fs, err)
		}
		// A basis without a mandate, or from another department, opens nothing.
		basis.MandateID = 0
		if _, err := w.svc.OpenFeed(w.ctx, ch, typ.Code, schema); err == nil {
			t.Fatal("a channel without a mandate feeds the library")
		}
		basis.MandateID, basis.ProviderID = 7, w.scj.DepartmentID
		if _, err := w.svc.OpenFeed(w.ctx, ch, typ.Code, schema); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a mandate of another department: %v", err)
		}
		w.checkAnchored()
	})
}

// mustIdentifier finds the identifier of a licence by its number.
func mustIdentifier(t *testing.T, w *world, typeCode, number string) string {
	t.Helper()
	ls, _, err := w.svc.Licences(w.ctx, org.Principal(w.bdc), licence.Query{Type: typeCode, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Number == number {
			return l.Identifier
		}
	}
	t.Fatalf("no licence %s", number)
	return ""
}
