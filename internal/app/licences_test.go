package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/licence"
)

// demoTitleInput is a title certificate of the demo city's type, synthetic.
func demoTitleInput(typ string, i int, holder string) map[string]any {
	return map[string]any{"type": typ, "number": fmt.Sprintf("湘（2026）株洲市不动产权第E2E%04d号", i), "holder_name": "王演示E2E", "holder_id": holder,
		"issued_on": "2026-11-02", "items": map[string]string{"location": "湖南省株洲市天元区黄河北路 1 号", "unit": "430211001001GB00001F0001",
			"right_type": "国有建设用地使用权/房屋所有权", "area": "99.5"}}
}

// TestLicencesAPI issues, verifies, revokes and uses licences of the demo
// city through the REST API, and holds the three officers and other
// departments to their part.
func TestLicencesAPI(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--ledger-interval", "100ms")
	bdc := login(t, p.URL, "bdc.cataloger", demo.Password)
	gaj := login(t, p.URL, "gaj.consumer", demo.Password)
	sysadmin := login(t, p.URL, "admin", demo.Password)
	anon := &client{t: t, base: p.URL}

	status, raw := bdc.raw("GET", "/api/v1/licence-types", nil)
	if status != 200 || !strings.Contains(string(raw), "不动产权证书") {
		t.Fatalf("licence types: %d %s", status, raw)
	}
	var types []map[string]any
	if err := json.Unmarshal(raw, &types); err != nil {
		t.Fatal(err)
	}
	typ := ""
	for _, x := range types {
		if x["name"] == "不动产权证书" {
			typ = x["code"].(string)
		}
	}
	if len(typ) != 21 {
		t.Fatalf("no title certificate type in %s", raw)
	}
	holder := "430202198001010011"
	holder = holder[:17] + checkOf(holder[:17])

	status, body := bdc.do("POST", "/api/v1/licences", demoTitleInput(typ, 1, holder))
	if status != 201 {
		t.Fatalf("issue: %d %v", status, body)
	}
	ident := body["identifier"].(string)
	id := fmt.Sprint(int64(body["id"].(float64)))

	bad := demoTitleInput(typ, 2, holder)
	bad["identifier"] = ident[:len(ident)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(ident, "A")]
	badHolder := demoTitleInput(typ, 3, holder[:17]+map[bool]string{true: "0", false: "1"}[holder[17] != '0'])
	unknown := demoTitleInput(demo.DepartmentCode("bdc")+"999", 4, holder)
	for _, tc := range []struct {
		name   string
		c      *client
		in     map[string]any
		status int
		field  string
	}{
		{"wrong check character", bdc, bad, 400, "identifier"},
		{"holder ID failing GB 11643", bdc, badHolder, 400, "holder_id"},
		{"unknown type", bdc, unknown, 400, "type"},
		{"duplicate", bdc, demoTitleInput(typ, 1, holder), 400, "number"},
		{"another department", gaj, demoTitleInput(typ, 5, holder), 403, ""},
		{"the system admin", sysadmin, demoTitleInput(typ, 6, holder), 403, ""},
	} {
		status, body := tc.c.do("POST", "/api/v1/licences", tc.in)
		details, _ := body["details"].(map[string]any)
		if status != tc.status || tc.field != "" && details[tc.field] == nil {
			t.Errorf("%s: %d %v, want %d with %s", tc.name, status, body, tc.status, tc.field)
		}
	}
	// In Chinese, the rule is named in Chinese.
	req, _ := http.NewRequest("POST", p.URL+"/api/v1/licences", strings.NewReader(fmt.Sprintf(`{"type":%q,"number":"x","holder_name":"x","holder_id":"1","identifier":%q}`, typ, bad["identifier"])))
	req.Header.Set("Authorization", "Bearer "+bdc.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zh, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(zh), "校验位") {
		t.Errorf("Chinese refusal: %s", zh)
	}

	// Verify, by identifier and by holder and type; the system admin may not.
	verify := func(c *client, in map[string]any) (int, map[string]any) {
		return c.do("POST", "/api/v1/licences/verify", in)
	}
	if status, v := verify(gaj, map[string]any{"identifier": ident}); status != 200 || v["valid"] != true || len(v) != 3 {
		t.Fatalf("verify: %d %v", status, v)
	}
	if status, v := verify(gaj, map[string]any{"holder_id": holder, "type": typ}); status != 200 || v["valid"] != true {
		t.Fatalf("verify by holder: %d %v", status, v)
	}
	if status, _ := verify(sysadmin, map[string]any{"identifier": ident}); status != 403 {
		t.Errorf("the system admin verifies: %d", status)
	}
	// The issuing department reads it; others and the system admin do not.
	if status, l := bdc.do("GET", "/api/v1/licences/"+url.PathEscape(ident), nil); status != 200 || l["holder_id"] != holder || len(l["events"].([]any)) != 1 {
		t.Fatalf("read: %d %v", status, l)
	}
	for _, c := range []*client{gaj, sysadmin} {
		if status, _ := c.do("GET", "/api/v1/licences/"+id, nil); status != 403 {
			t.Errorf("another reads the surface data: %d", status)
		}
	}

	// Use: refused without a purpose or an authorisation; with the
	// holder's code, masked data and a recorded use.
	if status, _ := gaj.do("POST", "/api/v1/licences/"+id+"/use", map[string]any{"purpose": "", "authorisation": ""}); status != 400 {
		t.Errorf("use without purpose: %d", status)
	}
	status, code := bdc.do("POST", "/api/v1/licences/"+id+"/authorisations", map[string]any{})
	if status != 201 {
		t.Fatalf("authorisation code: %d %v", status, code)
	}
	if status, _ := sysadmin.do("POST", "/api/v1/licences/"+id+"/use", map[string]any{"purpose": "测试", "authorisation": code["code"]}); status != 403 {
		t.Errorf("the system admin uses: %d", status)
	}
	status, used := gaj.do("POST", "/api/v1/licences/"+id+"/use", map[string]any{"purpose": "办理户籍迁入", "authorisation": code["code"]})
	if status != 200 || used["holder_id"] != holder[:6]+"********"+holder[14:] || used["copy_problem"] != nil {
		t.Fatalf("use: %d %v", status, used)
	}
	// The annotated copy (加注件): the master with the note of the use.
	copyPDF, err := base64.StdEncoding.DecodeString(used["copy"].(string))
	if err != nil || !bytes.HasPrefix(copyPDF, []byte("%PDF")) {
		t.Fatalf("annotated copy: %v %.20q", err, copyPDF)
	}
	if status, uses := bdc.raw("GET", "/api/v1/licences/"+id+"/uses", nil); status != 200 || !strings.Contains(string(uses), "办理户籍迁入") {
		t.Errorf("uses: %d %s", status, uses)
	}
	// The file: the signed master with the ledger evidence of its data, once
	// a checkpoint covers its issued event; it verifies offline.
	var pdf []byte
	for deadline := time.Now().Add(20 * time.Second); ; {
		status, b := bdc.raw("GET", "/api/v1/licences/"+id+"/file", nil)
		if status == 200 {
			pdf = b
			break
		}
		if status != 503 || time.Now().After(deadline) {
			t.Fatalf("file: %d %s", status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	dir := t.TempDir()
	_, ca := anon.raw("GET", "/api/v1/licences/ca.pem", nil)
	_, keys := anon.raw("GET", "/ledger/keys", nil)
	for name, b := range map[string][]byte{"licence.pdf": pdf, "ca.pem": ca, "keys": keys, "copy.pdf": copyPDF} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var report bytes.Buffer
	if err := Run(context.Background(), []string{"licence", "verify", filepath.Join(dir, "licence.pdf"), "--ca", filepath.Join(dir, "ca.pem"), "--log-keys", filepath.Join(dir, "keys"), "--lang", "en"}, env(nil), &report, &report); err != nil {
		t.Fatalf("licence verify: %v\n%s", err, report.String())
	}
	t.Logf("licence verify:\n%s", report.String())
	report.Reset()
	if err := Run(context.Background(), []string{"licence", "verify", filepath.Join(dir, "copy.pdf"), "--ca", filepath.Join(dir, "ca.pem"), "--log-keys", filepath.Join(dir, "keys"), "--lang", "en"}, env(nil), &report, &report); err != nil {
		t.Fatalf("licence verify of the annotated copy: %v\n%s", err, report.String())
	}
	if useID := used["use"].(map[string]any)["id"].(string); !strings.Contains(report.String(), "use "+useID) {
		t.Errorf("the annotated copy's report does not name use %s:\n%s", useID, report.String())
	}
	t.Logf("licence verify of the annotated copy:\n%s", report.String())

	// Revoked: the next verification, and the public page, say so.
	start := time.Now()
	if status, r := bdc.do("POST", "/api/v1/licences/"+id+"/revoke", map[string]any{"reason": "holder_request"}); status != 200 || r["status"] != "revoked" {
		t.Fatalf("revoke: %d %v", status, r)
	}
	if _, v := verify(gaj, map[string]any{"identifier": ident}); v["valid"] != false || v["reason"] != "revoked" || time.Since(start) > time.Second {
		t.Fatalf("verify after revoking: %v after %s", v, time.Since(start))
	}
	if status, page := anon.raw("GET", "/v?id="+url.QueryEscape(ident), nil); status != 200 || !strings.Contains(string(page), "证照已注销") || strings.Contains(string(page), "王演示") {
		t.Errorf("public page: %d %s", status, page)
	}

	// Import: a file with a bad row is refused whole, the row named.
	file := strings.Join(licence.TemplateHeader(licence.Type{Items: []licence.ItemDef{{Code: "location"}, {Code: "unit"}, {Code: "right_type"}, {Code: "use"}, {Code: "area"}}}), ",") + "\n"
	for i := 0; i < 3; i++ {
		h := holder
		if i == 2 {
			h = "123"
		}
		file += fmt.Sprintf(",,湘E2E导入%d,李演示,%s,2026-11-01,,,株洲市,U%d,所有权,住宅,80\n", i, h, i)
	}
	upload := func(content string) (int, map[string]any) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "licences.csv")
		fw.Write([]byte(content))
		mw.Close()
		req, _ := http.NewRequest("POST", p.URL+"/api/v1/licences/import?type="+typ, &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+bdc.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		out := map[string]any{}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("import answer %s", b)
		}
		return resp.StatusCode, out
	}
	status, rep := upload(file)
	if rows, _ := rep["rows"].([]any); status != 400 || len(rows) != 1 || rows[0].(map[string]any)["row"].(float64) != 4 {
		t.Fatalf("import with a bad row: %d %v", status, rep)
	}
	status, rep = upload(strings.Join(strings.Split(file, "\n")[:3], "\n"))
	if status != 200 || rep["issued"].(float64) != 2 {
		t.Fatalf("import: %d %v", status, rep)
	}
	t.Run("feed", func(t *testing.T) { testDemoFeed(t, p.URL) })
	t.Run("consent", func(t *testing.T) {
		status, l := bdc.do("POST", "/api/v1/licences", demoTitleInput(typ, 9, holder))
		if status != 201 {
			t.Fatalf("issue: %d %v", status, l)
		}
		lic := "/api/v1/licences/" + fmt.Sprint(int64(l["id"].(float64)))
		until := time.Now().In(licence.Beijing).AddDate(0, 0, 30).Format(time.DateOnly)
		_, ds := gaj.do("GET", "/api/v1/departments?q="+url.QueryEscape("株洲市公安局"), nil)
		items, _ := ds["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("departments: %v", ds)
		}
		gajID := items[0].(map[string]any)["id"]
		if status, body := gaj.do("POST", lic+"/consents", map[string]any{"department_id": gajID, "purpose": "办理户籍迁入", "valid_until": until}); status != 403 {
			t.Errorf("the user records a consent: %d %v", status, body)
		}
		status, c := bdc.do("POST", lic+"/consents", map[string]any{"department_id": gajID, "purpose": "办理户籍迁入", "valid_until": until})
		if status != 201 || c["state"] != "active" {
			t.Fatalf("record a consent: %d %v", status, c)
		}
		if status, body := gaj.do("POST", lic+"/use", map[string]any{"purpose": "其他事由", "consent": c["id"]}); status != 403 {
			t.Errorf("a use out of the consent's purpose: %d %v", status, body)
		}
		if status, body := gaj.do("POST", lic+"/use", map[string]any{"purpose": "办理户籍迁入", "consent": c["id"]}); status != 200 {
			t.Errorf("a use on the consent: %d %v", status, body)
		}
		// Shown to the holder's department of record.
		if status, raw := bdc.raw("GET", "/api/v1/licence-uses?limit=5", nil); status != 200 || !strings.Contains(string(raw), `"purpose":"办理户籍迁入"`) {
			t.Errorf("the department's uses: %d %s", status, raw)
		}
		if status, body := bdc.do("POST", lic+"/consents/"+c["id"].(string)+"/revoke", map[string]any{"reason": "持证人撤回"}); status != 200 || body["state"] != "revoked" {
			t.Errorf("revoke: %d %v", status, body)
		}
		if status, body := gaj.do("POST", lic+"/use", map[string]any{"purpose": "办理户籍迁入", "consent": c["id"]}); status != 403 {
			t.Errorf("a use on a revoked consent: %d %v", status, body)
		}
	})
}

// testDemoFeed follows the demo's licence feed: the bureau's table → its
// channel on the aggregation mandate → licences issued and anchored, the
// rows with a bad holder credit code set aside with the reason.
func testDemoFeed(t *testing.T, base string) {
	scj := login(t, base, "scj.cataloger", demo.Password)
	wantIssued := demo.FeedRows - demo.FeedRows/demo.FeedBadEvery
	var feed map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, raw := scj.raw("GET", "/api/v1/licence-feeds", nil)
		var feeds []map[string]any
		if status != 200 || json.Unmarshal(raw, &feeds) != nil || len(feeds) != 1 {
			t.Fatalf("feeds: %d %s", status, raw)
		}
		feed = feeds[0]
		if feed["issued"].(float64) >= float64(wantIssued) && feed["open"].(float64) >= float64(demo.FeedRows/demo.FeedBadEvery) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("feed after 30s: %v", feed)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if feed["mandate_id"].(float64) == 0 || feed["last_seq"].(float64) < 1 || !strings.Contains(fmt.Sprint(feed["columns"]), "jycs=premises") {
		t.Errorf("feed: %v", feed)
	}
	ch := feed["channel"].(string)
	status, q := scj.do("GET", "/api/v1/licence-feeds/"+ch+"/quarantine", nil)
	items, _ := q["items"].([]any)
	if status != 200 || len(items) < demo.FeedRows/demo.FeedBadEvery || items[0].(map[string]any)["field"] != "holder_id" || items[0].(map[string]any)["reason"] == "" {
		t.Fatalf("feed quarantine: %d %v", status, q)
	}
	// The fed licences are the bureau's, each with its anchored issued event.
	status, ls := scj.raw("GET", "/api/v1/licences?holder="+url.QueryEscape(demo.FeedHolder(1)), nil)
	if status != 200 || !strings.Contains(string(ls), "JY演示汇聚00000001") || !strings.Contains(string(ls), "湖南省株洲市") {
		t.Fatalf("fed licence: %d %s", status, ls)
	}
	// The authority sees the feed, not the rows; the system admin neither.
	if status, raw := login(t, base, "xzsp.approver", demo.Password).raw("GET", "/api/v1/licence-feeds/"+ch+"/quarantine", nil); status != 403 {
		t.Errorf("the authority reads the rows set aside: %d %s", status, raw)
	}
	if status, raw := login(t, base, "admin", demo.Password).raw("GET", "/api/v1/licence-feeds", nil); status != 200 || strings.TrimSpace(string(raw)) != "[]" {
		t.Errorf("the system admin's feeds: %d %s", status, raw)
	}
}

func checkOf(first17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * w[i]
	}
	return string("10X98765432"[sum%11])
}

