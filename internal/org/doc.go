// Package org holds the organisations and people of the platform: regions
// (行政区划) keyed by GB/T 2260 codes, departments (部门) with their unified
// social credit codes, users, the roles they hold, console sessions and API
// tokens.
//
// Roles keep the three officers apart (三员分立): the system admin manages
// regions, departments and accounts; the security admin grants roles and
// alone disables, enables and unlocks the officers' own accounts; the auditor
// reads the audit log and changes nothing. An officer holds no other role,
// and nobody disables, enables, unlocks or changes the roles of their own
// account. Every change is audited in the transaction that makes it.
//
// Failed logins are throttled per user name and per client address with
// growing delays (Throttle), never by locking an account, and every failed
// login answers the same.
package org
