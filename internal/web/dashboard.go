package web

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/org"
)

type chartData struct {
	Labels []string `json:"labels"`
	Values []int    `json:"values"`
}

// trendData is a line chart's points.
type trendData struct {
	Labels []string `json:"labels"`
	Values []int64  `json:"values"`
}

// dashboard shows the same figures to everyone, and to each person the work
// waiting for them, as links to it: approvals, catalog reviews, returned
// entries, overdue duties (only for those who can act on them), and the
// exchange they may see.
func (s *server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := s.Org.Stats(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var c chartData
	for _, rc := range st.ByRegion {
		c.Labels, c.Values = append(c.Labels, rc.Name), append(c.Values, rc.Departments)
	}
	chart, _ := json.Marshal(c)
	data := map[string]any{"Stats": st, "Chart": string(chart), "Areas": plannedAreas}
	p := s.principal(r)
	hasTodo := false
	if s.Catalog != nil {
		_, total, err := s.Catalog.Counts(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		todo, err := s.Catalog.Todo(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Catalog"], data["CatalogTodo"] = total, todo
		hasTodo = todo.Reviewer || todo.Cataloger
	}
	if s.Sharing != nil {
		todo, err := s.Sharing.Todo(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Sharing"] = todo
		hasTodo = hasTodo || todo.Reviewer || todo.Pending > 0
	}
	if s.Lists != nil {
		overdue, err := s.Lists.OverdueFor(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Overdue"] = overdue
	}
	if s.BaseDB != nil && p.DepartmentID != 0 { // 疑义数据 past their time limit
		n, err := s.BaseDB.OverdueFor(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["DisputesOverdue"] = n
	}
	if s.Exchange != nil && p.DepartmentID != 0 {
		stats, err := s.Exchange.Stats(ctx, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		samples, err := s.Exchange.Trend(ctx, p, time.Now().Add(-23*time.Hour))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var t trendData
		for _, h := range samples {
			t.Labels = append(t.Labels, h.Hour.In(beijing).Format("15:00"))
			t.Values = append(t.Values, h.Deliveries)
		}
		trend, _ := json.Marshal(t)
		data["Exchange"] = map[string]any{"City": stats.City, "Trend": string(trend)}
	}
	data["Todo"] = hasTodo
	if p.Can(org.ReadAudit) {
		recent, _, err := s.Audit.List(ctx, audit.Filter{PageSize: 8})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Recent"] = recent
	}
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "nav.dashboard", Active: "/", Data: data})
}
