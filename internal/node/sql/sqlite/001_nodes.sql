-- The platform's own certificate authority for front-end nodes; one row.
-- The private key is sealed with the platform's secrets key.
CREATE TABLE node_ca (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	cert_pem TEXT NOT NULL,
	key_sealed TEXT NOT NULL,
	created_at TEXT NOT NULL
);
-- 前置机: front-end nodes, one row from the moment an enrolment is issued.
CREATE TABLE nodes (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	department_id INTEGER NOT NULL REFERENCES departments (id),
	state TEXT NOT NULL,
	cert_serial TEXT NOT NULL DEFAULT '',
	cert_fingerprint TEXT NOT NULL DEFAULT '',
	cert_pem TEXT NOT NULL DEFAULT '',
	cert_expires_at TEXT NOT NULL DEFAULT '',
	version TEXT NOT NULL DEFAULT '',
	datasources TEXT NOT NULL DEFAULT '[]',
	health TEXT NOT NULL DEFAULT '',
	buffer TEXT NOT NULL DEFAULT '{}',
	last_heartbeat TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	enrolled_at TEXT NOT NULL DEFAULT '',
	disabled_at TEXT NOT NULL DEFAULT '',
	revoked_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX nodes_department_name ON nodes (department_id, name) WHERE state <> 'revoked';
CREATE INDEX nodes_state ON nodes (state);
-- One-time enrolment tokens, stored as SHA-256 hashes.
CREATE TABLE node_enrollments (
	id INTEGER PRIMARY KEY,
	node_id INTEGER NOT NULL REFERENCES nodes (id),
	token_hash TEXT NOT NULL UNIQUE,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	used_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX node_enrollments_node ON node_enrollments (node_id);
