-- 基础库: base databases merged from aggregated sources.

-- The binding of a schema's source to the aggregation mandate that feeds it
-- and to its department, for scores and disputes.
CREATE TABLE basedb_sources (
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	department_id INTEGER NOT NULL DEFAULT 0,
	mandate_id INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (db, source)
);

-- Staging: one row per accepted source row and attribute (the value the
-- source gave, its row, business time, validity and arrival). The merge
-- reads rows above its watermark.
CREATE TABLE basedb_staging (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	attr TEXT NOT NULL,
	subject TEXT NOT NULL,
	row_key TEXT NOT NULL,
	value TEXT NOT NULL,
	business_time TEXT NOT NULL,
	valid_from TEXT NOT NULL DEFAULT '',
	valid_to TEXT NOT NULL DEFAULT '',
	arrived_at TEXT NOT NULL,
	priority INTEGER NOT NULL
);
CREATE INDEX basedb_staging_db ON basedb_staging (db, id);

-- The golden record's values: one per subject and attribute, with its provenance.
CREATE TABLE basedb_values (
	db TEXT NOT NULL,
	subject TEXT NOT NULL,
	attr TEXT NOT NULL,
	value TEXT NOT NULL,
	source TEXT NOT NULL,
	row_key TEXT NOT NULL,
	business_time TEXT NOT NULL,
	valid_from TEXT NOT NULL DEFAULT '',
	valid_to TEXT NOT NULL DEFAULT '',
	arrived_at TEXT NOT NULL,
	priority INTEGER NOT NULL,
	staged_id INTEGER NOT NULL,
	PRIMARY KEY (db, subject, attr)
);
CREATE INDEX basedb_values_attr ON basedb_values (db, attr);

-- The golden records themselves.
CREATE TABLE basedb_records (
	db TEXT NOT NULL,
	subject TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (db, subject)
);

-- One row per base database: the merge's watermark.
CREATE TABLE basedb_merges (
	db TEXT PRIMARY KEY,
	staged_through INTEGER NOT NULL DEFAULT 0,
	runs INTEGER NOT NULL DEFAULT 0,
	merged_at TEXT NOT NULL DEFAULT ''
);

-- 疑义数据: values the rules could not settle.
CREATE TABLE basedb_disputes (
	id INTEGER PRIMARY KEY,
	db TEXT NOT NULL,
	subject TEXT NOT NULL,
	kind TEXT NOT NULL,
	attr_a TEXT NOT NULL,
	value_a TEXT NOT NULL,
	source_a TEXT NOT NULL,
	row_a TEXT NOT NULL,
	time_a TEXT NOT NULL,
	attr_b TEXT NOT NULL,
	value_b TEXT NOT NULL,
	source_b TEXT NOT NULL,
	row_b TEXT NOT NULL,
	time_b TEXT NOT NULL,
	state TEXT NOT NULL,
	raised_at TEXT NOT NULL,
	due_at TEXT NOT NULL,
	decided_by TEXT NOT NULL DEFAULT '',
	decided_at TEXT NOT NULL DEFAULT '',
	correction TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	UNIQUE (db, subject, kind, attr_a, source_a, source_b, time_b)
);
CREATE INDEX basedb_disputes_state ON basedb_disputes (db, state, id);

-- 隔离区: source rows that failed their rules; the subject and row key are masked.
CREATE TABLE basedb_quarantine (
	id INTEGER PRIMARY KEY,
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	row_key TEXT NOT NULL,
	field TEXT NOT NULL,
	reason TEXT NOT NULL,
	arrived_at TEXT NOT NULL
);
CREATE INDEX basedb_quarantine_source ON basedb_quarantine (db, source, arrived_at);

-- What each source delivered per day, counted as it is staged.
CREATE TABLE basedb_intake (
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	day TEXT NOT NULL,
	rows_in INTEGER NOT NULL DEFAULT 0,
	quarantined INTEGER NOT NULL DEFAULT 0,
	expected INTEGER NOT NULL DEFAULT 0,
	present INTEGER NOT NULL DEFAULT 0,
	timely INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (db, source, day)
);

-- Quality scores (数据质量评分) per base database, source and day; source ''
-- is the base database as a whole. Scores are per mille.
CREATE TABLE basedb_scores (
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	day TEXT NOT NULL,
	department_id INTEGER NOT NULL DEFAULT 0,
	rows_in INTEGER NOT NULL,
	completeness INTEGER NOT NULL,
	accuracy INTEGER NOT NULL,
	consistency INTEGER NOT NULL,
	timeliness INTEGER NOT NULL,
	computed_at TEXT NOT NULL,
	PRIMARY KEY (db, source, day)
);
