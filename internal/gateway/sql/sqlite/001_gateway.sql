-- Apps: an application system of a department that calls data services.
CREATE TABLE gateway_apps (
	id INTEGER PRIMARY KEY,
	department_id INTEGER NOT NULL REFERENCES departments (id),
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	app_key TEXT NOT NULL UNIQUE,
	secret TEXT NOT NULL,
	sign_method TEXT NOT NULL,
	rate_limit REAL NOT NULL,
	burst INTEGER NOT NULL,
	state TEXT NOT NULL,
	secret_revealed INTEGER NOT NULL DEFAULT 1,
	grant_id INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX gateway_apps_department ON gateway_apps (department_id);
-- Usage per minute, app and service, for charts and bills.
CREATE TABLE gateway_usage (
	minute TEXT NOT NULL,
	app_id INTEGER NOT NULL,
	entry_code TEXT NOT NULL,
	calls INTEGER NOT NULL,
	errors INTEGER NOT NULL,
	rows_returned INTEGER NOT NULL,
	latency_ms REAL NOT NULL,
	PRIMARY KEY (minute, app_id, entry_code)
);
CREATE INDEX gateway_usage_entry ON gateway_usage (entry_code, minute);
