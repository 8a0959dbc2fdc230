-- The electronic licence library (电子证照库): licence types (证照目录),
-- licences with their versions, the events of their life (each anchored in
-- the evidence ledger: leaf_index), uses (用证) and the holders'
-- authorisation codes.
CREATE TABLE licence_types (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	department_id BIGINT NOT NULL REFERENCES departments(id),
	holder_kind TEXT NOT NULL,
	validity_years BIGINT NOT NULL DEFAULT 0,
	title TEXT NOT NULL,
	items TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE licences (
	id BIGINT PRIMARY KEY,
	identifier TEXT NOT NULL,
	base TEXT NOT NULL UNIQUE,
	type_code TEXT NOT NULL REFERENCES licence_types(code),
	number TEXT NOT NULL,
	holder_name TEXT NOT NULL,
	holder_id TEXT NOT NULL,
	department_id BIGINT NOT NULL,
	issued_on TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	valid_until TEXT NOT NULL DEFAULT '',
	items TEXT NOT NULL,
	version TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	data_hash TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX licences_number ON licences (type_code, number);
CREATE INDEX licences_holder ON licences (holder_id, type_code);
CREATE INDEX licences_expiry ON licences (status, valid_until) WHERE valid_until <> '';
-- Earlier versions of a licence: what they said and their identifiers,
-- which verify as superseded.
CREATE TABLE licence_versions (
	identifier TEXT PRIMARY KEY,
	licence_id BIGINT NOT NULL REFERENCES licences(id),
	version TEXT NOT NULL,
	number TEXT NOT NULL,
	holder_name TEXT NOT NULL,
	valid_from TEXT NOT NULL,
	valid_until TEXT NOT NULL,
	items TEXT NOT NULL,
	data_hash TEXT NOT NULL,
	superseded_at TEXT NOT NULL
);
CREATE INDEX licence_versions_licence ON licence_versions (licence_id);
CREATE TABLE licence_events (
	leaf_index BIGINT PRIMARY KEY,
	licence_id BIGINT NOT NULL,
	name TEXT NOT NULL,
	identifier TEXT NOT NULL,
	version TEXT NOT NULL,
	data TEXT NOT NULL DEFAULT '',
	use_id TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	actor TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX licence_events_licence ON licence_events (licence_id, leaf_index);
CREATE TABLE licence_uses (
	id TEXT PRIMARY KEY,
	licence_id BIGINT NOT NULL REFERENCES licences(id),
	department_id BIGINT NOT NULL,
	department TEXT NOT NULL,
	user_id BIGINT NOT NULL,
	username TEXT NOT NULL,
	purpose TEXT NOT NULL,
	authorisation TEXT NOT NULL,
	at TEXT NOT NULL,
	valid_until TEXT NOT NULL
);
CREATE INDEX licence_uses_licence ON licence_uses (licence_id, at);
-- A holder's authorisation codes, kept by hash: one use each, short-lived.
CREATE TABLE licence_auth_codes (
	code_hash TEXT PRIMARY KEY,
	licence_id BIGINT NOT NULL REFERENCES licences(id),
	department_id BIGINT,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	use_id TEXT NOT NULL DEFAULT ''
);
-- Rendered master files, made on first request.
CREATE TABLE licence_files (
	identifier TEXT PRIMARY KEY,
	master BYTEA NOT NULL,
	made_at TEXT NOT NULL
);
