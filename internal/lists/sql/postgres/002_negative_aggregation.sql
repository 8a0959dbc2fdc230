-- A negative listing may allow aggregation (归集) into the data authority's
-- shared store, with its basis: the listed items then travel in a confirmed
-- aggregation mandate, though never through sharing.
ALTER TABLE list_negatives ADD COLUMN allow_aggregation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE list_negatives ADD COLUMN aggregation_basis TEXT NOT NULL DEFAULT '';
