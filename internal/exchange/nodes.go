package exchange

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/errs"
)

// Channels whose tables are on front-end nodes (前置机) run on the nodes:
// the provider node extracts, the consumer node applies, and the batches
// travel along a Link (provider domain → hub → consumer domain) that the
// platform's leader routes. The platform never learns the nodes' DSNs.
//
// Control path: the leader writes one NodeSpec per side into the node's
// own KV bucket on the hub (NodeBucket(id), key "<side>.<channel>"), and
// deletes it to stop the side (pause, revoke, a definition change). A KV
// bucket rather than request/reply because it is durable desired state: a
// node that is offline or restarting reads what it must run when it comes
// back, and needs no answer from the platform to keep running while the
// platform is down. Nodes poll the bucket's last sequence a few times a
// second through the leaf link, so a change reaches them within a second.
//
// Stats path: each node publishes a signed NodeReport every second on
// NodeReportSubject(id) with the engine statistics of the sides it runs; the
// leader adds them, per side and per run, onto the channel's totals as it
// does for the channels it runs itself.

// Sides of a channel a node runs.
const (
	SideExtract = "extract"
	SideApply   = "apply"
)

// HubDomain is the JetStream domain of the platform's hub.
const HubDomain = "hub"

// NodeBucket is the KV bucket on the hub holding what node id must run.
func NodeBucket(id int64) string { return "govshare_node_" + strconv.FormatInt(id, 10) }

// NodeReportSubject is where node id reports the statistics of its channels.
func NodeReportSubject(id int64) string { return fmt.Sprintf("govshare.node.%d.channels", id) }

const nodeReportWildcard = "govshare.node.*.channels"

// NodeSpec is one side of a channel as the platform tells a node to run it.
// It never carries credentials: the node resolves Datasource from its own
// node.yaml.
type NodeSpec struct {
	Channel    string `json:"channel"`
	Side       string `json:"side"` // SideExtract or SideApply
	Gen        string `json:"gen"`  // changes whenever the platform (re)starts the channel; reports carry it
	Provider   string `json:"provider"`
	Consumer   string `json:"consumer"`
	Hub        string `json:"hub"`
	Datasource string `json:"datasource"` // the node's datasource: the source (extract) or the target (apply)
	Table      string `json:"table"`
	Mode       string `json:"mode"`
	Schedule   string `json:"schedule"`
	BatchSize  int    `json:"batch_size,omitempty"`
	Watermark  string `json:"watermark,omitempty"`
	SoftDelete string `json:"soft_delete,omitempty"`
	// Shape, for the extract side of a grant's channel: the columns it may
	// deliver, their masking and the grant's row filter.
	Shape *Shape `json:"shape,omitempty"`
	// Rules, for the extract side: what each column's values are checked
	// against (the catalog items' validators); rows that fail wait in the
	// node's quarantine. Column types are checked in any case.
	Rules map[string]Rule `json:"rules,omitempty"`
	RunAt string          `json:"run_at,omitempty"` // a run request: a cron channel passes at once
}

// Key is the spec's key in the node's bucket.
func (s NodeSpec) Key() string { return s.Side + "." + s.Channel }

// Link is the spec's path.
func (s NodeSpec) Link() *Link { return &Link{Provider: s.Provider, Hub: s.Hub, Consumer: s.Consumer} }

// Channel is the Channel a node runs for the spec, with its datasource
// resolved (driver, DSN) by the node. One side needs one endpoint; the
// other is set to the same so that the channel validates.
func (s NodeSpec) EngineChannel(driver, dsn string) Channel {
	ep := Endpoint{Driver: driver, DSN: dsn, Table: s.Table}
	ch := Channel{ID: s.Channel, Source: ep, Target: ep, Mode: s.Mode, BatchSize: s.BatchSize, Watermark: s.Watermark, SoftDelete: s.SoftDelete, Rules: s.Rules}
	if s.Shape != nil {
		sh := &Shape{Columns: slices.Clone(s.Shape.Columns), Mask: s.Shape.Mask, Filter: slices.Clone(s.Shape.Filter), HashKey: s.Shape.HashKey}
		ch.Shaper = func(context.Context) (*Shape, error) { return sh, nil }
	}
	return ch
}

// SideReport is the statistics of one side of a channel on a node.
type SideReport struct {
	Channel string `json:"channel"`
	Side    string `json:"side"`
	Gen     string `json:"gen"`
	Run     string `json:"run"` // changes when the node restarts the side: its counters start at zero
	Stats   Stats  `json:"stats"`
	Total   int64  `json:"total,omitempty"` // extract side, full pass: source rows when it began; 0 unknown
}

