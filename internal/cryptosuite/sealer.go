// Package cryptosuite holds the platform's cryptography behind small
// interfaces, using the national algorithms (国密 SM3/SM4) where Chinese rules
// ask for them.
package cryptosuite

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Sealer encrypts small secrets (such as datasource credentials) for storage
// with SM4-GCM; the key lives outside the database.
type Sealer struct {
	aead cipher.AEAD
	key  []byte
}

const sealedPrefix = "sm4gcm:"

// NewSealer returns a sealer for a 16-byte SM4 key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sm4 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, key: bytes.Clone(key)}, nil
}

// Derive returns a secret for label, derived from the key (HMAC-SM3): the
// same on every replica that shares the key file, different per label.
func (s *Sealer) Derive(label string) []byte {
	m := hmac.New(sm3.New, s.key)
	m.Write([]byte("govshare derive\x00" + label))
	return m.Sum(nil)
}

// RandomSealer returns a sealer with a fresh key that is not kept anywhere:
// what it seals is lost with the process. For tests and tools.
func RandomSealer() *Sealer {
	key := make([]byte, 16)
	rand.Read(key)
	s, _ := NewSealer(key)
	return s
}

// LoadSealer reads the key file at path, creating it with a random key
// (mode 0600) when it does not exist. Replicas of a platform share one file.
func LoadSealer(path string) (*Sealer, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key = make([]byte, 16)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write key file: %w", err)
		}
		return NewSealer(key)
	}
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(key)))
	if err != nil || len(raw) != 16 {
		return nil, fmt.Errorf("key file %s: want a base64-encoded 16-byte SM4 key", path)
	}
	return NewSealer(raw)
}

// Seal encrypts plaintext; the result is text safe to store.
func (s *Sealer) Seal(plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	sealed := s.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed)
}

// Open decrypts what Seal produced.
func (s *Sealer) Open(stored string) (string, error) {
	b64, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return "", errors.New("not a sealed value")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("malformed sealed value")
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], nil)
	if err != nil {
		return "", errors.New("sealed value does not open with this key (tampered, or another key)")
	}
	return string(plain), nil
}
