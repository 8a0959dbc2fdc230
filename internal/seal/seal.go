// Package seal keeps the platform's electronic seals (电子印章): an SM2
// certificate authority of the platform (a root key and a self-signed
// certificate, made on the first start) and one SM2 seal key per issuing
// department, with a certificate from that CA naming the department, made
// on first use; and one seal of the platform itself, for what the platform
// certifies (the annotated copies of licences, 加注件). Private keys are
// sealed with the platform's secrets key (cryptosuite.Sealer) and kept in
// the database.
//
// A Signer makes detached CMS (PKCS#7) SignedData with SM2 and SM3
// (in a standard CMS container), carrying its certificate and the CA's, which anyone holding
// the CA certificate (Service.CACertificatePEM, served read-only) checks
// offline; a peer platform that trusts this CA recognises the seals (互信互认).
package seal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509/pkix"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"sync"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/cryptosuite"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the seals' schema.
var Migration = store.Migration{Domain: "seal", FS: migrations}

// Validity of the CA's certificate and of a seal's.
const (
	CAValidity   = 30 * 365 * 24 * time.Hour
	SealValidity = 20 * 365 * 24 * time.Hour
)

// PlatformHolder is the holder of the platform's own seal, named in its
// certificate's organizational unit (a department's seal names
// "department:ID").
const PlatformHolder = "platform"

// Departments names a department for its seal's certificate; org.Service
// is one.
type Departments interface {
	Department(ctx context.Context, id int64) (org.Department, error)
}

// Options configure a Service.
type Options struct {
	// Name is the platform's name in the certificates (the CA's and the
	// platform seal's), e.g. 株洲市政务数据共享交换平台.
	Name string
	Now  func() time.Time
	// Audit records the making of the CA and of each seal; nil records
	// nothing (tests, benchmarks).
	Audit *audit.Log
}

// Service holds the CA and hands out seal signers.
type Service struct {
	db     *store.DB
	sealer *cryptosuite.Sealer
	depts  Departments
	name   string
	now    func() time.Time
	audit  *audit.Log

	mu      sync.Mutex
	ca      *Signer
	signers map[string]*Signer
}

// New returns a service; Start loads or makes the CA.
func New(db *store.DB, sealer *cryptosuite.Sealer, depts Departments, opts Options) *Service {
	if opts.Name == "" {
		opts.Name = "govshare 政务数据共享交换平台"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{db: db, sealer: sealer, depts: depts, name: opts.Name, now: opts.Now, audit: opts.Audit, signers: map[string]*Signer{}}
}

// Start loads the CA, making it on the first start. Replicas starting at
// once agree on one: the first stored wins and every one reads it back.
func (s *Service) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ca != nil {
		return nil
	}
	read := func() (string, string, error) {
		var certPEM, keySealed string
		err := s.db.QueryRow(ctx, "SELECT cert_pem, key_sealed FROM seal_ca WHERE id = 1").Scan(&certPEM, &keySealed)
		return certPEM, keySealed, err
	}
	certPEM, keySealed, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		c, err := s.newCA()
		if err != nil {
			return err
		}
		keyPEM, err := marshalKey(c.key)
		if err != nil {
			return err
		}
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, "INSERT INTO seal_ca (id, cert_pem, key_sealed, created_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
				string(c.pem), s.sealer.Seal(keyPEM), store.FormatTime(s.now()))
			if err != nil {
				return err
			}
			return s.record(ctx, tx, res, "seal.ca.create", "seal:ca", audit.Keyed(auditCA, c.Name(), c.Fingerprint()))
		}); err != nil {
			return fmt.Errorf("store the seal CA: %w", err)
		}
		certPEM, keySealed, err = read()
		if err != nil {
			return fmt.Errorf("read the seal CA: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("read the seal CA: %w", err)
	}
	c, err := s.load(certPEM, keySealed, nil)
	if err != nil {
		return fmt.Errorf("seal CA: %w (is --secrets-key the file the CA was made with?)", err)
	}
	s.ca = c
	return nil
}

// CACertificatePEM is the CA's certificate in PEM: what verifiers trust.
func (s *Service) CACertificatePEM() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ca == nil {
		return nil
	}
	return s.ca.pem
}

// CACertificate is the CA's certificate.
func (s *Service) CACertificate() *smx509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ca == nil {
		return nil
	}
	return s.ca.cert
}

// Signer returns the seal of the department, making its key and
// certificate on first use.
func (s *Service) Signer(ctx context.Context, departmentID int64) (*Signer, error) {
	return s.signer(ctx, "department:"+strconv.FormatInt(departmentID, 10), departmentID)
}

// PlatformSigner returns the platform's own seal.
func (s *Service) PlatformSigner(ctx context.Context) (*Signer, error) {
	return s.signer(ctx, PlatformHolder, 0)
}

