-- Disputes flagged by consumers (异议): who flagged, from which department,
-- why; and, when a correction is decided for a source fed by an aggregation
-- mandate, the mandate whose channel carries it back to the source.
ALTER TABLE basedb_disputes ADD COLUMN flagged_by TEXT NOT NULL DEFAULT '';
ALTER TABLE basedb_disputes ADD COLUMN flagger_department INTEGER NOT NULL DEFAULT 0;
ALTER TABLE basedb_disputes ADD COLUMN flag_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE basedb_disputes ADD COLUMN mandate_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX basedb_disputes_flagger ON basedb_disputes (flagger_department, id);
CREATE INDEX basedb_disputes_due ON basedb_disputes (state, due_at);
