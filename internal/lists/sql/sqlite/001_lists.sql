-- 需求清单: data a department needs.
CREATE TABLE list_demands (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	scenario TEXT NOT NULL,
	basis TEXT NOT NULL,
	wanted_code TEXT NOT NULL DEFAULT '',
	requester_id INTEGER NOT NULL REFERENCES departments (id),
	created_by TEXT NOT NULL,
	state TEXT NOT NULL,
	resolution TEXT NOT NULL DEFAULT '',
	provider_id INTEGER REFERENCES departments (id),
	assign_note TEXT NOT NULL DEFAULT '',
	entry_code TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	assigned_at TEXT NOT NULL DEFAULT '',
	closed_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX list_demands_state ON list_demands (state, created_at);
CREATE INDEX list_demands_requester ON list_demands (requester_id);
CREATE INDEX list_demands_provider ON list_demands (provider_id);
-- 责任清单: a provider's obligations, fulfilled by a published, mounted entry.
CREATE TABLE list_duties (
	id INTEGER PRIMARY KEY,
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	category TEXT NOT NULL DEFAULT '',
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	deadline TEXT NOT NULL,
	entry_code TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	linked_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX list_duties_provider ON list_duties (provider_id);
CREATE INDEX list_duties_deadline ON list_duties (deadline);
-- 负面清单: entries (or items of entries) that may not be shared, with the legal basis.
CREATE TABLE list_negatives (
	id INTEGER PRIMARY KEY,
	entry_code TEXT NOT NULL REFERENCES catalog_entries (code),
	items TEXT NOT NULL DEFAULT '',
	basis TEXT NOT NULL,
	state TEXT NOT NULL,
	proposed_by TEXT NOT NULL,
	reviewed_by TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	reviewed_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX list_negatives_code ON list_negatives (entry_code, state);
