// Package sharing is how a department gets data it does not own (共享):
// applications (共享申请) and their approval, grants (授权), and the one
// policy check every data access goes through.
//
// An application names a published entry, the items wanted, the purpose
// (用途), legal basis (依据) and scenario (应用场景), the delivery mode (table
// sync to the consumer's datasource, data-service API, or file download)
// and the last day of validity. Unconditional entries are granted at once;
// conditional ones (or ones with a conditional item) wait for an approver
// of the providing department and then of the data authority, each of whom
// may only narrow the terms (fewer items, stricter masking, fewer lookup
// keys, more row-filter conditions, an earlier end, a lower rate limit) or
// return it with a
// reason. Unshared and negative-listed entries and items are refused with
// their basis. Every step is kept with who, when and why, and audited.
//
// A grant holds the approved terms. Deliverers start what it delivers (an
// exchange channel, app credentials) and stop it on revocation or expiry.
//
// Check decides every access — exchange delivery, data-service call, file
// download, console preview — from the grant (present, of the caller's
// department, active, not expired, for this path), the catalog (the entry
// still published and shared) and the negative list, and answers the items,
// masking and row filter to apply. Revocation and expiry take effect at the
// next check.
//
// A filter on a masked item would make an oracle of the grant, so a
// request's filter (and a row-filter condition) on one is refused unless
// the grant names the item as a lookup key (查询条件), and then it may only
// be equality on one value; each call with such a lookup counts against a
// daily quota per app (LookupQuota, in the database) and is audited with
// the value keyed-hashed. The hash masking is HMAC-SM3 under a key of the
// consumer department (HashKey: created on first use, kept sealed), which
// the decision carries to every path, a channel's shape included.
package sharing
