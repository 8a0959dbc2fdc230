package licence_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/mask"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var testMigrations = []store.Migration{audit.Migration, org.Migration, ledger.Migration, licence.Migration}

type world struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	log *audit.Log
	led *ledger.Log
	svc *licence.Service
	now time.Time

	bdc      org.Principal // 不动产登记中心 cataloger: issues title certificates
	scj      org.Principal // 市场监管局 cataloger: another issuer
	consumer org.Principal // 公安局 data consumer: verifies and uses
	gjj      org.Principal // 公积金中心 consumer
	admin    org.Principal // system admin
	auditor  org.Principal
	gajID    int64
}

// today is 2026-12-08 10:00 China Standard Time.
var today = time.Date(2026, 12, 8, 10, 0, 0, 0, licence.Beijing)

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	log := audit.New(db)
	o := org.NewService(db, log, division.Default())
	if err := demo.LoadOrg(ctx, o, io.Discard); err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner("test.govshare.local/ledger")
	if err != nil {
		t.Fatal(err)
	}
	led := ledger.New(db, signer, ledger.Options{})
	led.Start()
	t.Cleanup(led.Close)
	w := &world{t: t, ctx: ctx, db: db, log: log, led: led, now: today}
	w.svc = licence.NewService(db, log, o, led)
	w.svc.SetClock(func() time.Time { return w.now })
	login := func(user string) org.Principal {
		_, p, err := o.Login(ctx, user, demo.Password, "127.0.0.1")
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return p
	}
	w.bdc, w.scj, w.consumer, w.gjj = login("bdc.cataloger"), login("scj.cataloger"), login("gaj.consumer"), login("gjj.consumer")
	w.admin, w.auditor = login(org.AdminUsername), login("auditor")
	w.gajID = w.consumer.DepartmentID
	return w
}

func titleType() licence.TypeInput {
	return licence.TypeInput{Name: "不动产权证书", HolderKind: licence.Person, Title: "中华人民共和国不动产权证书", ValidityYears: 0,
		Items: []licence.ItemDef{
			{Code: "location", Label: "坐落", Type: licence.ItemText, Required: true, Mask: mask.Address},
			{Code: "area", Label: "面积", Type: licence.ItemNumber, Required: true, Mask: mask.None},
			{Code: "unit", Label: "不动产单元号", Type: licence.ItemText, Mask: mask.Full},
			{Code: "registered_on", Label: "登记日期", Type: licence.ItemDate},
		}}
}

