-- 考核指标: the indicators the data authority configures.
CREATE TABLE assess_indicators (
	indicator TEXT PRIMARY KEY,
	weight REAL NOT NULL,
	target REAL NOT NULL,
	enabled INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
-- Reports (考核, 共享成效) as generated: a snapshot kept with the date of its
-- data, never recomputed when read.
CREATE TABLE assess_reports (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	period TEXT NOT NULL,
	level TEXT NOT NULL,
	data_from TEXT NOT NULL,
	data_to TEXT NOT NULL,
	origin TEXT NOT NULL,
	generated_by TEXT NOT NULL,
	generated_at TEXT NOT NULL,
	records_read INTEGER NOT NULL,
	body TEXT NOT NULL
);
CREATE INDEX assess_reports_period ON assess_reports (kind, level, period, id);
-- One scheduled report per kind, level and period, whichever replica makes it.
CREATE UNIQUE INDEX assess_reports_scheduled ON assess_reports (kind, level, period) WHERE origin = 'schedule';
-- The records each figure of a report counted (drill-down).
CREATE TABLE assess_records (
	report_id INTEGER NOT NULL REFERENCES assess_reports (id) ON DELETE CASCADE,
	unit TEXT NOT NULL,
	indicator TEXT NOT NULL,
	ref TEXT NOT NULL,
	label TEXT NOT NULL,
	num REAL NOT NULL,
	den REAL NOT NULL,
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assess_records_unit ON assess_records (report_id, unit, indicator);
-- Daily readings of each exchange channel's delivered total, so that a
-- period's deliveries (交换条次) are known after the per-minute samples go.
CREATE TABLE assess_meter (
	day TEXT NOT NULL,
	channel_id TEXT NOT NULL,
	rows_total INTEGER NOT NULL,
	read_at TEXT NOT NULL,
	PRIMARY KEY (channel_id, day)
);
-- 项目验收: an information system project and the entries it produces.
CREATE TABLE assess_projects (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	department_id INTEGER NOT NULL REFERENCES departments (id),
	description TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX assess_projects_department ON assess_projects (department_id);
CREATE TABLE assess_project_entries (
	project_id INTEGER NOT NULL REFERENCES assess_projects (id) ON DELETE CASCADE,
	entry_code TEXT NOT NULL,
	PRIMARY KEY (project_id, entry_code)
);
