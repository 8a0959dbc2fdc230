package gateway_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/govshare/govshare/internal/gateway"
)

func TestCanonical(t *testing.T) {
	emptySHA := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		name   string
		method string
		path   string
		query  string
		body   string
		want   string
	}{
		{"empty query", "get", "/svc/v1/people", "", "", "GET\n/svc/v1/people\n\n1700000000\nnonce-123\n" + emptySHA},
		{"empty path", "GET", "", "", "", "GET\n/\n\n1700000000\nnonce-123\n" + emptySHA},
		{"sorted by name then value", "GET", "/svc/x", "b=2&a=2&a=10&c=", "",
			"GET\n/svc/x\na=10&a=2&b=2&c=\n1700000000\nnonce-123\n" + emptySHA},
		{"RFC 3986 encoding", "GET", "/svc/%E4%BA%BA%E5%8F%A3", "name=%E5%BC%A0+%E4%B8%89&q=a%2Bb%7E*&x.in=a,b", "",
			"GET\n/svc/%E4%BA%BA%E5%8F%A3\nname=%E5%BC%A0%20%E4%B8%89&q=a%2Bb~%2A&x.in=a,b\n1700000000\nnonce-123\n" + emptySHA},
		{"the example of the README", "GET", "/svc/v1/people", "page=2&name=%E5%BC%A0+%E4%B8%89&city.in=a,b", "",
			"GET\n/svc/v1/people\ncity.in=a,b&name=%E5%BC%A0%20%E4%B8%89&page=2\n1700000000\nnonce-123\n" + emptySHA},
		// A list is split at its literal commas before decoding, as ParseQuery
		// splits it: two values and one value holding a comma sign apart.
		{"list of two values", "GET", "/svc/x", "credit_code.in=A,B", "", "GET\n/svc/x\ncredit_code.in=A,B\n1700000000\nnonce-123\n" + emptySHA},
		{"one value with an escaped comma", "GET", "/svc/x", "credit_code.in=A%2CB", "", "GET\n/svc/x\ncredit_code.in=A%2CB\n1700000000\nnonce-123\n" + emptySHA},
		{"semicolon is part of a value", "GET", "/svc/x", "a=1;b", "", "GET\n/svc/x\na=1%3Bb\n1700000000\nnonce-123\n" + emptySHA},
		{"body", "POST", "/svc/x", "", "abc", "POST\n/svc/x\n\n1700000000\nnonce-123\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gateway.Canonical(tt.method, tt.path, tt.query, "1700000000", "nonce-123", []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Canonical() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSign(t *testing.T) {
	const canonical = "GET\n/svc/x\n\n1700000000\nnonce-123\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	secret := []byte("s3cret")
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(canonical))
	wantSHA := hex.EncodeToString(m.Sum(nil))
	m = hmac.New(sm3.New, secret)
	m.Write([]byte(canonical))
	wantSM3 := hex.EncodeToString(m.Sum(nil))
	for _, tt := range []struct{ method, want string }{{gateway.HMACSHA256, wantSHA}, {"", wantSHA}, {gateway.HMACSM3, wantSM3}} {
		got, err := gateway.Sign(tt.method, secret, canonical)
		if err != nil || got != tt.want {
			t.Errorf("Sign(%q) = %q, %v; want %q", tt.method, got, err, tt.want)
		}
	}
	if wantSHA == wantSM3 {
		t.Fatal("SM3 and SHA-256 HMACs are equal")
	}
	if _, err := gateway.Sign("HMAC-MD5", secret, canonical); err == nil {
		t.Error("Sign(HMAC-MD5) succeeded")
	}
}

func TestSignRequestKeepsTheBody(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://platform/svc/v1/x?b=1&a=%E5%BC%A0", strings.NewReader(`{"k":"张三"}`))
	now := time.Unix(1700000000, 0)
	if err := gateway.SignRequest(req, "app1", "secret", gateway.HMACSM3, now, "abcdefgh"); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != `{"k":"张三"}` || req.ContentLength != int64(len(body)) {
		t.Errorf("body after signing = %q (length %d)", body, req.ContentLength)
	}
	canonical, _ := gateway.Canonical("POST", "/svc/v1/x", req.URL.RawQuery, "1700000000", "abcdefgh", body)
	want, _ := gateway.Sign(gateway.HMACSM3, []byte("secret"), canonical)
	for h, v := range map[string]string{gateway.HeaderAppKey: "app1", gateway.HeaderTimestamp: "1700000000",
		gateway.HeaderNonce: "abcdefgh", gateway.HeaderSignMethod: gateway.HMACSM3, gateway.HeaderSignature: want} {
		if got := req.Header.Get(h); got != v {
			t.Errorf("%s = %q, want %q", h, got, v)
		}
	}
}
