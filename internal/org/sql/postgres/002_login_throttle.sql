-- Failed logins are throttled by client address and by user name (known or
-- not) with growing delays, instead of locking accounts; the state is here so
-- that every replica agrees. failures counts attempts not given back by a
-- success. users.failed_logins and users.locked_until are
-- no longer used.
CREATE TABLE login_throttle (
	subject TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	last_attempt_at TEXT NOT NULL,
	blocked_until TEXT NOT NULL DEFAULT ''
);
