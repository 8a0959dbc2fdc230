-- API keys of public users (公众用户) of the open data portal, issued when
-- the providing department approves their first application; the open
-- data domain decides each call (Service.Public).
CREATE TABLE gateway_public_keys (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL UNIQUE,
	app_key TEXT NOT NULL UNIQUE,
	secret TEXT NOT NULL,
	secret_revealed INTEGER NOT NULL DEFAULT 0,
	rate_limit REAL NOT NULL,
	burst INTEGER NOT NULL,
	daily_quota INTEGER NOT NULL,
	state TEXT NOT NULL,
	created_at TEXT NOT NULL
);
