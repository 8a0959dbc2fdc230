-- 共享申请: a department's application for a published entry.
CREATE TABLE sharing_applications (
	id INTEGER PRIMARY KEY,
	consumer_id INTEGER NOT NULL REFERENCES departments (id),
	applicant_id INTEGER NOT NULL,
	applicant TEXT NOT NULL,
	entry_code TEXT NOT NULL,
	entry_version INTEGER NOT NULL,
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	items TEXT NOT NULL,
	purpose TEXT NOT NULL,
	basis TEXT NOT NULL,
	scenario TEXT NOT NULL,
	delivery TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	app_id INTEGER NOT NULL DEFAULT 0,
	valid_until TEXT NOT NULL,
	terms TEXT NOT NULL,
	state TEXT NOT NULL,
	stage_due TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	renew_of INTEGER NOT NULL DEFAULT 0,
	grant_id INTEGER NOT NULL DEFAULT 0,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX sharing_applications_consumer ON sharing_applications (consumer_id, created_at);
CREATE INDEX sharing_applications_provider ON sharing_applications (provider_id, state);
CREATE INDEX sharing_applications_state ON sharing_applications (state, stage_due);
-- Every step of an application: who, when, why.
CREATE TABLE sharing_steps (
	id INTEGER PRIMARY KEY,
	application_id INTEGER NOT NULL REFERENCES sharing_applications (id),
	action TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state TEXT NOT NULL,
	actor TEXT NOT NULL,
	department TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	terms TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX sharing_steps_application ON sharing_steps (application_id, id);
-- 授权: the approved terms under which a consumer gets an entry's data.
CREATE TABLE sharing_grants (
	id INTEGER PRIMARY KEY,
	application_id INTEGER NOT NULL REFERENCES sharing_applications (id),
	consumer_id INTEGER NOT NULL REFERENCES departments (id),
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	entry_code TEXT NOT NULL,
	items TEXT NOT NULL,
	masking TEXT NOT NULL,
	row_filter TEXT NOT NULL DEFAULT '',
	rate_limit REAL NOT NULL DEFAULT 0,
	delivery TEXT NOT NULL,
	target TEXT NOT NULL DEFAULT '',
	app_id INTEGER NOT NULL DEFAULT 0,
	delivery_ref TEXT NOT NULL DEFAULT '',
	delivery_error TEXT NOT NULL DEFAULT '',
	valid_from TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	state TEXT NOT NULL,
	stopped_at TEXT NOT NULL DEFAULT '',
	stop_reason TEXT NOT NULL DEFAULT '',
	stopped_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX sharing_grants_access ON sharing_grants (consumer_id, entry_code, state);
CREATE INDEX sharing_grants_provider ON sharing_grants (provider_id, state);
CREATE INDEX sharing_grants_expiry ON sharing_grants (state, expires_at);
