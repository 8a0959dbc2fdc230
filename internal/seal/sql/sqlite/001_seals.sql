-- The platform's SM2 certificate authority for seals (印章), one row, and
-- one SM2 seal key a holder: each issuing department ("department:<id>")
-- and the platform itself ("platform"). Private keys are sealed with the
-- platform's secrets key.
CREATE TABLE seal_ca (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	cert_pem TEXT NOT NULL,
	key_sealed TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE seal_keys (
	holder TEXT PRIMARY KEY,
	department_id INTEGER,
	cert_pem TEXT NOT NULL,
	key_sealed TEXT NOT NULL,
	created_at TEXT NOT NULL
);
