package app

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/demo"
)

// demoDepartment answers a demo department's ID by its name.
func demoDepartment(t *testing.T, c *client, name string) float64 {
	t.Helper()
	_, body := c.do("GET", "/api/v1/departments?page_size=100&q="+url.QueryEscape(name), nil)
	for _, it := range body["items"].([]any) {
		if d := it.(map[string]any); d["name"] == name {
			return d["id"].(float64)
		}
	}
	t.Fatalf("no department %s", name)
	return 0
}

// demoEntry answers the code of the demo's published entry by its name.
func demoEntry(t *testing.T, c *client, name string) string {
	t.Helper()
	_, body := c.do("GET", "/api/v1/catalog/entries?q="+url.QueryEscape(name), nil)
	for _, it := range body["items"].([]any) {
		if e := it.(map[string]any); e["name"] == name {
			return e["code"].(string)
		}
	}
	t.Fatalf("no entry %s", name)
	return ""
}

// audited reports whether the audit log holds an entry of action with the
// outcome whose text contains q.
func audited(t *testing.T, auditor *client, action, outcome, q string) bool {
	t.Helper()
	_, body := auditor.do("GET", "/api/v1/audit?action="+action+"&outcome="+outcome+"&q="+url.QueryEscape(q), nil)
	return body["total"].(float64) > 0
}

