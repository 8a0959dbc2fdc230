-- 查询条件: the masked items a grant lets the consumer look up by equality on one value (comma-separated).
ALTER TABLE sharing_grants ADD COLUMN lookup TEXT NOT NULL DEFAULT '';
-- Lookups on masked items per subject (an app, or a console user) and day (China Standard Time), counted against the daily quota.
CREATE TABLE sharing_lookups (
	subject TEXT NOT NULL,
	day TEXT NOT NULL,
	count BIGINT NOT NULL,
	PRIMARY KEY (subject, day)
);
-- Each consumer department's key for hash masking (HMAC-SM3), sealed with the platform's secrets key.
CREATE TABLE sharing_hash_keys (
	department_id BIGINT PRIMARY KEY REFERENCES departments (id),
	key_sealed TEXT NOT NULL,
	created_at TEXT NOT NULL
);