// TestLicencesConsoleInChromium verifies a demo licence in the console,
// opens one with its history and uses, and the public status page.
func TestLicencesConsoleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir(), "--ledger-interval", "100ms")
	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "bdc.cataloger")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/licences"), chromedp.WaitVisible(chromedp.CSS("#licence-types"))), "open the library")
	if got := textOf(t, ctx, "#licence-types"); !strings.Contains(got, "不动产权证书") || !strings.Contains(got, "社会保障卡") {
		t.Errorf("licence catalog shows %q", got)
	}
	if got := textOf(t, ctx, "nav.side"); !strings.Contains(got, "电子证照") {
		t.Errorf("navigation lacks 电子证照: %q", got)
	}
	// A licence of the department: its data and history.
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#licences tbody tr:last-child a")), chromedp.WaitVisible(chromedp.CSS("#licence-events"))), "open a licence")
	ident := textOf(t, ctx, "#licence-identifier")
	if got := textOf(t, ctx, "#licence-consents"); !strings.Contains(got, "登记授权同意") {
		t.Errorf("the holder's consents on the licence page: %q", got)
	}
	screenshot(t, ctx, "licence")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/licences"), chromedp.WaitVisible(chromedp.CSS("#licence-verify-form")),
		chromedp.SendKeys(chromedp.CSS(`#licence-verify-form input[name="identifier"]`), ident),
		chromedp.Click(chromedp.CSS("#licence-verify-submit")), chromedp.WaitVisible(chromedp.CSS("#licence-verdict"))), "verify")
	if got := textOf(t, ctx, "#licence-verdict"); !strings.Contains(got, "证照") {
		t.Errorf("verdict %q", got)
	}
	// Define a type in the console, then issue one licence of it.
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/licences/issue"), chromedp.WaitVisible(chromedp.CSS("#licence-type-form")),
		chromedp.SendKeys(chromedp.CSS(`#licence-type-form input[name="name"]`), "房屋租赁登记备案证明"),
		chromedp.SendKeys(chromedp.CSS(`#licence-type-form textarea[name="items"]`), "address, 房屋坐落, text, required, address\nrent, 月租金, number, , none"),
		chromedp.Click(chromedp.CSS("#licence-type-submit")), chromedp.WaitVisible(chromedp.CSS("div.flash"))), "define a type")
	if got := textOf(t, ctx, "main"); !strings.Contains(got, "已定义证照类型") || !strings.Contains(got, "房屋坐落") {
		t.Errorf("after defining a type: %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#licence-issue-form input[name="number"]`), "株房备演示0001"),
		chromedp.SendKeys(chromedp.CSS(`#licence-issue-form input[name="holder_name"]`), "赵演示"),
		chromedp.SendKeys(chromedp.CSS(`#licence-issue-form input[name="holder_id"]`), "11010519491231002X"),
		chromedp.SendKeys(chromedp.CSS(`#licence-issue-form input[name="item.address"]`), "湖南省株洲市天元区演示路 1 号"),
		chromedp.Click(chromedp.CSS("#licence-issue-submit")), chromedp.WaitVisible(chromedp.CSS("#licence-events"))), "issue one")
	if got := textOf(t, ctx, "#licence-events"); !strings.Contains(got, "发证") {
		t.Errorf("history of the new licence: %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/v?id="+url.QueryEscape(ident)), chromedp.WaitVisible(chromedp.CSS("#licence-public-verdict"))), "public page")
	if got := textOf(t, ctx, "#licence-public-verdict"); !strings.Contains(got, "证照") {
		t.Errorf("public verdict %q", got)
	}
	// The market regulation bureau's feed, with its rows set aside.
	consoleLogin(t, ctx, p.URL, "scj.cataloger")
	deadline := time.Now().Add(20 * time.Second)
	for {
		must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/licences/issue"), chromedp.WaitVisible(chromedp.CSS("#licence-feeds"))), "licence feeds")
		got := textOf(t, ctx, "#licence-feeds")
		if strings.Contains(got, demo.FeedName) && strings.Contains(got, "jycs=premises") && strings.Contains(got, "holder_id") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("licence feeds show %q", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	screenshot(t, ctx, "licence-feeds")
}
