package licfile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/pdfdoc"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// directory names the test's departments: name and credit code.
type directory map[int64][2]string

func (d directory) Department(_ context.Context, id int64) (org.Department, error) {
	nc, ok := d[id]
	if !ok {
		return org.Department{}, errors.New("no such department")
	}
	return org.Department{ID: id, Name: nc[0], CreditCode: nc[1]}, nil
}

var depts = directory{7: {"株洲市自然资源和规划局", "11220000013544541J"}, 8: {"株洲市市场监督管理局", "11430200MB1234567X"}}

var fonts pdfdoc.Loader

// deptAsPlatform hands out a department's seal for the platform's.
type deptAsPlatform struct{ *seal.Service }

func (d deptAsPlatform) PlatformSigner(ctx context.Context) (*seal.Signer, error) {
	return d.Service.Signer(ctx, 8)
}

// platform is what a licence file needs: seals, a ledger and the service.
type platform struct {
	seals *seal.Service
	log   *ledger.Log
	keys  []note.Verifier
	files *licfile.Service
	ca    []*smx509.Certificate
}

func newPlatform(t testing.TB, db *store.DB, origin string) *platform {
	t.Helper()
	ctx := context.Background()
	seals := seal.New(db, cryptosuite.RandomSealer(), depts, seal.Options{Name: "株洲市政务数据共享交换平台"})
	if err := seals.Start(ctx); err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(origin)
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, signer, ledger.Options{})
	l.Start()
	t.Cleanup(l.Close)
	keys, err := ledger.ParseVerifierKeys(strings.Join(signer.VerifierKeys(), "\n"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := seal.ParseCertificatesPEM(seals.CACertificatePEM())
	if err != nil {
		t.Fatal(err)
	}
	return &platform{seals: seals, log: l, keys: keys, files: licfile.NewService(seals, &fonts), ca: ca}
}

func migrations() []store.Migration { return []store.Migration{seal.Migration, ledger.Migration} }

func sampleDoc() licfile.Document {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	return licfile.Document{
		Identifier: "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
		Number:     "湘（2026）株洲市不动产权第 0012345 号", TypeCode: "11100000000013338W032", TypeName: "不动产权证书",
		HolderName: "𠮷田春花", HolderID: "430202199001011234", HolderIDType: "111",
		Issuer: "株洲市自然资源和规划局", IssuerCode: "11220000013544541J",
		IssuedOn: day(2026, 12, 7), ValidFrom: day(2026, 12, 7),
		Items: []licfile.Item{{Code: "location", Label: "坐落", Value: "天元区长江北路 1 号 2 栋 301 室"}, {Code: "area", Label: "面积", Value: "98.62 平方米"}},
	}
}

// issue makes a master and anchors its issued event in the ledger, as
// the licence library does, and returns the evidence for it.
func (p *platform) issue(t testing.TB, doc licfile.Document) ([]byte, licfile.Evidence) {
	t.Helper()
	ctx := context.Background()
	master, err := p.files.Master(ctx, doc, licfile.Layout{Title: "中华人民共和国不动产权证书"}, 7, "https://gov.example.cn/v/ABC")
	if err != nil {
		t.Fatal(err)
	}
	ev := licfile.Event{Name: licfile.Issued, Identifier: doc.Identifier, Version: "001", Data: doc.DataHash(), At: time.Now().UTC().Truncate(time.Second)}
	rec := ledger.Record{Kind: licfile.LedgerKind(ev.Name), Hash: ev.Hash(), At: ev.At}
	if _, err := p.log.Append(ctx, []ledger.Record{rec}, nil); err != nil {
		t.Fatal(err)
	}
	cp, err := p.log.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := p.log.InclusionProof(ctx, rec.LeafHash(), cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	return master, licfile.Evidence{Event: ev, Checkpoint: []byte(cp.Note), Proof: proof}
}

func keyOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) && e.Text.Msg != nil {
		return e.Text.Msg.Key
	}
	return ""
}