// idNumber is a synthetic citizen ID number (株洲市 430202, born 1980) with
// its check character.
func idNumber(seq int) string {
	body := fmt.Sprintf("43020219800101%03d", seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

func title(typ string, i int) licence.IssueInput {
	return licence.IssueInput{Type: typ, Number: fmt.Sprintf("湘（2026）株洲市不动产权第%07d号", i), HolderName: "张三" + fmt.Sprint(i), HolderID: idNumber(i),
		IssuedOn: "2026-11-01", Items: map[string]string{"location": "湖南省株洲市天元区黄河北路 " + fmt.Sprint(i) + " 号", "area": "89.5", "unit": "430211001001GB00001F0001"}}
}

func wantRefusal(t *testing.T, name string, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted", name)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("%s: code %s (%v), want %s", name, got, err, code)
	}
	if field != "" {
		var e *errs.Error
		if !asErr(err, &e) || e.Fields[field].IsZero() {
			t.Fatalf("%s: no problem with field %s in %v", name, field, err)
		}
	}
	if errs.TextOf(err).Msg == nil {
		t.Fatalf("%s: unkeyed refusal %v", name, err)
	}
}

func asErr(err error, e **errs.Error) bool {
	for err != nil {
		if x, ok := err.(*errs.Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func (w *world) count(table string) int {
	var n int
	if err := w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// checkAnchored checks that every licence event has its leaf and every
// licence leaf its event.
func (w *world) checkAnchored() {
	w.t.Helper()
	rows, err := w.db.Query(w.ctx, "SELECT leaf_index, name, identifier, version, data, use_id, reason, at FROM licence_events ORDER BY leaf_index")
	if err != nil {
		w.t.Fatal(err)
	}
	defer rows.Close()
	events := 0
	for rows.Next() {
		var e licence.Event
		var idx int64
		var at string
		if err := rows.Scan(&idx, &e.Name, &e.Identifier, &e.Version, &e.Data, &e.Use, &e.Reason, &at); err != nil {
			w.t.Fatal(err)
		}
		e.At, _ = store.ParseTime(at)
		rec, err := w.led.Leaf(w.ctx, uint64(idx))
		if err != nil {
			w.t.Fatalf("event at leaf %d: %v", idx, err)
		}
		if rec.Hash != e.Record().Hash() || rec.Kind != "licence."+e.Name {
			w.t.Fatalf("leaf %d holds %s %s, the event hashes to %s", idx, rec.Kind, rec.Hash, e.Record().Hash())
		}
		events++
	}
	var leaves int
	if err := w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM ledger_leaves WHERE kind LIKE 'licence.%'").Scan(&leaves); err != nil {
		w.t.Fatal(err)
	}
	if leaves != events {
		w.t.Fatalf("%d licence leaves, %d events", leaves, events)
	}
}

func TestLicences(t *testing.T) {
	storetest.Each(t, testMigrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		typ, err := w.svc.CreateType(w.ctx, w.bdc, titleType())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(typ.Code, demo.DepartmentCode("bdc")) || !strings.HasSuffix(typ.Code, "001") || len(typ.Code) != 21 {
			t.Fatalf("type code %s", typ.Code)
		}
		t.Run("refusals", func(t *testing.T) { testRefusals(t, w, typ) })
		t.Run("life", func(t *testing.T) { testLife(t, w, typ) })
		t.Run("use", func(t *testing.T) { testUse(t, w, typ) })
		t.Run("import", func(t *testing.T) { testImport(t, w, typ) })
		t.Run("officers", func(t *testing.T) { testOfficers(t, w, typ) })
		t.Run("expiry", func(t *testing.T) { testExpiry(t, w, typ) })
		t.Run("rate", func(t *testing.T) { testRate(t, w, typ) })
		w.checkAnchored()
	})
}

func testRefusals(t *testing.T, w *world, typ licence.Type) {
	first, err := w.svc.Issue(w.ctx, w.bdc, title(typ.Code, 1))
	if err != nil {
		t.Fatal(err)
	}
	before := w.count("licences")
	leaves, _ := w.led.Size(w.ctx)
	wrongCheck := title(typ.Code, 2)
	id, _ := licence.NewIdentifier(typ.Code, typ.IssuerCode, "2026000002", "001")
	good := id.String()
	wrongCheck.Identifier = good[:len(good)-1] + string("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", good[len(good)-1])+1)%36])
	unknownType := title(demo.DepartmentCode("bdc")+"999", 3)
	badHolder := title(typ.Code, 4)
	badHolder.HolderID = idNumber(4)[:17] + "0"
	if badHolder.HolderID == idNumber(4) {
		badHolder.HolderID = idNumber(4)[:17] + "1"
	}
	dupID := title(typ.Code, 5)
	dupID.Identifier = first.Identifier
	dupNumber := title(typ.Code, 1)
	otherIssuer := title(typ.Code, 6)
	otherID, _ := licence.NewIdentifier(typ.Code, demo.DepartmentCode("scj"), "1", "001")
	otherIssuer.Identifier = otherID.String()
	missingItem := title(typ.Code, 7)
	delete(missingItem.Items, "location")
	badArea := title(typ.Code, 8)
	badArea.Items["area"] = "八十"
	unknownItem := title(typ.Code, 9)
	unknownItem.Items["colour"] = "red"
	badDates := title(typ.Code, 10)
	badDates.ValidFrom, badDates.ValidUntil = "2026-11-01", "2026-10-01"
	for _, tt := range []struct {
		name        string
		in          licence.IssueInput
		code, field string
	}{
		{"wrong check character", wrongCheck, errs.Invalid, "identifier"},
		{"unknown type", unknownType, errs.Invalid, "type"},
		{"holder ID failing GB 11643", badHolder, errs.Invalid, "holder_id"},
		{"duplicate identifier", dupID, errs.Invalid, "identifier"},
		{"duplicate number", dupNumber, errs.Invalid, "number"},
		{"identifier of another issuer", otherIssuer, errs.Invalid, "identifier"},
		{"missing required item", missingItem, errs.Invalid, "items.location"},
		{"number item", badArea, errs.Invalid, "items.area"},
		{"unknown item", unknownItem, errs.Invalid, "items.colour"},
		{"end before start", badDates, errs.Invalid, "valid_until"},
	} {
		_, err := w.svc.Issue(w.ctx, w.bdc, tt.in)
		wantRefusal(t, tt.name, err, tt.code, tt.field)
	}
	_, err = w.svc.Issue(w.ctx, w.scj, title(typ.Code, 11))
	wantRefusal(t, "another department issues", err, errs.Forbidden, "")
	if got := w.count("licences"); got != before {
		t.Fatalf("refusals wrote licences: %d, want %d", got, before)
	}
	if got, _ := w.led.Size(w.ctx); got != leaves {
		t.Fatalf("refusals appended leaves: %d, want %d", got, leaves)
	}
	// A given identifier with the right check character is taken as it is.
	in := title(typ.Code, 2)
	in.Identifier = good
	l, err := w.svc.Issue(w.ctx, w.bdc, in)
	if err != nil || l.Identifier != good {
		t.Fatalf("issue with identifier: %v, %v", l.Identifier, err)
	}
}

