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

	"github.com/govshare/govshare/internal/errs"
)

var msgMalformedQuery = errs.Define("gateway.query.malformed",
	"query parameter %s: malformed percent-encoding",
	"查询参数 %s：百分号编码格式错误")

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
// METHOD is upper-cased; an empty path is "/". rawQuery is the query as
// sent (r.URL.RawQuery); CanonicalQuery says how it is written.
func Canonical(method, escapedPath, rawQuery, timestamp, nonce string, body []byte) (string, error) {
	if escapedPath == "" {
		escapedPath = "/"
	}
	query, err := CanonicalQuery(rawQuery)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.Grow(len(method) + len(escapedPath) + len(query) + len(timestamp) + len(nonce) + 72)
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	b.WriteString(escapedPath)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	b.WriteString(timestamp)
	b.WriteByte('\n')
	b.WriteString(nonce)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String(), nil
}

// CanonicalQuery is the query part of Canonical; an empty query is "". It
// reads rawQuery as ParseQuery does: parameters split at &, empty ones
// skipped, a name's value after its first =. Each name is decoded (+ is a
// space) and encoded again per RFC 3986 (Escape). Each value is split at
// its literal commas first, as ParseQuery splits lists, and every piece is
// decoded and encoded again, then joined with literal commas: so
// x.in=A,B (two values) stays x.in=A,B, and x.in=A%2CB (one value holding
// a comma) stays x.in=A%2CB, and the two never sign alike. The pairs are
// sorted by encoded name, then encoded value, and joined with &.
func CanonicalQuery(rawQuery string) (string, error) {
	var pairs [][2]string
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return "", errs.New(errs.Invalid, msgMalformedQuery, clip(rawName))
		}
		var v strings.Builder
		for i, piece := range strings.Split(rawValue, ",") {
			d, err := url.QueryUnescape(piece)
			if err != nil {
				return "", errs.New(errs.Invalid, msgMalformedQuery, clip(name))
			}
			if i > 0 {
				v.WriteByte(',')
			}
			v.WriteString(Escape(d))
		}
		pairs = append(pairs, [2]string{Escape(name), v.String()})
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
	return b.String(), nil
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
	ts := strconv.FormatInt(now.Unix(), 10)
	canonical, err := Canonical(req.Method, req.URL.EscapedPath(), req.URL.RawQuery, ts, nonce, body)
	if err != nil {
		return fmt.Errorf("gateway: the query cannot be signed: %w", err)
	}
	sig, err := Sign(method, []byte(secret), canonical)
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
