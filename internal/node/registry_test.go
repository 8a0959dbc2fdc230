package node_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, node.Migration}

const adminPassword = "Zhuzhou-Admin-2024"

// world is a migrated database with two departments and principals of
// each kind that matters to nodes.
type world struct {
	t            *testing.T
	ctx          context.Context
	db           *store.DB
	log          *audit.Log
	org          *org.Service
	sealer       *cryptosuite.Sealer
	reg          *node.Registry
	deptA, deptB org.Department
	admin        org.Principal // system admin, no department
	opA, opB     org.Principal // node operators of A and B
	adminA       org.Principal // department admin of A
	catA         org.Principal // cataloger of A
	auditor      org.Principal
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, ctx: ctx, db: db, log: audit.New(db), sealer: cryptosuite.RandomSealer()}
	w.org = org.NewService(db, w.log, division.Default())
	if _, _, err := w.org.Bootstrap(ctx, adminPassword); err != nil {
		t.Fatal(err)
	}
	var err error
	if _, w.admin, err = w.org.Login(ctx, org.AdminUsername, adminPassword, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.org.CreateRegion(ctx, w.admin, org.RegionInput{Code: "430200"}); err != nil {
		t.Fatal(err)
	}
	mk := func(i int, name string) org.Department {
		d, _, err := w.org.CreateDepartment(ctx, w.admin, org.DepartmentInput{Name: name, RegionCode: "430200",
			CreditCode: demo.CreditCode(i, demo.Department{Region: "430200"})})
		if err != nil {
			t.Fatalf("CreateDepartment(%s): %v", name, err)
		}
		return d
	}
	w.deptA, w.deptB = mk(1, "株洲市公安局"), mk(2, "株洲市财政局")
	as := func(name string, d org.Department, roles ...org.Role) org.Principal {
		return org.Principal{UserID: 100, Username: name, DepartmentID: d.ID, DepartmentName: d.Name, Roles: roles, ClientAddr: "192.0.2.2"}
	}
	w.opA, w.opB = as("a.node", w.deptA, org.NodeOperator), as("b.node", w.deptB, org.NodeOperator)
	w.adminA, w.catA = as("a.admin", w.deptA, org.DeptAdmin), as("a.cataloger", w.deptA, org.Cataloger)
	w.auditor = org.Principal{UserID: 101, Username: "auditor", Roles: []org.Role{org.Auditor}}
	w.reg = w.registry()
	t.Cleanup(func() {
		if n, err := w.log.Verify(context.Background()); err != nil {
			t.Errorf("audit Verify() after %d entries: %v", n, err)
		}
	})
	return w
}

// registry opens a registry over the world's database, as a replica would.
func (w *world) registry() *node.Registry {
	w.t.Helper()
	r := node.NewRegistry(w.db, w.log, w.org, w.sealer, nil)
	r.LeafURL = "nats-leaf://127.0.0.1:7422"
	if err := r.Open(w.ctx); err != nil {
		w.t.Fatalf("Open(): %v", err)
	}
	return r
}

func (w *world) count(action, outcome string) int {
	w.t.Helper()
	_, n, err := w.log.List(w.ctx, audit.Filter{Action: action, Outcome: outcome})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) enrollment(p org.Principal, name string) node.Enrollment {
	w.t.Helper()
	e, err := w.reg.CreateEnrollment(w.ctx, p, node.EnrollmentInput{Name: name})
	if err != nil {
		w.t.Fatalf("CreateEnrollment(%s) by %s: %v", name, p.Username, err)
	}
	return e
}

