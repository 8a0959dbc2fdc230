// Package audit keeps the platform's append-only, hash-chained audit log
// (审计日志). Every state change is appended in the same transaction as the
// change itself (Append); events that have no transaction of their own, such
// as a failed login, are recorded alone (Record). Each entry holds the hash
// of the one before, HMAC-SM3 under a key kept outside the database
// (NewKeyed, LoadKey), so Verify finds the first entry that was edited,
// deleted or reordered, and tells a chain rebuilt without the key (by whoever
// could write the database) from the platform's. Rekey moves a chain from
// before the key onto it once. No other code path updates or deletes an
// entry.
package audit
