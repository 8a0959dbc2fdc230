CREATE TABLE catalog_code_seq (
	prefix TEXT PRIMARY KEY,
	last INTEGER NOT NULL
);
CREATE TABLE catalog_entries (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL UNIQUE,
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	current_version INTEGER,
	latest_version INTEGER NOT NULL,
	status TEXT NOT NULL,
	published INTEGER NOT NULL DEFAULT 0,
	mounted INTEGER NOT NULL DEFAULT 0,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	category TEXT NOT NULL,
	format TEXT NOT NULL,
	share_type TEXT NOT NULL,
	open_type TEXT NOT NULL,
	update_cycle TEXT NOT NULL,
	grade TEXT NOT NULL,
	search_text TEXT NOT NULL,
	change_seq INTEGER NOT NULL DEFAULT 0,
	published_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX catalog_entries_provider ON catalog_entries (provider_id, name);
CREATE INDEX catalog_entries_name ON catalog_entries (name_key);
CREATE INDEX catalog_entries_updated ON catalog_entries (updated_at);
CREATE INDEX catalog_entries_status ON catalog_entries (status);
CREATE INDEX catalog_entries_change ON catalog_entries (change_seq);
CREATE TABLE catalog_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	gen INTEGER NOT NULL
);
INSERT INTO catalog_generation (id, gen) VALUES (1, 0);
CREATE TABLE catalog_versions (
	code TEXT NOT NULL REFERENCES catalog_entries (code),
	version INTEGER NOT NULL,
	status TEXT NOT NULL,
	body TEXT NOT NULL,
	body_hash TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (code, version)
);
CREATE TABLE catalog_history (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL,
	version INTEGER NOT NULL,
	action TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status TEXT NOT NULL,
	actor TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);
CREATE INDEX catalog_history_code ON catalog_history (code, id);
CREATE TABLE catalog_datasources (
	id INTEGER PRIMARY KEY,
	department_id INTEGER NOT NULL REFERENCES departments (id),
	name TEXT NOT NULL,
	driver TEXT NOT NULL,
	dsn TEXT NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (department_id, name)
);
CREATE TABLE catalog_mounts (
	id INTEGER PRIMARY KEY,
	code TEXT NOT NULL REFERENCES catalog_entries (code),
	kind TEXT NOT NULL,
	datasource_id INTEGER REFERENCES catalog_datasources (id),
	target TEXT NOT NULL,
	config TEXT NOT NULL,
	ok INTEGER NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '',
	checked_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX catalog_mounts_code ON catalog_mounts (code);
