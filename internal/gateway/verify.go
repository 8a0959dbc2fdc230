package gateway

import (
	"context"
	"crypto/hmac"
	"net/http"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// DefaultWindow is how far a request's timestamp may be from the server's
// clock, either way.
const DefaultWindow = 300 * time.Second

// Verifier checks the signature of data-service requests.
type Verifier struct {
	// Window is how far a timestamp may be from Now (DefaultWindow when
	// zero). A nonce is remembered for twice the window, as long as a
	// request carrying it could be accepted.
	Window time.Duration
	// Now is the server's clock (time.Now when nil).
	Now func() time.Time
	// Nonces remembers the nonces seen; it must be shared by every replica
	// that verifies for the same apps.
	Nonces NonceStore
	// Lookup returns an app's secret and the sign method it must use ("" to
	// accept either). For an app key it does not know it returns an error
	// with the code errs.NotFound; any other error is a failure of the
	// lookup, not of the request.
	Lookup func(ctx context.Context, appKey string) (secret []byte, signMethod string, err error)
}

func unauthorized(m *errs.Msg, args ...any) error {
	return errs.New(errs.Unauthorized, m, args...)
}

// Verify checks r, whose body the caller has read into body, and returns the
// app key that signed it. It checks, in this order: the four headers are
// present, the sign method is supported, the timestamp is Unix seconds
// within the window, the nonce has the right form, the app key is known and
// allowed the sign method, and the signature matches. Only then does it
// claim the nonce, so that a forged request cannot use up a nonce. Each
// failure is an *errs.Error with the code errs.Unauthorized and a message
// that says what is wrong (never the signature expected); a failing
// Lookup or nonce store is errs.Unavailable or the lookup's own error.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (appKey string, err error) {
	h := r.Header
	for _, name := range []string{HeaderAppKey, HeaderTimestamp, HeaderNonce, HeaderSignature} {
		if h.Get(name) == "" {
			return "", unauthorized(msgMissingHeader, name)
		}
	}
	appKey, ts, nonce, sig := h.Get(HeaderAppKey), h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature)
	method := h.Get(HeaderSignMethod)
	if method == "" {
		method = HMACSHA256
	}
	if method != HMACSHA256 && method != HMACSM3 {
		return "", unauthorized(msgSignMethodIn, method, HeaderSignMethod, HMACSHA256, HMACSM3)
	}

	window := v.Window
	if window <= 0 {
		window = DefaultWindow
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	sec, ok := parseUnix(ts)
	if !ok {
		return "", unauthorized(msgBadTimestamp, HeaderTimestamp, clip(ts), now.Unix())
	}
	if skew := sec - now.Unix(); skew > int64(window/time.Second) || -skew > int64(window/time.Second) {
		msg := msgClockAhead
		if skew < 0 {
			msg, skew = msgClockBehind, -skew
		}
		return "", unauthorized(msg, HeaderTimestamp, skew, int64(window/time.Second))
	}
	if !validNonce(nonce) {
		return "", unauthorized(msgBadNonce, HeaderNonce)
	}

	secret, want, err := v.Lookup(ctx, appKey)
	if errs.Is(err, errs.NotFound) {
		return "", unauthorized(msgUnknownAppKey, clip(appKey))
	}
	if err != nil {
		return "", err
	}
	if want != "" && want != method {
		return "", unauthorized(msgWrongMethod, clip(appKey), want, method)
	}

	canonical, err := Canonical(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, ts, nonce, body)
	if err != nil {
		return "", err
	}
	expected, err := Sign(method, secret, canonical)
	if err != nil {
		return "", unauthorized(msgSignMethod, method)
	}
	if !hmac.Equal([]byte(sig), []byte(expected)) {
		return "", unauthorized(msgSignatureDiffer, canonical, method)
	}

	fresh, err := v.Nonces.Claim(ctx, appKey, nonce, 2*window)
	if err != nil {
		return "", errs.WrapMsg(err, errs.Unavailable, msgNonceCheck)
	}
	if !fresh {
		return "", unauthorized(msgNonceUsed, nonce, HeaderNonce)
	}
	return appKey, nil
}

// parseUnix reads decimal seconds: digits only, at most 12 of them.
func parseUnix(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func validNonce(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// clip shortens a value echoed in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
