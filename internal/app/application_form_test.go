package app

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/pdfdoc/pdftest"
)

// getPDF fetches path with an API token or a console session.
func getPDF(t *testing.T, c *client, path string, console bool, lang string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if console {
		req.AddCookie(&http.Cookie{Name: "gs_session", Value: c.token})
		if lang != "" {
			req.AddCookie(&http.Cookie{Name: "gs_lang", Value: lang})
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// An applicant with a rare name (𠮷, U+20BB7) applies; the printed form
// (数据共享申请表), from the API and from the console's link on the
// application's page, holds the request in Chinese, the name intact, the
// provider's opinion and the three places of the seals. Another
// department's approver gets neither, as they cannot read the application.
func TestApplicationFormPDF(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	admin := login(t, p.URL, "admin", demo.Password)
	rsjID := demoDepartment(t, admin, "株洲市人力资源和社会保障局")
	status, body := admin.do("POST", "/api/v1/users", map[string]any{"username": "jitian", "display_name": "𠮷田春花", "department_id": rsjID, "password": demo.Password})
	if status != http.StatusCreated {
		t.Fatalf("create the applicant: %d %v", status, body)
	}
	sec := login(t, p.URL, "secadmin", demo.Password)
	if status, body := sec.do("PUT", fmt.Sprintf("/api/v1/users/%v/roles", body["id"]), map[string]any{"roles": []string{"consumer"}}); status != http.StatusOK {
		t.Fatalf("roles: %d %v", status, body)
	}
	applicant := login(t, p.URL, "jitian", demo.Password)
	code := entryCode(t, applicant, "户籍人口基本信息")
	status, body = applicant.do("POST", "/api/v1/applications", map[string]any{"entry_code": code, "items": []string{"name", "gender"},
		"purpose": "核验参保人员身份", "basis": "《社会保险法》第五十七条（测试）", "scenario": "社保参保登记", "delivery": "file"})
	if status != http.StatusCreated {
		t.Fatalf("apply: %d %v", status, body)
	}
	id := int64(body["id"].(float64))
	gaj := login(t, p.URL, "gaj.approver", demo.Password)
	if status, body := gaj.do("POST", fmt.Sprintf("/api/v1/applications/%d/approve", id), map[string]any{"note": "同意提供"}); status != http.StatusOK {
		t.Fatalf("approve: %d %v", status, body)
	}

	want := []string{"政务数据共享申请表", fmt.Sprintf("申请编号：%d", id), "株洲市人力资源和社会保障局", "𠮷田春花", "株洲市公安局", "户籍人口基本信息", code,
		"共享方式文件下载", "用途核验参保人员身份", "姓名", "性别", "提交申请", "审批通过", "同意。意见：同意提供",
		"申请单位（盖章）", "提供单位意见（盖章）", "数据主管部门意见（盖章）", "盖章处", "经办人：𠮷田春花"}
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	for _, tc := range []struct {
		name    string
		c       *client
		path    string
		console bool
	}{
		{"API, the applicant", applicant, fmt.Sprintf("/api/v1/applications/%d/form", id), false},
		{"API, the provider's approver", gaj, fmt.Sprintf("/api/v1/applications/%d/form", id), false},
		{"console, the applicant's department", rsj, fmt.Sprintf("/sharing/applications/%d/form.pdf", id), true},
	} {
		status, h, b := getPDF(t, tc.c, tc.path, tc.console, "zh-CN")
		if status != http.StatusOK || h.Get("Content-Type") != "application/pdf" || h.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s: %d %s %.200s", tc.name, status, h.Get("Content-Type"), b)
		}
		text := pdftest.Squeezed(t, b)
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the form lacks %q:\n%s", tc.name, w, text)
			}
		}
	}
	// The API's answers are the ones its OpenAPI document describes.
	_, doc := openAPIDocument(t, p.URL)
	v := openAPIValidator(t, doc)
	checkResponses(t, v, p.URL, applicant.token, fmt.Sprintf("/api/v1/applications/%d/form", id), "/api/v1/applications/999999/form")
	status, _, page := consoleGet(t, p.URL, "rsj.consumer", fmt.Sprintf("/sharing/applications/%d", id), "zh-CN")
	if link := fmt.Sprintf(`href="/sharing/applications/%d/form.pdf"`, id); status != 200 || !strings.Contains(string(page), link) || !strings.Contains(string(page), "打印申请表") {
		t.Errorf("the application's page has no link 打印申请表 to the form (status %d)", status)
	}

	// Another department's approver: not found, as reading it is.
	mzj := login(t, p.URL, "mzj.approver", demo.Password)
	if status, b := mzj.raw("GET", fmt.Sprintf("/api/v1/applications/%d/form", id), nil); status != http.StatusNotFound || !strings.Contains(string(b), `"not_found"`) ||
		strings.Contains(string(b), "𠮷") {
		t.Errorf("another department's approver prints the form: %d %s", status, b)
	}
	if status, _, b := getPDF(t, mzj, fmt.Sprintf("/sharing/applications/%d/form.pdf", id), true, "zh-CN"); status != http.StatusNotFound || strings.Contains(string(b), "%PDF") {
		t.Errorf("another department's approver prints the form in the console: %d", status)
	}
}

// Without its fonts the platform runs, and a print answers 503 naming the
// Debian package to install, in the reader's language.
func TestApplicationFormWithoutFonts(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--pdf-fonts", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	status, body := rsj.do("GET", "/api/v1/applications?box=mine", nil)
	items, _ := body["items"].([]any)
	if status != http.StatusOK || len(items) == 0 {
		t.Fatalf("the demo's applications: %d %v", status, body)
	}
	id := int64(items[0].(map[string]any)["id"].(float64))
	for _, tc := range []struct{ lang, want string }{{"en", "install the Debian package fonts-droid-fallback"}, {"zh-CN", "请安装 Debian 软件包 fonts-droid-fallback"}} {
		status, _, b := getPDF(t, rsj, fmt.Sprintf("/api/v1/applications/%d/form", id), false, tc.lang)
		if status != http.StatusServiceUnavailable || !strings.Contains(string(b), tc.want) || !strings.Contains(string(b), `"unavailable"`) {
			t.Errorf("API without fonts (%s): %d %s", tc.lang, status, b)
		}
	}
	status, _, b := getPDF(t, rsj, fmt.Sprintf("/sharing/applications/%d/form.pdf", id), true, "zh-CN")
	if status != http.StatusServiceUnavailable || !strings.Contains(string(b), "请安装 Debian 软件包 fonts-droid-fallback") {
		t.Errorf("console without fonts: %d", status)
	}
}
