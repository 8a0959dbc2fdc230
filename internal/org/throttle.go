package org

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/store"
)

// Throttle sets how failed logins slow down further attempts. Failures are
// counted per user name (whether or not such an account exists, so that the
// answers do not tell names apart) and per client address; past the free
// failures, each failure refuses further attempts of that subject for a
// delay that doubles, up to Max. Nothing locks an account for good: its
// holder logs in once the delay has passed, or at once after the security
// admin (or whoever manages the account) unlocks it.
type Throttle struct {
	AccountFree int           // failures against one user name before delays start
	AddressFree int           // failures from one client address (an IPv6 /64) before delays start
	Base        time.Duration // the first delay; each further failure doubles it
	Max         time.Duration // the longest delay
	Forget      time.Duration // a subject with no failure for this long starts afresh
}

// DefaultThrottle is the platform's login throttle.
var DefaultThrottle = Throttle{AccountFree: 5, AddressFree: 20, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour}

// delay returns how long a subject with failures failures waits, free of them allowed.
func (t Throttle) delay(failures, free int) time.Duration {
	over := failures - free
	if over <= 0 {
		return 0
	}
	if over > 40 {
		return t.Max
	}
	d := t.Base << (over - 1)
	if d <= 0 || d > t.Max {
		d = t.Max
	}
	return d
}

func accountSubject(username string) string { return "user:" + strings.ToLower(username) }

// addressSubject names a client address: an IPv4 address, or the /64 an
// IPv6 address belongs to (one host usually holds a whole /64).
func addressSubject(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "addr:" + addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + ip.String()
}

// errThrottled rolls back a reservation refused for a subject inside its delay.
var errThrottled = errors.New("throttled")

// reserve counts an attempt against the user name and the client address
// before the password is checked, so that concurrent attempts cannot all
// slip in before the first failure is recorded: the attempt that goes past
// the free failures starts the delay, and every later one, concurrent or
// not, is refused until it ends. It reports false, counting nothing, when
// either subject is inside its delay. A successful attempt gives its count
// back with release.
func (s *Service) reserve(ctx context.Context, username, clientAddr string) (bool, error) {
	now := s.now()
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, sub := range []struct {
			subject string
			free    int
		}{{accountSubject(username), s.Throttle.AccountFree}, {addressSubject(clientAddr), s.Throttle.AddressFree}} {
			var failures int
			var until string
			// One statement: on PostgreSQL it locks the row, and SQLite has
			// one writer, so attempts on replicas count one after another.
			// RETURNING gives blocked_until as it was before this attempt.
			err := tx.QueryRow(ctx, `INSERT INTO login_throttle (subject, failures, last_attempt_at) VALUES (?, 1, ?)
				ON CONFLICT (subject) DO UPDATE SET
					failures = CASE WHEN login_throttle.last_attempt_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
					last_attempt_at = excluded.last_attempt_at
				RETURNING failures, blocked_until`,
				sub.subject, store.FormatTime(now), store.FormatTime(now.Add(-s.Throttle.Forget))).Scan(&failures, &until)
			if err != nil {
				return fmt.Errorf("count login attempt: %w", err)
			}
			if t, _ := store.ParseTime(until); now.Before(t) {
				return errThrottled
			}
			if d := s.Throttle.delay(failures, sub.free); d > 0 {
				if _, err := tx.Exec(ctx, "UPDATE login_throttle SET blocked_until = ? WHERE subject = ?", store.FormatTime(now.Add(d)), sub.subject); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if errors.Is(err, errThrottled) {
		return false, nil
	}
	return err == nil, err
}

// release gives back the count of a successful attempt: the user name's
// failures are forgotten; the address keeps its failures (and a delay this
// attempt started), so that logging in to one's own account between
// guesses at others' gains nothing.
func (s *Service) release(ctx context.Context, tx *store.Tx, username, clientAddr string) error {
	if err := s.clearThrottle(ctx, tx, username); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE login_throttle SET failures = failures - 1 WHERE subject = ? AND failures > 0", addressSubject(clientAddr))
	return err
}

// clearThrottle forgets the failed logins against username (after a
// successful login, an unlock or an enable); its client addresses keep theirs.
func (s *Service) clearThrottle(ctx context.Context, tx *store.Tx, username string) error {
	_, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE subject = ?", accountSubject(username))
	return err
}
