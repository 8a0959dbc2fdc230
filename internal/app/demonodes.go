package app

import (
	"context"
	"path/filepath"

	"github.com/govshare/govshare/internal/api"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/web"
)

// demoNodesWanted reports whether this start runs the demo's front-end
// nodes: --demo with --demo-nodes on the embedded bus over plain HTTP (the
// nodes enrol at the platform's own URL; with --tls-cert they would need
// its CA, with --nats the platform has no leaf listener of its own).
func (p *platform) demoNodesWanted() bool {
	return p.cfg.Demo && p.cfg.DemoNodes && p.cfg.NATS == "" && !p.secure
}

// prepareDemoNodes creates the demo's nodes once the console listens at
// addr; serve starts them once it serves.
func (p *platform) prepareDemoNodes(addr string) {
	if !p.demoNodesWanted() || p.nodes.LeafURL == "" {
		return
	}
	svc := demo.Services{Org: p.org, Catalog: p.catalog, Lists: p.lists, Sharing: p.sharing, Gateway: p.gateway, Exchange: p.channels,
		Aggregation: p.mandates, Anchors: p.anchors}
	p.demoNodes = demo.NewNodes(svc, p.nodes, demo.NodesOptions{Dir: filepath.Join(p.cfg.DataDir, "demo-nodes"), Platform: "http://" + addr,
		LeafURL: p.nodes.LeafURL, Version: Version, Logger: p.log, Audit: p.audit})
}

// demoGrantSource is the table delivery's NodeSource while the demo's
// nodes run.
func (p *platform) demoGrantSource(ctx context.Context, g sharing.Grant) (exchange.TableRef, bool) {
	if p.demoNodes == nil {
		return exchange.TableRef{}, false
	}
	return p.demoNodes.GrantSource(ctx, g)
}

// demoNodesAPI is the API's DemoNodes, nil without demo nodes.
func (p *platform) demoNodesAPI() api.DemoNodes {
	if p.demoNodes == nil {
		return nil
	}
	return p.demoNodes
}

// demoNodesWeb is the console's DemoNodes, nil without demo nodes.
func (p *platform) demoNodesWeb() web.DemoNodes {
	if p.demoNodes == nil {
		return nil
	}
	return p.demoNodes
}