func testLife(t *testing.T, w *world, typ licence.Type) {
	l, err := w.svc.Issue(w.ctx, w.bdc, title(typ.Code, 20))
	if err != nil {
		t.Fatal(err)
	}
	verify := func(ident string) licence.Verdict {
		t.Helper()
		v, err := w.svc.Verify(w.ctx, w.consumer, licence.VerifyInput{Identifier: ident})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := verify(l.Identifier); !v.Valid || v.Reason != licence.ReasonValid {
		t.Fatalf("verify new licence: %+v", v)
	}
	if v, err := w.svc.Verify(w.ctx, w.consumer, licence.VerifyInput{HolderID: l.HolderID, Type: typ.Code}); err != nil || !v.Valid {
		t.Fatalf("verify by holder: %+v %v", v, err)
	}
	_, err = w.svc.Verify(w.ctx, w.consumer, licence.VerifyInput{Identifier: l.Identifier[:len(l.Identifier)-1] + "#"})
	wantRefusal(t, "verify a wrong check character", err, errs.Invalid, "identifier")

	// 变更: a new version; the old identifier is superseded.
	changed, err := w.svc.Change(w.ctx, w.bdc, l.Identifier, licence.ChangeInput{StatusInput: licence.StatusInput{Reason: "correction", Note: "面积更正"}, Items: map[string]string{"area": "90.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Version != "002" || changed.Identifier == l.Identifier || changed.DataHash == l.DataHash || changed.ID != l.ID {
		t.Fatalf("changed: %+v", changed)
	}
	if v := verify(l.Identifier); v.Valid || v.Reason != licence.ReasonSuperseded {
		t.Fatalf("verify old version: %+v", v)
	}
	// Suspend, restore, revoke: each seen by the next verification.
	if _, err := w.svc.Suspend(w.ctx, w.bdc, changed.Identifier, licence.StatusInput{Reason: "dispute"}); err != nil {
		t.Fatal(err)
	}
	if v := verify(changed.Identifier); v.Valid || v.Reason != licence.ReasonSuspended {
		t.Fatalf("verify suspended: %+v", v)
	}
	if _, err := w.svc.Restore(w.ctx, w.bdc, changed.Identifier, licence.StatusInput{Reason: "resolved"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.Revoke(w.ctx, w.bdc, changed.Identifier, licence.StatusInput{Reason: "nonsense"})
	wantRefusal(t, "revoke without a known reason", err, errs.Invalid, "reason")
	_, err = w.svc.Revoke(w.ctx, w.scj, changed.Identifier, licence.StatusInput{Reason: "error"})
	wantRefusal(t, "another department revokes", err, errs.Forbidden, "")
	start := time.Now()
	if _, err := w.svc.Revoke(w.ctx, w.bdc, changed.Identifier, licence.StatusInput{Reason: "holder_request"}); err != nil {
		t.Fatal(err)
	}
	if v := verify(changed.Identifier); v.Valid || v.Reason != licence.ReasonRevoked || time.Since(start) > time.Second {
		t.Fatalf("verify revoked: %+v after %s", v, time.Since(start))
	}
	_, err = w.svc.Restore(w.ctx, w.bdc, changed.Identifier, licence.StatusInput{Reason: "resolved"})
	wantRefusal(t, "restore a revoked licence", err, errs.Conflict, "")
	evs, err := w.svc.Events(w.ctx, w.bdc, changed.Identifier)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	if got, want := strings.Join(names, ","), "issued,changed,suspended,restored,revoked"; got != want {
		t.Fatalf("history %s, want %s", got, want)
	}
	if evs[1].Data != changed.DataHash || evs[4].Reason != "holder_request" || evs[1].Note != "面积更正" {
		t.Fatalf("events: %+v", evs)
	}
	_, err = w.svc.Events(w.ctx, w.consumer, changed.Identifier)
	wantRefusal(t, "another department reads the history", err, errs.Forbidden, "")
}

func testUse(t *testing.T, w *world, typ licence.Type) {
	l, err := w.svc.Issue(w.ctx, w.bdc, title(typ.Code, 30))
	if err != nil {
		t.Fatal(err)
	}
	code, err := w.svc.NewAuthCode(w.ctx, w.bdc, l.Identifier, licence.AuthCodeInput{Department: w.gajID})
	if err != nil {
		t.Fatal(err)
	}
	denials := func() int {
		var n int
		w.db.QueryRow(w.ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'licence.use' AND outcome <> 'success'").Scan(&n)
		return n
	}
	before := denials()
	_, err = w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Authorisation: code.Code})
	wantRefusal(t, "use without purpose", err, errs.Invalid, "purpose")
	_, err = w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: "办理户籍迁移"})
	wantRefusal(t, "use without authorisation", err, errs.Invalid, "authorisation")
	_, err = w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: "办理户籍迁移", Authorisation: "ABCDEFGHJK"})
	wantRefusal(t, "use with a code never given", err, errs.Forbidden, "")
	_, err = w.svc.Use(w.ctx, w.gjj, l.Identifier, licence.UseInput{Purpose: "公积金贷款", Authorisation: code.Code})
	wantRefusal(t, "use a code given to another department", err, errs.Forbidden, "")
	if got := denials(); got != before+4 {
		t.Fatalf("refused uses audited: %d, want %d", got, before+4)
	}
	used, err := w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: "办理户籍迁移", Authorisation: strings.ToLower(code.Code)})
	if err != nil {
		t.Fatal(err)
	}
	if used.HolderName != "张**" || used.HolderID != l.HolderID[:6]+"********"+l.HolderID[14:] {
		t.Fatalf("holder masked: %s %s", used.HolderName, used.HolderID)
	}
	got := map[string]string{}
	for _, it := range used.Items {
		got[it.Code] = it.Value
	}
	if got["unit"] != mask.Covered || got["area"] != "89.5" || strings.Contains(got["location"], "黄河北路") {
		t.Fatalf("items masked: %v", got)
	}
	if used.CopyProblem.Msg == nil || used.Copy != nil {
		t.Fatalf("copy without a file service: %v", used.CopyProblem)
	}
	_, err = w.svc.Use(w.ctx, w.consumer, l.Identifier, licence.UseInput{Purpose: "再次使用", Authorisation: code.Code})
	wantRefusal(t, "use a code twice", err, errs.Forbidden, "")
	w.now = w.now.Add(time.Hour)
	late, err := w.svc.NewAuthCode(w.ctx, w.bdc, l.Identifier, licence.AuthCodeInput{})
	if err != nil {
		t.Fatal(err)
	}
	w.now = w.now.Add(w.svc.CodeTTL + time.Second)
	_, err = w.svc.Use(w.ctx, w.gjj, l.Identifier, licence.UseInput{Purpose: "公积金贷款", Authorisation: late.Code})
	wantRefusal(t, "use an expired code", err, errs.Forbidden, "")
	w.now = today
	uses, err := w.svc.Uses(w.ctx, w.bdc, l.Identifier)
	if err != nil || len(uses) != 1 || uses[0].Purpose != "办理户籍迁移" || uses[0].ID != used.Use.ID {
		t.Fatalf("uses: %+v %v", uses, err)
	}
	_, err = w.svc.Uses(w.ctx, w.consumer, l.Identifier)
	wantRefusal(t, "the user lists uses", err, errs.Forbidden, "")
	evs, _ := w.svc.Events(w.ctx, w.bdc, l.Identifier)
	if last := evs[len(evs)-1]; last.Name != "used" || last.Use != used.Use.ID {
		t.Fatalf("used event: %+v", last)
	}
	_, _, err = w.svc.File(w.ctx, w.bdc, l.Identifier)
	wantRefusal(t, "file without a file service", err, errs.Unavailable, "")
}

