-- Where each source's ingest from its mandate's delivered table stands:
-- the business time and row key of the last row read.
ALTER TABLE basedb_sources ADD COLUMN read_time TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE basedb_sources ADD COLUMN read_row TEXT COLLATE "C" NOT NULL DEFAULT '';
