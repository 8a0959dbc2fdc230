package app

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
)

// inLang calls the REST API as c with an Accept-Language.
func (c *client) inLang(method, path, lang string, body any) (int, string) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The sharing domain's refusals and the quarantine's reasons are keyed
// messages: the API says them in the Accept-Language, the console in the
// page's language, with no English left in the Chinese.
func TestMessagesInTheReadersLanguage(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	code := entryCode(t, rsj, "户籍人口基本信息")
	bad := map[string]any{"entry_code": code, "items": []string{"name"}, "purpose": " ", "basis": "依据", "scenario": "场景", "delivery": "file",
		"valid_until": "2026-13-45", "row_filter": []map[string]any{{"item": "bogus", "op": "eq", "values": []string{"1"}}}}

	t.Run("a sharing 400 in the API", func(t *testing.T) {
		for _, c := range []struct {
			lang    string
			want    []string
			wantNot []string
		}{
			{"zh-CN,zh;q=0.9", []string{"输入有误", "必填", "“2026-13-45”不是日期（YYYY-MM-DD）", "第 1 个条件：“bogus”不是该资源的信息项"}, []string{"required", "not a date", "condition"}},
			{"en", []string{"invalid input", "required", `\"2026-13-45\" is not a date (YYYY-MM-DD)`, `condition 1: \"bogus\" is not an item of the entry`}, []string{"必填", "不是日期"}},
		} {
			status, body := rsj.inLang("POST", "/api/v1/applications", c.lang, bad)
			if status != http.StatusBadRequest {
				t.Fatalf("%s: %d %s, want 400", c.lang, status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: %s lacks %q", c.lang, body, w)
				}
			}
			for _, w := range c.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("%s: %s says %q", c.lang, body, w)
				}
			}
		}
	})

	// The demo's housing fund channel quarantines rows whose ID number has
	// a wrong check character.
	node := login(t, p.URL, "xzsp.node", demo.Password)
	fundID := channelNamed(t, node, "住房公积金缴存信息")["id"].(string)
	t.Run("a quarantine reason in the API", func(t *testing.T) {
		for _, c := range []struct{ lang, want, wantNot string }{
			{"zh-CN", "身份证号：校验码是", "check character"},
			{"en", "ID number: check character is", "校验码"},
		} {
			status, body := node.inLang("GET", "/api/v1/channels/"+fundID+"/quarantine?state=open", c.lang, nil)
			if status != http.StatusOK || !strings.Contains(body, c.want) || strings.Contains(body, c.wantNot) || strings.Contains(body, "§") {
				t.Errorf("%s: %d %s, want the reason %q", c.lang, status, body, c.want)
			}
		}
	})
	t.Run("a skip's outcome in the API", func(t *testing.T) {
		items, _ := quarantineOf(t, node, fundID, "?state=open")
		id := int64(items[0]["id"].(float64))
		skip := map[string]any{"ids": []int64{id, 999999}}
		if status, body := node.inLang("POST", "/api/v1/channels/"+fundID+"/quarantine/skip", "zh-CN", skip); status != http.StatusOK ||
			!strings.Contains(body, "该通道的隔离区中没有此条目") {
			t.Errorf("first skip: %d %s", status, body)
		}
		for _, c := range []struct{ lang, want string }{{"zh-CN", "已是“已跳过”"}, {"en", "already skipped"}} {
			if status, body := node.inLang("POST", "/api/v1/channels/"+fundID+"/quarantine/skip", c.lang, skip); status != http.StatusOK || !strings.Contains(body, c.want) {
				t.Errorf("%s: skip again: %d %s, want %q", c.lang, status, body, c.want)
			}
		}
	})
	t.Run("a quarantine reason in the console", func(t *testing.T) {
		for _, c := range []struct{ lang, want, wantNot string }{
			{"zh-CN", "身份证号：校验码是", "check character"},
			{"en", "ID number: check character is", "校验码"},
		} {
			req, _ := http.NewRequest("GET", p.URL+"/exchange/channels/"+fundID+"/quarantine", nil)
			req.Header.Set("HX-Request", "true")
			req.AddCookie(&http.Cookie{Name: "gs_session", Value: node.token})
			req.AddCookie(&http.Cookie{Name: "gs_lang", Value: c.lang})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if body := string(b); resp.StatusCode != http.StatusOK || !strings.Contains(body, c.want) || strings.Contains(body, c.wantNot) || strings.Contains(body, "§") {
				t.Errorf("%s: %d %s, want the reason %q", c.lang, resp.StatusCode, body, c.want)
			}
		}
	})
}
