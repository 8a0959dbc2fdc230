package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// VerifyError names what an offline check found wrong.
type VerifyError struct {
	What   string // "checkpoint", "signature", "tree", "leaf", "proof", "consistency"
	Reason string
}

func (e *VerifyError) Error() string { return e.What + ": " + e.Reason }

// ParsedCheckpoint is a checkpoint whose signatures were checked.
type ParsedCheckpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	Signed []string // names+ids of the keys whose signatures held
}

// ParseVerifierKeys reads verifier keys, one a line (blank lines and lines
// starting with # are skipped).
func ParseVerifierKeys(text string) ([]note.Verifier, error) {
	var vs []note.Verifier
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := NewVerifier(line)
		if err != nil {
			return nil, fmt.Errorf("key on line %d: %w", i+1, err)
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil, errors.New("no verifier keys given")
	}
	return vs, nil
}

// OpenCheckpoint checks a signed checkpoint against the known keys: every
// signature by a known key must hold and at least one must be there. The
// origin must be the keys' name.
func OpenCheckpoint(b []byte, keys []note.Verifier) (ParsedCheckpoint, error) {
	n, err := note.Open(b, note.VerifierList(keys...))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return ParsedCheckpoint{}, &VerifyError{"signature", fmt.Sprintf("the signature of key %s+%08x does not hold: the checkpoint was altered or not signed by that key", inv.Name, inv.Hash)}
		case errors.As(err, &unv):
			return ParsedCheckpoint{}, &VerifyError{"signature", "no signature by a known key: the checkpoint is signed by keys not given (another log, or a forged checkpoint)"}
		}
		return ParsedCheckpoint{}, &VerifyError{"checkpoint", "not a signed note: " + err.Error()}
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return ParsedCheckpoint{}, &VerifyError{"checkpoint", "not a checkpoint: want origin, size and root lines"}
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || (lines[1] != "0" && strings.HasPrefix(lines[1], "0")) {
		return ParsedCheckpoint{}, &VerifyError{"checkpoint", "the tree size line is not a decimal number"}
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != HashSize {
		return ParsedCheckpoint{}, &VerifyError{"checkpoint", "the root line is not a base64 SHA-256 hash"}
	}
	cp := ParsedCheckpoint{Origin: lines[0], Size: size, Root: root}
	for _, s := range n.Sigs {
		if s.Name != cp.Origin {
			continue
		}
		cp.Signed = append(cp.Signed, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	if len(cp.Signed) == 0 {
		return ParsedCheckpoint{}, &VerifyError{"signature", fmt.Sprintf("no signature by the log %q itself", cp.Origin)}
	}
	return cp, nil
}

// VerifyInclusion checks that leafHash is in the checkpoint's tree by p.
// It names a proof made for another tree and a leaf the proof is not for.
func VerifyInclusion(cp ParsedCheckpoint, leafHash []byte, p InclusionProof) error {
	if len(leafHash) != HashSize {
		return &VerifyError{"leaf", "the leaf hash is not 32 bytes"}
	}
	if p.TreeSize != cp.Size {
		return &VerifyError{"tree", fmt.Sprintf("the proof is for a tree of %d leaves, the checkpoint's has %d: fetch a proof for size %d", p.TreeSize, cp.Size, cp.Size)}
	}
	if len(p.Root) > 0 && !bytes.Equal(p.Root, cp.Root) {
		return &VerifyError{"tree", "the proof is for another tree: its root is not the checkpoint's"}
	}
	if p.LeafHash != "" && p.LeafHash != hex.EncodeToString(leafHash) {
		return &VerifyError{"leaf", "the proof is for another leaf"}
	}
	if p.Entry != "" && !bytes.Equal(rfc6962.DefaultHasher.HashLeaf([]byte(p.Entry)), leafHash) {
		return &VerifyError{"leaf", "the proof's record does not hash to the leaf"}
	}
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, p.Index, p.TreeSize, leafHash, p.Hashes, cp.Root); err != nil {
		return &VerifyError{"leaf", fmt.Sprintf("the leaf is not at index %d of the checkpoint's tree: the proof does not lead to its root", p.Index)}
	}
	return nil
}

// VerifyConsistency checks that the tree of older is a prefix of newer's.
func VerifyConsistency(older, newer ParsedCheckpoint, p ConsistencyProof) error {
	if p.From != older.Size || p.To != newer.Size {
		return &VerifyError{"tree", fmt.Sprintf("the proof is from %d to %d, the checkpoints are of %d and %d", p.From, p.To, older.Size, newer.Size)}
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, p.From, p.To, p.Hashes, older.Root, newer.Root); err != nil {
		return &VerifyError{"consistency", "the newer tree does not extend the older: the log forked or rewrote history"}
	}
	return nil
}