func testImport(t *testing.T, w *world, typ licence.Type) {
	header := strings.Join(licence.TemplateHeader(typ), ",")
	row := func(i int, holder string) string {
		in := title(typ.Code, i)
		if holder == "" {
			holder = in.HolderID
		}
		return fmt.Sprintf(",,%s,%s,%s,2026-10-01,,,%s,%s,%s,", in.Number, in.HolderName, holder, in.Items["location"], in.Items["area"], in.Items["unit"])
	}
	var good []string
	for i := 100; i < 160; i++ {
		good = append(good, row(i, ""))
	}
	bad := append([]string{header}, good...)
	bad = append(bad, row(200, idNumber(200)[:17]+"Y"), row(100, ""), ",,,,,,,,,,,")
	before := w.count("licences")
	w.svc.ImportBatch = 25
	rep, err := w.svc.Import(w.ctx, w.bdc, typ.Code, licence.FormatCSV, []byte(strings.Join(bad, "\n")))
	wantRefusal(t, "import with bad rows", err, errs.Invalid, "")
	if got := w.count("licences"); got != before {
		t.Fatalf("a refused import wrote %d licences", got-before)
	}
	want := map[string]bool{"62/holder_id": true, "63/identifier": true}
	for _, p := range rep.Problems {
		delete(want, fmt.Sprintf("%d/%s", p.Row, p.Column))
	}
	if len(want) > 0 || len(rep.Problems) != 2 {
		t.Fatalf("problems %+v; missing %v", rep.Problems, want)
	}
	file := []byte("\ufeff" + header + "\n" + strings.Join(good[:30], "\n"))
	rep, err = w.svc.Import(w.ctx, w.bdc, typ.Code, licence.FormatCSV, file)
	if err != nil || rep.Issued != 30 || rep.Batches != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	// Sent again with the rest, after an interruption: the first 30 are skipped.
	file = []byte(header + "\n" + strings.Join(good, "\n"))
	rep, err = w.svc.Import(w.ctx, w.bdc, typ.Code, licence.FormatCSV, file)
	if err != nil || rep.Issued != 30 || rep.Already != 30 {
		t.Fatalf("import again: %+v %v", rep, err)
	}
	ls, n, err := w.svc.Licences(w.ctx, w.bdc, licence.Query{Holder: idNumber(101), Type: typ.Code})
	if err != nil || n < 1 || ls[0].Items[0].Value == "" {
		t.Fatalf("list by holder: %d %v", n, err)
	}
	_, err = w.svc.Import(w.ctx, w.scj, typ.Code, licence.FormatCSV, file)
	wantRefusal(t, "another department imports", err, errs.Forbidden, "")
	_, err = w.svc.Import(w.ctx, w.bdc, typ.Code, licence.FormatCSV, []byte("证照编号 (number),colour\n1,2\n"))
	wantRefusal(t, "unknown column", err, errs.Invalid, "")
}

