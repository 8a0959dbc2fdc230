package portal_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	npmOnce sync.Once
	npmDir  string
	npmErr  string
)

// npmModules installs testdata/npm's locked packages (npm ci) into a cache
// directory named by the lock file's hash, once, and returns it with the
// test scripts beside its node_modules. Without node and npm the test is
// skipped, unless CI is set, where it fails.
func npmModules(t *testing.T) string {
	t.Helper()
	npmOnce.Do(func() {
		_, errNode := exec.LookPath("node")
		_, errNPM := exec.LookPath("npm")
		if errNode != nil || errNPM != nil {
			npmErr = "node or npm is not installed"
			return
		}
		lock, err := os.ReadFile("testdata/npm/package-lock.json")
		if err != nil {
			npmErr = err.Error()
			return
		}
		sum := sha256.Sum256(lock)
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		dir := filepath.Join(cache, "govshare-test-npm", hex.EncodeToString(sum[:8]))
		if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				npmErr = err.Error()
				return
			}
			for _, f := range []string{"package.json", "package-lock.json"} {
				b, _ := os.ReadFile(filepath.Join("testdata/npm", f))
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					npmErr = err.Error()
					return
				}
			}
			cmd := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				npmErr = "npm ci: " + err.Error() + "\n" + string(out)
				return
			}
		}
		scripts, _ := filepath.Glob("testdata/npm/*.*js")
		for _, s := range scripts {
			b, _ := os.ReadFile(s)
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(s)), b, 0o644); err != nil {
				npmErr = err.Error()
				return
			}
		}
		npmDir = dir
	})
	if npmDir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("npm packages for the test: %s", npmErr)
		}
		t.Skipf("npm packages for the test: %s", npmErr)
	}
	return npmDir
}

// node runs a script of testdata/npm with args and returns its output.
func node(t *testing.T, script string, args ...string) []byte {
	t.Helper()
	dir := npmModules(t)
	cmd := exec.Command("node", append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += ": " + string(ee.Stderr)
		}
		t.Fatalf("node %s: %s", script, msg)
	}
	return out
}
