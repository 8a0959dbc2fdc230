package opendata

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
)

// Channels a verification code is sent by.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Message is a verification code on its way to a public user.
type Message struct {
	Channel string // email or sms
	To      string // the address: an e-mail address or a mobile number
	Code    string
	Expires time.Time
}

// Text is the message's words, in Chinese (the platform's language to the public).
func (m Message) Text() string {
	return fmt.Sprintf("【政务数据开放平台】您的验证码为 %s，%d 分钟内有效。如非本人操作，请忽略。", m.Code, int(CodeTTL/time.Minute))
}

// Sender sends verification codes: an SMTP relay or an SMS gateway in
// production, LogSender in the demo and tests. Send must not keep m
// beyond the call.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// LogSender "sends" a code by writing it to a log: for the demo and for
// development, where no mail or SMS gateway is set up. It must not be used
// where the log is read by others than the addressee.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (l LogSender) Send(ctx context.Context, m Message) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "open data verification code (log sender)", "channel", m.Channel, "to", m.To, "code", m.Code)
	return nil
}

// Outbox keeps the messages it is given, newest last: a sender for tests
// and for tools that hand codes on themselves.
type Outbox struct {
	mu   sync.Mutex
	msgs []Message
}

// Send keeps m.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	o.mu.Lock()
	o.msgs = append(o.msgs, m)
	o.mu.Unlock()
	return nil
}

// Last returns the last message sent to addr.
func (o *Outbox) Last(addr string) (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == addr {
			return o.msgs[i], true
		}
	}
	return Message{}, false
}

// Limits of verification codes.
const (
	CodeTTL         = 10 * time.Minute // a code is valid for
	CodeAttempts    = 5                // wrong guesses before a code is void
	ResendAfter     = time.Minute      // no new code to an address before
	SendsPerHour    = 5                // codes to one address in an hour
	SessionTTL      = 7 * 24 * time.Hour
	maxName         = 32
	userActive      = "active"
	codeDigits      = 6
	addressLimitMax = 254
)

