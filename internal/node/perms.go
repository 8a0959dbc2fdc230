package node

import (
	"strconv"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/govshare/govshare/internal/bus"
	"github.com/govshare/govshare/internal/exchange"
)

// InboxPrefix is the prefix of the reply subjects of node id's own
// requests (the agent's connection uses it): the node may receive on it
// and on no other inbox.
func InboxPrefix(id int64) string { return "_INBOX_" + Domain(id) }

// LeafPermissions is what node id's leaf connection may send to the
// platform (Publish) and receive from it (Subscribe), from the node's side
// of the link. Every subject names the node (its id, its domain, its
// bucket, its consumers on the hub), except the answers to the platform's
// requests and flow control, which name the platform.
func LeafPermissions(id int64) *server.Permissions {
	d := Domain(id)
	own := "govshare.node." + strconv.FormatInt(id, 10) + ".>"
	kv := "KV_" + exchange.NodeBucket(id)
	send, receive := exchange.DeliverSubjects(d)
	hub := exchange.HubDomain
	api := "$JS." + hub + ".API."
	out := exchange.OutConsumer(d)
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			own,  // heartbeats, channel reports, answers to requests on its subjects
			send, // its sourcing consumers deliver to the hub
			// its bucket on the hub, read only
			api + "STREAM.INFO." + kv,
			api + "CONSUMER.CREATE." + kv,
			api + "CONSUMER.CREATE." + kv + ".>",
			api + "CONSUMER.INFO." + kv + ".>",
			api + "CONSUMER.DELETE." + kv + ".>",
			api + "DIRECT.GET." + kv,
			api + "DIRECT.GET." + kv + ".>",
			api + "STREAM.MSG.GET." + kv,
			// its streams source the hub's through consumers named for it
			api + "CONSUMER.RESET.*." + out,
			// answers to the platform: its requests, its sourcing's requests
			// to this domain, flow control of the hub's consumers for the node
			bus.InboxPrefix + ".>",
			"$JSC.R." + d + ".>",
			"$JS.FC." + hub + ".*.*." + out + ".*",
			"$JS.FC." + hub + ".*." + kv + ".>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{
			own,                                    // requests to the node
			InboxPrefix(id) + ".>",                 // answers to its own requests
			"$JSC.R." + hub + ".*.*." + out + ".*", // answers to its sourcing's resets
			"$JS." + d + ".API.>",                  // the platform's calls into its domain
			"$JS.FC." + d + ".>",                   // flow control of its sourcing consumers
			receive,                                // the hub's consumers deliver to it
		}},
	}
}
