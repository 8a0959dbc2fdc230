-- The quarantine of the channels the platform runs itself, in the platform's
-- database (a node keeps its own in a file on the node).
CREATE TABLE exchange_quarantine (
	id INTEGER PRIMARY KEY,
	channel TEXT NOT NULL,
	key TEXT NOT NULL,
	row TEXT NOT NULL,
	col TEXT NOT NULL,
	reason TEXT NOT NULL,
	at TEXT NOT NULL,
	state TEXT NOT NULL DEFAULT 'open',
	resolved_at TEXT,
	passes INTEGER NOT NULL DEFAULT 1,
	shaped INTEGER NOT NULL DEFAULT 0,
	raw_row TEXT NOT NULL DEFAULT '',
	raw_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX exchange_quarantine_open ON exchange_quarantine (channel, key) WHERE state = 'open';
CREATE INDEX exchange_quarantine_list ON exchange_quarantine (channel, state, id);
