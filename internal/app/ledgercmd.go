package app

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/internal/ledger"
)

const ledgerUsage = `govshare ledger: check the evidence ledger (存证账本) offline

Usage:
  govshare ledger verify --checkpoint FILE --leaf HASH [--proof FILE] (--key KEY ... | --keys FILE)
      check that the checkpoint (GET /ledger/checkpoint) is signed by the log's keys
      and that the leaf (its RFC 6962 hash in hex, the leaf_hash an anchor returns)
      is in its tree by the inclusion proof (GET /api/v1/ledger/proof/inclusion?hash=HASH&size=N,
      N the checkpoint's size); nothing but the public keys is trusted or fetched.
      The keys are signed-note verifier keys (GET /ledger/keys, or DATA-DIR/keys/ledger.pub):
      Ed25519 and SM2; every signature by a given key must hold.
      A failure names what failed: the signature, a proof for another tree, or the leaf.`

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func ledgerCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, ledgerUsage)
		if len(args) == 0 {
			return errors.New(`name a ledger command: "govshare ledger verify"`)
		}
		return nil
	}
	if args[0] != "verify" {
		fmt.Fprintln(stderr, ledgerUsage)
		return fmt.Errorf("unknown ledger command %q", args[0])
	}
	fs := flag.NewFlagSet("ledger verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stdout, ledgerUsage) }
	cpFile := fs.String("checkpoint", "", "file holding the signed checkpoint")
	leafHex := fs.String("leaf", "", "the leaf's hash, 64 hex digits")
	proofFile := fs.String("proof", "", "file holding the inclusion proof (JSON, as the API answers)")
	keysFile := fs.String("keys", "", "file of verifier keys, one a line")
	var keys multiFlag
	fs.Var(&keys, "key", "a verifier key (name+id+key); repeat for more")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
	}
	if *cpFile == "" || *leafHex == "" {
		return errors.New("ledger verify: --checkpoint and --leaf are required")
	}
	verifiers, err := readVerifierKeys(keys, *keysFile)
	if err != nil {
		return fmt.Errorf("keys: %w (give --key or --keys)", err)
	}
	cpText, err := os.ReadFile(*cpFile)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	cp, err := ledger.OpenCheckpoint(cpText, verifiers)
	if err != nil {
		return err
	}
	h, err := ledger.ParseHash(*leafHex)
	if err != nil {
		return errors.New("leaf: want the leaf hash as 64 hex digits")
	}
	leaf, _ := hex.DecodeString(h)
	var p ledger.InclusionProof
	switch {
	case *proofFile != "":
		b, err := os.ReadFile(*proofFile)
		if err != nil {
			return fmt.Errorf("proof: %w", err)
		}
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("proof: not an inclusion proof (JSON): %w", err)
		}
	case cp.Size == 1:
		p = ledger.InclusionProof{Index: 0, TreeSize: 1}
	default:
		return fmt.Errorf("proof: a tree of %d leaves needs --proof FILE (GET /api/v1/ledger/proof/inclusion?hash=%s&size=%d)", cp.Size, h, cp.Size)
	}
	if err := ledger.VerifyInclusion(cp, leaf, p); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verified: leaf %s is leaf %d of the tree of %d leaves of %s, checkpoint signed by %s\n",
		h, p.Index, cp.Size, cp.Origin, strings.Join(cp.Signed, ", "))
	return nil
}

// readVerifierKeys parses the ledger's verifier keys given on the command
// line (each may list several, separated by commas) and in a file, one a
// line.
func readVerifierKeys(keys []string, file string) ([]note.Verifier, error) {
	var text []string
	for _, k := range keys {
		text = append(text, strings.Split(k, ",")...)
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		text = append(text, string(b))
	}
	return ledger.ParseVerifierKeys(strings.Join(text, "\n"))
}
