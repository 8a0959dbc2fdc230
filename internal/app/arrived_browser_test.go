package app

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/govshare/govshare/internal/demo"
)

// syntheticID is a citizen ID number of Zhuzhou with a valid check
// character, numbered i (GB 11643).
func syntheticID(i int) string {
	birth := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	body := fmt.Sprintf("430202%s%03d", birth.Format("20060102"), i%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for j, w := range weights {
		sum += int(body[j]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// TestChannelPageShowsWhatArrivedInChromium follows a full pass of 60,000
// rows on the consumer's channel page: the progress with its rate and
// time left, the schedule in words, and once the pass is done a sample of
// the rows as delivered and the deliveries set beside the row count; the
// API answers the same for scripts.
func TestChannelPageShowsWhatArrivedInChromium(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)

	// 60,000 more people in the police bureau's table on the platform.
	db, err := sql.Open("sqlite", "file:"+demo.DatabasePath(filepath.Join(dir, "datasources"), "gaj")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare("INSERT OR IGNORE INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, '男', '1990-01-01', '株洲市演示路9号', '2026-01-01T00:00:00Z')")
	if err != nil {
		t.Fatal(err)
	}
	const extra = 60000
	for i := range extra {
		if _, err := st.Exec(syntheticID(i), fmt.Sprintf("李演示%05d", i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var total int
	if err := db.QueryRow("SELECT count(*) FROM population").Scan(&total); err != nil {
		t.Fatal(err)
	}

	// The data authority mandates a nightly full copy, in small batches so
	// that the pass lasts; 公安局 confirms and the first pass starts.
	authority := login(t, p.URL, "xzsp.approver", demo.Password)
	status, m := authority.do("POST", "/api/v1/aggregation/mandates", map[string]any{"name": "户籍人口全量（测试）",
		"entry_code": entryCode(t, authority, "户籍人口基本信息"), "items": []string{"id_number", "name", "gender", "birth_date", "updated_at"},
		"target": map[string]string{"datasource": "xzsp-共享库", "table": "gaj_population_full"}, "mode": "full", "schedule": "0 3 * * *",
		"batch_size": 20, "basis": "《政务数据归集规定》（测试）"})
	if status != 201 {
		t.Fatalf("mandate: %d %v", status, m)
	}
	status, m = login(t, p.URL, "gaj.approver", demo.Password).do("POST", fmt.Sprintf("/api/v1/aggregation/mandates/%v/confirm", m["id"]), nil)
	if status != 200 {
		t.Fatalf("confirm: %d %v", status, m)
	}
	id := m["channel_id"].(string)

	ctx := browser(t)
	consoleLogin(t, ctx, p.URL, "xzsp.consumer")
	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/channels/"+id), chromedp.WaitVisible(chromedp.CSS("#channel-live"))), "open the channel")
	if got := textOf(t, ctx, "#channel-definition"); !strings.Contains(got, "每天 03:00") || strings.Contains(got, "0 3 * * *") {
		t.Errorf("the schedule reads %q, want 每天 03:00 in words", got)
	}
	waitText(t, ctx, "#channel-progress", "全量同步进度")
	waitText(t, ctx, "#channel-progress", fmt.Sprintf("/ %s 条", formatThousands(total)))
	waitText(t, ctx, "#channel-eta", "每秒")
	eta := textOf(t, ctx, "#channel-eta")
	if !strings.Contains(eta, "预计还需") && !strings.Contains(eta, "估算中") {
		t.Errorf("the pass's time left reads %q", eta)
	}
	screenshot(t, ctx, "channel-progress")
	t.Logf("progress: %s · %s", textOf(t, ctx, "#channel-progress"), eta)

	consumer := login(t, p.URL, "xzsp.consumer", demo.Password)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, c := consumer.do("GET", "/api/v1/channels/"+id, nil)
		stats, _ := c["stats"].(map[string]any)
		if d, _ := stats["deliveries"].(float64); int(d) >= total && stats["progress"] == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the full pass did not end: %v", c)
		}
		time.Sleep(500 * time.Millisecond)
	}

	must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/exchange/channels/"+id), chromedp.WaitVisible(chromedp.CSS("#channel-live"))), "open the channel again")
	waitText(t, ctx, "#channel-arrived", "到达的数据")
	waitText(t, ctx, "#arrived-rows", "43020")
	if got := textOf(t, ctx, "#arrived-rows thead"); !strings.Contains(got, "id_number") || strings.Contains(got, "address") {
		t.Errorf("the sample's columns are %q: want the mandated items, never the address", got)
	}
	if got := textOf(t, ctx, "#arrived-target-rows"); got != formatThousands(total) {
		t.Errorf("rows at the target: %q, want %d", got, total)
	}
	waitText(t, ctx, "#arrived-notes", "交换条次与目标表行数一致")
	screenshot(t, ctx, "channel-arrived")

	// The API says the same; only the consuming department reads it.
	status, a := consumer.do("GET", "/api/v1/channels/"+id+"/arrived", nil)
	if rows, _ := a["rows"].([]any); status != 200 || a["state"] != "rows" || len(rows) != 5 {
		t.Errorf("GET arrived: %d %v", status, a)
	}
	if status, body := login(t, p.URL, "gaj.node", demo.Password).do("GET", "/api/v1/channels/"+id+"/arrived", nil); status != 403 {
		t.Errorf("the provider reads what arrived: %d %v", status, body)
	}
	if status, body := login(t, p.URL, "auditor", demo.Password).do("GET", "/api/v1/audit?action=channel.arrived&outcome=success", nil); status != 200 || body["total"].(float64) < 2 {
		t.Errorf("readings of what arrived in the audit log: %d %v", status, body)
	}
}

// formatThousands writes n as the console does: 60,300.
func formatThousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