// csr returns a PEM certificate request with common name cn for key.
func csr(t *testing.T, cn string, key any) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func p256(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRegistry(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)

		t.Run("the CA is created once, sealed, and shared by replicas", func(t *testing.T) {
			var sealed string
			if err := db.QueryRow(w.ctx, "SELECT key_sealed FROM node_ca").Scan(&sealed); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sealed, "sm4gcm:") || strings.Contains(sealed, "PRIVATE KEY") {
				t.Errorf("stored CA key = %.30q..., want it sealed", sealed)
			}
			if got, want := string(w.registry().CAPEM()), string(w.reg.CAPEM()); got != want {
				t.Errorf("a second replica has another CA")
			}
			other := node.NewRegistry(db, w.log, w.org, cryptosuite.RandomSealer(), nil)
			if err := other.Open(w.ctx); err == nil || !strings.Contains(err.Error(), "secrets-key") {
				t.Errorf("Open() with another secrets key: %v, want an error naming secrets-key", err)
			}
		})

		t.Run("who may add nodes", func(t *testing.T) {
			tests := []struct {
				name     string
				p        org.Principal
				in       node.EnrollmentInput
				wantCode string
			}{
				{"node operator, own department", w.opA, node.EnrollmentInput{Name: "公安前置机-1"}, ""},
				{"department admin, own department", w.adminA, node.EnrollmentInput{Name: "公安前置机-2", DepartmentID: w.deptA.ID}, ""},
				{"system admin, any department", w.admin, node.EnrollmentInput{Name: "财政前置机-1", DepartmentID: w.deptB.ID}, ""},
				{"system admin must name the department", w.admin, node.EnrollmentInput{Name: "无部门"}, errs.Invalid},
				{"node operator, another department", w.opA, node.EnrollmentInput{Name: "越权", DepartmentID: w.deptB.ID}, errs.Forbidden},
				{"cataloger", w.catA, node.EnrollmentInput{Name: "越权-2"}, errs.Forbidden},
				{"auditor", w.auditor, node.EnrollmentInput{Name: "越权-3", DepartmentID: w.deptA.ID}, errs.Forbidden},
				{"name required", w.opA, node.EnrollmentInput{Name: "  "}, errs.Invalid},
				{"duplicate name in the department", w.opA, node.EnrollmentInput{Name: "公安前置机-1"}, errs.Invalid},
				{"unknown department", w.admin, node.EnrollmentInput{Name: "x", DepartmentID: 9999}, errs.Invalid},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					denied := w.count("node.enrollment.create", audit.Denied)
					ok := w.count("node.enrollment.create", audit.Success)
					e, err := w.reg.CreateEnrollment(w.ctx, tt.p, tt.in)
					if tt.wantCode == "" {
						if err != nil {
							t.Fatalf("CreateEnrollment() error: %v", err)
						}
						if !strings.HasPrefix(e.Token, "gsn_"+strconv.FormatInt(e.NodeID, 10)+"_") || len(e.Token) < 32 {
							t.Errorf("token %q: want gsn_<id>_ and at least 128 random bits", e.Token)
						}
						if d := time.Until(e.ExpiresAt); d < 23*time.Hour || d > 24*time.Hour+time.Second {
							t.Errorf("expires in %s, want 24h", d)
						}
						if got := w.count("node.enrollment.create", audit.Success) - ok; got != 1 {
							t.Errorf("%d success audit entries, want 1", got)
						}
						n, err := w.reg.Node(w.ctx, e.NodeID)
						if err != nil || n.State != node.Pending {
							t.Errorf("Node() = %+v, %v; want pending", n, err)
						}
						var stored string
						db.QueryRow(w.ctx, "SELECT token_hash FROM node_enrollments WHERE node_id = ?", e.NodeID).Scan(&stored)
						if stored == "" || strings.Contains(stored, e.Token) {
							t.Errorf("stored token %q: want a hash", stored)
						}
						return
					}
					if !errs.Is(err, tt.wantCode) {
						t.Fatalf("CreateEnrollment() error = %v, want %s", err, tt.wantCode)
					}
					wantDenied := 0
					if tt.wantCode == errs.Forbidden {
						wantDenied = 1
					}
					if got := w.count("node.enrollment.create", audit.Denied) - denied; got != wantDenied {
						t.Errorf("%d denied audit entries, want %d", got, wantDenied)
					}
				})
			}
		})

		t.Run("enrol", func(t *testing.T) {
			e := w.enrollment(w.opA, "enrol-1")
			key := p256(t)
			id := strconv.FormatInt(e.NodeID, 10)
			bad := []struct {
				name, csr, token, wantCode, wantText string
			}{
				{"RSA key", csr(t, id, mustRSA(t)), e.Token, errs.Invalid, "ECDSA P-256"},
				{"Ed25519 key", csr(t, id, mustEd25519(t)), e.Token, errs.Invalid, "Ed25519"},
				{"P-384 key", csr(t, id, mustP384(t)), e.Token, errs.Invalid, "P-384"},
				{"CN of another node", csr(t, "99999", key), e.Token, errs.Invalid, "99999"},
				{"not PEM", "hello", e.Token, errs.Invalid, "PEM"},
				{"wrong token", csr(t, id, key), e.Token + "x", errs.Unauthorized, "unknown enrolment token"},
				{"no token", csr(t, id, key), "", errs.Unauthorized, "missing"},
			}
			for _, b := range bad {
				t.Run(b.name, func(t *testing.T) {
					failures := w.count("node.enroll", audit.Failure)
					_, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: b.token, CSR: b.csr}, "198.51.100.7")
					if !errs.Is(err, b.wantCode) || !strings.Contains(errs.Message(err)+strings.Join(fieldsOf(err), " "), b.wantText) {
						t.Errorf("Enroll() error = %v, want %s mentioning %q", err, b.wantCode, b.wantText)
					}
					if got := w.count("node.enroll", audit.Failure) - failures; got != 1 {
						t.Errorf("%d failure audit entries, want 1", got)
					}
				})
			}
			// The refusals above did not use the token up.
			got, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: e.Token, CSR: csr(t, "", key), Version: "1.2.3"}, "198.51.100.7")
			if err != nil {
				t.Fatalf("Enroll() error: %v", err)
			}
			if got.NodeID != e.NodeID || got.Domain != "node_"+id || got.LeafURL != w.reg.LeafURL {
				t.Errorf("Enroll() = %+v", got)
			}
			cert, err := node.ParseCertificatePEM([]byte(got.Certificate))
			if err != nil {
				t.Fatal(err)
			}
			ca, _ := node.ParseCertificatePEM([]byte(got.CA))
			pool := x509.NewCertPool()
			pool.AddCert(ca)
			if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
				t.Errorf("certificate does not verify for client auth against the CA: %v", err)
			}
			if cert.Subject.CommonName != id || !cert.PublicKey.(*ecdsa.PublicKey).Equal(&key.PublicKey) {
				t.Errorf("certificate CN %q key %v, want CN %s and the CSR's key", cert.Subject.CommonName, cert.PublicKey, id)
			}
			if d := cert.NotAfter.Sub(cert.NotBefore); d < 364*24*time.Hour || d > 366*24*time.Hour {
				t.Errorf("certificate valid for %s, want a year", d)
			}
			if !w.reg.Allowed(cert) {
				t.Error("Allowed(new certificate) = false")
			}
			n, _ := w.reg.Node(w.ctx, e.NodeID)
			if n.State != node.Active || n.Version != "1.2.3" || n.CertFingerprint == "" || n.EnrolledAt.IsZero() {
				t.Errorf("node after enrolment = %+v", n)
			}
			if _, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: e.Token, CSR: csr(t, id, p256(t))}, ""); !errs.Is(err, errs.Unauthorized) ||
				!strings.Contains(errs.Message(err), "already been used") {
				t.Errorf("second Enroll() with the same token: %v, want unauthorized, already used", err)
			}

			t.Run("expired token", func(t *testing.T) {
				w.reg.TokenTTL = -time.Minute
				defer func() { w.reg.TokenTTL = 24 * time.Hour }()
				e := w.enrollment(w.opA, "expired-1")
				_, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: e.Token, CSR: csr(t, "", p256(t))}, "")
				if !errs.Is(err, errs.Unauthorized) || !strings.Contains(errs.Message(err), "expired") {
					t.Errorf("Enroll() with an expired token: %v, want unauthorized, expired", err)
				}
				if n, _ := w.reg.Node(w.ctx, e.NodeID); n.State != node.Pending || !n.TokenExpired {
					t.Errorf("node with an expired token: %+v, want pending and token_expired", n)
				}
				w.reg.TokenTTL = 24 * time.Hour
				if _, err := w.reg.ReissueToken(w.ctx, w.opB, e.NodeID); !errs.Is(err, errs.Forbidden) {
					t.Errorf("ReissueToken() by another department: %v, want forbidden", err)
				}
				again, err := w.reg.ReissueToken(w.ctx, w.opA, e.NodeID)
				if err != nil || again.Token == e.Token {
					t.Fatalf("ReissueToken() = %+v, %v", again, err)
				}
				if n, _ := w.reg.Node(w.ctx, e.NodeID); n.TokenExpired {
					t.Errorf("node after a new token still shows the token expired")
				}
				if _, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: again.Token, CSR: csr(t, "", p256(t))}, ""); err != nil {
					t.Errorf("Enroll() with the new token: %v", err)
				}
				if _, err := w.reg.ReissueToken(w.ctx, w.opA, e.NodeID); !errs.Is(err, errs.Conflict) {
					t.Errorf("ReissueToken() of an enrolled node: %v, want conflict", err)
				}
			})

			t.Run("disable, enable, revoke", func(t *testing.T) {
				other := w.registry() // a second replica
				if _, err := w.reg.Disable(w.ctx, w.opB, e.NodeID, "维护"); !errs.Is(err, errs.Forbidden) {
					t.Errorf("Disable() by another department's operator: %v, want forbidden", err)
				}
				if _, err := w.reg.Disable(w.ctx, w.opA, e.NodeID, ""); !errs.Is(err, errs.Invalid) {
					t.Errorf("Disable() without a reason: %v, want invalid", err)
				}
				n, err := w.reg.Disable(w.ctx, w.opA, e.NodeID, "机房搬迁")
				if err != nil || n.State != node.Disabled || n.Reason != "机房搬迁" {
					t.Fatalf("Disable() = %+v, %v", n, err)
				}
				if w.reg.Allowed(cert) {
					t.Error("a disabled node's certificate is still allowed")
				}
				if _, err := w.reg.Disable(w.ctx, w.opA, e.NodeID, "again"); !errs.Is(err, errs.Conflict) {
					t.Errorf("Disable() twice: %v, want conflict", err)
				}
				if n, err = w.reg.Enable(w.ctx, w.admin, e.NodeID); err != nil || n.State != node.Active {
					t.Fatalf("Enable() = %+v, %v", n, err)
				}
				if !w.reg.Allowed(cert) {
					t.Error("an enabled node's certificate is refused")
				}
				if n, err = w.reg.Revoke(w.ctx, w.adminA, e.NodeID, "设备报废"); err != nil || n.State != node.Revoked || n.RevokedAt.IsZero() {
					t.Fatalf("Revoke() = %+v, %v", n, err)
				}
				if w.reg.Allowed(cert) {
					t.Error("a revoked node's certificate is still allowed")
				}
				// The other replica learns it from the database on its next refresh.
				if err := other.Open(w.ctx); err != nil {
					t.Fatal(err)
				}
				if other.Allowed(cert) {
					t.Error("another replica still allows a revoked certificate")
				}
				if _, err := w.reg.Enable(w.ctx, w.admin, e.NodeID); !errs.Is(err, errs.Conflict) {
					t.Errorf("Enable() after revoke: %v, want conflict", err)
				}
				for _, action := range []string{"node.disable", "node.enable", "node.revoke"} {
					if w.count(action, audit.Success) == 0 {
						t.Errorf("no %s audit entry", action)
					}
				}
			})
		})

		t.Run("who sees which nodes", func(t *testing.T) {
			count := func(p org.Principal) (int, error) {
				_, n, err := w.reg.List(w.ctx, p, node.Filter{})
				return n, err
			}
			all, err := count(w.admin)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := count(w.opA)
			b, _ := count(w.opB)
			aud, _ := count(w.auditor)
			if a+b != all || b != 1 || aud != all {
				t.Errorf("admin sees %d, A's operator %d, B's operator %d, auditor %d", all, a, b, aud)
			}
			if _, err := count(w.catA); !errs.Is(err, errs.Forbidden) {
				t.Errorf("List() by a cataloger: %v, want forbidden", err)
			}
			ns, _, _ := w.reg.List(w.ctx, w.opB, node.Filter{})
			if _, err := w.reg.Get(w.ctx, w.opA, ns[0].ID); !errs.Is(err, errs.Forbidden) {
				t.Errorf("Get() of another department's node: %v, want forbidden", err)
			}
		})

		t.Run("revoking a pending node cancels its token", func(t *testing.T) {
			e := w.enrollment(w.opB, "cancelled")
			if _, err := w.reg.Revoke(w.ctx, w.opB, e.NodeID, "填错了"); err != nil {
				t.Fatal(err)
			}
			if _, err := w.reg.Enroll(w.ctx, node.EnrollRequest{Token: e.Token, CSR: csr(t, "", p256(t))}, ""); !errs.Is(err, errs.Unauthorized) {
				t.Errorf("Enroll() of a revoked pending node: %v, want unauthorized", err)
			}
			// The name is free again.
			w.enrollment(w.opB, "cancelled")
		})
	})
}

func fieldsOf(err error) []string {
	_, _, f := errs.Public(err)
	var out []string
	for k, v := range f {
		out = append(out, k+": "+v)
	}
	return out
}

func mustRSA(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEd25519(t *testing.T) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustP384(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
