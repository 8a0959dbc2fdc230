-- 归集任务: the data authority's mandate to a provider department to
-- aggregate a published catalog entry into the authority's shared store.
CREATE TABLE aggregation_mandates (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	authority_id INTEGER NOT NULL REFERENCES departments (id),
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	entry_code TEXT NOT NULL,
	items TEXT NOT NULL,
	source_node TEXT NOT NULL DEFAULT '',
	source_datasource TEXT NOT NULL DEFAULT '',
	source_table TEXT NOT NULL DEFAULT '',
	target_node TEXT NOT NULL DEFAULT '',
	target_datasource TEXT NOT NULL,
	target_table TEXT NOT NULL,
	mode TEXT NOT NULL,
	schedule TEXT NOT NULL,
	soft_delete TEXT NOT NULL DEFAULT '',
	batch_size INTEGER NOT NULL DEFAULT 0,
	basis TEXT NOT NULL,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	channel_id TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	decided_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	decided_at TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL
);
CREATE INDEX aggregation_mandates_provider ON aggregation_mandates (provider_id, state);
CREATE INDEX aggregation_mandates_authority ON aggregation_mandates (authority_id, state);
