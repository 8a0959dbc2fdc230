package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/ledger"
)

const witnessUsage = `govshare witness: witness a platform's evidence ledger (存证账本)

Usage:
  govshare witness --log URL --key FILE [--name NAME] [--log-keys FILE] [--state FILE] [--interval 1s] [--once]
      fetch the log's checkpoint every interval; when it grew, check with a consistency
      proof that it extends the last checkpoint this witness cosigned, cosign it
      (C2SP tlog-cosignature, timestamped Ed25519) and hand the cosignature to the
      platform, which publishes it with the checkpoint. Two checkpoints that cannot
      both be true (a split view: the same size with different roots, or a tree that
      does not extend the last) are reported to the platform and stop the witness
      with exit status 1.
      --key is the witness's key file (made on first use, named --name); the platform
      accepts its cosignatures once its public key, printed at start, is among the
      platform's --ledger-witnesses. --log-keys are the log's public keys (GET
      /ledger/keys, or DATA-DIR/keys/ledger.pub); without them the keys served on the
      first run are kept in STATE.keys and trusted from then on.`

func witnessCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("witness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stdout, witnessUsage) }
	logURL := fs.String("log", "", "the platform's base URL, e.g. https://data.example.gov.cn")
	keyFile := fs.String("key", "", "the witness's key file (created when missing)")
	name := fs.String("name", "", "the witness's name when its key is made, a schema-less URL (default witness.HOSTNAME)")
	logKeys := fs.String("log-keys", "", "file of the log's verifier keys, one a line")
	state := fs.String("state", "", "file keeping the last checkpoint cosigned (default KEY.state)")
	interval := fs.Duration("interval", time.Second, "between checks")
	once := fs.Bool("once", false, "check once and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
	}
	if *logURL == "" || *keyFile == "" {
		fmt.Fprintln(stderr, witnessUsage)
		return errors.New("witness: --log and --key are required")
	}
	if *name == "" {
		h, _ := os.Hostname()
		*name = "witness." + h
	}
	c, err := ledger.LoadCosigner(*keyFile, *name)
	if err != nil {
		return err
	}
	if *state == "" {
		*state = *keyFile + ".state"
	}
	keysText, err := witnessLogKeys(ctx, *logKeys, *logURL, *state+".keys", stdout)
	if err != nil {
		return err
	}
	verifiers, err := ledger.ParseVerifierKeys(keysText)
	if err != nil {
		return fmt.Errorf("log keys: %w", err)
	}
	fmt.Fprintf(stdout, "witness %s of %s\n  its public key (for the platform's --ledger-witnesses): %s\n", c.Name(), *logURL, c.VerifierKey())
	w := &ledger.Witness{LogURL: *logURL, LogKeys: verifiers, Cosigner: c, State: *state}
	t := time.NewTicker(*interval)
	defer t.Stop()
	for {
		size, signed, err := w.Step(ctx)
		var sv *ledger.SplitViewError
		switch {
		case errors.As(err, &sv):
			fmt.Fprintf(stdout, "SPLIT VIEW: %s\n--- older ---\n%s--- newer ---\n%s", sv.Reason, sv.Older, sv.Newer)
			return err
		case err != nil && ctx.Err() == nil:
			fmt.Fprintf(stderr, "witness: %v\n", err)
		case signed:
			fmt.Fprintf(stdout, "cosigned the checkpoint of size %d\n", size)
		}
		if *once {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// witnessLogKeys reads the log's keys from file, or from the keys kept at
// pinned, or fetches them from the log once and keeps them there.
func witnessLogKeys(ctx context.Context, file, logURL, pinned string, stdout io.Writer) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		return string(b), err
	}
	if b, err := os.ReadFile(pinned); err == nil {
		return string(b), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(logURL, "/")+"/ledger/keys", nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch the log's keys: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch the log's keys: %s", resp.Status)
	}
	if _, err := ledger.ParseVerifierKeys(string(b)); err != nil {
		return "", fmt.Errorf("the log's keys: %w", err)
	}
	if err := os.WriteFile(pinned, b, 0o600); err != nil {
		return "", err
	}
	fmt.Fprintf(stdout, "the log's keys, trusted from now on (kept in %s):\n%s", pinned, b)
	return string(b), nil
}
