CREATE TABLE exchange_channels (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	provider_id INTEGER NOT NULL REFERENCES departments (id),
	consumer_id INTEGER NOT NULL REFERENCES departments (id),
	source_node TEXT NOT NULL DEFAULT '',
	source_datasource TEXT NOT NULL,
	source_table TEXT NOT NULL,
	target_node TEXT NOT NULL DEFAULT '',
	target_datasource TEXT NOT NULL,
	target_table TEXT NOT NULL,
	key_columns TEXT NOT NULL DEFAULT '',
	watermark TEXT NOT NULL DEFAULT '',
	soft_delete TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL,
	schedule TEXT NOT NULL,
	batch_size INTEGER NOT NULL DEFAULT 0,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	grant_id INTEGER NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	run_requested TEXT NOT NULL DEFAULT '',
	rows_total INTEGER NOT NULL DEFAULT 0,
	deletes_total INTEGER NOT NULL DEFAULT 0,
	bytes_total INTEGER NOT NULL DEFAULT 0,
	deliveries INTEGER NOT NULL DEFAULT 0,
	batches INTEGER NOT NULL DEFAULT 0,
	quarantined INTEGER NOT NULL DEFAULT 0,
	refused INTEGER NOT NULL DEFAULT 0,
	running INTEGER NOT NULL DEFAULT 0,
	progress_total INTEGER NOT NULL DEFAULT -1,
	progress_done INTEGER NOT NULL DEFAULT 0,
	pass_started_at TEXT NOT NULL DEFAULT '',
	caught_up_at TEXT NOT NULL DEFAULT '',
	last_success TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	last_error_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX exchange_channels_provider ON exchange_channels (provider_id);
CREATE INDEX exchange_channels_consumer ON exchange_channels (consumer_id);
CREATE INDEX exchange_channels_grant ON exchange_channels (grant_id);
CREATE TABLE exchange_samples (
	channel_id TEXT NOT NULL REFERENCES exchange_channels (id) ON DELETE CASCADE,
	minute TEXT NOT NULL,
	rows_delivered INTEGER NOT NULL DEFAULT 0,
	bytes INTEGER NOT NULL DEFAULT 0,
	lag_seconds INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (channel_id, minute)
);
CREATE INDEX exchange_samples_minute ON exchange_samples (minute);
