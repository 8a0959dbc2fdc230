package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestCatalogMessagesByLanguage shows that the catalog's own messages (a
// validation problem, a workflow refusal, an import problem) reach the
// console in the reader's language, from the domain's keyed texts.
func TestCatalogMessagesByLanguage(t *testing.T) {
	w := newCatalogWorld(t)
	w.principal("gaj.cataloger")
	form := url.Values{
		"name": {"户籍人口基本信息"}, "summary": {"测试"}, "category": {"base"}, "category_item": {"01"}, "category_sub_item": {"001"},
		"format": {"database"}, "share_type": {"conditional"}, "share_condition": {""}, "share_mode": {"platform"},
		"open_type": {"closed"}, "update_cycle": {"daily"}, "grade": {"general"},
		"items.0.name": {"公民身份号码"}, "items.0.identifier": {"id_number"}, "items.0.data_type": {"string"}, "items.0.length": {"18"},
		"items.0.grade": {"core"}, "items.0.masking": {"id_number"},
	}
	// One entry with a problem, as JSON: the item is wider than the entry.
	importFile := `{"entries": [{"name": "导入测试", "summary": "x", "category": "base", "category_item": "01", "category_sub_item": "001",
		"format": "database", "share_type": "conditional", "share_condition": "仅用于政务服务", "share_mode": "platform", "open_type": "closed",
		"update_cycle": "daily", "grade": "general",
		"items": [{"name": "姓名", "identifier": "name", "data_type": "string", "length": 50, "share_type": "unconditional", "open_type": "closed", "grade": "general", "masking": "name", "validator": "none"}]}]}`

	tests := []struct {
		lang, path string
		status     int
		want, not  []string
	}{
		{"zh-CN", "/catalog/validate", 200,
			[]string{"有条件共享时必须填写共享条件", "不得低于信息项的最高分级（核心数据，就高从严）"}, []string{"is required for conditional sharing", "must be at least"}},
		{"en", "/catalog/validate", 200,
			[]string{"is required for conditional sharing (有条件共享)", "must be at least Core, the highest grade of its items"}, []string{"有条件共享时必须填写共享条件"}},
		{"zh-CN", "/catalog/new", 400,
			[]string{"有条件共享时必须填写共享条件", "核心数据"}, []string{"is required for conditional sharing"}},
		{"en", "/catalog/new", 400,
			[]string{"is required for conditional sharing (有条件共享)"}, []string{"有条件共享时必须填写共享条件"}},
		{"zh-CN", "/catalog/import", 400,
			[]string{"信息项的共享类型只能比目录更严格，不能更宽"}, []string{"an item may be narrower than its entry"}},
		{"en", "/catalog/import", 400,
			[]string{"an item may be narrower than its entry, never wider"}, []string{"信息项的共享类型只能比目录更严格"}},
		{"zh-CN", "/catalog/workflow", 404,
			[]string{"没有资源代码为 101001/999999 的目录"}, []string{"not found"}},
		{"en", "/catalog/workflow", 404,
			[]string{"catalog entry 101001/999999 not found"}, []string{"没有资源代码为"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang+" "+tt.path, func(t *testing.T) {
			var r *http.Request
			switch tt.path {
			case "/catalog/import":
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				fw, _ := mw.CreateFormFile("file", "catalog.json")
				fw.Write([]byte(importFile))
				mw.Close()
				r = httptest.NewRequest(http.MethodPost, tt.path, &buf)
				r.Header.Set("Content-Type", mw.FormDataContentType())
			case "/catalog/workflow":
				r = httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(url.Values{"code": {"101001/999999"}, "action": {"submit"}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			default:
				r = httptest.NewRequest(http.MethodPost, tt.path, strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			r.AddCookie(&http.Cookie{Name: langCookie, Value: tt.lang})
			rec := w.send("gaj.cataloger", r)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d\n%.3000s", rec.Code, tt.status, body)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("lacks %q\n%.4000s", s, body)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("shows %q", s)
				}
			}
		})
	}
}