// NodeReport is what a node publishes on NodeReportSubject.
type NodeReport struct {
	NodeID int64        `json:"node_id"`
	Sides  []SideReport `json:"sides"`
	At     time.Time    `json:"at"`
}

// NodeInfo is what the exchange needs to know of a front-end node.
type NodeInfo struct {
	ID           int64
	DepartmentID int64
	Active       bool // enrolled, neither disabled nor revoked
	Online       bool
	Domain       string
	Datasources  map[string]NodeDatasource // as the node's last heartbeat reported them
}

// NodeDatasource is a datasource a node reported.
type NodeDatasource struct {
	Driver  string
	Tables  []string
	Healthy bool
}

// Nodes is the platform's registry of front-end nodes (node.Registry).
type Nodes interface {
	NodeInfo(ctx context.Context, id int64) (NodeInfo, error)
	// Verify reports whether sig is node id's signature of data.
	Verify(id int64, data, sig []byte) bool
}

// CheckNodeRef checks a node-hosted table reference: the node exists, is
// active, belongs to dept, and reported the datasource in its heartbeat.
func CheckNodeRef(ctx context.Context, nodes Nodes, dept int64, ref TableRef) (NodeInfo, NodeDatasource, error) {
	id, err := strconv.ParseInt(ref.NodeID, 10, 64)
	if err != nil || id <= 0 {
		return NodeInfo{}, NodeDatasource{}, errs.New(errs.NotFound, msgNodeNumber, ref.NodeID)
	}
	if nodes == nil {
		return NodeInfo{}, NodeDatasource{}, errs.New(errs.NotFound, msgNoNodes, id)
	}
	n, err := nodes.NodeInfo(ctx, id)
	if err != nil {
		return n, NodeDatasource{}, err
	}
	if n.DepartmentID != dept {
		return n, NodeDatasource{}, errs.New(errs.NotFound, msgNodeOtherDept, id)
	}
	if !n.Active {
		return n, NodeDatasource{}, errs.New(errs.Conflict, msgNodeInactive, id)
	}
	ds, ok := n.Datasources[ref.Datasource]
	if !ok {
		return n, ds, errs.New(errs.NotFound, msgNodeNoSource, id, ref.Datasource)
	}
	return n, ds, nil
}

// NodeResolver resolves platform-registered datasources as PlatformResolver
// does and node-hosted ones by checking them (CheckNodeRef): for those it
// answers the driver the node reported and no DSN, which stays on the node.
func NodeResolver(ds Datasources, nodes Nodes) Resolver {
	return nodeResolver{platformResolver{ds}, nodes}
}

type nodeResolver struct {
	platformResolver
	nodes Nodes
}

func (r nodeResolver) Resolve(ctx context.Context, dept int64, ref TableRef) (string, string, error) {
	if ref.NodeID == "" {
		return r.platformResolver.Resolve(ctx, dept, ref)
	}
	_, d, err := CheckNodeRef(ctx, r.nodes, dept, ref)
	return d.Driver, "", err
}

// Nodes returns the resolver's registry.
func (r nodeResolver) Nodes() Nodes { return r.nodes }

// checkNodeTables checks a channel between tables on nodes as far as the
// platform can: both nodes and datasources (CheckNodeRef) and the source
// table among those the node reported. The columns are the node's to check
// when the channel runs (a missing watermark column fails the channel with
// the reason). The key columns are taken as given.
func (m *Manager) checkNodeTables(ctx context.Context, in ChannelInput) ([]string, error) {
	var src NodeDatasource
	if in.Source.NodeID != "" {
		var err error
		if _, src, err = CheckNodeRef(ctx, m.nodes, in.ProviderID, in.Source); err != nil {
			return nil, sourceErr("source", err)
		}
	}
	if in.Source.NodeID == "" || in.Target.NodeID == "" {
		return nil, errs.FieldMsg("target", msgMixedTarget)
	}
	if !slices.Contains(src.Tables, in.Source.Table) {
		return nil, errs.FieldMsg("source", msgNodeNoTable, in.Source.NodeID, in.Source.Table, in.Source.Datasource)
	}
	if _, _, err := CheckNodeRef(ctx, m.nodes, in.ConsumerID, in.Target); err != nil {
		return nil, sourceErr("target", err)
	}
	if in.KeyColumns == nil {
		return []string{}, nil
	}
	return in.KeyColumns, nil
}
