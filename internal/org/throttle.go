package org

import (
	"context"
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

// throttled reports whether any of subjects is inside its delay.
func (s *Service) throttled(ctx context.Context, subjects ...string) (bool, error) {
	args := make([]any, len(subjects))
	for i, sub := range subjects {
		args[i] = sub
	}
	rows, err := s.db.Query(ctx, "SELECT blocked_until FROM login_throttle WHERE subject IN (?"+strings.Repeat(", ?", len(subjects)-1)+")", args...)
	if err != nil {
		return false, fmt.Errorf("read login throttle: %w", err)
	}
	defer rows.Close()
	now := s.now()
	blocked := false
	for rows.Next() {
		var until string
		if err := rows.Scan(&until); err != nil {
			return false, err
		}
		if t, _ := store.ParseTime(until); now.Before(t) {
			blocked = true
		}
	}
	return blocked, rows.Err()
}

// countFailure counts a failed attempt against the user name and the client
// address, and starts their delays once past the free failures.
func (s *Service) countFailure(ctx context.Context, username, clientAddr string) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, sub := range []struct {
			subject string
			free    int
		}{{accountSubject(username), s.Throttle.AccountFree}, {addressSubject(clientAddr), s.Throttle.AddressFree}} {
			var failures int
			// One statement, so that concurrent failures on replicas all count.
			err := tx.QueryRow(ctx, `INSERT INTO login_throttle (subject, failures, last_failure_at) VALUES (?, 1, ?)
				ON CONFLICT (subject) DO UPDATE SET
					failures = CASE WHEN login_throttle.last_failure_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
					last_failure_at = excluded.last_failure_at
				RETURNING failures`,
				sub.subject, store.FormatTime(now), store.FormatTime(now.Add(-s.Throttle.Forget))).Scan(&failures)
			if err != nil {
				return fmt.Errorf("count failed login: %w", err)
			}
			until := ""
			if d := s.Throttle.delay(failures, sub.free); d > 0 {
				until = store.FormatTime(now.Add(d))
			}
			if _, err := tx.Exec(ctx, "UPDATE login_throttle SET blocked_until = ? WHERE subject = ?", until, sub.subject); err != nil {
				return err
			}
		}
		return nil
	})
}

// clearThrottle forgets the failed logins against username (after a
// successful login, an unlock or an enable); its client addresses keep theirs.
func (s *Service) clearThrottle(ctx context.Context, tx *store.Tx, username string) error {
	_, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE subject = ?", accountSubject(username))
	return err
}