func testOfficers(t *testing.T, w *world, typ licence.Type) {
	l, err := w.svc.Issue(w.ctx, w.bdc, title(typ.Code, 40))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []org.Principal{w.admin, w.auditor} {
		_, err := w.svc.Issue(w.ctx, p, title(typ.Code, 41))
		wantRefusal(t, p.Username+" issues", err, errs.Forbidden, "")
		_, err = w.svc.CreateType(w.ctx, p, titleType())
		wantRefusal(t, p.Username+" defines a type", err, errs.Forbidden, "")
		_, err = w.svc.Licence(w.ctx, p, l.Identifier)
		wantRefusal(t, p.Username+" reads surface data", err, errs.Forbidden, "")
		_, _, err = w.svc.Licences(w.ctx, p, licence.Query{})
		wantRefusal(t, p.Username+" lists licences", err, errs.Forbidden, "")
		_, err = w.svc.Use(w.ctx, p, l.Identifier, licence.UseInput{Purpose: "x", Authorisation: "ABCDEFGHJK"})
		wantRefusal(t, p.Username+" uses", err, errs.Forbidden, "")
		_, err = w.svc.Revoke(w.ctx, p, l.Identifier, licence.StatusInput{Reason: "error"})
		wantRefusal(t, p.Username+" revokes", err, errs.Forbidden, "")
		_, err = w.svc.Verify(w.ctx, p, licence.VerifyInput{Identifier: l.Identifier})
		wantRefusal(t, p.Username+" verifies", err, errs.Forbidden, "")
	}
	// Another department verifies but does not read.
	_, err = w.svc.Licence(w.ctx, w.consumer, l.Identifier)
	wantRefusal(t, "another department reads", err, errs.Forbidden, "")
}