// TestMasterDeliverAnnotateVerify renders a licence whose holder's name
// has an Extension B character, reads it back, signs, delivers and
// annotates it, and verifies each stage on both dialects.
func TestMasterDeliverAnnotateVerify(t *testing.T) {
	storetest.Each(t, migrations(), func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPlatform(t, db, "gov.example.cn/ledger")
		doc := sampleDoc()
		master, ev := p.issue(t, doc)
		text := pdftest.Squeezed(t, master)
		for _, want := range []string{"中华人民共和国不动产权证书", "𠮷田春花", "430202199001011234", "天元区长江北路1号2栋301室", "98.62平方米", "株洲市自然资源和规划局", "扫码核验证照状态", "0012345"} {
			if !strings.Contains(text, want) {
				t.Errorf("the master's text lacks %q:\n%s", want, text)
			}
		}
		if !bytes.Contains(master, doc.Canonical()) {
			t.Error("the master does not carry the canonical data")
		}
		// The master alone: signature holds, no evidence.
		r, err := licfile.Verify(master, p.ca, p.keys)
		if keyOf(err) != "licfile.no_evidence" || len(r.Signatures) != 1 || r.Signatures[0].Signer != "株洲市自然资源和规划局" || r.DataHash != doc.DataHash() {
			t.Fatalf("verify master: %v %+v", err, r)
		}
		delivered, err := p.files.Deliver(ctx, master, ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(delivered, master) {
			t.Fatal("delivering changed the signed revision")
		}
		r, err = licfile.Verify(delivered, p.ca, p.keys)
		if err != nil || !r.Evidence || r.Identifier != doc.Identifier || r.TreeSize == 0 {
			t.Fatalf("verify delivered: %v %+v", err, r)
		}
		a := licfile.Annotation{UseID: "U-2026-000123", Department: "株洲市住房公积金中心", Purpose: "办理住房公积金贷款核验产权",
			MadeAt: time.Date(2026, 12, 8, 9, 30, 0, 0, time.UTC), ValidUntil: time.Date(2026, 12, 15, 9, 30, 0, 0, time.UTC)}
		annotated, err := p.files.Annotate(ctx, delivered, a)
		if err != nil {
			t.Fatal(err)
		}
		atext := pdftest.Squeezed(t, annotated)
		for _, want := range []string{"𠮷田春花", "加注件", "株洲市住房公积金中心", "办理住房公积金贷款核验产权", "U-2026-000123", "2026-12-1517:30"} {
			if !strings.Contains(atext, want) {
				t.Errorf("the annotated copy's text lacks %q:\n%s", want, atext)
			}
		}
		if dir := os.Getenv("LICFILE_DUMP"); dir != "" { // to look at them with a PDF reader
			os.WriteFile(filepath.Join(dir, "master.pdf"), master, 0o644)
			os.WriteFile(filepath.Join(dir, "delivered.pdf"), delivered, 0o644)
			os.WriteFile(filepath.Join(dir, "annotated.pdf"), annotated, 0o644)
		}
		r, err = licfile.VerifyAt(annotated, p.ca, p.keys, a.MadeAt.Add(time.Hour))
		if err != nil || len(r.Signatures) != 2 || r.Signatures[1].Role != "platform" || !strings.Contains(r.Use, "U-2026-000123") || !r.Evidence {
			t.Fatalf("verify annotated: %v %+v", err, r)
		}
		if r, err := licfile.VerifyAt(annotated, p.ca, p.keys, a.ValidUntil.Add(time.Second)); keyOf(err) != "licfile.use_expired" || len(r.Signatures) != 2 {
			t.Errorf("an expired annotated copy: %v", err)
		}
		if _, err := p.files.Annotate(ctx, delivered, licfile.Annotation{UseID: "x", Department: "d", MadeAt: a.MadeAt, ValidUntil: a.MadeAt}); !errs.Is(err, errs.Invalid) {
			t.Errorf("an annotation without purpose and with no validity: %v", err)
		}
	})
}

