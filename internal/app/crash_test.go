package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
)

// buildBinary compiles govshare once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "govshare-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "govshare")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/govshare/govshare/cmd/govshare").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// startProcess runs the real binary and returns its URL.
func startProcess(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	r := launch(t, args...)
	select {
	case base := <-r.base:
		waitReady(t, base)
		return r.cmd, base
	case <-time.After(60 * time.Second):
		t.Fatal("govshare did not start")
	}
	return nil, ""
}

// TestKillDuringWritesLosesNothing kills the platform with SIGKILL in the
// middle of a burst of writes: every acknowledged write must survive and the
// audit chain must still verify.
func TestKillDuringWritesLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	dir := t.TempDir()
	cmd, base := startProcess(t, "--data-dir", dir, "--admin-password", testPassword)
	admin := login(t, base, "admin", testPassword)
	if status, body := admin.do("POST", "/api/v1/regions", map[string]string{"code": "430200"}); status != 201 {
		t.Fatalf("create region: %d %v", status, body)
	}
	var acked sync.Map
	var count atomic.Int64
	var seq atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(seq.Add(1))
				name := fmt.Sprintf("压力测试局%05d", i)
				body := fmt.Sprintf(`{"name":%q,"credit_code":%q,"region_code":"430200"}`, name, demo.CreditCode(1000+i, demo.Department{Region: "430200"}))
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/departments", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+admin.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return // the server is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					acked.Store(name, true)
					count.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for count.Load() < 150 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	cancel()
	wg.Wait()
	if count.Load() == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}

	_, base = startProcess(t, "--data-dir", dir, "--admin-password", testPassword)
	admin = login(t, base, "admin", testPassword)
	present := map[string]bool{}
	for page := 1; ; page++ {
		status, body := admin.do("GET", fmt.Sprintf("/api/v1/departments?page=%d&page_size=200&q=%s", page, url.QueryEscape("压力测试局")), nil)
		if status != 200 {
			t.Fatalf("list after restart: %d %v", status, body)
		}
		items := body["items"].([]any)
		for _, it := range items {
			present[it.(map[string]any)["name"].(string)] = true
		}
		if len(items) < 200 {
			break
		}
	}
	lost := 0
	acked.Range(func(k, _ any) bool {
		if !present[k.(string)] {
			lost++
			t.Errorf("acknowledged department %s lost after kill -9", k)
		}
		return lost < 5
	})
	t.Logf("%d writes acknowledged before kill -9, %d present after restart", count.Load(), len(present))

	bin, _ := buildBinary()
	out, err := exec.Command(bin, "audit", "verify", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("audit verify after kill -9: %v\n%s", err, out)
	}
}
