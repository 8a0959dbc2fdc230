package gateway

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// PublicPolicy decides the calls of a public user's key (公众用户, of the
// open data portal): opendata.Service.DecidePublic, which answers the items
// and masks of a conditionally open entry the user's application for
// which its providing department approved.
type PublicPolicy interface {
	DecidePublic(ctx context.Context, user int64, code string, items, filtered []string) (sharing.Decision, error)
}

// Limits of a public user's key.
const (
	PublicRate       = 5.0  // calls a second
	PublicBurst      = 10   // calls at once
	PublicDailyQuota = 1000 // calls a day (China Standard Time)
)

// PublicKey is a public user's API key.
type PublicKey struct {
	UserID        int64     `json:"user_id"`
	AppKey        string    `json:"app_key"`
	SignMethod    string    `json:"sign_method"`
	RateLimit     float64   `json:"rate_limit" doc:"Calls a second"`
	Burst         int       `json:"burst"`
	DailyQuota    int       `json:"daily_quota" doc:"Calls a day"`
	State         string    `json:"state"`
	SecretPending bool      `json:"secret_pending" doc:"Its secret has not been read yet"`
	CreatedAt     time.Time `json:"created_at"`
}

// IssuePublicKey gives public user user an API key if they have none yet.
// Its secret is read once by the user (RevealPublicSecret).
func (s *Service) IssuePublicKey(ctx context.Context, user int64) error {
	key := "gp" + strings.ToLower(rand.Text()[:18])
	secret := rand.Text() + rand.Text()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO gateway_public_keys (user_id, app_key, secret, secret_revealed, rate_limit, burst,
			daily_quota, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
			user, key, s.secrets.Seal(secret), false, PublicRate, PublicBurst, PublicDailyQuota, AppActive, store.FormatTime(time.Now()))
		return err
	})
}

const selectPublicKey = "SELECT user_id, app_key, rate_limit, burst, daily_quota, state, NOT secret_revealed, created_at FROM gateway_public_keys"

func scanPublicKey(sc interface{ Scan(...any) error }) (PublicKey, error) {
	var k PublicKey
	var created string
	err := sc.Scan(&k.UserID, &k.AppKey, &k.RateLimit, &k.Burst, &k.DailyQuota, &k.State, &k.SecretPending, &created)
	k.CreatedAt, _ = store.ParseTime(created)
	k.SignMethod = HMACSHA256
	if errors.Is(err, sql.ErrNoRows) {
		return k, errs.New(errs.NotFound, msgNoPublicKey)
	}
	return k, err
}

// PublicKeyOf returns public user user's key, NotFound before any approval.
func (s *Service) PublicKeyOf(ctx context.Context, user int64) (PublicKey, error) {
	return scanPublicKey(s.db.QueryRow(ctx, selectPublicKey+" WHERE user_id = ?", user))
}

// RevealPublicSecret returns the secret of public user user's key, once.
func (s *Service) RevealPublicSecret(ctx context.Context, user int64) (string, error) {
	var secret string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var sealed string
		var revealed bool
		err := tx.QueryRow(ctx, "SELECT secret, secret_revealed FROM gateway_public_keys WHERE user_id = ?", user).Scan(&sealed, &revealed)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, msgNoPublicKey)
		}
		if err != nil {
			return err
		}
		if revealed {
			return errs.New(errs.Conflict, msgPublicSecretShown)
		}
		if secret, err = s.secrets.Open(sealed); err != nil {
			return errs.Wrap(err, errs.Internal, "the secret of a public key cannot be read")
		}
		res, err := tx.Exec(ctx, "UPDATE gateway_public_keys SET secret_revealed = ? WHERE user_id = ? AND secret_revealed = ?", true, user, false)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, msgPublicSecretShown)
		}
		return nil
	})
	return secret, err
}

// publicCredential returns the credential of a public key, NotFound for none.
func (s *Service) publicCredential(ctx context.Context, key string) (credential, error) {
	var sealed string
	var k PublicKey
	var created string
	err := s.db.QueryRow(ctx, "SELECT user_id, app_key, rate_limit, burst, daily_quota, state, created_at, secret FROM gateway_public_keys WHERE app_key = ?", key).
		Scan(&k.UserID, &k.AppKey, &k.RateLimit, &k.Burst, &k.DailyQuota, &k.State, &created, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return credential{}, errs.New(errs.NotFound, msgAppNotFound)
	}
	if err != nil {
		return credential{}, err
	}
	secret, err := s.secrets.Open(sealed)
	if err != nil {
		return credential{}, errs.Wrap(err, errs.Internal, "the secret of a public key cannot be read")
	}
	return credential{app: App{AppKey: k.AppKey, Name: "public", SignMethod: HMACSHA256, RateLimit: k.RateLimit, Burst: k.Burst, State: k.State},
		secret: []byte(secret), fetched: time.Now(), public: k.UserID, quota: k.DailyQuota}, nil
}

// quotas counts each public key's calls of the day, in this process (each
// replica counts its own, so a key's quota is per replica).
type quotas struct {
	mu  sync.Mutex
	day string
	m   map[string]int
}

var cst = time.FixedZone("CST", 8*3600)

// take counts one call of key and reports whether it is within quota.
func (q *quotas) take(key string, quota int, now time.Time) bool {
	day := now.In(cst).Format(time.DateOnly)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.day != day || q.m == nil {
		q.day, q.m = day, map[string]int{}
	}
	if q.m[key] >= quota {
		return false
	}
	q.m[key]++
	return true
}

// host is a remote address without its port.
func host(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// servePublic answers a call signed with a public user's key: rate-limited
// per key and per client address, counted against the key's daily quota,
// decided by the open data domain, then read, masked, metered and audited
// as an app's call.
func (s *Service) servePublic(ctx context.Context, r *http.Request, body []byte, cred credential, c *call) (*Result, error) {
	c.actor = "public:" + cred.app.AppKey
	if s.Public == nil {
		return nil, errs.New(errs.Forbidden, msgNoPublicKey)
	}
	if ok, after := s.limiter.Allow("pubaddr:"+host(r.RemoteAddr), cred.app.RateLimit, cred.app.Burst); !ok {
		return nil, &rateLimited{after: after, err: errs.New(errs.RateLimited, msgPublicAddrRate, after.Round(time.Millisecond).String())}
	}
	if ok, after := s.limiter.Allow("pub:"+cred.app.AppKey, cred.app.RateLimit, cred.app.Burst); !ok {
		return nil, &rateLimited{after: after, err: errs.New(errs.RateLimited, msgAppRate, cred.app.AppKey, cred.app.RateLimit, after.Round(time.Millisecond).String())}
	}
	if !s.quotas.take(cred.app.AppKey, cred.quota, time.Now()) {
		return nil, &rateLimited{after: time.Hour, err: errs.New(errs.RateLimited, msgPublicQuota, cred.quota)}
	}
	q, err := ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	var filtered []string
	for _, f := range q.Filters {
		filtered = append(filtered, f.Item)
	}
	d, err := s.Public.DecidePublic(ctx, cred.public, c.code, q.Fields, filtered)
	if err != nil {
		return nil, err
	}
	c.items = d.Items
	reader, err := s.reader(ctx, c.code, catalog.MountTable)
	if errs.Is(err, errs.Unavailable) {
		if api, aerr := s.reader(ctx, c.code, catalog.MountAPI); aerr == nil {
			return s.proxy(ctx, r, body, api, q, d, c)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.query(ctx, reader, q, d, c)
}
