// Package ledger keeps the platform's evidence ledger (存证账本): an
// append-only RFC 6962 Merkle log whose leaves are hashes of canonical
// records (Record: a kind, the hash of what is anchored, a time). The
// records stay in the platform's database; the log holds their hashes, so
// anyone holding a signed checkpoint and a proof can check that a record
// was logged, and that the log only grew, without trusting the platform.
//
// Appends go through one sequencer (Log.Append) that groups concurrent
// callers into one transaction: the leaves, the tree's nodes (kept as C2SP
// tlog tiles, 256 hashes a tile) and the head commit together, and Append
// returns each record's index once it is durable. Log.Run publishes a
// checkpoint (a C2SP tlog-checkpoint, a signed note signed with Ed25519 and
// SM2) every interval when the tree grew. Log.InclusionProof and
// Log.ConsistencyProof answer from the tiles; VerifyInclusion checks a
// proof offline against a checkpoint with nothing but the public keys.
package ledger
