package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/gateway"
)

var clock = time.Unix(1_700_000_000, 0)

type app struct {
	secret string
	method string
}

func verifier(nonces gateway.NonceStore) *gateway.Verifier {
	apps := map[string]app{"app1": {"secret-1", ""}, "gm": {"secret-gm", gateway.HMACSM3}, "broken": {}}
	return &gateway.Verifier{
		Now:    func() time.Time { return clock },
		Nonces: nonces,
		Lookup: func(_ context.Context, key string) ([]byte, string, error) {
			if key == "broken" {
				return nil, "", errors.New("database down")
			}
			a, ok := apps[key]
			if !ok {
				return nil, "", &errs.Error{Code: errs.NotFound, Message: "no app " + key}
			}
			return []byte(a.secret), a.method, nil
		},
	}
}

// signed returns a request signed by key with secret, then changed by edit.
func signed(t *testing.T, key, secret, method string, at time.Time, nonce, body string, edit func(r *http.Request)) (*http.Request, []byte) {
	t.Helper()
	r, err := http.NewRequest("POST", "http://platform/svc/v1/%E4%BA%BA%E5%8F%A3?page=2&name=%E5%BC%A0%E4%B8%89&x.in=a,b", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := gateway.SignRequest(r, key, secret, method, at, nonce); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(r)
	}
	return r, []byte(body)
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		secret  string
		method  string
		at      time.Time
		nonce   string
		edit    func(r *http.Request)
		body    string // what the server read, when not the signed body
		wantErr string // "" for accepted
		code    string
	}{
		{name: "valid", key: "app1", secret: "secret-1"},
		{name: "valid SM3", key: "app1", secret: "secret-1", method: gateway.HMACSM3},
		{name: "valid at the edge of the window", key: "app1", secret: "secret-1", at: clock.Add(-300 * time.Second)},
		{name: "app that must use SM3", key: "gm", secret: "secret-gm", method: gateway.HMACSM3},
		{name: "missing app key", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Del(gateway.HeaderAppKey) }, wantErr: "missing header X-Gs-App-Key"},
		{name: "missing timestamp", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Del(gateway.HeaderTimestamp) }, wantErr: "missing header X-Gs-Timestamp"},
		{name: "missing nonce", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Del(gateway.HeaderNonce) }, wantErr: "missing header X-Gs-Nonce"},
		{name: "missing signature", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Del(gateway.HeaderSignature) }, wantErr: "missing header X-Gs-Signature"},
		{name: "unsupported method", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Set(gateway.HeaderSignMethod, "HMAC-MD5") }, wantErr: "unsupported sign method"},
		{name: "timestamp in milliseconds", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Set(gateway.HeaderTimestamp, "1700000000000") }, wantErr: "bad X-Gs-Timestamp"},
		{name: "timestamp not a number", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Set(gateway.HeaderTimestamp, "2023-11-14T22:13:20Z") }, wantErr: "bad X-Gs-Timestamp"},
		{name: "timestamp too old", key: "app1", secret: "secret-1", at: clock.Add(-301 * time.Second), wantErr: "301s behind"},
		{name: "timestamp in the future", key: "app1", secret: "secret-1", at: clock.Add(time.Hour), wantErr: "3600s ahead of"},
		{name: "nonce too short", key: "app1", secret: "secret-1", nonce: "abc", wantErr: "bad X-Gs-Nonce"},
		{name: "nonce with bad characters", key: "app1", secret: "secret-1", nonce: "abc def ghi", wantErr: "bad X-Gs-Nonce"},
		{name: "unknown app", key: "nobody", secret: "x", wantErr: `unknown app key "nobody"`},
		{name: "lookup fails", key: "broken", secret: "x", wantErr: "database down", code: errs.Internal},
		{name: "app requires SM3", key: "gm", secret: "secret-gm", wantErr: "signs with HMAC-SM3"},
		{name: "wrong secret", key: "app1", secret: "secret-2", wantErr: "signature does not match"},
		{name: "body changed", key: "app1", secret: "secret-1", body: `{"x":2}`, wantErr: "signature does not match"},
		{name: "query changed", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.URL.RawQuery = "page=3&name=%E5%BC%A0%E4%B8%89&x.in=a,b" }, wantErr: "signature does not match"},
		{name: "path changed", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/svc/v1/other", "" }, wantErr: "signature does not match"},
		{name: "method changed", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Method = "PUT" }, wantErr: "signature does not match"},
		{name: "sign method changed", key: "app1", secret: "secret-1", edit: func(r *http.Request) { r.Header.Set(gateway.HeaderSignMethod, gateway.HMACSM3) }, wantErr: "signature does not match"},
		{name: "upper-case hex", key: "app1", secret: "secret-1", edit: func(r *http.Request) {
			r.Header.Set(gateway.HeaderSignature, strings.ToUpper(r.Header.Get(gateway.HeaderSignature)))
		}, wantErr: "signature does not match"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := verifier(gateway.NewMemoryNonces(0))
			at := tt.at
			if at.IsZero() {
				at = clock
			}
			nonce := tt.nonce
			if nonce == "" {
				nonce = "nonce-" + strings.Repeat("x", 4) + string(rune('a'+i%26))
			}
			r, body := signed(t, tt.key, tt.secret, tt.method, at, nonce, `{"x":1}`, tt.edit)
			if tt.body != "" {
				body = []byte(tt.body)
			}
			got, err := v.Verify(context.Background(), r, body)
			if tt.wantErr == "" {
				if err != nil || got != tt.key {
					t.Fatalf("Verify() = %q, %v; want %q, nil", got, err, tt.key)
				}
				return
			}
			code := tt.code
			if code == "" {
				code = errs.Unauthorized
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || errs.CodeOf(err) != code {
				t.Fatalf("Verify() = %q, %v; want a %s error containing %q", got, err, code, tt.wantErr)
			}
			if strings.Contains(tt.wantErr, "does not match") {
				m := r.Header.Get(gateway.HeaderSignMethod)
				canonical, _ := gateway.Canonical(r.Method, r.URL.EscapedPath(), r.URL.RawQuery,
					r.Header.Get(gateway.HeaderTimestamp), nonce, body)
				expected, _ := gateway.Sign(m, []byte("secret-1"), canonical)
				if strings.Contains(err.Error(), expected) {
					t.Errorf("the message echoes the expected signature: %v", err)
				}
			}
		})
	}
}

