package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// "govshare --help" lists every command and every benchmark, and each
// benchmark it lists runs.
func TestHelpListsEverything(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"--help"}, func(string) string { return "" }, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"serve", "node", "migrate", "audit verify", "catalog import|export", "ledger verify", "licence verify", "witness", "bench", "version"} {
		if !strings.Contains(out.String(), "govshare "+cmd) {
			t.Errorf("--help does not list %q:\n%s", cmd, out.String())
		}
	}
	for _, b := range benchmarks {
		if !strings.Contains(out.String(), b.name) {
			t.Errorf("--help does not list the benchmark %s", b.name)
		}
		var stderr bytes.Buffer
		err := benchCommand(context.Background(), []string{b.name, "--help"}, &stderr, &stderr)
		if err != nil && strings.Contains(err.Error(), "unknown benchmark") {
			t.Errorf("bench %s: %v", b.name, err)
		}
	}
}
