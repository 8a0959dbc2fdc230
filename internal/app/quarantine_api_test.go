package app

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/quality"
)

// withCheckDigit completes the first 17 digits of an ID number (公民身份号码)
// with their check character.
func withCheckDigit(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// channelNamed finds a channel by (part of) its name through the API.
func channelNamed(t *testing.T, c *client, name string) map[string]any {
	t.Helper()
	_, list := c.do("GET", "/api/v1/channels?page_size=100", nil)
	for _, it := range list["items"].([]any) {
		if ch := it.(map[string]any); strings.Contains(ch["name"].(string), name) {
			return ch
		}
	}
	t.Fatalf("no channel named %q in %v", name, list)
	return nil
}

// quarantineOf lists a channel's quarantine through the API.
func quarantineOf(t *testing.T, c *client, id, query string) (items []map[string]any, page map[string]any) {
	t.Helper()
	status, body := c.do("GET", "/api/v1/channels/"+id+"/quarantine"+query, nil)
	if status != http.StatusOK {
		t.Fatalf("GET quarantine of %s: %d %v", id, status, body)
	}
	for _, it := range body["items"].([]any) {
		items = append(items, it.(map[string]any))
	}
	return items, body
}

// outcomes maps a retry's or skip's answer to entry ID → state.
func outcomes(body map[string]any) map[int64]string {
	out := map[int64]string{}
	items, _ := body["items"].([]any)
	for _, it := range items {
		o := it.(map[string]any)
		out[int64(o["id"].(float64))] = o["state"].(string)
	}
	return out
}

// TestQuarantineAPI checks that rows failing their rules at the source are
// quarantined with the reason and counted while the rest are delivered: by
// the catalog item's validator (the demo's housing fund table, ID numbers
// with a wrong check digit) and by the column type (a table no entry is
// mounted on). A row fixed at the source and retried is delivered; a
// skipped row is resolved; a row whose key changed is gone. Operators only.
func TestQuarantineAPI(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	admin := login(t, p.URL, "admin", demo.Password)
	gajNode := login(t, p.URL, "gaj.node", demo.Password)
	xzspNode := login(t, p.URL, "xzsp.node", demo.Password)
	gjjCataloger := login(t, p.URL, "gjj.cataloger", demo.Password)
	outsider := login(t, p.URL, "bdc.cataloger", demo.Password)

	// The demo's housing fund channel: the catalog's id_number validator.
	fund := channelNamed(t, admin, "住房公积金缴存信息")
	fundID := fund["id"].(string)
	if got := statOf(fund, "quarantined"); got != demo.QuarantinedRows {
		t.Errorf("housing fund channel counts %d quarantined rows, want %d", got, demo.QuarantinedRows)
	}
	srcN, _ := checksumOf(t, connector.SQLite, demo.DatabasePath(filepath.Join(dir, "datasources"), "gjj"), "housing_fund")
	dstN, _ := checksumOf(t, connector.SQLite, demo.DatabasePath(filepath.Join(dir, "datasources"), "xzsp"), "gjj_housing_fund")
	if dstN != srcN-demo.QuarantinedRows || dstN < 300 {
		t.Errorf("target holds %d rows of the source's %d, want all but the %d quarantined", dstN, srcN, demo.QuarantinedRows)
	}
	items, page := quarantineOf(t, xzspNode, fundID, "?state=open")
	if len(items) != demo.QuarantinedRows || page["open"].(float64) != demo.QuarantinedRows || page["total"].(float64) != demo.QuarantinedRows {
		t.Fatalf("open quarantine: %d items, page %v", len(items), page)
	}
	// The authority's operator sees the rows as the mandate delivers them,
	// masked as the catalog's defaults say.
	for _, it := range items {
		row := it["row"].(map[string]any)
		id, _ := row["id_number"].(string)
		if it["column"] != "id_number" || !strings.Contains(it["reason"].(string), "check character") || it["passes"].(float64) != 1 ||
			it["state"] != "open" || it["at"] == nil || it["view"] != "delivered" || !strings.Contains(id, "*") {
			t.Errorf("quarantined row %v: want id_number failing its check character, once, open, masked", it)
		}
	}
	if items, page := quarantineOf(t, xzspNode, fundID, "?page=2&page_size=3"); len(items) != 1 || page["page"].(float64) != 2 {
		t.Errorf("page 2 of 3: %d items, %v", len(items), page)
	}

	// Who may look and act: the channel's operators, as for run and pause.
	for _, c := range []struct {
		name         string
		c            *client
		method, path string
		want         int
	}{
		{"an outsider does not see it", outsider, "GET", "/api/v1/channels/" + fundID + "/quarantine", 404},
		{"the provider's cataloger sees the channel but not its quarantine", gjjCataloger, "GET", "/api/v1/channels/" + fundID + "/quarantine", 403},
		{"nor retries", gjjCataloger, "POST", "/api/v1/channels/" + fundID + "/quarantine/retry", 403},
		{"an unknown state", xzspNode, "GET", "/api/v1/channels/" + fundID + "/quarantine?state=lost", 400},
		{"skip needs ids", xzspNode, "POST", "/api/v1/channels/" + fundID + "/quarantine/skip", 400},
		{"the system admin moves no business data", admin, "GET", "/api/v1/channels/" + fundID + "/quarantine", 403},
	} {
		if status, body := c.c.do(c.method, c.path, nil); status != c.want {
			t.Errorf("%s: %d %v, want %d", c.name, status, body, c.want)
		}
	}

	// Skip one; retry another unchanged (still failing); fix a third at the
	// source, which changes its key: the old row is gone, the new one flows.
	skipID, failID, fixID := int64(items[0]["id"].(float64)), int64(items[1]["id"].(float64)), int64(items[2]["id"].(float64))
	status, res := xzspNode.do("POST", "/api/v1/channels/"+fundID+"/quarantine/skip", map[string]any{"ids": []int64{skipID, 999999}, "reason": "已线下核实，无需共享"})
	if o := outcomes(res); status != http.StatusOK || res["skipped"].(float64) != 1 || o[skipID] != "skipped" || o[999999] != "open" {
		t.Errorf("skip: %d %v", status, res)
	}
	if status, res := xzspNode.do("POST", "/api/v1/channels/"+fundID+"/quarantine/skip", map[string]any{"ids": []int64{skipID}}); status != http.StatusOK ||
		res["skipped"].(float64) != 0 || outcomes(res)[skipID] != "skipped" {
		t.Errorf("skip again: %d %v", status, res)
	}
	gjj, err := sql.Open("sqlite", "file:"+demo.DatabasePath(filepath.Join(dir, "datasources"), "gjj")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer gjj.Close()
	// The console shows the ID number masked: find the row by its month
	// among those that fail, and give it a valid ID number.
	fixMonth := items[2]["row"].(map[string]any)["month"].(string)
	rows, err := gjj.Query(`SELECT id_number FROM housing_fund WHERE month = ?`, fixMonth)
	if err != nil {
		t.Fatal(err)
	}
	var badID string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		if quality.CheckIDNumber(id) != nil && id[:6] == items[2]["row"].(map[string]any)["id_number"].(string)[:6] {
			badID = id
		}
	}
	rows.Close()
	if _, err := gjj.Exec(`UPDATE housing_fund SET id_number = ? WHERE id_number = ? AND month = ?`, withCheckDigit(badID[:17]), badID, fixMonth); err != nil || badID == "" {
		t.Fatalf("fix %q at the source: %v", badID, err)
	}
	status, res = xzspNode.do("POST", "/api/v1/channels/"+fundID+"/quarantine/retry", map[string]any{"ids": []int64{failID, fixID, skipID}})
	o := outcomes(res)
	if status != http.StatusOK || o[failID] != "open" || o[fixID] != "gone" || o[skipID] != "skipped" || res["failing"].(float64) != 1 || res["gone"].(float64) != 1 {
		t.Errorf("retry: %d %v", status, res)
	}
	_, page = quarantineOf(t, xzspNode, fundID, "")
	if page["open"].(float64) != 2 || page["skipped"].(float64) != 1 || page["gone"].(float64) != 1 || page["total"].(float64) != 4 {
		t.Errorf("counts after skip and retry: %v", page)
	}
	for _, it := range page["items"].([]any) {
		if e := it.(map[string]any); int64(e["id"].(float64)) == failID && e["passes"].(float64) != 2 {
			t.Errorf("the row retried unchanged: %v, want it seen failing twice", e)
		}
	}

	// A table whose entry's items set no length or validator: rows are
	// checked against their column types. Fixed at the source (without touching the watermark, so
	// that only the retry sends it) and retried, a row is delivered.
	notes := filepath.Join(filepath.Dir(demo.DatabasePath(filepath.Join(dir, "datasources"), "gaj")), "notes.db")
	if err := os.MkdirAll(filepath.Dir(notes), 0o750); err != nil {
		t.Fatal(err)
	}
	ndb, err := sql.Open("sqlite", "file:"+notes+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer ndb.Close()
	if _, err := ndb.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(10) NOT NULL, updated_at TIMESTAMP NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10; i++ {
		title := fmt.Sprintf("备注%d", i)
		if i == 4 || i == 7 {
			title = strings.Repeat("超长", 8) // 16 characters in a VARCHAR(10)
		}
		if _, err := ndb.Exec(`INSERT INTO notes VALUES (?, ?, ?)`, i, title, "2026-01-01T00:00:00Z"); err != nil {
			t.Fatal(err)
		}
	}
	status, nds := gajNode.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": "gaj-notes", "driver": "sqlite", "dsn": notes})
	if status != http.StatusCreated {
		t.Fatalf("register notes: %d %v", status, nds)
	}
	// Its channel stands on an aggregation mandate of a published entry.
	notesCode := publishTable(t, p.URL, "gaj", "备注信息", nds["id"].(float64), "notes",
		[][3]string{{"id", "integer", "key"}, {"title", "string", ""}, {"updated_at", "datetime", "timestamp"}})
	nID := mandateChannel(t, p.URL, "gaj", notesCode, []string{"id", "title", "updated_at"},
		map[string]string{"datasource": "xzsp-共享库", "table": "gaj_notes"}, "full_then_incremental", "continuous")
	xzspDB := demo.DatabasePath(filepath.Join(dir, "datasources"), "xzsp")
	// (The incremental pass that follows the full one reads the rows at the
	// highest watermark again: deliveries may double, but a row found
	// failing again counts once.)
	waitChannel(t, admin, nID, "8 rows delivered and 2 quarantined", func(ch map[string]any) bool {
		return statOf(ch, "deliveries") >= 8 && statOf(ch, "quarantined") == 2 && ch["stats"].(map[string]any)["lag_seconds"].(float64) >= 0
	})
	if n, _ := checksumOf(t, connector.SQLite, xzspDB, "gaj_notes"); n != 8 {
		t.Errorf("notes target holds %d rows, want 8", n)
	}
	items, _ = quarantineOf(t, gajNode, nID, "")
	if len(items) != 2 || items[0]["column"] != "title" || !strings.Contains(items[0]["reason"].(string), "more than the column's 10") || items[0]["key"] != "[4]" {
		t.Fatalf("notes quarantine: %v", items)
	}
	if _, err := ndb.Exec(`UPDATE notes SET title = '已修正' WHERE id = 4`); err != nil {
		t.Fatal(err)
	}
	ids := []int64{int64(items[0]["id"].(float64)), int64(items[1]["id"].(float64))}
	for attempt := 0; ; attempt++ {
		// The retry and the channel's own extract pass take turns; a clash
		// answers 409, and asking again is safe.
		status, res = xzspNode.do("POST", "/api/v1/channels/"+nID+"/quarantine/retry", map[string]any{"ids": ids})
		if status != http.StatusConflict || attempt == 5 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	o = outcomes(res)
	if status != http.StatusOK || res["published"].(float64) != 1 || o[ids[0]] != "retried" || o[ids[1]] != "open" {
		t.Fatalf("retry notes: %d %v", status, res)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var title string
		lite, _ := sql.Open("sqlite", "file:"+xzspDB+"?_pragma=busy_timeout(10000)")
		err := lite.QueryRow(`SELECT title FROM gaj_notes WHERE id = 4`).Scan(&title)
		lite.Close()
		if err == nil && title == "已修正" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the retried row never reached the target: %q, %v", title, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, page := quarantineOf(t, xzspNode, nID, ""); page["open"].(float64) != 1 || page["retried"].(float64) != 1 {
		t.Errorf("notes counts after retry: %v", page)
	}
	time.Sleep(2500 * time.Millisecond) // a statistics write
	if got := statOf(channelOf(t, admin, nID), "quarantined"); got != 2 {
		t.Errorf("notes channel counts %d quarantined rows, want the 2 found failing (once each)", got)
	}

	// Every step was audited.
	auditor := login(t, p.URL, "auditor", demo.Password)
	for _, action := range []string{"channel.quarantine.skip", "channel.quarantine.retry"} {
		if status, raw := auditor.raw("GET", "/api/v1/audit?action="+action, nil); status != http.StatusOK || !strings.Contains(string(raw), action) {
			t.Errorf("audit of %s: %d %s", action, status, raw)
		}
	}
	if status, raw := auditor.raw("GET", "/api/v1/audit?action=channel.quarantine.read", nil); status != http.StatusOK || !strings.Contains(string(raw), "denied") {
		t.Errorf("the cataloger's refused look is not audited: %d %s", status, raw)
	}
	// Responses conform to the OpenAPI document.
	_, doc := openAPIDocument(t, p.URL)
	checkResponses(t, openAPIValidator(t, doc), p.URL, xzspNode.token, "/api/v1/channels/"+fundID+"/quarantine", "/api/v1/channels/"+nID+"/quarantine?state=open")
}
