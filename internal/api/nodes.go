package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/node"
)

type nodeOut struct{ Body node.Node }

func (s *Server) registerNodes() {
	a := s.api
	o := op(http.MethodPost, "/api/v1/nodes/enrollments", "create-node-enrollment", "nodes",
		"Add a front-end node (前置机) and get its one-time enrolment token", true)
	o.Description = "A system admin adds nodes to any department; a node operator or department admin to their own. " +
		"The token is shown once, expires after 24 hours and is used by `govshare node --platform URL --token TOKEN --data-dir DIR`."
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body node.EnrollmentInput }) (*struct{ Body node.Enrollment }, error) {
		e, err := s.Nodes.CreateEnrollment(ctx, principal(ctx), in.Body)
		return &struct{ Body node.Enrollment }{e}, err
	}))

	o = op(http.MethodPost, "/api/v1/nodes/{id}/enrollments", "reissue-node-enrollment", "nodes",
		"Issue a new one-time token for a node that has not enrolled yet (the previous token stops working)", true)
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*struct{ Body node.Enrollment }, error) {
		e, err := s.Nodes.ReissueToken(ctx, principal(ctx), in.ID)
		return &struct{ Body node.Enrollment }{e}, err
	}))

	o = op(http.MethodPost, "/api/v1/nodes/enroll", "enroll-node", "nodes", "Enrol a node with its one-time token (called by govshare node)", false)
	o.Description = "No session: the token authenticates. The node sends a PEM certificate request for its ECDSA P-256 key and receives " +
		"its certificate (CN = node id, client authentication, one year), the platform's node CA, the leaf URL and its JetStream domain. " +
		"A used, expired or unknown token answers 401."
	o.Errors = append(o.Errors, http.StatusUnauthorized, http.StatusServiceUnavailable)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *struct{ Body node.EnrollRequest }) (*struct{ Body node.Enrolled }, error) {
		e, err := s.Nodes.Enroll(ctx, in.Body, clientAddrFrom(ctx))
		return &struct{ Body node.Enrolled }{e}, err
	}))

	huma.Register(a, op(http.MethodGet, "/api/v1/nodes", "list-nodes", "nodes",
		"Front-end nodes with state, last heartbeat, version and datasources", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			State        string `query:"state" enum:"pending,active,disabled,revoked,"`
			DepartmentID int64  `query:"department_id" minimum:"0"`
		}) (*Page[node.Node], error) {
			ns, total, err := s.Nodes.List(ctx, principal(ctx), node.Filter{State: node.State(in.State), DepartmentID: in.DepartmentID,
				Page: in.Page, PageSize: in.PageSize})
			return page(ns, total, in.PageParams), err
		}))
	o = op(http.MethodGet, "/api/v1/nodes/{id}", "get-node", "nodes", "One front-end node", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*nodeOut, error) {
		n, err := s.Nodes.Get(ctx, principal(ctx), in.ID)
		return &nodeOut{n}, err
	}))
	o = op(http.MethodPost, "/api/v1/nodes/{id}/disable", "disable-node", "nodes",
		"Disable a node: its certificate is refused and its connection closed until it is enabled", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonInput) (*nodeOut, error) {
		n, err := s.Nodes.Disable(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &nodeOut{n}, err
	}))
	o = op(http.MethodPost, "/api/v1/nodes/{id}/enable", "enable-node", "nodes", "Accept a disabled node's certificate again", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*nodeOut, error) {
		n, err := s.Nodes.Enable(ctx, principal(ctx), in.ID)
		return &nodeOut{n}, err
	}))
	o = op(http.MethodPost, "/api/v1/nodes/{id}/revoke", "revoke-node", "nodes",
		"Revoke a node's certificate for good and close its connection (a pending node's enrolment is cancelled)", true)
	o.Errors = append(o.Errors, http.StatusNotFound, http.StatusConflict)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *reasonInput) (*nodeOut, error) {
		n, err := s.Nodes.Revoke(ctx, principal(ctx), in.ID, in.Body.Reason)
		return &nodeOut{n}, err
	}))
}
