package app

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// The dashboard shows each person the work waiting for them, as links to
// it, and overdue approvals only to those who approve them.
func TestDashboardByRole(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	for _, c := range []struct {
		user     string
		want     []string
		wantNone []string
	}{
		{"admin", []string{`id="stat-users"`, `id="stat-published"`},
			[]string{`id="todo"`, `id="stat-queue"`, `id="stat-overdue-approvals"`, `id="overdue-duties"`}},
		{"auditor", []string{`id="stat-published"`}, []string{`id="todo"`, `id="stat-overdue-approvals"`, `id="overdue-duties"`}},
		{"xzsp.approver", []string{`id="todo-approvals"`, `href="/sharing/applications?box=review"`, `id="todo-overdue-approvals"`,
			`id="todo-review"`, `href="/catalog?status=submitted"`, `id="chart-exchange"`, `id="stat-deliveries"`}, []string{`id="todo-returned"`}},
		{"gaj.cataloger", []string{`id="todo-returned"`, `href="/catalog?status=returned"`, `id="chart-exchange"`},
			[]string{`id="todo-approvals"`, `id="todo-review"`, `id="stat-overdue-approvals"`}},
		{"rsj.consumer", []string{`id="chart-exchange"`}, []string{`id="stat-queue"`, `id="stat-overdue-approvals"`, `id="todo-review"`, `id="overdue-duties"`}},
	} {
		t.Run(c.user, func(t *testing.T) {
			cl := login(t, p.URL, c.user, demo.Password)
			req, _ := http.NewRequest("GET", p.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: "gs_session", Value: cl.token})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("GET / = %d\n%s", resp.StatusCode, p.Stdout.String())
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("the dashboard lacks %s", w)
				}
			}
			for _, w := range c.wantNone {
				if strings.Contains(string(b), w) {
					t.Errorf("the dashboard shows %s", w)
				}
			}
		})
	}
}
