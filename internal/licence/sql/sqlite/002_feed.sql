-- Licence feeds (证照汇聚): exchange channels that carry an issuing
-- department's licences from its own system into the library, on an
-- aggregation mandate. last_seq is the channel's checkpoint, written in the
-- same transaction as the batch's licences, leaves and quarantined rows.
CREATE TABLE licence_feeds (
	channel TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	mandate_id INTEGER NOT NULL,
	type_code TEXT NOT NULL REFERENCES licence_types(code),
	department_id INTEGER NOT NULL,
	consumer_id INTEGER NOT NULL,
	mapping TEXT NOT NULL DEFAULT '{}',
	columns TEXT NOT NULL DEFAULT '',
	last_seq INTEGER NOT NULL DEFAULT 0,
	issued INTEGER NOT NULL DEFAULT 0,
	already INTEGER NOT NULL DEFAULT 0,
	quarantined INTEGER NOT NULL DEFAULT 0,
	last_at TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);
CREATE INDEX licence_feeds_department ON licence_feeds (department_id);
-- Rows of a feed the library could not issue, with the field and the rule;
-- resolved when the same source row later arrives fixed and is issued.
CREATE TABLE licence_feed_quarantine (
	channel TEXT NOT NULL,
	seq INTEGER NOT NULL,
	row_no INTEGER NOT NULL,
	row_key TEXT NOT NULL,
	field TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL,
	row_data TEXT NOT NULL,
	at TEXT NOT NULL,
	resolved_at TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (channel, seq, row_no)
);
CREATE INDEX licence_feed_quarantine_open ON licence_feed_quarantine (channel, resolved_at);
CREATE INDEX licence_feed_quarantine_key ON licence_feed_quarantine (channel, row_key);
