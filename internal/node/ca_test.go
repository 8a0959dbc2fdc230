package node

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"
)

// FuzzCheckCSR feeds the enrolment's certificate request parser (outside
// input, before any authentication beyond the token) arbitrary text.
func FuzzCheckCSR(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "7"}}, key)
	good := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add(good, int64(7))
	f.Add(good, int64(8))
	f.Add("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", int64(1))
	f.Add("", int64(0))
	f.Fuzz(func(t *testing.T, text string, id int64) {
		csr, err := checkCSR(text, id)
		if err == nil && csr == nil {
			t.Fatal("no error and no request")
		}
	})
}

func FuzzTokenNodeID(f *testing.F) {
	for _, s := range []string{"gsn_12_abc", "gsn__x", "gsn_-1_x", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if id, ok := tokenNodeID(tok); ok && id <= 0 {
			t.Fatalf("tokenNodeID(%q) = %d, true", tok, id)
		}
	})
}
