package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/org"
)

// nodesPath is the nodes page (前置机), under the exchange area.
const nodesPath = "/exchange/nodes"

// nodesRoutes adds the nodes pages; they belong in the authenticated group.
func (s *server) nodesRoutes(r chi.Router) {
	if s.Nodes == nil {
		return
	}
	r.Get(nodesPath, s.nodes)
	r.Post(nodesPath, s.addNode)
	r.Post(nodesPath+"/{id}/token", s.reissueNodeToken)
	r.Post(nodesPath+"/{id}/{action}", s.nodeAction)
}

// nodeRow is a node as the list shows it.
type nodeRow struct {
	node.Node
	Seen       string // last heartbeat, relative
	CanOperate bool
	Demo       bool // one of the demo's nodes (serve --demo), which the console stops and starts
	Running    bool // the demo node runs
}

// DemoNodes stops and starts the demo's front-end nodes, deciding who may.
type DemoNodes interface {
	Demo(id int64) bool
	Running(id int64) bool
	StopNode(ctx context.Context, p org.Principal, id int64) error
	StartNode(ctx context.Context, p org.Principal, id int64) error
}

func (s *server) nodes(w http.ResponseWriter, r *http.Request) {
	s.nodesPage(w, r, http.StatusOK, view{}, nil)
}

// nodesPage shows the list, the add form and, right after an enrolment was
// created, its one-time token and the command to run on the node.
func (s *server) nodesPage(w http.ResponseWriter, r *http.Request, status int, v view, created *node.Enrollment) {
	ctx, p, lang := r.Context(), s.principal(r), language(r)
	page := pageParam(r)
	state := node.State(r.URL.Query().Get("state"))
	ns, total, err := s.Nodes.List(ctx, p, node.Filter{State: state, Page: page, PageSize: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]nodeRow, 0, len(ns))
	for _, n := range ns {
		row := nodeRow{Node: n, Seen: s.ago(lang, n.LastHeartbeat), CanOperate: node.CanOperate(p, n.DepartmentID)}
		if s.DemoNodes != nil && s.DemoNodes.Demo(n.ID) {
			row.Demo, row.Running = true, s.DemoNodes.Running(n.ID)
		}
		rows = append(rows, row)
	}
	data := map[string]any{"Nodes": rows, "Pager": newPager(r, page, 20, total), "States": node.States, "Form": r.PostForm,
		"CanAdd": node.CanOperate(p, p.DepartmentID), "PickDepartment": p.Has(org.SystemAdmin)}
	if p.Has(org.SystemAdmin) {
		ds, _, err := s.Org.Departments(ctx, org.DepartmentFilter{PageSize: 200})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Departments"] = ds
	}
	if created != nil {
		scheme := "http"
		if s.Secure || r.TLS != nil {
			scheme = "https"
		}
		data["Created"] = created
		data["Command"] = fmt.Sprintf("govshare node --platform %s://%s \\\n  --token %s \\\n  --data-dir /var/lib/govshare-node --config /etc/govshare/node.yaml",
			scheme, r.Host, created.Token)
	}
	v.Title, v.Active, v.Data = "nodes.title", nodesPath, data
	s.render(w, r, status, "nodes", v)
}

func (s *server) addNode(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	dept, _ := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	e, err := s.Nodes.CreateEnrollment(r.Context(), s.principal(r), node.EnrollmentInput{Name: r.PostFormValue("name"), DepartmentID: dept})
	if err != nil {
		if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.Unavailable) {
			s.fail(w, r, err)
			return
		}
		fields, msg := fieldErrors(err)
		s.nodesPage(w, r, errs.Status(errs.CodeOf(err)), view{Errors: fields, Error: msg}, nil)
		return
	}
	// The token is shown on this answer only: it is never stored in clear.
	r.PostForm = nil
	s.nodesPage(w, r, http.StatusCreated, view{Flash: s.t(r, "nodes.created", e.Name)}, &e)
}

func (s *server) reissueNodeToken(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	e, err := s.Nodes.ReissueToken(r.Context(), s.principal(r), id)
	if err != nil {
		if errs.Is(err, errs.Conflict) || errs.Is(err, errs.Forbidden) || errs.Is(err, errs.Unavailable) {
			s.nodesPage(w, r, errs.Status(errs.CodeOf(err)), view{Error: errs.Message(err)}, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.nodesPage(w, r, http.StatusCreated, view{Flash: s.t(r, "nodes.reissued", e.Name)}, &e)
}

func (s *server) nodeAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	ctx, p := r.Context(), s.principal(r)
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	reason := r.PostFormValue("reason")
	var n node.Node
	var err error
	var done string
	switch chi.URLParam(r, "action") {
	case "disable":
		n, err = s.Nodes.Disable(ctx, p, id, reason)
		done = "nodes.done.disable"
	case "enable":
		n, err = s.Nodes.Enable(ctx, p, id)
		done = "nodes.done.enable"
	case "revoke":
		n, err = s.Nodes.Revoke(ctx, p, id, reason)
		done = "nodes.done.revoke"
	case "demo-stop", "demo-start":
		if s.DemoNodes == nil {
			http.NotFound(w, r)
			return
		}
		if chi.URLParam(r, "action") == "demo-stop" {
			err, done = s.DemoNodes.StopNode(ctx, p, id), "nodes.done.demo_stop"
		} else {
			err, done = s.DemoNodes.StartNode(ctx, p, id), "nodes.done.demo_start"
		}
		if err == nil {
			n, err = s.Nodes.Get(ctx, p, id)
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		if errs.Is(err, errs.Invalid) || errs.Is(err, errs.Conflict) || errs.Is(err, errs.Forbidden) {
			_, msg, fields := errs.Public(err)
			if f, ok := fields["reason"]; ok {
				msg = s.t(r, "nodes.reason") + ": " + f
			}
			s.nodesPage(w, r, errs.Status(errs.CodeOf(err)), view{Error: msg}, nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, nodesPath, s.t(r, done, n.Name))
}

// ago says how long ago t was, in lang.
func (s *server) ago(lang string, t time.Time) string {
	if t.IsZero() {
		return s.msgs.T(lang, "nodes.never")
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return s.msgs.T(lang, "nodes.ago.seconds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return s.msgs.T(lang, "nodes.ago.minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return s.msgs.T(lang, "nodes.ago.hours", int(d.Hours()))
	}
	return s.msgs.T(lang, "nodes.ago.days", int(d.Hours()/24))
}
