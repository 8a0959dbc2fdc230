package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// An approver approves several applications of their queue at once; one
// they may not approve is reported and left as it is, in the caller's
// language, and the console's queue offers the same in a form.
func TestBatchApproval(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	var ids []int64
	for i := range 2 {
		status, body := rsj.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"name"},
			"purpose": fmt.Sprintf("批量审批测试 %d", i), "basis": "《测试依据》", "scenario": "测试场景", "delivery": "file"})
		if status != http.StatusCreated {
			t.Fatalf("apply: %d %v", status, body)
		}
		ids = append(ids, int64(body["id"].(float64)))
	}
	// 公安局's approver approves its step of both; an application of the
	// demo waiting for the authority is not theirs to approve.
	gaj := login(t, p.URL, "gaj.approver", demo.Password)
	status, raw := gaj.raw("POST", "/api/v1/applications/batch-approve", map[string]any{"ids": append(ids, 999999), "note": "同意"})
	if status != http.StatusOK {
		t.Fatalf("batch approve: %d %s", status, raw)
	}
	var res struct {
		Outcomes []struct {
			ID       int64  `json:"id"`
			Approved bool   `json:"approved"`
			State    string `json:"state"`
			Message  string `json:"message"`
		} `json:"outcomes"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Outcomes) != 3 || !res.Outcomes[0].Approved || !res.Outcomes[1].Approved || res.Outcomes[0].State != "pending_authority" ||
		res.Outcomes[2].Approved || res.Outcomes[2].Message == "" {
		t.Fatalf("outcomes %+v: want both approved to the authority's step and the unknown one refused", res.Outcomes)
	}
	// The authority's approver ticks one on the console's queue.
	xz := login(t, p.URL, "xzsp.approver", demo.Password)
	status, _, page := consoleGet(t, p.URL, "xzsp.approver", "/sharing/applications?box=review", "zh-CN")
	if status != 200 || !strings.Contains(string(page), `id="batch-approve"`) || !strings.Contains(string(page), fmt.Sprintf(`name="ids" value="%d"`, ids[0])) {
		t.Fatalf("the review queue offers no batch approval for %d (status %d)", ids[0], status)
	}
	req, _ := http.NewRequest("POST", p.URL+"/sharing/applications/batch-approve", strings.NewReader(url.Values{"ids": {fmt.Sprint(ids[0])}, "note": {"同意"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.URL)
	req.AddCookie(&http.Cookie{Name: "gs_session", Value: xz.token})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console batch approve: %d", resp.StatusCode)
	}
	status, body := xz.do("GET", fmt.Sprintf("/api/v1/applications/%d", ids[0]), nil)
	if status != 200 || body["state"] != "approved" {
		t.Errorf("application %d after the console's batch: %d %v, want approved", ids[0], status, body["state"])
	}
	status, body = xz.do("GET", fmt.Sprintf("/api/v1/applications/%d", ids[1]), nil)
	if status != 200 || body["state"] != "pending_authority" {
		t.Errorf("the unticked application %d: %v, want still pending_authority", ids[1], body["state"])
	}
}