// User is a registered public user (公众用户).
type User struct {
	ID        int64     `json:"id"`
	Address   string    `json:"address"` // the e-mail address or mobile number registered
	Channel   string    `json:"channel"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Masked is the user's address with its middle hidden, for pages others see.
func (u User) Masked() string { return maskAddress(u.Address) }

func maskAddress(a string) string {
	if at := strings.IndexByte(a, '@'); at > 0 {
		local := a[:at]
		if len(local) > 2 {
			local = local[:2] + "***"
		}
		return local + a[at:]
	}
	if len(a) == 11 {
		return a[:3] + "****" + a[7:]
	}
	return "***"
}

// NormalizeAddress checks an e-mail address or a mainland mobile number and
// returns it in the one form it is stored in, and its channel.
func NormalizeAddress(s string) (addr, channel string, err error) {
	s = strings.TrimSpace(s)
	if len(s) > addressLimitMax {
		return "", "", errs.FieldMsg("address", msgAddress)
	}
	if strings.Contains(s, "@") {
		a, perr := mail.ParseAddress(s)
		if perr != nil || a.Address != s || a.Name != "" || strings.ContainsAny(s, " <>\"") {
			return "", "", errs.FieldMsg("address", msgAddress)
		}
		at := strings.LastIndexByte(s, '@')
		domain := strings.ToLower(s[at+1:])
		if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
			return "", "", errs.FieldMsg("address", msgAddress)
		}
		return s[:at] + "@" + domain, ChannelEmail, nil
	}
	p := strings.NewReplacer(" ", "", "-", "").Replace(s)
	p = strings.TrimPrefix(strings.TrimPrefix(p, "+86"), "0086")
	if len(p) != 11 || p[0] != '1' || p[1] < '3' {
		return "", "", errs.FieldMsg("address", msgAddress)
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return "", "", errs.FieldMsg("address", msgAddress)
		}
	}
	return p, ChannelSMS, nil
}

// addrLimiter limits per client address, in this process (each replica
// counts its own), how often codes are asked for and tried.
type addrLimiter struct {
	mu    sync.Mutex
	per   rate.Limit
	burst int
	m     map[string]*rate.Limiter
	swept time.Time
}

func newAddrLimiter(perHour float64, burst int) *addrLimiter {
	return &addrLimiter{per: rate.Limit(perHour / 3600), burst: burst, m: map[string]*rate.Limiter{}}
}

func (l *addrLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 10*time.Minute {
		for k, b := range l.m {
			if b.TokensAt(now) >= float64(l.burst) {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	b := l.m[addr]
	if b == nil {
		b = rate.NewLimiter(l.per, l.burst)
		l.m[addr] = b
	}
	return b.AllowN(now, 1)
}

func hashCode(salt, addr, code string) string {
	h := sha256.Sum256([]byte(salt + "\x00" + addr + "\x00" + code))
	return hex.EncodeToString(h[:])
}

func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%0*d", codeDigits, n.Int64())
}

// RequestCode sends a verification code to addr, for registering or
// logging in alike: its answer is the same whether an account exists or
// not, so that nobody learns who is registered. client is the caller's
// address. Codes are stored hashed and expire after CodeTTL; an address
// gets at most one a minute and SendsPerHour an hour, a client address a
// few an hour.
func (s *Service) RequestCode(ctx context.Context, address, client string) error {
	addr, channel, err := NormalizeAddress(address)
	if err != nil {
		return err
	}
	now := s.now()
	if !s.codeAsks.allow(client, now) {
		return errs.New(errs.RateLimited, msgCodeClient)
	}
	code := newCode()
	salt := rand.Text()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var sent, winStart string
		var sends int
		err := tx.QueryRow(ctx, "SELECT sent_at, window_start, window_sends FROM opendata_codes WHERE address = ?", addr).Scan(&sent, &winStart, &sends)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.Exec(ctx, `INSERT INTO opendata_codes (address, salt, hash, expires_at, attempts, sent_at, window_start, window_sends)
				VALUES (?, ?, ?, ?, 0, ?, ?, 1)`, addr, salt, hashCode(salt, addr, code), store.FormatTime(now.Add(CodeTTL)),
				store.FormatTime(now), store.FormatTime(now))
			return err
		case err != nil:
			return err
		}
		last, _ := store.ParseTime(sent)
		if now.Sub(last) < ResendAfter {
			return errs.New(errs.RateLimited, msgCodeResend, int(ResendAfter/time.Second))
		}
		start, _ := store.ParseTime(winStart)
		if now.Sub(start) >= time.Hour {
			start, sends = now, 0
		}
		if sends >= SendsPerHour {
			return errs.New(errs.RateLimited, msgCodeHourly, SendsPerHour)
		}
		_, err = tx.Exec(ctx, `UPDATE opendata_codes SET salt = ?, hash = ?, expires_at = ?, attempts = 0, sent_at = ?, window_start = ?,
			window_sends = ? WHERE address = ?`, salt, hashCode(salt, addr, code), store.FormatTime(now.Add(CodeTTL)), store.FormatTime(now),
			store.FormatTime(start), sends+1, addr)
		return err
	})
	if err != nil {
		return err
	}
	if err := s.sender().Send(ctx, Message{Channel: channel, To: addr, Code: code, Expires: now.Add(CodeTTL)}); err != nil {
		s.logger().Warn("send verification code", "channel", channel, "err", err)
		return errs.WrapMsg(err, errs.Unavailable, msgCodeSend)
	}
	return nil
}

func (s *Service) sender() Sender {
	if s.Sender != nil {
		return s.Sender
	}
	return LogSender{Log: s.logger()}
}

// Session is a public user's login.
type Session struct {
	Token   string // for the cookie; stored only hashed
	User    User
	Expires time.Time
	Created bool // the login registered the user
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Verify checks a code sent to address and logs its owner in, registering
// them (with name, or a name made from the masked address) when the
// address has no account yet. A wrong, expired or used code gets one
// answer, the same for a registered address and an unknown one.
func (s *Service) Verify(ctx context.Context, address, code, name, client string) (Session, error) {
	addr, channel, err := NormalizeAddress(address)
	if err != nil {
		return Session{}, err
	}
	code = strings.TrimSpace(code)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxName {
		return Session{}, errs.FieldMsg("name", msgName, maxName)
	}
	now := s.now()
	if !s.codeTries.allow(client, now) {
		return Session{}, errs.New(errs.RateLimited, msgCodeClient)
	}
	var sess Session
	var refused error
	wrong := errs.FieldMsg("code", msgCodeWrong)
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var salt, hash, expires string
		var attempts int
		err := tx.QueryRow(ctx, "SELECT salt, hash, expires_at, attempts FROM opendata_codes WHERE address = ?", addr).Scan(&salt, &hash, &expires, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return wrong
		}
		if err != nil {
			return err
		}
		exp, _ := store.ParseTime(expires)
		if hash == "" || attempts >= CodeAttempts || now.After(exp) {
			return wrong
		}
		if subtle.ConstantTimeCompare([]byte(hashCode(salt, addr, code)), []byte(hash)) != 1 {
			_, err := tx.Exec(ctx, "UPDATE opendata_codes SET attempts = attempts + 1 WHERE address = ?", addr)
			if err != nil {
				return err
			}
			refused = wrong // the wrong guess counts: commit it
			return nil
		}
		// A code is good once.
		if _, err := tx.Exec(ctx, "UPDATE opendata_codes SET hash = '', attempts = 0 WHERE address = ?", addr); err != nil {
			return err
		}
		u, err := s.userBy(ctx, tx, "address = ?", addr)
		if errs.Is(err, errs.NotFound) {
			if name == "" {
				name = "用户" + maskAddress(addr)
			}
			if err := tx.QueryRow(ctx, "INSERT INTO opendata_users (address, channel, name, state, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
				addr, channel, name, userActive, store.FormatTime(now)).Scan(&u.ID); err != nil {
				return err
			}
			u = User{ID: u.ID, Address: addr, Channel: channel, Name: name, CreatedAt: now}
			sess.Created = true
			if err := s.audit.Append(ctx, tx, publicEntry(u, "opendata.register", client, audit.Success, audit.Keyed(auditRegister, channel))); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		token := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text()))
		sess.Token, sess.User, sess.Expires = token, u, now.Add(SessionTTL)
		if _, err := tx.Exec(ctx, "INSERT INTO opendata_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
			tokenHash(token), u.ID, store.FormatTime(now), store.FormatTime(sess.Expires)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE opendata_users SET last_login = ? WHERE id = ?", store.FormatTime(now), u.ID); err != nil {
			return err
		}
		return s.audit.Append(ctx, tx, publicEntry(u, "opendata.login", client, audit.Success, ""))
	})
	if err == nil && refused != nil {
		return Session{}, refused
	}
	return sess, err
}

func publicEntry(u User, action, client, outcome, detail string) audit.Entry {
	return audit.Entry{Actor: "public:" + maskAddress(u.Address), Action: action, Target: fmt.Sprintf("public_user:%d", u.ID),
		Outcome: outcome, ClientAddr: client, Detail: detail}
}

type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Service) userBy(ctx context.Context, q querier, cond string, arg any) (User, error) {
	var u User
	var created, state string
	err := q.QueryRow(ctx, "SELECT id, address, channel, name, state, created_at FROM opendata_users WHERE "+cond, arg).
		Scan(&u.ID, &u.Address, &u.Channel, &u.Name, &state, &created)
	if errors.Is(err, sql.ErrNoRows) || err == nil && state != userActive {
		return User{}, errs.New(errs.NotFound, msgNoUser)
	}
	u.CreatedAt, _ = store.ParseTime(created)
	return u, err
}

// Authenticate returns the public user of a session token, Unauthorized
// for none or an expired one. Staff sessions are not public sessions: the
// two live in different tables and cookies.
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	if token == "" || len(token) > 200 {
		return User{}, errs.New(errs.Unauthorized, msgLogin)
	}
	var uid int64
	var expires string
	err := s.db.QueryRow(ctx, "SELECT user_id, expires_at FROM opendata_sessions WHERE token_hash = ?", tokenHash(token)).Scan(&uid, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.New(errs.Unauthorized, msgLogin)
	}
	if err != nil {
		return User{}, err
	}
	if exp, _ := store.ParseTime(expires); s.now().After(exp) {
		return User{}, errs.New(errs.Unauthorized, msgLogin)
	}
	u, err := s.userBy(ctx, s.db, "id = ?", uid)
	if errs.Is(err, errs.NotFound) {
		return User{}, errs.New(errs.Unauthorized, msgLogin)
	}
	return u, err
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM opendata_sessions WHERE token_hash = ? OR expires_at < ?", tokenHash(token), store.FormatTime(s.now()))
		return err
	})
}

// RegisterUser registers a public user without a code: for the demo, whose
// user is generated, and for tools run by the platform's operators.
func (s *Service) RegisterUser(ctx context.Context, address, name string) (User, error) {
	addr, channel, err := NormalizeAddress(address)
	if err != nil {
		return User{}, err
	}
	now := s.now()
	u := User{Address: addr, Channel: channel, Name: name, CreatedAt: now}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO opendata_users (address, channel, name, state, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			addr, channel, name, userActive, store.FormatTime(now)).Scan(&u.ID); err != nil {
			if store.IsUnique(err) {
				return errs.New(errs.Conflict, msgRegistered)
			}
			return err
		}
		return s.audit.Append(ctx, tx, publicEntry(u, "opendata.register", "", audit.Success, audit.Keyed(auditRegister, channel)))
	})
	return u, err
}
