package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/audit"
)

func (s *Server) registerAudit() {
	huma.Register(s.api, op(http.MethodGet, "/api/v1/audit", "list-audit", "audit", "Search the audit log (auditor)", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Actor   string    `query:"actor" maxLength:"64"`
			Action  string    `query:"action" maxLength:"64" doc:"Action or action prefix, e.g. user."`
			Outcome string    `query:"outcome" enum:"success,failure,denied,"`
			Q       string    `query:"q" maxLength:"100" doc:"Text in the target, detail, department, actor or client address"`
			From    time.Time `query:"from" doc:"RFC 3339 time, inclusive"`
			To      time.Time `query:"to" doc:"RFC 3339 time, exclusive"`
			Dept    int64     `query:"department_id" doc:"Entries of one department's staff"`
		}) (*Page[audit.Entry], error) {
			p := principal(ctx)
			if err := s.Org.RequireAuditor(ctx, p, "audit.read"); err != nil {
				return nil, err
			}
			es, total, err := s.Audit.List(ctx, audit.Filter{Actor: in.Actor, Action: in.Action, Outcome: in.Outcome, Q: in.Q,
				From: in.From, To: in.To, DepartmentID: in.Dept, Page: in.Page, PageSize: in.PageSize})
			for i := range es {
				es[i] = es[i].Words(requestLang(ctx))
			}
			return page(es, total, in.PageParams), err
		}))
	type verifyOut struct {
		Body struct {
			OK      bool   `json:"ok"`
			Entries int64  `json:"entries" doc:"Entries checked"`
			Seq     int64  `json:"broken_at,omitempty" doc:"First entry that does not hold"`
			Reason  string `json:"reason,omitempty"`
			Rebuilt bool   `json:"rebuilt,omitempty" doc:"The entries from broken_at on hold together but not under the platform's audit key: the chain was rebuilt outside the platform (or is another platform's)"`
		}
	}
	huma.Register(s.api, op(http.MethodPost, "/api/v1/audit/verify", "verify-audit", "audit", "Check the whole hash chain (auditor)", true),
		handle(s, func(ctx context.Context, _ *struct{}) (*verifyOut, error) {
			p := principal(ctx)
			if err := s.Org.RequireAuditor(ctx, p, "audit.verify"); err != nil {
				return nil, err
			}
			n, err := s.Audit.Verify(ctx)
			out := &verifyOut{}
			out.Body.Entries = n
			var b *audit.Break
			switch {
			case errors.As(err, &b):
				out.Body.Seq, out.Body.Reason, out.Body.Rebuilt = b.Seq, b.Reason, b.Foreign
			case err != nil:
				return nil, err
			default:
				out.Body.OK = true
			}
			return out, nil
		}))
}