// TestVerifyNamesTheFault: each kind of bad file is named by its key.
func TestVerifyNamesTheFault(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, t.TempDir()+"/a.db", migrations())
	p := newPlatform(t, db, "gov.example.cn/ledger")
	doc := sampleDoc()
	master, ev := p.issue(t, doc)
	delivered, err := p.files.Deliver(ctx, master, ev)
	if err != nil {
		t.Fatal(err)
	}
	// Another platform: another CA, another log.
	other := newPlatform(t, storetest.Open(t, t.TempDir()+"/b.db", migrations()), "other.example.cn/ledger")
	otherMaster, otherEv := other.issue(t, doc)
	otherDelivered, err := other.files.Deliver(ctx, otherMaster, otherEv)
	if err != nil {
		t.Fatal(err)
	}
	// A second licence on this platform: its proof is for another leaf.
	doc2 := doc
	doc2.HolderName = "张三"
	_, ev2 := p.issue(t, doc2)

	tamper := func(b []byte, old, new string) []byte {
		i := bytes.Index(b, []byte(old))
		if i < 0 || len(old) != len(new) {
			t.Fatalf("tamper: %q not found", old)
		}
		out := bytes.Clone(b)
		copy(out[i:], new)
		return out
	}
	dataAt := bytes.Index(master, doc.Canonical())
	oneByte := bytes.Clone(delivered)
	oneByte[dataAt+len("govshare-licence-data/v1\nid ")] ^= 1

	wrongData := ev
	wrongData.Event.Data = doc2.DataHash()
	wrongDataFile, err := p.files.Deliver(ctx, master, wrongData)
	if err != nil {
		t.Fatal(err)
	}
	otherTree := ev
	otherTree.Checkpoint = otherEv.Checkpoint
	otherTreeFile, _ := p.files.Deliver(ctx, master, otherTree)
	proofOfOther := ev2
	proofOfOther.Event = ev.Event
	proofOfOtherFile, _ := p.files.Deliver(ctx, master, proofOfOther)
	// A proof made for a bigger tree than the checkpoint's.
	bigger := ev
	bigger.Proof, err = p.log.InclusionProof(ctx, ledger.Record{Kind: licfile.LedgerKind(ev.Event.Name), Hash: ev.Event.Hash(), At: ev.Event.At}.LeafHash(), 0)
	if err != nil {
		t.Fatal(err)
	}
	biggerFile, _ := p.files.Deliver(ctx, master, bigger)
	// Another revision appended after the signature that changes a page.
	// A department sealing a licence another department issues.
	forged, err := p.files.Master(ctx, doc, licfile.Layout{}, 8, "")
	if err != nil {
		t.Fatal(err)
	}
	forgedFile, _ := p.files.Deliver(ctx, forged, ev)
	// A department's seal certifying a use, as only the platform may.
	deptAnnotated, err := licfile.NewService(deptAsPlatform{p.seals}, &fonts).Annotate(ctx, delivered, licfile.Annotation{
		UseID: "U9", Department: "某局", Purpose: "核验", MadeAt: time.Now(), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	appendedPage, err := licfile.AppendPageChange(delivered)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		file []byte
		ca   []*smx509.Certificate
		keys []note.Verifier
		key  string
	}{
		{"good", delivered, p.ca, p.keys, ""},
		{"not a pdf", []byte("hello"), p.ca, p.keys, "licfile.not_pdf"},
		{"one byte of the signed data", oneByte, p.ca, p.keys, "licfile.tampered"},
		{"the page's text", tamper(delivered, "/Title", "/Titlf"), p.ca, p.keys, "licfile.tampered"},
		{"signed by another CA's key", otherDelivered, p.ca, p.keys, "licfile.unknown_signer"},
		{"a peer platform's file, its CA and keys given (互信互认)", otherDelivered, append(slices.Clone(p.ca), other.ca...), other.keys, ""},
		{"no evidence", master, p.ca, p.keys, "licfile.no_evidence"},
		{"sealed by another department", forgedFile, p.ca, p.keys, "licfile.issuer_mismatch"},
		{"a use certified by a department's seal", deptAnnotated, p.ca, p.keys, "licfile.not_platform_seal"},
		{"data not matching the event", wrongDataFile, p.ca, p.keys, "licfile.data_mismatch"},
		{"checkpoint of another log", otherTreeFile, p.ca, p.keys, "licfile.checkpoint_keys"},
		{"proof for another record", proofOfOtherFile, p.ca, p.keys, "licfile.event_record"},
		{"proof for another tree", biggerFile, p.ca, p.keys, "licfile.proof_tree"},
		{"log keys of another log", delivered, p.ca, other.keys, "licfile.checkpoint_keys"},
		{"a page changed after signing", appendedPage, p.ca, p.keys, "licfile.changed_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := licfile.Verify(tt.file, tt.ca, tt.keys)
			if got := keyOf(err); got != tt.key {
				t.Fatalf("Verify: %v (key %q), want key %q; checks %+v", err, got, tt.key, r.Checks)
			}
		})
	}
}