func (s *Service) signer(ctx context.Context, holder string, deptID int64) (*Signer, error) {
	if err := s.Start(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if sg := s.signers[holder]; sg != nil {
		s.mu.Unlock()
		return sg, nil
	}
	s.mu.Unlock()
	read := func() (string, string, error) {
		var certPEM, keySealed string
		err := s.db.QueryRow(ctx, "SELECT cert_pem, key_sealed FROM seal_keys WHERE holder = ?", holder).Scan(&certPEM, &keySealed)
		return certPEM, keySealed, err
	}
	certPEM, keySealed, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		subject := pkix.Name{CommonName: s.name, Organization: []string{s.name}, OrganizationalUnit: []string{holder}}
		var dept any
		if deptID != 0 {
			if s.depts == nil {
				return nil, errors.New("seal: no department directory to name the seal's holder")
			}
			d, err := s.depts.Department(ctx, deptID)
			if err != nil {
				return nil, err
			}
			subject.CommonName = d.Name
			if d.CreditCode != "" {
				subject.SerialNumber = d.CreditCode
			}
			dept = deptID
		}
		sg, err := s.issue(subject)
		if err != nil {
			return nil, err
		}
		keyPEM, err := marshalKey(sg.key)
		if err != nil {
			return nil, err
		}
		if err := s.db.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.Exec(ctx, "INSERT INTO seal_keys (holder, department_id, cert_pem, key_sealed, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (holder) DO NOTHING",
				holder, dept, string(sg.pem), s.sealer.Seal(keyPEM), store.FormatTime(s.now()))
			if err != nil {
				return err
			}
			return s.record(ctx, tx, res, "seal.create", "seal:"+holder,
				audit.Keyed(auditSeal, sg.Name(), hex.EncodeToString(sg.cert.SerialNumber.Bytes()), sg.Fingerprint()))
		}); err != nil {
			return nil, fmt.Errorf("store the seal of %s: %w", holder, err)
		}
		certPEM, keySealed, err = read()
		if err != nil {
			return nil, fmt.Errorf("read the seal of %s: %w", holder, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read the seal of %s: %w", holder, err)
	}
	sg, err := s.load(certPEM, keySealed, s.ca)
	if err != nil {
		return nil, fmt.Errorf("seal of %s: %w", holder, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.signers[holder]; old != nil {
		return old, nil
	}
	s.signers[holder] = sg
	return sg, nil
}

// record audits the making of a key when this replica's insert stored it.
func (s *Service) record(ctx context.Context, tx *store.Tx, res sql.Result, action, target, detail string) error {
	if s.audit == nil {
		return nil
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return s.audit.Append(ctx, tx, audit.Entry{Actor: org.System.Username, Action: action, Target: target, Outcome: audit.Success, Detail: detail})
}

func (s *Service) newCA() (*Signer, error) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := s.now()
	tmpl := &smx509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: s.name + " 电子印章 CA", Organization: []string{s.name}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign | smx509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create the seal CA certificate: %w", err)
	}
	return newSigner(der, key, nil)
}

// issue makes a seal key and its certificate from the CA.
func (s *Service) issue(subject pkix.Name) (*Signer, error) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := s.now()
	tmpl := &smx509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      subject,
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(SealValidity),
		KeyUsage:     smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, s.ca.cert, &key.PublicKey, s.ca.key)
	if err != nil {
		return nil, fmt.Errorf("issue a seal certificate: %w", err)
	}
	return newSigner(der, key, s.ca)
}

func (s *Service) load(certPEM, keySealed string, ca *Signer) (*Signer, error) {
	keyPEM, err := s.sealer.Open(keySealed)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return nil, errors.New("the key is not PEM")
	}
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, errors.New("the key is not an SM2 key")
	}
	cert, err := ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		return nil, err
	}
	return newSigner(cert.Raw, key, ca)
}

func marshalKey(key *sm2.PrivateKey) (string, error) {
	der, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b)
	b[0] &= 0x7f // positive
	return new(big.Int).SetBytes(b)
}

// Signer is one seal: an SM2 key, its certificate and the CA's.
type Signer struct {
	cert *smx509.Certificate
	key  *sm2.PrivateKey
	pem  []byte
	ca   *Signer // nil for the CA itself
}

func newSigner(der []byte, key *sm2.PrivateKey, ca *Signer) (*Signer, error) {
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Signer{cert: cert, key: key, ca: ca, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Certificate is the seal's certificate.
func (g *Signer) Certificate() *smx509.Certificate { return g.cert }

// Name is the seal holder's name: its certificate's common name.
func (g *Signer) Name() string { return g.cert.Subject.CommonName }

// Fingerprint is the SHA-256 of the seal's certificate, in hex.
func (g *Signer) Fingerprint() string {
	sum := sha256.Sum256(g.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Sign returns a detached CMS SignedData over data, SM2 with SM3 (with the
// signing time among the signed attributes), carrying the seal's
// certificate and the CA's.
func (g *Signer) Sign(data []byte) ([]byte, error) {
	// The container is standard CMS (id-signedData), as PDF readers expect;
	// the algorithms are SM3 and SM2.
	sd, err := pkcs7.NewSignedData(data)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSM3)
	var parents []*smx509.Certificate
	if g.ca != nil {
		parents = []*smx509.Certificate{g.ca.cert}
	}
	if err := sd.AddSignerChain(g.cert, g.key, parents, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("seal: sign: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}

// ParseCertificatePEM reads the first certificate of PEM text.
func ParseCertificatePEM(b []byte) (*smx509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return smx509.ParseCertificate(block.Bytes)
}

// ParseCertificatesPEM reads every certificate of PEM text (a CA bundle),
// at least one.
func ParseCertificatesPEM(b []byte) ([]*smx509.Certificate, error) {
	var out []*smx509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := smx509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}
