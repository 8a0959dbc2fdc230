package seal_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/smx509"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/seal"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

type directory map[int64]string

func (d directory) Department(_ context.Context, id int64) (org.Department, error) {
	if n, ok := d[id]; ok {
		return org.Department{ID: id, Name: n}, nil
	}
	return org.Department{}, errors.New("no such department")
}

// TestSealsPersistAndSign: the CA and a department's seal are made once,
// kept sealed in the database and found again by a restarted service;
// a signature verifies against the CA and not against another CA; a
// service with another secrets key cannot open them.
func TestSealsPersistAndSign(t *testing.T) {
	storetest.Each(t, []store.Migration{audit.Migration, seal.Migration}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		depts := directory{3: "株洲市市场监督管理局"}
		key := cryptosuite.RandomSealer()
		log := audit.New(db)
		s1 := seal.New(db, key, depts, seal.Options{Audit: log})
		g1, err := s1.Signer(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if g1.Name() != "株洲市市场监督管理局" {
			t.Errorf("seal name %q", g1.Name())
		}
		s2 := seal.New(db, key, depts, seal.Options{Audit: log})
		if err := s2.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s1.CACertificatePEM(), s2.CACertificatePEM()) {
			t.Fatal("a restarted service made another CA")
		}
		g2, err := s2.Signer(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if g2.Fingerprint() != g1.Fingerprint() {
			t.Fatal("a restarted service made another seal for the department")
		}
		p, err := s2.PlatformSigner(ctx)
		if err != nil || p.Fingerprint() == g1.Fingerprint() {
			t.Fatalf("platform seal: %v", err)
		}
		if _, err := s2.Signer(ctx, 99); err == nil {
			t.Error("a seal for an unknown department")
		}
		data := []byte("证照数据")
		sig, err := g2.Sign(data)
		if err != nil {
			t.Fatal(err)
		}
		other := seal.New(storetest.Open(t, t.TempDir()+"/o.db", []store.Migration{seal.Migration}), key, depts, seal.Options{})
		if err := other.Start(ctx); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			ca   []byte
			data []byte
			ok   bool
		}{
			{"own CA", s1.CACertificatePEM(), data, true},
			{"another CA", other.CACertificatePEM(), data, false},
			{"other data", s1.CACertificatePEM(), []byte("证照数据!"), false},
		} {
			p7, err := pkcs7.Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			p7.Content = tt.data
			pool := smx509.NewCertPool()
			ca, _ := seal.ParseCertificatePEM(tt.ca)
			pool.AddCert(ca)
			if err := p7.VerifyWithChain(pool); (err == nil) != tt.ok {
				t.Errorf("%s: verify = %v, want ok %v", tt.name, err, tt.ok)
			}
		}
		if err := seal.New(db, cryptosuite.RandomSealer(), depts, seal.Options{}).Start(ctx); err == nil {
			t.Error("another secrets key opened the CA")
		}
		// The CA and each seal were made once, and audited once.
		entries, _, err := log.List(ctx, audit.Filter{Action: "seal.", PageSize: 50})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Action+" "+e.Target)
		}
		slices.Sort(got)
		if want := []string{"seal.ca.create seal:ca", "seal.create seal:department:3", "seal.create seal:platform"}; !slices.Equal(got, want) {
			t.Errorf("audit entries %v, want %v", got, want)
		}
	})
}
