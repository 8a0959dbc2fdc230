package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/org"
)

// DemoNodes stops and starts the demo's front-end nodes (serve --demo),
// deciding who may.
type DemoNodes interface {
	StopNode(ctx context.Context, p org.Principal, id int64) error
	StartNode(ctx context.Context, p org.Principal, id int64) error
}

func (s *Server) registerDemoNodes() {
	for _, action := range []struct {
		path, id, summary string
		do                func(context.Context, org.Principal, int64) error
	}{
		{"/api/v1/demo/nodes/{id}/stop", "stop-demo-node",
			"Demo only: stop one of the demo's front-end nodes, as if its machine went down (its channels' backlog builds up)", s.DemoNodes.StopNode},
		{"/api/v1/demo/nodes/{id}/start", "start-demo-node",
			"Demo only: start a stopped demo front-end node again (its backlog drains)", s.DemoNodes.StartNode},
	} {
		o := op(http.MethodPost, action.path, action.id, "nodes", action.summary, true)
		o.Description = "Only with serve --demo, whose two front-end nodes run in the platform's process. The node's department's node " +
			"operators and admins, and the system admin, may. Answers the node as the registry sees it (its heartbeat follows within seconds)."
		o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
		do := action.do
		huma.Register(s.api, o, handle(s, func(ctx context.Context, in *idInput) (*nodeOut, error) {
			if err := do(ctx, principal(ctx), in.ID); err != nil {
				return nil, err
			}
			n, err := s.Nodes.Get(ctx, principal(ctx), in.ID)
			return &nodeOut{n}, err
		}))
	}
}
