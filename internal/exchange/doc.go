// Package exchange moves tables between datasources (数据交换) through the
// bus: an extractor reads a source table and publishes batches to one
// JetStream stream, and an applier consumes them and writes each batch to
// the target exactly once. The two sides share nothing but the bus, so the
// extractor can later run on a provider's front-end node and the applier on
// a consumer's.
//
// A Channel (共享通道) names a source table, a target table and how to follow
// the source:
//
//	ch := exchange.Channel{
//		ID:     "ch-0001",
//		Source: exchange.Endpoint{Driver: connector.Postgres, DSN: srcDSN, Table: "人口信息"},
//		Target: exchange.Endpoint{Driver: connector.MySQL, DSN: dstDSN, Table: "人口信息"},
//		Mode:   exchange.FullThenIncremental, Watermark: "updated_at", SoftDelete: "deleted",
//	}
//	e := exchange.New(bus.JS, exchange.Options{})
//	err := e.Sync(ctx, ch)  // one extract pass, then apply until nothing is pending
//	err = e.Run(ctx, ch)    // follow the source until ctx ends or the channel pauses
//	st := e.Stats(ch.ID)    // rows, bytes, batches, deliveries (交换条次), refused, ...
//
// The path of a batch:
//
//   - The extractor reads the source in key order (a full pass) or in
//     (watermark, key) order after the last (watermark, key) it published
//     (incremental), so rows updated in the same instant are never skipped;
//     it also reads again the last Options.LateWindow of datetime
//     watermarks, so that a row whose transaction committed after a pass
//     had read past its watermark arrives too (late.go).
//     A row whose soft-delete column is true (or 1) travels as a delete.
//   - Each batch is one message on subject <prefix>.<channel>: a binary
//     payload (format "gsb1", see batch.go) with the schema, the rows and
//     the deletes, compressed as an S2 block unless Options.NoCompression,
//     and headers with the channel, the sequence (1, 2, 3, ... per
//     channel), the counts and the SHA-256 of the payload as sent. The message ID is
//     "<channel>:<seq>", so a republish after a crash is de-duplicated.
//   - The extractor keeps its state (last sequence, the position of the
//     last row published) in a JetStream KV bucket, written after each
//     publish with a compare-and-set on the revision, so two extractors of
//     one channel cannot both run. The state also travels in each message's
//     headers, and on start the extractor adopts the stream's last message
//     for the channel when it is newer than the bucket: a crash between a
//     publish and the state write loses nothing and repeats nothing.
//   - The applier is a durable pull consumer per channel with explicit acks
//     and one message in flight, so batches apply in order. It checks the
//     checksum (a bad batch is terminated, never applied, and counted),
//     applies the batch with connector.Sink.Apply, which records the
//     sequence in the same transaction (a redelivered batch changes
//     nothing), and then acks. A target that cannot hold the schema
//     (*connector.SchemaError) pauses the channel with the differences.
//
// A full pass of a Full channel also removes the target's rows that are gone
// from the source: each batch carries the span of keys it covers (from the
// key of the batch before it to its own last key; the last batch of the pass
// runs to the end), and the sink deletes, in the same transaction as the
// batch, its rows in that span that the batch does not name. This needs a
// key that orders alike in every database (integers, decimals, dates and
// times), in the source's key order; with a text key a Full channel copies
// without removing.
//
// Rows are checked at the source when the Engine has a Quarantine
// (Options.Quarantine): against the channel's Rules (the catalog's
// validators: ID number, credit code, division code, phone, date, enum,
// regex; not null; length) and against their column's type. A row that
// fails goes to the quarantine with the column and the reason, is counted
// in Stats.Quarantined and does not block the rest; Engine.Retry reads it
// again from the source after a fix and publishes it if it passes. A
// grant's channel (Channel.Shaper) applies the grant's row filter first: a
// row outside it is neither checked nor set aside. Its entries hold the row
// twice (QuarantinedRow): as the grant delivers it, which its consumer is
// shown, and as the source holds it, which only the provider is shown.
//
// With Options.Link the two sides run on different nodes: see Link.
//
// Memory stays constant whatever the table size: one batch is read, one
// message is in flight per channel, and the de-duplication window holds one
// ID per batch, not per row.
//
// # Persisted channels
//
// The platform keeps its channels in the database (Migration) through a
// Manager, which checks who may see and operate each, audits every change,
// and, once started, runs the active ones with an Engine: continuous
// channels with Run, cron channels with Sync on their schedule (Beijing
// time). Tables are named by department, datasource and table (TableRef)
// and turned into DSNs by a Resolver, so that credentials stay where they
// are registered:
//
//	m := exchange.NewManager(db, auditLog, orgs, exchange.PlatformResolver(catalogSvc), engine, exchange.ManagerOptions{})
//	m.Start(ctx)          // only the replica holding the KV lease runs channels
//	ch, err := m.Create(ctx, org.System, exchange.ChannelInput{..., GrantID: grant})
//	err = m.Stop(ctx, org.System, ch.ID, "grant withdrawn") // revoked within a second
//
// Every channel has a basis, recorded on it: a grant (GrantID, created by
// the sharing flow) or an aggregation mandate (MandateID, internal/
// aggregation). Only the platform (org.System) creates channels, with
// exactly one basis; people do not, the system admin included. Before each
// pass and each batch the manager asks the basis for the channel's shape
// (ManagerOptions.Shape for grants, ManagerOptions.Mandate for mandates):
// an ended basis stops the channel, and a channel without one does not run.
// A channel reads only its provider's datasources and writes only into its
// consumer's (the Resolver checks the department). The system admin may
// pause a channel, not run or resume one; node operators of either
// department operate it.
//
// A channel whose two tables are on front-end nodes (TableRef.NodeID, the
// node's number; NodeResolver checks it against the node registry) runs on
// the nodes: the leader routes it along a Link (provider node → hub →
// consumer node), writes one NodeSpec per side into each node's KV bucket on
// the hub (NodeBucket) and deletes it to pause or stop the side; the nodes
// run Extract and Apply and report their statistics on NodeReportSubject,
// which the leader adds to the channel's totals. A basis's shape travels to
// the provider node as columns, masks and the row filter (RowCondition), so
// rows the grant does not allow never leave the department. See nodes.go. A channel between a node and a datasource
// registered on the platform is not supported yet.
//
// The leader writes what the engine counted every two seconds as deltas
// onto the channel's totals and into per-minute samples (kept 7 days), so
// statistics survive restarts; a schema change the target cannot take
// pauses the channel with the differences as its reason.
package exchange