// TestSecurityBasis attacks the rule that every channel has a basis on the
// real server of the demo city, one row per finding of issue 9.
func TestSecurityBasis(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	as := func(user string) *client { return login(t, p.URL, user, demo.Password) }
	admin, auditor, xzsp, gajApprover := as("admin"), as("auditor"), as("xzsp.approver"), as("gaj.approver")
	gaj, ybj, bdc := demoDepartment(t, admin, "株洲市公安局"), demoDepartment(t, admin, "株洲市医疗保障局"), demoDepartment(t, admin, "株洲市不动产登记中心")
	population := demoEntry(t, xzsp, "户籍人口基本信息")
	channels := func() float64 {
		_, body := xzsp.do("GET", "/api/v1/channels", nil) // the data authority sees every channel
		return body["total"].(float64)
	}
	channel := func(name string, consumer float64, targetDS string) map[string]any {
		return map[string]any{"name": name, "provider_id": gaj, "consumer_id": consumer,
			"source": map[string]string{"datasource": "gaj-业务库", "table": "population"}, "target": map[string]string{"datasource": targetDS, "table": "population_copy"},
			"mode": "full", "schedule": "0 2 * * *"}
	}
	mandate := func(table string, items ...string) map[string]any {
		return map[string]any{"entry_code": population, "items": items, "target": map[string]string{"datasource": "xzsp-共享库", "table": table},
			"mode": "full", "schedule": "0 2 * * *", "basis": "《政务数据归集规定》（测试）"}
	}

	attacks := []struct {
		name    string
		c       *client
		method  string
		path    string
		body    any
		want    int
		text    string // in the answer
		action  string // audited as denied, with this action
		written bool   // whether a channel may have been written
	}{
		{"system admin copies 公安局's population into 医保局 (no application, no grant)", admin, "POST", "/api/v1/channels",
			channel("户籍人口 → 医保局", ybj, "ybj-业务库"), http.StatusForbidden, "aggregation mandate", "channel.create", false},
		{"system admin, with a made-up grant", admin, "POST", "/api/v1/channels",
			func() map[string]any {
				b := channel("户籍人口 → 医保局", ybj, "ybj-业务库")
				b["grant_id"] = 1
				return b
			}(), http.StatusForbidden, "", "channel.create", false},
		{"公安局's node operator writes a new table into 不动产中心's database", as("gaj.node"), "POST", "/api/v1/channels",
			channel("户籍人口 → 不动产中心", bdc, "bdc-业务库"), http.StatusForbidden, "aggregation mandate", "channel.create", false},
		{"the authority's node operator takes 公安局's data without a mandate", as("xzsp.node"), "POST", "/api/v1/channels",
			channel("户籍人口 → 审批局", demoDepartment(t, admin, "株洲市行政审批服务局"), "xzsp-共享库"), http.StatusForbidden, "", "channel.create", false},
		{"the system admin creates a mandate", admin, "POST", "/api/v1/aggregation/mandates", mandate("by_admin", "name"), http.StatusForbidden, "",
			"aggregation.mandate.create", false},
		{"a mandate carries a negative-listed item (户籍地址)", xzsp, "POST", "/api/v1/aggregation/mandates", mandate("with_address", "name", "address"),
			http.StatusForbidden, "address", "aggregation.mandate.create", false},
		{"a mandate writes into another department's datasource", xzsp, "POST", "/api/v1/aggregation/mandates",
			func() map[string]any {
				b := mandate("elsewhere", "name")
				b["target"] = map[string]string{"datasource": "ybj-业务库", "table": "elsewhere"}
				return b
			}(), http.StatusBadRequest, "target.datasource", "", false},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			before := channels()
			status, raw := a.c.raw(a.method, a.path, a.body)
			if status != a.want || !strings.Contains(string(raw), a.text) {
				t.Errorf("%s %s: %d %s, want %d with %q", a.method, a.path, status, raw, a.want, a.text)
			}
			if after := channels(); after != before && !a.written {
				t.Errorf("a refused request wrote a channel: %v channels, were %v", after, before)
			}
			if a.action != "" && !audited(t, auditor, a.action, "denied", "") {
				t.Errorf("no denied %s in the audit log", a.action)
			}
		})
	}
	// Nothing reached 医保局's or 不动产中心's database.
	for _, key := range []string{"ybj", "bdc"} {
		db, err := sql.Open("sqlite", "file:"+demo.DatabasePath(filepath.Join(dir, "datasources"), key)+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'population_copy'").Scan(&n)
		db.Close()
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if n != 0 {
			t.Errorf("%s holds a population_copy table", key)
		}
	}

	// The mandate flow: the authority asks, the provider confirms, and the
	// channel delivers only the mandated items (the key hashed).
	status, m := xzsp.do("POST", "/api/v1/aggregation/mandates", mandate("sec_population", "name", "gender"))
	if status != http.StatusCreated || m["state"] != "pending" {
		t.Fatalf("create mandate: %d %v", status, m)
	}
	id := fmt.Sprint(m["id"])
	if status, body := as("gaj.node").do("POST", "/api/v1/aggregation/mandates/"+id+"/confirm", nil); status != http.StatusForbidden {
		t.Errorf("the provider's node operator confirms: %d %v, want 403", status, body)
	}
	status, m = gajApprover.do("POST", "/api/v1/aggregation/mandates/"+id+"/confirm", nil)
	if status != http.StatusOK || m["state"] != "confirmed" || m["channel_id"] == "" {
		t.Fatalf("confirm: %d %v", status, m)
	}
	store, err := sql.Open("sqlite", "file:"+demo.DatabasePath(filepath.Join(dir, "datasources"), "xzsp")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var cols []string
	var rows int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cols = cols[:0]
		rs, err := store.Query("SELECT name FROM pragma_table_info('sec_population') ORDER BY cid")
		if err == nil {
			for rs.Next() {
				var c string
				rs.Scan(&c)
				cols = append(cols, c)
			}
			rs.Close()
		}
		store.QueryRow("SELECT count(*) FROM sec_population").Scan(&rows)
		if rows >= 300 {
			break
		}
	}
	if !slices.Equal(cols, []string{"id_number", "name", "gender"}) || rows != 300 {
		t.Errorf("the mandate delivered columns %v, %d rows; want id_number (hashed), name, gender and 300 rows", cols, rows)
	}
	var key string
	store.QueryRow("SELECT id_number FROM sec_population LIMIT 1").Scan(&key)
	if len(key) != 64 {
		t.Errorf("the key outside the mandate travels as %q, want its hash", key)
	}

	// A negative listing that allows aggregation, with its basis, lets its
	// item travel in a mandate; one that does not (户籍地址) never does.
	gajCataloger := as("gaj.cataloger")
	status, neg := gajCataloger.do("POST", "/api/v1/lists/negatives", map[string]any{"entry_code": population, "items": []string{"birth_date"},
		"basis": "出生日期属于个人信息（测试）", "allow_aggregation": true, "aggregation_basis": "《政务数据归集规定》第五条（测试）"})
	if status != http.StatusCreated || neg["allow_aggregation"] != true {
		t.Fatalf("propose a listing allowing aggregation: %d %v", status, neg)
	}
	if status, body := xzsp.do("POST", fmt.Sprintf("/api/v1/lists/negatives/%v/confirm", neg["id"]), nil); status != http.StatusOK {
		t.Fatalf("confirm the listing: %d %v", status, body)
	}
	if status, body := xzsp.do("POST", "/api/v1/aggregation/mandates", mandate("with_birth", "name", "birth_date")); status != http.StatusCreated {
		t.Errorf("a listed item whose listing allows aggregation: %d %v, want 201", status, body)
	}
	if status, body := xzsp.do("POST", "/api/v1/aggregation/mandates", mandate("with_address_again", "address")); status != http.StatusForbidden {
		t.Errorf("a listed item whose listing does not allow aggregation: %d %v, want 403", status, body)
	}

	// Revoking the mandate stops its channel.
	if status, body := xzsp.do("POST", "/api/v1/aggregation/mandates/"+id+"/revoke", map[string]string{"reason": "测试结束"}); status != http.StatusOK || body["state"] != "revoked" {
		t.Fatalf("revoke: %d %v", status, body)
	}
	if _, ch := xzsp.do("GET", "/api/v1/channels/"+m["channel_id"].(string), nil); ch["state"] != "revoked" {
		t.Errorf("after revoking the mandate its channel is %v", ch["state"])
	}
	// Nobody outside the two departments reads the mandate, the system admin included.
	for _, c := range []*client{admin, as("bdc.approver")} {
		if status, body := c.do("GET", "/api/v1/aggregation/mandates/"+id, nil); status != http.StatusNotFound {
			t.Errorf("an outsider reads the mandate: %d %v, want 404", status, body)
		}
	}
	// The answers conform to the OpenAPI document.
	_, doc := openAPIDocument(t, p.URL)
	checkResponses(t, openAPIValidator(t, doc), p.URL, xzsp.token, "/api/v1/aggregation/mandates", "/api/v1/aggregation/mandates?state=revoked",
		"/api/v1/aggregation/mandates/"+id, "/api/v1/aggregation/mandates/999999", "/api/v1/channels/"+m["channel_id"].(string))
}