// FuzzVerify: the verifier reads outside input; whatever the bytes, it
// answers without panicking or looping, and no file passes without a
// signature and evidence. Run it with -fuzzminimizetime 0: minimising an
// input as large as a licence file takes longer than the fuzzing.
func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	db := storetest.Open(f, f.TempDir()+"/f.db", migrations())
	p := newPlatform(f, db, "gov.example.cn/ledger")
	master, ev := p.issue(f, sampleDoc())
	delivered, err := p.files.Deliver(ctx, master, ev)
	if err != nil {
		f.Fatal(err)
	}
	annotated, err := p.files.Annotate(ctx, delivered, licfile.Annotation{UseID: "U1", Department: "株洲市住房公积金中心", Purpose: "核验",
		MadeAt: time.Now(), ValidUntil: time.Now().Add(time.Hour)})
	if err != nil {
		f.Fatal(err)
	}
	for _, b := range [][]byte{master, delivered, annotated, delivered[len(master)-200:], []byte("%PDF-1.7\nxref\n0 1\ntrailer<</Root 1 0 R/Prev 9>>startxref\n9\n%%EOF")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := licfile.Verify(b, p.ca, p.keys)
		if err == nil && (!r.Evidence || len(r.Signatures) == 0) {
			t.Fatalf("a file passed without a signature and evidence: %+v", r)
		}
	})
}

// A licence whose items fill more than a page goes on over pages; the
// room for the note of a use is kept on the last (a page of its own when
// the last is full), and the annotated copy verifies.
func TestManyItemsOverPages(t *testing.T) {
	ctx := context.Background()
	p := newPlatform(t, storetest.Open(t, t.TempDir()+"/m.db", migrations()), "gov.example.cn/ledger")
	for _, n := range []int{20, 40} {
		doc := sampleDoc()
		doc.Identifier += fmt.Sprint(n)
		for i := 0; i < n; i++ {
			doc.Items = append(doc.Items, licfile.Item{Code: fmt.Sprint("i", i), Label: "附记", Value: fmt.Sprint("第 ", i, " 项")})
		}
		master, ev := p.issue(t, doc)
		delivered, err := p.files.Deliver(ctx, master, ev)
		if err != nil {
			t.Fatal(err)
		}
		a, err := p.files.Annotate(ctx, delivered, licfile.Annotation{UseID: "U1", Department: "株洲市住房公积金中心", Purpose: "核验",
			MadeAt: time.Now(), ValidUntil: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("%d items: %v", n, err)
		}
		if _, err := licfile.Verify(a, p.ca, p.keys); err != nil {
			t.Fatalf("%d items: %v", n, err)
		}
		text := pdftest.Squeezed(t, a)
		if !strings.Contains(text, fmt.Sprint("第", n-1, "项")) || !strings.Contains(text, "株洲市住房公积金中心") {
			t.Errorf("%d items: text %q", n, text)
		}
	}
}
