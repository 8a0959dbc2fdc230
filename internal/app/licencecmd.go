package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/licfile"
	"github.com/govshare/govshare/internal/seal"
)

const licenceUsage = `govshare licence: check an electronic licence file (电子证照) offline

Usage:
  govshare licence verify FILE.pdf --ca CA.pem (--log-key KEY[,KEY] ... | --log-keys FILE) [--lang zh|en]
      check, with nothing but the public keys and without the network:
        - every seal (SM2 signature) of the file over the bytes it signs, and that
          nothing but ledger evidence was added after the last one;
        - that each seal's certificate chains to the CA (CA.pem: the platform's seal CA,
          GET /api/v1/licences/ca.pem; a peer platform's CA for its licences, 互信互认);
        - that the licence data signed by the issuing department hashes (SM3) to what
          the ledger's issued event names, and that the event's record is in the tree
          of a checkpoint signed by the log's keys (GET /ledger/keys, or
          DATA-DIR/keys/ledger.pub; Ed25519 and SM2), by the attached inclusion proof.
      An annotated copy (加注件) also carries the platform's seal over the note of its use.
      Each check is printed; a failure names what failed (a tampered file, a seal from
      another CA, a proof for another tree, data not matching the event, or no evidence
      attached, when only the seals were checked) and the exit status is not 0.`

func licenceCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stdout, licenceUsage)
		if len(args) == 0 {
			return errors.New(`name a licence command: "govshare licence verify FILE.pdf"`)
		}
		return nil
	}
	if args[0] != "verify" {
		fmt.Fprintln(stderr, licenceUsage)
		return fmt.Errorf("unknown licence command %q", args[0])
	}
	fs := flag.NewFlagSet("licence verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stdout, licenceUsage) }
	caFile := fs.String("ca", "", "file of the trusted seal CA certificates (PEM)")
	keysFile := fs.String("log-keys", "", "file of the ledger's verifier keys, one a line")
	lang := fs.String("lang", "", "language of the report: zh or en (default: from LANG)")
	var keys multiFlag
	fs.Var(&keys, "log-key", "a ledger verifier key (name+id+key); several separated by commas, or repeat")
	// the file may come before or after the flags
	var file string
	rest := args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
	}
	if file == "" && fs.NArg() > 0 {
		file = fs.Arg(0)
	}
	if file == "" || *caFile == "" {
		return errors.New("licence verify: give the file and --ca CA.pem")
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	roots, err := seal.ParseCertificatesPEM(caPEM)
	if err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	verifiers, err := readVerifierKeys(keys, *keysFile)
	if err != nil {
		return fmt.Errorf("log keys: %w (give --log-key or --log-keys)", err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	if st.Size() > licfile.MaxFile {
		return fmt.Errorf("%s: larger than %d bytes, not a licence file", file, licfile.MaxFile)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	l := *lang
	if l == "" {
		l = "en"
		if strings.HasPrefix(os.Getenv("LANG"), "zh") {
			l = "zh"
		}
	}
	r, verr := licfile.Verify(b, roots, verifiers)
	for _, c := range r.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(stdout, "%s %-10s %s\n", mark, c.Name, c.Text.In(l))
	}
	for _, sg := range r.Signatures {
		fmt.Fprintf(stdout, "seal %-8s %s, certificate SHA-256 %s, signed at %s\n", sg.Role, sg.Signer, sg.Fingerprint, sg.SignedAt.UTC().Format(time.RFC3339))
	}
	if verr != nil {
		return fmt.Errorf("%s: not verified", file)
	}
	fmt.Fprintf(stdout, "verified: %s, licence %s (%s, %s), ledger leaf %d of %s's tree of %d\n",
		file, r.Identifier, r.TypeName, r.Issuer, r.LeafIndex, r.Origin, r.TreeSize)
	return nil
}
