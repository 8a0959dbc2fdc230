package gateway

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Request headers of the signing protocol.
const (
	HeaderAppKey     = "X-Gs-App-Key"
	HeaderTimestamp  = "X-Gs-Timestamp"
	HeaderNonce      = "X-Gs-Nonce"
	HeaderSignature  = "X-Gs-Signature"
	HeaderSignMethod = "X-Gs-Sign-Method"
)

// Sign methods: the HMAC of the canonical string with SHA-256 (the default
// when X-Gs-Sign-Method is absent) or with SM3. The body hash inside the
// canonical string is SHA-256 in both.
const (
	HMACSHA256 = "HMAC-SHA256"
	HMACSM3    = "HMAC-SM3"
)

// Canonical returns the string a request's signature covers:
//
//	METHOD \n escaped path \n canonical query \n timestamp \n nonce \n hex(SHA-256(body))
//
// METHOD is upper-cased; an empty path is "/". The canonical query encodes
// every name and value per RFC 3986 (unreserved A-Z a-z 0-9 - . _ ~ kept,
// every other byte %XX in upper-case hex, a space %20), sorts the pairs by
// encoded name, then encoded value, and joins them as name=value with &.
func Canonical(method, escapedPath string, query url.Values, timestamp, nonce string, body []byte) string {
	if escapedPath == "" {
		escapedPath = "/"
	}
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.Grow(len(method) + len(escapedPath) + len(timestamp) + len(nonce) + 128)
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	b.WriteString(escapedPath)
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(query))
	b.WriteByte('\n')
	b.WriteString(timestamp)
	b.WriteByte('\n')
	b.WriteString(nonce)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// CanonicalQuery is the query part of Canonical; an empty query is "".
func CanonicalQuery(query url.Values) string {
	pairs := make([][2]string, 0, len(query))
	for name, values := range query {
		n := Escape(name)
		for _, v := range values {
			pairs = append(pairs, [2]string{n, Escape(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(p[1])
	}
	return b.String()
}

// Escape percent-encodes s per RFC 3986: the unreserved characters
// A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (upper-case hex).
func Escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// Sign returns the lower-case hex HMAC of canonical under secret, by the sign
// method (HMACSHA256 or HMACSM3; "" is HMACSHA256).
func Sign(method string, secret []byte, canonical string) (string, error) {
	h, err := newHash(method)
	if err != nil {
		return "", err
	}
	m := hmac.New(h, secret)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil)), nil
}

func newHash(method string) (func() hash.Hash, error) {
	switch method {
	case HMACSHA256, "":
		return sha256.New, nil
	case HMACSM3:
		return sm3.New, nil
	}
	return nil, fmt.Errorf("gateway: unsupported sign method %q (want %s or %s)", method, HMACSHA256, HMACSM3)
}

// SignRequest signs req as an application holding appKey and secret would:
// it sets the X-Gs-* headers, with the timestamp now and the given nonce
// (8-64 characters of A-Z a-z 0-9 _ -, new for every request). method is
// HMACSHA256 or HMACSM3 ("" is HMACSHA256, and sends no X-Gs-Sign-Method).
// It reads the body and puts it back, so the request can still be sent.
func SignRequest(req *http.Request, appKey, secret string, method string, now time.Time, nonce string) error {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return fmt.Errorf("gateway: read the body to sign: %w", err)
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		return fmt.Errorf("gateway: the query cannot be signed: %w", err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	sig, err := Sign(method, []byte(secret), Canonical(req.Method, req.URL.EscapedPath(), query, ts, nonce, body))
	if err != nil {
		return err
	}
	req.Header.Set(HeaderAppKey, appKey)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, sig)
	if method != "" && method != HMACSHA256 {
		req.Header.Set(HeaderSignMethod, method)
	} else {
		req.Header.Del(HeaderSignMethod)
	}
	return nil
}