// countingNonces counts claims, to show that rejected requests claim none.
type countingNonces struct {
	gateway.NonceStore
	claims int
}

func (c *countingNonces) Claim(ctx context.Context, appKey, nonce string, ttl time.Duration) (bool, error) {
	c.claims++
	return c.NonceStore.Claim(ctx, appKey, nonce, ttl)
}

func TestVerifyReplayAndForgery(t *testing.T) {
	nonces := &countingNonces{NonceStore: gateway.NewMemoryNonces(0)}
	v := verifier(nonces)
	ctx := context.Background()

	// A forged request with the nonce a real one will use claims nothing.
	forged, body := signed(t, "app1", "guessed", "", clock, "nonce-shared", "{}", nil)
	if _, err := v.Verify(ctx, forged, body); err == nil || nonces.claims != 0 {
		t.Fatalf("forged request: %v, %d claims; want a mismatch and no claim", err, nonces.claims)
	}
	real, body := signed(t, "app1", "secret-1", "", clock, "nonce-shared", "{}", nil)
	if _, err := v.Verify(ctx, real, body); err != nil {
		t.Fatalf("the real request after a forged one with its nonce: %v", err)
	}
	replay, body := signed(t, "app1", "secret-1", "", clock, "nonce-shared", "{}", nil)
	if _, err := v.Verify(ctx, replay, body); err == nil || !strings.Contains(err.Error(), "already used") || !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("replay: %v, want nonce already used", err)
	}
	// An old request's nonce is still remembered when its timestamp would pass.
	stale, body := signed(t, "app1", "secret-1", "", clock.Add(-400*time.Second), "nonce-stale", "{}", nil)
	if _, err := v.Verify(ctx, stale, body); err == nil || !strings.Contains(err.Error(), "400s behind") || nonces.claims != 2 {
		t.Fatalf("stale request: %v after %d claims; want 400s behind, checked before the nonce", err, nonces.claims)
	}
	// The same nonce under another app is another nonce.
	other, body := signed(t, "gm", "secret-gm", gateway.HMACSM3, clock, "nonce-shared", "{}", nil)
	if _, err := v.Verify(ctx, other, body); err != nil {
		t.Fatalf("another app's request with the same nonce: %v", err)
	}
}
