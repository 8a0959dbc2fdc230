// Package node holds the front-end nodes (前置机): the platform's registry
// of them and the agent that runs inside a department's network.
//
// On the platform, a Registry keeps the node CA (ECDSA P-256, created on the
// first start and stored sealed in the database, so replicas share it), the
// nodes and their one-time enrolment tokens, and checks the certificates of
// leaf connections:
//
//	reg := node.NewRegistry(db, auditLog, orgs, sealer, logger)
//	err := reg.Open(ctx)                          // load or create the CA
//	tlsConf, err := reg.LeafTLS([]string{"share.example.gov.cn"})
//	b, err := bus.Open(ctx, bus.Options{LeafListen: ":7422", LeafTLS: tlsConf, LeafAuth: reg.LeafAuth()})
//	reg.LeafURL = "nats-leaf://share.example.gov.cn:7422"
//	err = reg.Start(ctx, b.Conn, b.Server())      // heartbeats, revocation
//	defer reg.Stop()
//
// An operator adds a node (CreateEnrollment) and gets a token; the node
// enrols with it (Enroll: the token is burned, the node's CSR signed). A
// disabled or revoked node's certificate is refused at the next handshake
// and its live leaf connection is closed.
//
// On the node, Run (or Start) enrols on the first run, then runs an embedded
// NATS server with the JetStream domain Domain(id), joined to the platform as
// a leaf node over TLS, and publishes a Heartbeat every 10 s on
// HeartbeatSubject(id) with its datasources (names, drivers, tables, health,
// the base URL of an http one: never DSNs or headers):
//
//	a, err := node.Start(ctx, node.Options{DataDir: dir, ConfigFile: "node.yaml", Version: v})
//	js := a.JetStream()                           // the node's own domain
//	src, err := a.Source(ctx, "hr")               // a datasource from node.yaml
//
// The agent also runs the exchange channels the platform places in its
// bucket on the hub (exchange.NodeBucket): the extract side of those whose
// source is one of its datasources, the apply side of those whose target
// is, resolving the datasource names from node.yaml (the platform never
// sees a DSN). It reports their statistics, signed, every second on
// exchange.NodeReportSubject, and keeps the specs in channels.json so that
// it goes on extracting after a restart while the platform is away. The
// Registry answers the exchange's questions about nodes (NodeInfo, Verify).
//
// From the platform, a node's streams are reached with
// jetstream.NewWithDomain(nc, node.Domain(id)).
//
// A node calls its department's APIs for the platform's data services
// (package gateway) when node.yaml declares http datasources: a base URL,
// headers the node adds (credentials: never reported) and a timeout. The
// heartbeat reports each one's base URL; the platform picks the node of the
// entry's provider whose base covers a mounted API's URL (APIBases) and
// sends an APIRequest on APISubject(id) (CallAPI), signed with the CA key
// over a canonical encoding with a request id and the time. The node
// refuses a request that is unsigned, not signed by the CA it holds from
// its enrolment, more than APIMaxSkew off its clock, or seen before; it
// calls only URLs under one of its bases (UnderBase; redirects too), and
// answers with the body in parts and a signed APIAnswer:
//
//	ans, err := reg.CallAPI(ctx, node.APIRequest{NodeID: id, Datasource: "婚姻登记接口", Path: "verify?certNo=J1", Method: "GET"})
//
// A node signs what it sends with its key (Agent.Sign; the signature goes
// base64 in the SignatureHeader header) and the platform checks it against
// the node's accepted certificate (Registry.Verify); heartbeats are signed so.
//
// Isolation on the bus: all nodes share NATS's global account, but each
// leaf connection gets, when it connects, the permissions of the node its
// verified certificate names (Registry.LeafAuth, set as bus.Options.LeafAuth;
// LeafPermissions). The hub enforces them whatever the node's own server
// does. Node id, with domain d = Domain(id), may:
//
//	send     govshare.node.<id>.>                      heartbeats, reports, answers on its subjects
//	         govshare.exchange_deliver.d.>             its channels' batches to the hub
//	         $JS.hub.API.{STREAM.INFO, CONSUMER.CREATE/INFO/DELETE, DIRECT.GET, STREAM.MSG.GET}
//	                  on KV_govshare_node_<id> only    reading its bucket
//	         $JS.hub.API.CONSUMER.RESET.*.to_d         resuming the hub consumers named for it
//	         _INBOX_hub.>, $JSC.R.d.>                  answers to the platform's requests
//	         $JS.FC.hub.*.*.to_d.*, $JS.FC.hub.*.KV_govshare_node_<id>.>   flow control
//	receive  govshare.node.<id>.>                      requests to it (e.g. an api subject)
//	         _INBOX_node_<id>.>                        answers to its requests (InboxPrefix)
//	         $JS.d.API.>                               the platform's calls into its domain
//	         $JS.FC.d.>, $JSC.R.hub.*.*.to_d.*         its consumers' flow control, its resets' answers
//	         govshare.exchange_deliver.hub.d.>         its channels' batches from the hub
//
// So a node cannot read another's bucket, stream or domain, listen to
// another's subjects or inbox, publish on another node's subjects itself,
// or use the hub's JetStream API on anything but its bucket and its
// consumers; a refused publish or literal subscription closes its leaf
// connection. A revoked or disabled node's connection is closed: it is
// recorded by address at the handshake and again when it authenticates.
//
// Still open: the hub answers a node's JetStream API calls on the reply
// subject the node names, and a push consumer the node creates on its own
// bucket delivers where the node says; subject permissions do not cover
// either, so a node can have the hub publish its own bucket's entries or
// API answers on another subject (injecting, not reading: another node's
// data stays out of reach, and heartbeats, reports and API messages are
// signed, so forged ones are dropped). Closing this means serving a node
// its bucket from the platform, or an account per node with service
// imports. A node can also reset hub consumers named to_<its domain> (only
// its own exist), publish on the platform's inbox prefix (an answer needs
// the platform's random reply token) and answer flow control of its own
// hub consumers falsely (delaying only its own channels). The isolation
// covers the embedded bus; an external NATS server (--nats) needs its own
// leaf authorisation. API requests carry the platform's signature and
// answers the node's, so that neither depends on the bus alone.
package node
