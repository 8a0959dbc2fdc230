-- The evidence ledger (存证账本): an RFC 6962 Merkle log. Each leaf is the
-- hash of a canonical record (kind, record hash, time) that the platform
-- keeps here; the tree's nodes are kept as C2SP tlog tiles (256 hashes of
-- one level each); the head and the signed checkpoints move with them.
CREATE TABLE ledger_leaves (
	idx INTEGER PRIMARY KEY,
	leaf_key INTEGER NOT NULL,
	leaf_hash BLOB NOT NULL,
	kind TEXT NOT NULL,
	record_hash TEXT NOT NULL,
	at TEXT NOT NULL,
	ref TEXT NOT NULL DEFAULT '',
	department_id INTEGER
);
-- leaf_key is the leaf hash's first 8 bytes: a small index to find a leaf by its hash.
CREATE INDEX ledger_leaves_leaf ON ledger_leaves (leaf_key, idx);
CREATE INDEX ledger_leaves_kind ON ledger_leaves (kind, idx);
CREATE TABLE ledger_tiles (
	level INTEGER NOT NULL,
	idx INTEGER NOT NULL,
	hashes BLOB NOT NULL,
	PRIMARY KEY (level, idx)
);
CREATE TABLE ledger_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	size INTEGER NOT NULL,
	root TEXT NOT NULL
);
INSERT INTO ledger_head (id, size, root) VALUES (1, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
CREATE TABLE ledger_checkpoints (
	size INTEGER PRIMARY KEY,
	root TEXT NOT NULL,
	note TEXT NOT NULL,
	at TEXT NOT NULL
);
-- Witnesses' cosignatures of checkpoints (C2SP tlog-cosignature), and the
-- split views they raised: two checkpoints signed by the log that cannot
-- both be true.
CREATE TABLE ledger_cosignatures (
	size INTEGER NOT NULL,
	witness TEXT NOT NULL,
	line TEXT NOT NULL,
	at TEXT NOT NULL,
	PRIMARY KEY (size, witness)
);
CREATE TABLE ledger_split_views (
	id INTEGER PRIMARY KEY,
	witness TEXT NOT NULL,
	reason TEXT NOT NULL,
	older TEXT NOT NULL,
	newer TEXT NOT NULL,
	at TEXT NOT NULL
);
