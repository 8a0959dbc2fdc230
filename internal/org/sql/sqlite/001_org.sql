CREATE TABLE regions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	parent_code TEXT REFERENCES regions (code),
	level INTEGER NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE departments (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	name_key TEXT NOT NULL,
	short_name TEXT NOT NULL DEFAULT '',
	credit_code TEXT NOT NULL UNIQUE,
	credit_code_override INTEGER NOT NULL DEFAULT 0,
	region_code TEXT NOT NULL REFERENCES regions (code),
	kind TEXT NOT NULL,
	contact TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX departments_sort ON departments (name_key);
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	department_id INTEGER REFERENCES departments (id),
	password_hash TEXT NOT NULL,
	disabled INTEGER NOT NULL DEFAULT 0,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX users_department ON users (department_id);
CREATE TABLE user_roles (
	user_id INTEGER NOT NULL REFERENCES users (id),
	role TEXT NOT NULL,
	PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_role ON user_roles (role);
CREATE TABLE tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id),
	kind TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT '',
	last_used_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tokens_user ON tokens (user_id, kind);
