package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

func TestListsAPI(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	consumer := login(t, p.URL, "gaj.consumer", demo.Password)
	authority := login(t, p.URL, "xzsp.approver", demo.Password)
	cataloger := login(t, p.URL, "gaj.cataloger", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)
	entry := map[string]any{"name": "在逃人员信息", "category": "departmental", "category_item": "01", "category_sub_item": "001", "format": "database",
		"share_type": "conditional", "share_condition": "仅限公安业务", "open_type": "closed", "update_cycle": "daily",
		"items": []map[string]any{{"name": "公民身份号码", "identifier": "id_number", "data_type": "string"}}}
	status, e := cataloger.do("POST", "/api/v1/catalog/entries", entry)
	if status != 201 {
		t.Fatalf("create entry = %d %v", status, e)
	}
	code := e["code"].(string)
	esc := strings.ReplaceAll(code, "/", "%2F")
	tests := []struct {
		name       string
		c          *client
		method     string
		path       string
		body       any
		wantStatus int
		wantText   string
		save       string // the name under which the body's id is kept for later paths
	}{
		{"create demand", consumer, "POST", "/api/v1/lists/demands", map[string]any{"title": "在逃人员比对", "description": "身份证号", "scenario": "旅馆业治安管理", "basis": "《治安管理处罚法》"}, 201, `"state":"open"`, "demand"},
		{"basis required", consumer, "POST", "/api/v1/lists/demands", map[string]any{"title": "x", "description": "y", "scenario": "z", "basis": ""}, 400, `"basis"`, ""},
		{"list demands", consumer, "GET", "/api/v1/lists/demands?state=open", nil, 200, `"title":"在逃人员比对"`, ""},
		{"get demand", consumer, "GET", "/api/v1/lists/demands/{demand}", nil, 200, `"due":"`, ""},
		{"unknown demand", consumer, "GET", "/api/v1/lists/demands/9", nil, 404, "not_found", ""},
		{"consumer cannot assign", consumer, "POST", "/api/v1/lists/demands/{demand}/assign", map[string]any{"provider_id": 2}, 403, "forbidden", ""},
		{"assign", authority, "POST", "/api/v1/lists/demands/{demand}/assign", map[string]any{"provider_id": 2, "note": "请公安局答复"}, 200, `"state":"assigned"`, ""},
		{"suggestions", authority, "GET", "/api/v1/lists/demands/{demand}/suggestions", nil, 200, "[", ""},
		{"close with unpublished", cataloger, "POST", "/api/v1/lists/demands/{demand}/close", map[string]any{"entry_code": code}, 400, `"entry_code"`, ""},
		{"propose negative", cataloger, "POST", "/api/v1/lists/negatives", map[string]any{"entry_code": code, "basis": "《反恐怖主义法》"}, 201, `"state":"proposed"`, "negative"},
		{"consumer cannot propose", consumer, "POST", "/api/v1/lists/negatives", map[string]any{"entry_code": code, "basis": "x"}, 403, "forbidden", ""},
		{"confirm negative", authority, "POST", "/api/v1/lists/negatives/{negative}/confirm", nil, 200, `"state":"active"`, ""},
		{"submit", cataloger, "POST", "/api/v1/catalog/entries/" + esc + "/submit", nil, 200, "submitted", ""},
		{"approve", authority, "POST", "/api/v1/catalog/entries/" + esc + "/approve", nil, 200, "approved", ""},
		{"publish refused", authority, "POST", "/api/v1/catalog/entries/" + esc + "/publish", nil, 409, "反恐怖主义法", ""},
		{"list negatives", auditor, "GET", "/api/v1/lists/negatives?state=active", nil, 200, code, ""},
		{"lift negative", authority, "POST", "/api/v1/lists/negatives/{negative}/reject", map[string]any{"reason": "复核后可共享"}, 200, `"state":"rejected"`, ""},
		{"publish", authority, "POST", "/api/v1/catalog/entries/" + esc + "/publish", nil, 200, "published", ""},
		{"close", cataloger, "POST", "/api/v1/lists/demands/{demand}/close", map[string]any{"entry_code": code}, 200, `"resolution":"satisfied"`, ""},
		{"create duty", authority, "POST", "/api/v1/lists/duties", map[string]any{"title": "发布在逃人员信息", "provider_id": 2, "deadline": "2099-01-01"}, 201, `"fulfilled":false`, "duty"},
		{"duty not mounted", cataloger, "POST", "/api/v1/lists/duties/{duty}/fulfil", map[string]any{"entry_code": code}, 400, "not mounted", ""},
		{"mount", cataloger, "POST", "/api/v1/catalog/entries/" + esc + "/mounts", map[string]any{"kind": "file", "paths": []string{"/srv/ztry.csv"}}, 201, `"ok":true`, ""},
		{"fulfil", cataloger, "POST", "/api/v1/lists/duties/{duty}/fulfil", map[string]any{"entry_code": code}, 200, `"fulfilled":true`, ""},
		{"list duties", consumer, "GET", "/api/v1/lists/duties?state=fulfilled&provider_id=2", nil, 200, `"title":"发布在逃人员信息"`, ""},
		{"overdue duties", consumer, "GET", "/api/v1/lists/duties/overdue", nil, 200, `"items":[`, ""},
		{"get duty", consumer, "GET", "/api/v1/lists/duties/{duty}", nil, 200, `"entry_mounted":true`, ""},
		{"stats", consumer, "GET", "/api/v1/lists/stats", nil, 200, `"fulfilment_rate":`, ""},
		{"bad state", consumer, "GET", "/api/v1/lists/duties?state=late", nil, 400, "invalid", ""},
		{"denials audited", auditor, "GET", "/api/v1/audit?outcome=denied&action=list.", nil, 200, "list.demand.assign", ""},
	}
	ids := map[string]string{}
	for _, tt := range tests {
		tt.c.t = t
		path := tt.path
		for k, v := range ids {
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		status, raw := tt.c.raw(tt.method, path, tt.body)
		if status != tt.wantStatus || !strings.Contains(string(raw), tt.wantText) {
			t.Fatalf("%s: %s %s = %d %s; want %d with %q", tt.name, tt.method, path, status, raw, tt.wantStatus, tt.wantText)
		}
		if tt.save != "" {
			var body struct{ ID int64 }
			if err := json.Unmarshal(raw, &body); err != nil || body.ID == 0 {
				t.Fatalf("%s: no id in %s", tt.name, raw)
			}
			ids[tt.save] = fmt.Sprint(body.ID)
		}
	}
	// Responses conform to the OpenAPI document.
	raw, doc := openAPIDocument(t, p.URL)
	checkResponses(t, openAPIValidator(t, doc), p.URL, authority.token, "/api/v1/lists/demands", "/api/v1/lists/demands/"+ids["demand"], "/api/v1/lists/demands/"+ids["demand"]+"/suggestions",
		"/api/v1/lists/duties", "/api/v1/lists/duties/overdue", "/api/v1/lists/duties/"+ids["duty"], "/api/v1/lists/negatives", "/api/v1/lists/stats", "/api/v1/lists/demands/77777")
	if !strings.Contains(string(raw), `"/api/v1/lists/negatives/{id}/confirm"`) {
		t.Error(fmt.Sprint("document lacks the negative-list operations"))
	}
}
