package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a command's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// platformUnderTest is a platform started by Run in this process.
type platformUnderTest struct {
	URL    string
	Stdout *syncBuffer
	stop   func() error
}

var consoleLine = regexp.MustCompile(`console: (https?://[^/\s]+)/`)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// start runs "govshare serve" with args on a random port and waits for /readyz.
func start(t *testing.T, args ...string) *platformUnderTest {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	// A small demo population (人口基础库) spares the machine; a test that needs the 1% city passes --demo-people.
	args = append([]string{"serve", "--listen", "127.0.0.1:0", "--demo-people", "2000"}, args...)
	if !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--demo-nodes") }) {
		// The demo's front-end nodes only where a test asks for them
		// (demonodes_test.go): the other tests count their own nodes.
		args = append(args, "--demo-nodes=false")
	}
	go func() { done <- Run(ctx, args, env(nil), out, errOut) }()
	p := &platformUnderTest{Stdout: out}
	var once sync.Once
	var stopErr error
	p.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = context.DeadlineExceeded
			}
		})
		return stopErr
	}
	t.Cleanup(func() { p.stop() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstdout: %s\nstderr: %s", err, out, errOut)
		default:
		}
		if m := consoleLine.FindStringSubmatch(out.String()); m != nil {
			p.URL = m[1]
			waitReady(t, p.URL)
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("serve did not start\nstdout: %s\nstderr: %s", out, errOut)
	return nil
}

func waitReady(t testing.TB, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

// client calls the REST API.
type client struct {
	t     testing.TB
	base  string
	token string
}

func (c *client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	status, raw := c.raw(method, path, body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return status, out
}

func (c *client) raw(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// login returns a client holding a session token for user.
func login(t testing.TB, base, user, password string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	status, body := c.do("POST", "/api/v1/session", map[string]string{"username": user, "password": password})
	if status != http.StatusCreated {
		t.Fatalf("login %s: %d %v", user, status, body)
	}
	c.token = body["token"].(string)
	return c
}
