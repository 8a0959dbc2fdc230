package app

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
)

// One refusal of each domain that once worded its messages in English only
// (nodes, apps and data services, regions, lists, channels) is said in
// Chinese to a reader who asks for it, and as before in English.
func TestKeyedMessagesOfEachDomain(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--leaf-listen", "127.0.0.1:0")
	admin := login(t, p.URL, "admin", demo.Password)
	rsj := login(t, p.URL, "rsj.consumer", demo.Password)
	node := login(t, p.URL, "xzsp.node", demo.Password)
	fundID := channelNamed(t, node, "住房公积金缴存信息")["id"].(string)

	// raw calls without a session: the enrolment and the data service.
	raw := func(method, path, lang string, body []byte) (int, string) {
		req, _ := http.NewRequest(method, p.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// A node enrols once with its token; the token then is used.
	status, body := node.inLang("POST", "/api/v1/nodes/enrollments", "en", map[string]any{"name": "messages-test"})
	var enr struct{ Token string }
	if status != http.StatusOK && status != http.StatusCreated || json.Unmarshal([]byte(body), &enr) != nil || enr.Token == "" {
		t.Fatalf("add a node: %d %s", status, body)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	enrol, _ := json.Marshal(map[string]string{"token": enr.Token, "csr": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))})
	if status, body := raw("POST", "/api/v1/nodes/enroll", "en", enrol); status != http.StatusOK {
		t.Fatalf("enrol: %d %s", status, body)
	}
	for _, c := range []struct {
		name   string
		call   func(lang string) (int, string)
		status int
		zh, en string
	}{
		{"node: a used enrolment token", func(lang string) (int, string) {
			return raw("POST", "/api/v1/nodes/enroll", lang, enrol)
		}, http.StatusUnauthorized, "此注册令牌已使用", "this enrolment token has already been used"},
		{"node: an unknown enrolment token", func(lang string) (int, string) {
			return raw("POST", "/api/v1/nodes/enroll", lang, []byte(`{"token":"gsn_1_nosuchtoken","csr":"x"}`))
		}, http.StatusUnauthorized, "注册令牌无效", "unknown enrolment token"},
		{"gateway: an app not found", func(lang string) (int, string) {
			return rsj.inLang("GET", "/api/v1/apps/999999", lang, nil)
		}, http.StatusNotFound, "应用不存在", "app not found"},
		{"gateway: an unsigned call", func(lang string) (int, string) {
			return raw("GET", gateway.Prefix+"nosuch", lang, nil)
		}, http.StatusUnauthorized, "缺少请求头 X-Gs-App-Key", "missing header X-Gs-App-Key"},
		{"org: a region that exists", func(lang string) (int, string) {
			return admin.inLang("POST", "/api/v1/regions", lang, map[string]any{"code": "430202"})
		}, http.StatusConflict, "行政区划 430202 已存在", "region 430202 already exists"},
		{"lists: a duty not found", func(lang string) (int, string) {
			return admin.inLang("GET", "/api/v1/lists/duties/999999", lang, nil)
		}, http.StatusNotFound, "责任事项 999999 不存在", "duty 999999 not found"},
		{"exchange: resuming a running channel", func(lang string) (int, string) {
			return node.inLang("POST", "/api/v1/channels/"+fundID+"/resume", lang, map[string]any{})
		}, http.StatusConflict, "共享通道 " + fundID + " 运行中", "channel " + fundID + " is active"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, lc := range []struct{ lang, want, wantNot string }{
				{"zh-CN,zh;q=0.9", c.zh, c.en},
				{"en", c.en, c.zh},
			} {
				status, body := c.call(lc.lang)
				if status != c.status || !strings.Contains(body, lc.want) || strings.Contains(body, lc.wantNot) {
					t.Errorf("%s: %d %s, want %d saying %q", lc.lang, status, body, c.status, lc.want)
				}
			}
		})
	}
}
