-- 站内信: a notice to one user, its text keyed so that it reads in the
-- reader's language, with the record it is about and its delivery by the
-- configured sender (SMS, mail).
CREATE TABLE notices (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users (id),
	text TEXT NOT NULL,
	record TEXT NOT NULL DEFAULT '',
	link TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	read_at TEXT NOT NULL DEFAULT '',
	sent_at TEXT NOT NULL DEFAULT '',
	send_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_user ON notices (user_id, created_at);
CREATE INDEX notices_unread ON notices (user_id, read_at);
-- Messages that go out once only (a reminder per step), across restarts
-- and replicas.
CREATE TABLE notice_once (
	once_key TEXT PRIMARY KEY,
	at TEXT NOT NULL
);
