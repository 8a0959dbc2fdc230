package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The licence file benchmark runs at a small scale and reports every step.
func TestLicenceFilesSmall(t *testing.T) {
	var out bytes.Buffer
	if err := LicenceFiles(context.Background(), LicenceFileOptions{Files: 6, Workers: 2, Target: Target{Dir: t.TempDir()}}, &out); err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"Master", "Deliver", "Verify", "bare SM2 CMS sign", "bare SM2 CMS verify"} {
		if !strings.Contains(out.String(), step) {
			t.Errorf("no %s line:\n%s", step, out.String())
		}
	}
	t.Log(out.String())
}
