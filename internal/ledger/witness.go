package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// cosignatureType is the signed-note type of timestamped Ed25519 witness
// cosignatures (C2SP tlog-cosignature).
const cosignatureType = 0x04

// Cosigner is a witness's Ed25519 key.
type Cosigner struct {
	name string
	priv ed25519.PrivateKey
	id   uint32
	now  func() time.Time
}

// Cosignature is one witness's cosignature of a checkpoint.
type Cosignature struct {
	Witness string    `json:"witness"`
	Line    string    `json:"line" doc:"The signature line to append to the checkpoint"`
	At      time.Time `json:"at"`
}

func cosignerKeyID(name string, pub ed25519.PublicKey) uint32 {
	return keyID(name, append([]byte{cosignatureType}, pub...))
}

// LoadCosigner reads a witness key from path, creating one named name when
// the file does not exist.
func LoadCosigner(path, name string) (*Cosigner, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := ParseOrigin(name); err != nil {
			return nil, fmt.Errorf("witness name: %w", err)
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		pub := priv.Public().(ed25519.PublicKey)
		skey := fmt.Sprintf("PRIVATE+KEY+%s+%08x+%s", name, cosignerKeyID(name, pub), base64.StdEncoding.EncodeToString(append([]byte{cosignatureType}, priv.Seed()...)))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := writeFileSync(path, []byte(skey+"\n"), 0o600); err != nil {
			return nil, err
		}
		b = []byte(skey)
	} else if err != nil {
		return nil, err
	}
	parts := strings.SplitN(strings.TrimSpace(string(b)), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return nil, fmt.Errorf("witness key %s: malformed", path)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != cosignatureType {
		return nil, fmt.Errorf("witness key %s: not an Ed25519 cosigner key", path)
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	c := &Cosigner{name: parts[2], priv: priv, now: time.Now}
	c.id = cosignerKeyID(c.name, priv.Public().(ed25519.PublicKey))
	return c, nil
}

// Name is the witness's key name.
func (c *Cosigner) Name() string { return c.name }

// VerifierKey is the witness's public key, as a signed-note verifier key
// with type 0x04, for the platform's --ledger-witnesses.
func (c *Cosigner) VerifierKey() string {
	pub := c.priv.Public().(ed25519.PublicKey)
	return fmt.Sprintf("%s+%08x+%s", c.name, c.id, base64.StdEncoding.EncodeToString(append([]byte{cosignatureType}, pub...)))
}

func cosignedMessage(t uint64, text string) []byte {
	return []byte("cosignature/v1\ntime " + strconv.FormatUint(t, 10) + "\n" + text)
}

// Cosign returns the signature line of a timestamped cosignature of the
// checkpoint text (its note body, ending in a newline).
func (c *Cosigner) Cosign(text string) string {
	t := uint64(c.now().Unix())
	sig := ed25519.Sign(c.priv, cosignedMessage(t, text))
	b := make([]byte, 4+8, 4+8+len(sig))
	binary.BigEndian.PutUint32(b, c.id)
	binary.BigEndian.PutUint64(b[4:], t)
	b = append(b, sig...)
	return "— " + c.name + " " + base64.StdEncoding.EncodeToString(b) + "\n"
}

// WitnessKey is a witness's public key as the platform knows it.
type WitnessKey struct {
	Name string
	ID   uint32
	Pub  ed25519.PublicKey
}

// ParseWitnessKey reads a witness verifier key (name+id+base64(0x04||key)).
func ParseWitnessKey(vkey string) (WitnessKey, error) {
	name, rest, ok1 := strings.Cut(strings.TrimSpace(vkey), "+")
	idText, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || name == "" {
		return WitnessKey{}, errors.New("malformed witness key: want name+id+key")
	}
	b, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(b) != 1+ed25519.PublicKeySize || b[0] != cosignatureType {
		return WitnessKey{}, errors.New("malformed witness key: want a type 0x04 Ed25519 cosigner key")
	}
	id, err := strconv.ParseUint(idText, 16, 32)
	pub := ed25519.PublicKey(b[1:])
	if err != nil || len(idText) != 8 || uint32(id) != cosignerKeyID(name, pub) {
		return WitnessKey{}, errors.New("malformed witness key: the id does not match the key")
	}
	return WitnessKey{Name: name, ID: uint32(id), Pub: pub}, nil
}

// VerifyCosignature checks a cosignature line of the checkpoint text by one
// of keys and returns the witness and the time it signed.
func VerifyCosignature(text, line string, keys []WitnessKey) (WitnessKey, time.Time, error) {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "— ")
	name, sig64, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || strings.ContainsAny(sig64, " \n") {
		return WitnessKey{}, time.Time{}, errors.New("not a signature line")
	}
	b, err := base64.StdEncoding.DecodeString(sig64)
	if err != nil || len(b) != 4+8+ed25519.SignatureSize {
		return WitnessKey{}, time.Time{}, errors.New("not an Ed25519 cosignature")
	}
	id := binary.BigEndian.Uint32(b)
	t := binary.BigEndian.Uint64(b[4:])
	for _, k := range keys {
		if k.Name != name || k.ID != id {
			continue
		}
		if t > 1<<63-1 || !ed25519.Verify(k.Pub, cosignedMessage(t, text), b[12:]) {
			return WitnessKey{}, time.Time{}, errors.New("the cosignature does not hold")
		}
		return k, time.Unix(int64(t), 0).UTC(), nil
	}
	return WitnessKey{}, time.Time{}, errors.New("not a known witness")
}

// noteText returns a signed note's text (without the signatures).
func noteText(signed string) (string, bool) {
	i := strings.LastIndex(signed, "\n\n")
	if i < 0 {
		return "", false
	}
	return signed[:i+1], true
}

// SplitViewError is two checkpoints of the log, both signed by its keys,
// that cannot both be true: the same size with different roots, or a newer
// tree that does not extend an older one.
type SplitViewError struct {
	Older, Newer string // the two signed checkpoints
	Reason       string
}

func (e *SplitViewError) Error() string { return "split view: " + e.Reason }

// Witness watches one log: it checks every new checkpoint against the last
// it cosigned (consistency proof from the log's API), cosigns it, and hands
// the cosignature back to the log. Its state is the last checkpoint it
// cosigned, kept in a file.
type Witness struct {
	LogURL   string // the platform's base URL
	LogKeys  []note.Verifier
	Cosigner *Cosigner
	State    string // file holding the last cosigned checkpoint
	Client   *http.Client
}

// Step fetches the log's checkpoint and, when it is new, checks and
// cosigns it. It returns the checkpoint's size and whether it cosigned; a
// split view comes back as a *SplitViewError (after being reported to the
// log).
func (w *Witness) Step(ctx context.Context) (uint64, bool, error) {
	cur, err := w.get(ctx, "/ledger/checkpoint")
	if err != nil {
		return 0, false, err
	}
	// The served checkpoint may carry cosignatures; the log's own signatures decide.
	cp, err := OpenCheckpoint(cur, w.LogKeys)
	if err != nil {
		return 0, false, fmt.Errorf("the log's checkpoint: %w", err)
	}
	last, _ := os.ReadFile(w.State)
	if len(last) > 0 {
		old, err := OpenCheckpoint(last, w.LogKeys)
		if err != nil {
			return 0, false, fmt.Errorf("witness state %s: %w", w.State, err)
		}
		switch {
		case cp.Size < old.Size:
			return cp.Size, false, nil // an older checkpoint (a lagging replica): nothing to sign
		case cp.Size == old.Size && bytes.Equal(cp.Root, old.Root):
			return cp.Size, false, nil
		case cp.Size == old.Size:
			return cp.Size, false, w.raise(ctx, last, cur, fmt.Sprintf("two checkpoints of size %d with different roots", cp.Size))
		}
		b, err := w.get(ctx, fmt.Sprintf("/api/v1/ledger/proof/consistency?from=%d&to=%d", old.Size, cp.Size))
		if err != nil {
			return cp.Size, false, err
		}
		var p ConsistencyProof
		if err := json.Unmarshal(b, &p); err != nil {
			return cp.Size, false, fmt.Errorf("consistency proof: %w", err)
		}
		if err := VerifyConsistency(old, cp, p); err != nil {
			return cp.Size, false, w.raise(ctx, last, cur, fmt.Sprintf("the tree of %d does not extend the tree of %d it had signed", cp.Size, old.Size))
		}
	}
	text, _ := noteText(string(cur))
	line := w.Cosigner.Cosign(text)
	body, _ := json.Marshal(map[string]string{"checkpoint": string(cur), "cosignature": line})
	if _, err := w.post(ctx, "/api/v1/ledger/cosignatures", body); err != nil {
		return cp.Size, false, err
	}
	if err := writeFileSync(w.State, cur, 0o600); err != nil {
		return cp.Size, false, fmt.Errorf("witness state: %w", err)
	}
	return cp.Size, true, nil
}

// raise reports a split view to the log (which records it) and returns it.
func (w *Witness) raise(ctx context.Context, older, newer []byte, reason string) error {
	sv := &SplitViewError{Older: string(older), Newer: string(newer), Reason: reason}
	body, _ := json.Marshal(map[string]string{"older": sv.Older, "newer": sv.Newer, "witness": w.Cosigner.Name()})
	if _, err := w.post(ctx, "/api/v1/ledger/split-views", body); err != nil {
		return errors.Join(sv, fmt.Errorf("report it to the log: %w", err))
	}
	return sv
}

func (w *Witness) get(ctx context.Context, path string) ([]byte, error) {
	return w.do(ctx, http.MethodGet, path, nil)
}

func (w *Witness) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	return w.do(ctx, http.MethodPost, path, body)
}

func (w *Witness) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	u := strings.TrimSuffix(w.LogURL, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c := w.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return b, nil
}
