package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/govshare/govshare/internal/notice"
)

type (
	noticeOut  struct{ Body notice.Notice }
	readAllOut struct {
		Body struct {
			Marked int `json:"marked" doc:"Notices marked read"`
		}
	}
)

// registerNotices adds the caller's own notices (站内信), in the request's
// language.
func (s *Server) registerNotices() {
	a := s.api
	const tag = "notices"
	huma.Register(a, op(http.MethodGet, "/api/v1/notices", "list-notices", tag, "The caller's own notices (站内信), newest first; total with unread=true is the unread count", true),
		handle(s, func(ctx context.Context, in *struct {
			PageParams
			Unread bool `query:"unread" doc:"Only notices not yet read"`
		}) (*Page[notice.Notice], error) {
			ns, total, err := s.Notices.List(ctx, principal(ctx), notice.Filter{Unread: in.Unread, Page: in.Page, PageSize: in.PageSize})
			lang := requestLang(ctx)
			for i := range ns {
				ns[i].Message = ns[i].Text.In(lang)
			}
			return page(ns, total, in.PageParams), err
		}))
	o := op(http.MethodPost, "/api/v1/notices/{id}/read", "read-notice", tag, "Mark one of the caller's notices read", true)
	o.Errors = append(o.Errors, http.StatusNotFound)
	huma.Register(a, o, handle(s, func(ctx context.Context, in *idInput) (*noticeOut, error) {
		n, err := s.Notices.MarkRead(ctx, principal(ctx), in.ID)
		n.Message = n.Text.In(requestLang(ctx))
		return &noticeOut{n}, err
	}))
	huma.Register(a, op(http.MethodPost, "/api/v1/notices/read-all", "read-all-notices", tag, "Mark every notice of the caller read", true),
		handle(s, func(ctx context.Context, in *struct{}) (*readAllOut, error) {
			out := &readAllOut{}
			var err error
			out.Body.Marked, err = s.Notices.MarkAllRead(ctx, principal(ctx))
			return out, err
		}))
}
