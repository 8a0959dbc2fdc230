package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

type sealDirectory map[int64]string

func (d sealDirectory) Department(_ context.Context, id int64) (org.Department, error) {
	if n, ok := d[id]; ok {
		return org.Department{ID: id, Name: n}, nil
	}
	return org.Department{}, errors.New("no such department")
}

// TestLicenceVerifyCommand: a started platform serves its seal CA; a
// licence file sealed with a department's seal of that CA (its keys read
// from the platform's database with its secrets key) and delivered with
// evidence of a real ledger verifies offline with "govshare licence
// verify"; a tampered file, a file from another CA and a file without
// evidence each fail, named, with a non-zero status.
func TestLicenceVerifyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := start(t, "--data-dir", dir)
	anon := &client{t: t, base: p.URL}
	status, caPEM := anon.raw("GET", "/api/v1/licences/ca.pem", nil)
	if status != 200 || !bytes.HasPrefix(caPEM, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("GET /api/v1/licences/ca.pem: %d %s", status, caPEM)
	}
	// The platform's seals, from its own database and secrets key.
	db, err := store.Open(ctx, filepath.Join(dir, "govshare.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secrets, err := cryptosuite.LoadSealer(filepath.Join(dir, "keys", "secrets.key"))
	if err != nil {
		t.Fatal(err)
	}
	seals := seal.New(db, secrets, sealDirectory{5: "株洲市市场监督管理局"}, seal.Options{})
	if err := seals.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seals.CACertificatePEM(), caPEM) {
		t.Fatal("the served CA is not the one in the platform's database")
	}
	files := licfile.NewService(seals, nil)
	doc := licfile.Document{Identifier: "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0", Number: "JY14302000012345",
		TypeName: "食品经营许可证", HolderName: "株洲𠮷祥餐饮有限公司", HolderID: "91430200MA4L000001", HolderIDType: "001",
		Issuer: "株洲市市场监督管理局", IssuedOn: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), ValidFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		ValidUntil: time.Date(2031, 11, 30, 0, 0, 0, 0, time.UTC), Items: []licfile.Item{{Code: "scope", Label: "经营项目", Value: "热食类食品制售"}}}
	master, err := files.Master(ctx, doc, licfile.Layout{Title: "食品经营许可证"}, 5, p.URL+"/v/1")
	if err != nil {
		t.Fatal(err)
	}
	// A real ledger anchors the issued event.
	ldb := storetest.Open(t, filepath.Join(t.TempDir(), "l.db"), []store.Migration{ledger.Migration})
	signer, err := ledger.NewSigner("data.zhuzhou.example/ledger")
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(ldb, signer, ledger.Options{})
	l.Start()
	defer l.Close()
	ev := licfile.Event{Name: licfile.Issued, Identifier: doc.Identifier, Version: "002", Data: doc.DataHash(), At: time.Now().UTC().Truncate(time.Second)}
	rec := ledger.Record{Kind: licfile.LedgerKind(ev.Name), Hash: ev.Hash(), At: ev.At}
	if _, err := l.Append(ctx, []ledger.Record{rec}, nil); err != nil {
		t.Fatal(err)
	}
	cp, err := l.Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := l.InclusionProof(ctx, rec.LeafHash(), cp.Size)
	if err != nil {
		t.Fatal(err)
	}
	delivered, err := files.Deliver(ctx, master, licfile.Evidence{Event: ev, Checkpoint: []byte(cp.Note), Proof: proof})
	if err != nil {
		t.Fatal(err)
	}
	// Another platform's CA.
	other := seal.New(storetest.Open(t, filepath.Join(t.TempDir(), "o.db"), []store.Migration{seal.Migration}), cryptosuite.RandomSealer(), nil, seal.Options{})
	if err := other.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tampered := bytes.Clone(delivered)
	i := bytes.Index(tampered, []byte("热食类食品制售"))
	copy(tampered[i:], "冷食")
	var (
		good       = write("licence.pdf", delivered)
		bare       = write("master.pdf", master)
		bad        = write("tampered.pdf", tampered)
		ca         = write("ca.pem", caPEM)
		otherCA    = write("other-ca.pem", other.CACertificatePEM())
		keys       = write("ledger.pub", []byte(strings.Join(signer.VerifierKeys(), "\n")+"\n"))
		commaKeys  = strings.Join(signer.VerifierKeys(), ",")
		verifyWith = func(args ...string) (string, error) {
			var out syncBuffer
			err := Run(ctx, append([]string{"licence", "verify"}, args...), env(nil), &out, &out)
			return out.String(), err
		}
	)
	tests := []struct {
		name string
		args []string
		ok   bool
		want []string
	}{
		{"good, keys in a file", []string{good, "--ca", ca, "--log-keys", keys}, true,
			[]string{"ok   signature", "issuer's seal (株洲市市场监督管理局)", "ok   inclusion", "verified: " + good, doc.Identifier, "seal issuer   株洲市市场监督管理局, certificate SHA-256 "}},
		{"good, keys by comma, in Chinese", []string{good, "--ca", ca, "--log-key", commaKeys, "--lang", "zh"}, true, []string{"颁发机构株洲市市场监督管理局的签章覆盖文件前", "叶子 0"}},
		{"tampered", []string{bad, "--ca", ca, "--log-keys", keys}, false, []string{"FAIL signature", "altered after it was signed"}},
		{"another CA", []string{good, "--ca", otherCA, "--log-keys", keys}, false, []string{"FAIL chain", "does not chain to the given CA"}},
		{"no evidence", []string{bare, "--ca", ca, "--log-keys", keys}, false, []string{"ok   signature", "FAIL evidence", "only the signature was checked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := verifyWith(tt.args...)
			t.Log(out)
			if (err == nil) != tt.ok {
				t.Fatalf("licence verify: %v, want ok %v\n%s", err, tt.ok, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	var help syncBuffer
	if err := Run(ctx, []string{"licence", "verify", "--help"}, env(nil), &help, &help); !errors.Is(err, ErrHelp) || !strings.Contains(help.String(), "--ca CA.pem") {
		t.Errorf("licence verify --help: %v\n%s", err, help.String())
	}
}
