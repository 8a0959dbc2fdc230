-- Recorded consents (记录的授权/同意): a holder's consent, recorded by the
-- department of record, that one department use a licence for one purpose
-- until a date; revocable. A use may rest on one instead of a code.
CREATE TABLE licence_consents (
	id TEXT PRIMARY KEY,
	licence_id INTEGER NOT NULL REFERENCES licences(id),
	department_id INTEGER NOT NULL,
	purpose TEXT NOT NULL,
	valid_until TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT '',
	revoked_by TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX licence_consents_licence ON licence_consents (licence_id);
