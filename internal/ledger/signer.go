package ledger

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/cryptosuite"
)

// The signed-note signature type of SM2 (with SM3 and the default user ID)
// over the note text: 0xff, reserved for types without an assigned byte,
// followed by a longer identifier (C2SP signed-note).
var sm2Type = append([]byte{0xff}, "SM2-SM3"...)

// Key files under the keys directory: the private keys sealed with the
// platform's secrets key, and the public verifier keys, one a line, for
// anyone who checks checkpoints.
const (
	ed25519KeyFile = "ledger-ed25519.key"
	sm2KeyFile     = "ledger-sm2.key"
	PublicKeyFile  = "ledger.pub"
)

// Signer signs checkpoints with Ed25519 and SM2 keys named by the origin.
type Signer struct {
	origin  string
	signers []note.Signer
	vkeys   []string
}

// ParseOrigin checks a checkpoint origin (and key name): non-empty, at most
// 200 characters, no spaces or '+' (C2SP tlog-checkpoint, signed-note).
func ParseOrigin(s string) (string, error) {
	if s == "" || len(s) > 200 || strings.ContainsRune(s, '+') || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r < 0x20 }) >= 0 {
		return "", fmt.Errorf("ledger origin %q: want a schema-less URL without spaces or '+', such as gov.example.cn/ledger", s)
	}
	return s, nil
}

// NewSigner returns a signer with fresh keys kept nowhere: for tests and
// benchmarks.
func NewSigner(origin string) (*Signer, error) {
	if _, err := ParseOrigin(origin); err != nil {
		return nil, err
	}
	edSkey, edVkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return nil, err
	}
	smSkey, smVkey, err := generateSM2(origin)
	if err != nil {
		return nil, err
	}
	return newSigner(origin, []string{edSkey, smSkey}, []string{edVkey, smVkey})
}

// LoadSigner reads the ledger's keys from dir, sealed with sealer, creating
// them on the first start for origin (empty: fallback). Keys once made keep
// their name: an origin that differs from theirs is an error, and an empty
// origin takes theirs.
func LoadSigner(dir, origin, fallback string, sealer *cryptosuite.Sealer) (*Signer, error) {
	if origin == "" {
		origin = fallback
		if b, err := os.ReadFile(filepath.Join(dir, PublicKeyFile)); err == nil {
			if name, _, ok := strings.Cut(string(b), "+"); ok {
				origin = name
			}
		}
	}
	if _, err := ParseOrigin(origin); err != nil {
		return nil, err
	}
	var skeys []string
	for _, f := range []struct {
		name string
		gen  func(string) (string, string, error)
	}{
		{ed25519KeyFile, func(o string) (string, string, error) { return note.GenerateKey(rand.Reader, o) }},
		{sm2KeyFile, generateSM2},
	} {
		path := filepath.Join(dir, f.name)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			skey, _, err := f.gen(origin)
			if err != nil {
				return nil, err
			}
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			if err := writeFileSync(path, []byte(sealer.Seal(skey)+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("ledger key: %w", err)
			}
			skeys = append(skeys, skey)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ledger key: %w", err)
		}
		skey, err := sealer.Open(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("ledger key %s: cannot unseal it with the secrets key: %w", path, err)
		}
		skeys = append(skeys, skey)
	}
	vkeys := make([]string, len(skeys))
	for i, sk := range skeys {
		vk, err := verifierKeyOf(sk)
		if err != nil {
			return nil, err
		}
		if name, _, _ := strings.Cut(vk, "+"); name != origin {
			return nil, fmt.Errorf("ledger key %s is named %q, not the origin %q: keep the origin the log started with", filepath.Join(dir, []string{ed25519KeyFile, sm2KeyFile}[i]), name, origin)
		}
		vkeys[i] = vk
	}
	s, err := newSigner(origin, skeys, vkeys)
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(dir, PublicKeyFile), []byte(strings.Join(vkeys, "\n")+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("ledger public keys: %w", err)
	}
	return s, nil
}

func writeFileSync(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newSigner(origin string, skeys, vkeys []string) (*Signer, error) {
	s := &Signer{origin: origin, vkeys: vkeys}
	for _, sk := range skeys {
		var sg note.Signer
		var err error
		if isSM2Key(sk) {
			sg, err = newSM2Signer(sk)
		} else {
			sg, err = note.NewSigner(sk)
		}
		if err != nil {
			return nil, fmt.Errorf("ledger key: %w", err)
		}
		s.signers = append(s.signers, sg)
	}
	return s, nil
}

// Origin is the name of the log and its keys.
func (s *Signer) Origin() string { return s.origin }

// VerifierKeys are the public keys that check the checkpoints, in the
// signed-note verifier key form (name+id+key), Ed25519 first.
func (s *Signer) VerifierKeys() []string { return s.vkeys }

// Sign returns the signed checkpoint of the tree of size with root.
func (s *Signer) Sign(size uint64, root []byte) (string, error) {
	text := s.origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root) + "\n"
	b, err := note.Sign(&note.Note{Text: text}, s.signers...)
	if err != nil {
		return "", fmt.Errorf("ledger: sign checkpoint: %w", err)
	}
	return string(b), nil
}

