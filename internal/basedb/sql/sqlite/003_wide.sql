-- The base databases' rows move to wide tables generated from each schema
-- (basedb_g_<db>, basedb_s_<db>_<source>; see tables.go): one row per
-- subject or source row instead of one per attribute. The attribute-wise
-- tables go; the base databases are rebuilt from their sources, whose
-- ingest starts again from the beginning.
DROP TABLE basedb_staging;
DROP TABLE basedb_values;
DROP TABLE basedb_records;
DELETE FROM basedb_merges;
DELETE FROM basedb_intake;
DELETE FROM basedb_quarantine;
DELETE FROM basedb_scores;
DELETE FROM basedb_disputes;
UPDATE basedb_sources SET read_time = '', read_row = '';

-- Each source's merge watermark: its staged rows up to this id are merged.
CREATE TABLE basedb_marks (
	db TEXT NOT NULL,
	source TEXT NOT NULL,
	staged_through INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (db, source)
);

-- The staged rows a dispute's two values come from.
ALTER TABLE basedb_disputes ADD COLUMN id_a INTEGER NOT NULL DEFAULT 0;
ALTER TABLE basedb_disputes ADD COLUMN id_b INTEGER NOT NULL DEFAULT 0;
