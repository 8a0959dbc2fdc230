-- Public users (公众用户) of the open data portal: people registered by a
-- verification code sent to their e-mail address or mobile number, kept
-- apart from the platform's staff accounts and sessions.
CREATE TABLE opendata_users (
	id INTEGER PRIMARY KEY,
	address TEXT NOT NULL UNIQUE,
	channel TEXT NOT NULL,
	name TEXT NOT NULL,
	state TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_login TEXT NOT NULL DEFAULT ''
);
-- The code last sent to an address, hashed with a salt; a window counts
-- the codes sent to it.
CREATE TABLE opendata_codes (
	address TEXT PRIMARY KEY,
	salt TEXT NOT NULL,
	hash TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	sent_at TEXT NOT NULL,
	window_start TEXT NOT NULL,
	window_sends INTEGER NOT NULL
);
CREATE TABLE opendata_sessions (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES opendata_users (id),
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX opendata_sessions_user ON opendata_sessions (user_id);
-- A public user's application for a conditionally open entry (有条件开放申请),
-- decided by the providing department.
CREATE TABLE opendata_applications (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES opendata_users (id),
	code TEXT NOT NULL,
	entry_name TEXT NOT NULL,
	provider_id INTEGER NOT NULL,
	purpose TEXT NOT NULL,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	decided_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX opendata_applications_user ON opendata_applications (user_id, code);
CREATE INDEX opendata_applications_provider ON opendata_applications (provider_id, state);
