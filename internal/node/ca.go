package node

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// CertValidity is the lifetime of a node's certificate.
const CertValidity = 365 * 24 * time.Hour

// ca is the platform's certificate authority for nodes: an ECDSA P-256 key
// and a self-signed certificate (ordinary TLS 1.3, not GM TLS).
type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(now time.Time) (*ca, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "govshare node CA", Organization: []string{"govshare 政务数据共享交换平台"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &ca{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// marshalKey returns the CA key as PKCS#8 PEM.
func (c *ca) marshalKey() (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(c.key)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

func loadCA(certPEM, keyPEM string) (*ca, error) {
	cert, err := ParseCertificatePEM([]byte(certPEM))
	if err != nil {
		return nil, fmt.Errorf("CA certificate: %w", err)
	}
	key, err := parseKeyPEM([]byte(keyPEM))
	if err != nil {
		return nil, fmt.Errorf("CA key: %w", err)
	}
	return &ca{cert: cert, key: key, pem: []byte(certPEM)}, nil
}

// pool returns a pool holding only the CA.
func (c *ca) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

// issued is a certificate the CA signed.
type issued struct {
	PEM         []byte
	Serial      string
	Fingerprint string
	NotAfter    time.Time
}

// signNode signs a node's CSR: CN is the node id, the key is the CSR's,
// the certificate is good for client authentication only.
func (c *ca) signNode(csr *x509.CertificateRequest, nodeID int64, now time.Time) (issued, error) {
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: strconv.FormatInt(nodeID, 10), Organization: []string{"govshare node"}},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(CertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return c.sign(tmpl, csr.PublicKey)
}

// signServer issues the leaf listener's certificate for hosts (names or IPs).
func (c *ca) signServer(hosts []string, now time.Time) (*ecdsa.PrivateKey, issued, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, issued{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "govshare platform leaf listener"},
		NotBefore:    now.Add(-5 * time.Minute),
		NotAfter:     now.Add(CertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	seen := map[string]bool{}
	for _, h := range hosts {
		if h == "" || seen[h] {
			continue
		}
		seen[h] = true
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	is, err := c.sign(tmpl, &key.PublicKey)
	return key, is, err
}

func (c *ca) sign(tmpl *x509.Certificate, pub crypto.PublicKey) (issued, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, pub, c.key)
	if err != nil {
		return issued{}, fmt.Errorf("sign certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return issued{PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), Serial: serialText(tmpl.SerialNumber),
		Fingerprint: hex.EncodeToString(sum[:]), NotAfter: tmpl.NotAfter}, nil
}

func randomSerial() *big.Int {
	b := make([]byte, 16)
	rand.Read(b)
	b[0] &= 0x7f // positive
	return new(big.Int).SetBytes(b)
}

// serialText is the form in which serials are stored and compared.
func serialText(n *big.Int) string { return hex.EncodeToString(n.Bytes()) }

// ParseCertificatePEM reads the first certificate of a PEM block.
func ParseCertificatePEM(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("not a PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if ek, err2 := x509.ParseECPrivateKey(block.Bytes); err2 == nil {
			return ek, nil
		}
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ek, nil
}

// checkCSR parses a node's certificate request and checks its signature, its
// key (ECDSA P-256) and its common name (empty or the node id).
func checkCSR(csrPEM string, nodeID int64) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, errs.FieldMsg("csr", msgCSRNotPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, errs.FieldMsg("csr", msgCSRUnread, err.Error())
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, errs.FieldMsg("csr", msgCSRSignature)
	}
	k, ok := csr.PublicKey.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, errs.FieldMsg("csr", msgCSRKey, keyKind(csr))
	}
	if cn := csr.Subject.CommonName; cn != "" && cn != strconv.FormatInt(nodeID, 10) {
		return nil, errs.FieldMsg("csr", msgCSRName, cn, nodeID)
	}
	return csr, nil
}

func keyKind(csr *x509.CertificateRequest) string {
	if k, ok := csr.PublicKey.(*ecdsa.PublicKey); ok {
		return "ECDSA " + k.Curve.Params().Name
	}
	return csr.PublicKeyAlgorithm.String()
}