// keyID is the signed-note key ID: SHA-256(name || 0x0A || type || key)[:4].
func keyID(name string, typeAndKey []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write(typeAndKey)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

func generateSM2(name string) (skey, vkey string, err error) {
	priv, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	pub := sm2PublicBytes(&priv.PublicKey)
	typed := append(bytes.Clone(sm2Type), pub...)
	id := keyID(name, typed)
	d := make([]byte, 32)
	priv.D.FillBytes(d)
	skey = fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append(bytes.Clone(sm2Type), d...)))
	vkey = fmt.Sprintf("%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(typed))
	return skey, vkey, nil
}

func sm2PublicBytes(pub *ecdsa.PublicKey) []byte {
	b := make([]byte, 65)
	b[0] = 4
	pub.X.FillBytes(b[1:33])
	pub.Y.FillBytes(b[33:])
	return b
}

func isSM2Key(skey string) bool {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(parts[4])
	return err == nil && bytes.HasPrefix(b, sm2Type)
}

// verifierKeyOf derives a private key's verifier key.
func verifierKeyOf(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("ledger key: malformed private key")
	}
	name := parts[2]
	b, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(b) == 0 {
		return "", errors.New("ledger key: malformed private key")
	}
	if bytes.HasPrefix(b, sm2Type) {
		priv, err := sm2.NewPrivateKey(b[len(sm2Type):])
		if err != nil {
			return "", fmt.Errorf("ledger key: %w", err)
		}
		typed := append(bytes.Clone(sm2Type), sm2PublicBytes(&priv.PublicKey)...)
		return fmt.Sprintf("%s+%08x+%s", name, keyID(name, typed), base64.StdEncoding.EncodeToString(typed)), nil
	}
	sg, err := note.NewSigner(skey)
	if err != nil {
		return "", fmt.Errorf("ledger key: %w", err)
	}
	// An Ed25519 private key is its seed; the public key follows from it.
	if b[0] != 1 || len(b) != 33 {
		return "", errors.New("ledger key: unsupported private key")
	}
	pub := ed25519PublicFromSeed(b[1:])
	vk, err := note.NewEd25519VerifierKey(sg.Name(), pub)
	if err != nil {
		return "", err
	}
	return vk, nil
}

// sm2Signer signs notes with SM2 (SM3 digest, default user ID).
type sm2Signer struct {
	name string
	id   uint32
	priv *sm2.PrivateKey
}

func newSM2Signer(skey string) (*sm2Signer, error) {
	parts := strings.SplitN(skey, "+", 5)
	b, _ := base64.StdEncoding.DecodeString(parts[4])
	priv, err := sm2.NewPrivateKey(b[len(sm2Type):])
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseUint(parts[3], 16, 32)
	if err != nil {
		return nil, errors.New("malformed SM2 key id")
	}
	return &sm2Signer{name: parts[2], id: uint32(id), priv: priv}, nil
}

func (s *sm2Signer) Name() string    { return s.name }
func (s *sm2Signer) KeyHash() uint32 { return s.id }
func (s *sm2Signer) Sign(msg []byte) ([]byte, error) {
	return s.priv.SignWithSM2(rand.Reader, nil, msg)
}

// sm2Verifier checks SM2 note signatures.
type sm2Verifier struct {
	name string
	id   uint32
	pub  *ecdsa.PublicKey
}

func (v *sm2Verifier) Name() string    { return v.name }
func (v *sm2Verifier) KeyHash() uint32 { return v.id }
func (v *sm2Verifier) Verify(msg, sig []byte) bool {
	return sm2.VerifyASN1WithSM2(v.pub, nil, msg, sig)
}

// NewVerifier parses a verifier key (name+id+base64): Ed25519 as
// golang.org/x/mod/sumdb/note reads it, or the ledger's SM2 keys.
func NewVerifier(vkey string) (note.Verifier, error) {
	vkey = strings.TrimSpace(vkey)
	name, rest, ok1 := strings.Cut(vkey, "+")
	idText, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 {
		return nil, errors.New("malformed verifier key: want name+id+key")
	}
	b, err := base64.StdEncoding.DecodeString(key64)
	if err != nil {
		return nil, errors.New("malformed verifier key: the key is not base64")
	}
	if !bytes.HasPrefix(b, sm2Type) {
		return note.NewVerifier(vkey)
	}
	id, err := strconv.ParseUint(idText, 16, 32)
	if err != nil || len(idText) != 8 {
		return nil, errors.New("malformed verifier key: the id is not 8 hex digits")
	}
	if uint32(id) != keyID(name, b) {
		return nil, errors.New("malformed verifier key: the id does not match the key")
	}
	pub, err := sm2.NewPublicKey(b[len(sm2Type):])
	if err != nil {
		return nil, fmt.Errorf("malformed SM2 verifier key: %w", err)
	}
	return &sm2Verifier{name: name, id: uint32(id), pub: pub}, nil
}

func ed25519PublicFromSeed(seed []byte) []byte {
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
}
