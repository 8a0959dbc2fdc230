// Package store opens the platform database, SQLite (the embedded default,
// pure Go, WAL) or PostgreSQL (at scale), applies each domain's embedded
// migrations and runs transactions.
//
// Domains write their SQL once, with ? placeholders; the store rebinds them
// to $n for PostgreSQL. DDL differs between dialects, so every domain ships
// one migration directory per dialect:
//
//	//go:embed sql
//	var migrations embed.FS
//	store.Migration{Domain: "org", FS: migrations} // reads sql/sqlite/*.sql or sql/postgres/*.sql
//
// SQLite gets one writer connection and a pool of readers; writes go through
// Tx, which on SQLite starts with BEGIN IMMEDIATE so concurrent writers wait
// instead of failing.
package store
