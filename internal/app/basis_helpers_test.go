package app

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// publishTable catalogs a table of department dept (its demo key) as the
// department's cataloger: an entry with items (identifier → data type; the
// keys and the update time marked by "key" and "timestamp" in keys), mounted
// on the table of the datasource, and published by the data authority's
// approver. It answers the entry's code. With datasourceID 0 the entry is
// not mounted (its table is on a front-end node). A channel needs a basis, and an
// aggregation mandate names a published entry.
func publishTable(t *testing.T, base, dept, name string, datasourceID float64, table string, items [][3]string) string {
	t.Helper()
	cataloger := login(t, base, dept+".cataloger", demo.Password)
	approver := login(t, base, "xzsp.approver", demo.Password)
	var its []map[string]any
	for _, it := range items {
		m := map[string]any{"name": it[0], "identifier": it[0], "data_type": it[1]}
		switch it[2] {
		case "key":
			m["key"] = true
		case "timestamp":
			m["timestamp"] = true
		}
		its = append(its, m)
	}
	entry := map[string]any{"name": name, "summary": name + "（测试）", "category": "部门信息资源", "category_item": "09", "category_sub_item": "009",
		"format": "数据库", "share_type": "有条件共享", "share_condition": "测试", "open_type": "不予开放", "update_cycle": "每日", "items": its}
	status, created := cataloger.do("POST", "/api/v1/catalog/entries", entry)
	if status != http.StatusCreated {
		t.Fatalf("catalog %s: %d %v", name, status, created)
	}
	code := created["code"].(string)
	esc := url.PathEscape(code)
	for _, step := range []struct {
		c          *client
		path, what string
		body       any
	}{
		{cataloger, "/mounts", "mount", map[string]any{"kind": "table", "datasource_id": datasourceID, "table": table}},
		{cataloger, "/submit", "submit", nil},
		{approver, "/approve", "approve", nil},
		{approver, "/publish", "publish", nil},
	} {
		if step.what == "mount" && datasourceID == 0 {
			continue
		}
		status, body := step.c.do("POST", "/api/v1/catalog/entries/"+esc+step.path, step.body)
		if status/100 != 2 || step.what == "mount" && body["ok"] != true {
			t.Fatalf("%s %s: %d %v", step.what, name, status, body)
		}
	}
	return code
}

// mandateChannel has the data authority mandate the aggregation of the
// entry's items into its target and the provider's approver confirm it; it
// answers the channel the platform created.
func mandateChannel(t *testing.T, base, provider, code string, items []string, target map[string]string, mode, schedule string) string {
	t.Helper()
	authority := login(t, base, "xzsp.approver", demo.Password)
	status, m := authority.do("POST", "/api/v1/aggregation/mandates", map[string]any{"entry_code": code, "items": items, "target": target,
		"mode": mode, "schedule": schedule, "basis": "《政务数据归集规定》（测试）", "name": fmt.Sprintf("%s → %s", target["table"], target["datasource"])})
	if status != http.StatusCreated {
		t.Fatalf("mandate %s: %d %v", code, status, m)
	}
	status, m = login(t, base, provider+".approver", demo.Password).do("POST", fmt.Sprintf("/api/v1/aggregation/mandates/%v/confirm", m["id"]), nil)
	if status != http.StatusOK || m["channel_id"] == "" {
		t.Fatalf("confirm the mandate of %s: %d %v", code, status, m)
	}
	return m["channel_id"].(string)
}
