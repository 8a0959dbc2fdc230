CREATE TABLE exchange_channels (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	provider_id BIGINT NOT NULL REFERENCES departments (id),
	consumer_id BIGINT NOT NULL REFERENCES departments (id),
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
	batch_size BIGINT NOT NULL DEFAULT 0,
	state TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	grant_id BIGINT NOT NULL DEFAULT 0,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	run_requested TEXT NOT NULL DEFAULT '',
	rows_total BIGINT NOT NULL DEFAULT 0,
	deletes_total BIGINT NOT NULL DEFAULT 0,
	bytes_total BIGINT NOT NULL DEFAULT 0,
	deliveries BIGINT NOT NULL DEFAULT 0,
	batches BIGINT NOT NULL DEFAULT 0,
	quarantined BIGINT NOT NULL DEFAULT 0,
	refused BIGINT NOT NULL DEFAULT 0,
	running BIGINT NOT NULL DEFAULT 0,
	progress_total BIGINT NOT NULL DEFAULT -1,
	progress_done BIGINT NOT NULL DEFAULT 0,
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
	rows_delivered BIGINT NOT NULL DEFAULT 0,
	bytes BIGINT NOT NULL DEFAULT 0,
	lag_seconds BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (channel_id, minute)
);
CREATE INDEX exchange_samples_minute ON exchange_samples (minute);
