// Package audit keeps the platform's append-only, hash-chained audit log
// (审计日志). Every state change is appended in the same transaction as the
// change itself (Append); events that have no transaction of their own, such
// as a failed login, are recorded alone (Record). Each entry holds the SM3
// hash of the one before, so Verify finds the first entry that was edited,
// deleted or reordered. No code path updates or deletes an entry.
package audit