func testExpiry(t *testing.T, w *world, typ licence.Type) {
	in := title(typ.Code, 50)
	in.ValidFrom, in.ValidUntil = "2026-11-01", "2026-12-31"
	l, err := w.svc.Issue(w.ctx, w.bdc, in)
	if err != nil {
		t.Fatal(err)
	}
	w.now = time.Date(2027, 1, 1, 9, 0, 0, 0, licence.Beijing)
	defer func() { w.now = today }()
	// Expired at once, before the expiry run marks it.
	if v, _ := w.svc.Verify(w.ctx, w.consumer, licence.VerifyInput{Identifier: l.Identifier}); v.Reason != licence.ReasonExpired {
		t.Fatalf("verify past its end: %+v", v)
	}
	n, err := w.svc.ExpireDue(w.ctx)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v", n, err)
	}
	if n, _ := w.svc.ExpireDue(w.ctx); n != 0 {
		t.Fatalf("second run marked %d", n)
	}
	got, _ := w.svc.Licence(w.ctx, w.bdc, l.Identifier)
	if got.Status != licence.Expired {
		t.Fatalf("status %s", got.Status)
	}
	// A renewal (变更) makes it valid again, as version 002.
	r, err := w.svc.Change(w.ctx, w.bdc, l.Identifier, licence.ChangeInput{StatusInput: licence.StatusInput{Reason: "renewal"}, ValidUntil: "2031-12-31"})
	if err != nil || r.Status != licence.Valid || r.Version != "002" {
		t.Fatalf("renewal: %+v %v", r, err)
	}
}

func testRate(t *testing.T, w *world, typ licence.Type) {
	w.svc.VerifyRate, w.svc.VerifyBurst = 0.5, 2
	defer func() { w.svc.VerifyRate, w.svc.VerifyBurst = 20, 40 }()
	in := licence.VerifyInput{HolderID: idNumber(1), Type: typ.Code}
	for i := range 2 {
		if _, err := w.svc.Verify(w.ctx, w.gjj, in); err != nil {
			t.Fatalf("verification %d: %v", i+1, err)
		}
	}
	_, err := w.svc.Verify(w.ctx, w.gjj, in)
	wantRefusal(t, "the third verification in a second", err, errs.RateLimited, "")
	// The public page is limited by address.
	for range 2 {
		w.svc.PublicStatus(w.ctx, "192.0.2.7", "x")
	}
	_, err = w.svc.PublicStatus(w.ctx, "192.0.2.7", "x")
	wantRefusal(t, "the public page, third in a second", err, errs.RateLimited, "")
}
