package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/store/storetest"
)

// checksumOf returns a table's row count and the connector's checksum.
func checksumOf(t *testing.T, driver, dsn, table string) (int64, string) {
	t.Helper()
	s, err := connector.Open(context.Background(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, sum, err := s.Checksum(context.Background(), table, nil)
	if err != nil {
		return -1, err.Error()
	}
	return n, sum
}

// waitSame waits until the target table holds what the source table holds.
func waitSame(t *testing.T, what string, src, dst [3]string) int64 {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		wn, ws := checksumOf(t, src[0], src[1], src[2])
		gn, gs := checksumOf(t, dst[0], dst[1], dst[2])
		if wn == gn && ws == gs && wn > 0 {
			return gn
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: target has %d rows (%s), want the source's %d (%s)", what, gn, gs, wn, ws)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// channelOf reads a channel through the API.
func channelOf(t *testing.T, c *client, id string) map[string]any {
	t.Helper()
	status, body := c.do("GET", "/api/v1/channels/"+id, nil)
	if status != http.StatusOK {
		t.Fatalf("GET channel %s: %d %v", id, status, body)
	}
	return body
}

func statOf(ch map[string]any, name string) int64 {
	v, _ := ch["stats"].(map[string]any)[name].(float64)
	return int64(v)
}

// waitChannel waits until cond holds for the channel as the API shows it.
func waitChannel(t *testing.T, c *client, id, what string, cond func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ch := channelOf(t, c, id)
		if cond(ch) {
			return ch
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel %s: %s never happened: %v", id, what, ch)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestExchangeAPI creates channels through the API and checks that they
// copy SQLite→PostgreSQL and PostgreSQL→MariaDB, that pause stops within a
// second and resume continues, that a schema change pauses with the
// reason, and that statistics survive a restart of the platform.
func TestExchangeAPI(t *testing.T) {
	pgSource, pgTarget := storetest.PostgresSchema(t), storetest.PostgresSchema(t)
	mariaTarget, _ := storetest.MySQLDatabase(t)
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	admin := login(t, p.URL, "admin", demo.Password)
	gajNode := login(t, p.URL, "gaj.node", demo.Password)
	xzspNode := login(t, p.URL, "xzsp.node", demo.Password)
	gajCataloger := login(t, p.URL, "gaj.cataloger", demo.Password)
	outsider := login(t, p.URL, "bdc.cataloger", demo.Password)

	src, err := sql.Open("pgx", pgSource)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const n = 5000
	for _, q := range []string{
		`CREATE TABLE people (id bigint PRIMARY KEY, name varchar(64) NOT NULL, amount numeric(12,2), note text, updated_at timestamp(6) NOT NULL, deleted boolean NOT NULL DEFAULT false)`,
		fmt.Sprintf(`INSERT INTO people SELECT g, '王𪚥' || g, g * 1.5, CASE WHEN g %% 7 = 0 THEN NULL ELSE '备注' END, timestamp '2025-01-01' + g * interval '1 second', g %% 1000 = 7 FROM generate_series(1, %d) g`, n),
		`CREATE VIEW people_live AS SELECT id, name, amount, note, updated_at, deleted FROM people WHERE NOT deleted`,
	} {
		if _, err := src.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, d := range []struct {
		c                 *client
		name, driver, dsn string
	}{{gajNode, "gaj-pg", connector.Postgres, pgSource}, {xzspNode, "xzsp-pg", connector.Postgres, pgTarget}, {xzspNode, "xzsp-maria", connector.MySQL, mariaTarget}} {
		if status, body := d.c.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": d.name, "driver": d.driver, "dsn": d.dsn}); status != http.StatusCreated {
			t.Fatalf("register %s: %d %v", d.name, status, body)
		}
	}
	var depts struct{ gaj, xzsp float64 }
	_, list := admin.do("GET", "/api/v1/channels", nil)
	for _, it := range list["items"].([]any) {
		ch := it.(map[string]any)
		depts.gaj, depts.xzsp = ch["provider_id"].(float64), ch["consumer_id"].(float64)
		if ch["provider_name"] == "株洲市公安局" {
			break
		}
	}
	channel := func(name, srcDS, srcTable, dstDS, dstTable string, soft string) map[string]any {
		return map[string]any{"name": name, "provider_id": depts.gaj, "consumer_id": depts.xzsp,
			"source": map[string]string{"datasource": srcDS, "table": srcTable}, "target": map[string]string{"datasource": dstDS, "table": dstTable},
			"mode": "full_then_incremental", "schedule": "continuous", "watermark": "updated_at", "soft_delete": soft, "batch_size": 400}
	}

	// Refusals.
	refused := []struct {
		name string
		c    *client
		body map[string]any
		want int
		text string
	}{
		{"a cataloger", gajCataloger, channel("x", "gaj-pg", "people", "xzsp-maria", "people", ""), 403, "forbidden"},
		{"a node named other than by its number", gajNode, func() map[string]any {
			b := channel("x", "gaj-pg", "people", "xzsp-maria", "people", "")
			b["source"] = map[string]string{"node_id": "qz-01", "datasource": "gaj-pg", "table": "people"}
			return b
		}(), 400, "name a front-end node by its number"},
		{"an unknown node number", gajNode, func() map[string]any {
			b := channel("x", "gaj-pg", "people", "xzsp-maria", "people", "")
			b["source"] = map[string]string{"node_id": "999", "datasource": "gaj-pg", "table": "people"}
			return b
		}(), 400, "node 999 not found"},
		{"a bad schedule", gajNode, func() map[string]any {
			b := channel("x", "gaj-pg", "people", "xzsp-maria", "people", "")
			b["schedule"] = "61 * * * *"
			return b
		}(), 400, `"schedule"`},
		{"no body fields", gajNode, map[string]any{"name": "x"}, 400, "invalid"},
	}
	for _, r := range refused {
		status, raw := r.c.raw("POST", "/api/v1/channels", r.body)
		if status != r.want || !strings.Contains(string(raw), r.text) {
			t.Errorf("%s: %d %s, want %d with %q", r.name, status, raw, r.want, r.text)
		}
	}

	// SQLite → PostgreSQL, created by the system admin.
	status, a := admin.do("POST", "/api/v1/channels", channel("户籍人口 → 审批局 PostgreSQL", "gaj-业务库", "population", "xzsp-pg", "population", ""))
	if status != http.StatusCreated {
		t.Fatalf("create SQLite→PostgreSQL: %d %v", status, a)
	}
	// PostgreSQL → MariaDB, created by the provider's node operator, in
	// small batches so that the full pass lasts long enough to watch.
	body := channel("人员 → 审批局 MariaDB", "gaj-pg", "people", "xzsp-maria", "people", "deleted")
	body["batch_size"] = 10
	status, b := gajNode.do("POST", "/api/v1/channels", body)
	if status != http.StatusCreated {
		t.Fatalf("create PostgreSQL→MariaDB: %d %v", status, b)
	}
	aID, bID := a["id"].(string), b["id"].(string)
	// The full pass shows its progress against the source's row count.
	var progress []map[string]any
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ch := channelOf(t, admin, bID)
		if pr, ok := ch["stats"].(map[string]any)["progress"].(map[string]any); ok {
			progress = append(progress, pr)
		} else if statOf(ch, "deliveries") >= n {
			break
		}
	}
	if len(progress) == 0 {
		t.Errorf("no progress was shown during the full pass")
	}
	for _, pr := range progress {
		if pr["total"].(float64) != n || pr["done"].(float64) > n || pr["percent"].(float64) > 100 {
			t.Errorf("progress %v, want a total of %d", pr, n)
		}
	}
	gajDB := demo.DatabasePath(filepath.Join(dir, "datasources"), "gaj")
	aSrc, aDst := [3]string{connector.SQLite, gajDB, "population"}, [3]string{connector.Postgres, pgTarget, "population"}
	bSrc, bDst := [3]string{connector.Postgres, pgSource, "people_live"}, [3]string{connector.MySQL, mariaTarget, "people"}
	rowsA := waitSame(t, "SQLite→PostgreSQL", aSrc, aDst)
	rowsB := waitSame(t, "PostgreSQL→MariaDB", bSrc, bDst)
	if rowsA != 300 || rowsB != n-5 {
		t.Errorf("copied %d and %d rows, want 300 and %d", rowsA, rowsB, n-5)
	}
	waitChannel(t, admin, bID, "statistics written", func(ch map[string]any) bool {
		return statOf(ch, "deliveries") >= n && statOf(ch, "deletes") == 5 && ch["stats"].(map[string]any)["last_success"] != nil
	})

	// Who sees and operates the channel.
	checks := []struct {
		name         string
		c            *client
		method, path string
		want         int
	}{
		{"an outsider cannot see it", outsider, "GET", "/api/v1/channels/" + bID, 404},
		{"the provider's cataloger sees it", gajCataloger, "GET", "/api/v1/channels/" + bID, 200},
		{"the provider's cataloger cannot pause it", gajCataloger, "POST", "/api/v1/channels/" + bID + "/pause", 403},
		{"the consumer's node operator runs it", xzspNode, "POST", "/api/v1/channels/" + bID + "/run", 200},
		{"an active channel is not resumed", xzspNode, "POST", "/api/v1/channels/" + bID + "/resume", 409},
		{"stats", outsider, "GET", "/api/v1/exchange/stats", 200},
	}
	for _, c := range checks {
		if status, body := c.c.do(c.method, c.path, nil); status != c.want {
			t.Errorf("%s: %d %v, want %d", c.name, status, body, c.want)
		}
	}
	if _, body := outsider.do("GET", "/api/v1/channels", nil); body["total"].(float64) != 0 {
		t.Errorf("an outsider lists %v channels, want 0", body["total"])
	}

	// Pause while rows keep arriving at the source: within a second nothing
	// more reaches the target.
	stop := make(chan struct{})
	inserted := make(chan int, 1)
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	defer halt()
	go func() {
		id := n + 1
		for {
			select {
			case <-stop:
				inserted <- id - n - 1
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := src.Exec(`INSERT INTO people (id, name, amount, updated_at) VALUES ($1, $2, 1, now())`, id, fmt.Sprintf("新%d", id)); err != nil {
				t.Error(err)
			}
			id++
		}
	}()
	time.Sleep(6 * time.Second) // at least one incremental pass
	began := time.Now()
	status, paused := xzspNode.do("POST", "/api/v1/channels/"+bID+"/pause", map[string]string{"reason": "目标库维护"})
	if status != http.StatusOK || paused["state"] != "paused" || paused["reason"] != "目标库维护" {
		t.Fatalf("pause: %d %v", status, paused)
	}
	time.Sleep(time.Second - time.Since(began))
	frozen, _ := checksumOf(t, bDst[0], bDst[1], bDst[2])
	time.Sleep(7 * time.Second) // longer than an extract poll
	halt()
	added := <-inserted
	if now, _ := checksumOf(t, bDst[0], bDst[1], bDst[2]); now != frozen {
		t.Errorf("the target went from %d to %d rows after the pause had a second to take effect", frozen, now)
	}
	if frozen <= int64(n-5) || added < 100 {
		t.Errorf("before the pause the target had %d rows (%d inserted in all): the test did not see rows flowing", frozen, added)
	}
	if ch := channelOf(t, admin, bID); ch["stats"].(map[string]any)["running"] != false {
		t.Errorf("paused channel runs: %v", ch["stats"])
	}
	if status, _ := xzspNode.do("POST", "/api/v1/channels/"+bID+"/resume", nil); status != http.StatusOK {
		t.Fatalf("resume: %d", status)
	}
	waitSame(t, "after resume", bSrc, bDst)

	// A column added at the source that the target lacks pauses the channel
	// with the reason.
	if _, err := src.Exec(`ALTER TABLE people ADD COLUMN extra text`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec(`UPDATE people SET extra = '附加', updated_at = now() WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	ch := waitChannel(t, admin, bID, "paused for the schema", func(ch map[string]any) bool { return ch["state"] == "paused" })
	if reason, _ := ch["reason"].(string); !strings.Contains(reason, "schema") || !strings.Contains(reason, "extra") {
		t.Errorf("reason = %q, want the schema change naming column extra", reason)
	}

	// A source table that disappears puts its channel in error, retried;
	// once the table is back, run retries at once and the channel recovers.
	if _, err := src.Exec(`CREATE TABLE permits (no varchar(20) PRIMARY KEY, holder text, updated_at timestamp(6) NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec(`INSERT INTO permits VALUES ('P1', '甲', now()), ('P2', '乙', now())`); err != nil {
		t.Fatal(err)
	}
	status, cch := admin.do("POST", "/api/v1/channels", channel("许可 → 审批局", "gaj-pg", "permits", "xzsp-pg", "permits", ""))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, cch)
	}
	cID := cch["id"].(string)
	cSrc, cDst := [3]string{connector.Postgres, pgSource, "permits"}, [3]string{connector.Postgres, pgTarget, "permits"}
	waitSame(t, "permits", cSrc, cDst)
	if _, err := src.Exec(`ALTER TABLE permits RENAME TO permits_old`); err != nil {
		t.Fatal(err)
	}
	ch = waitChannel(t, admin, cID, "error", func(ch map[string]any) bool { return ch["state"] == "error" })
	if e, _ := ch["stats"].(map[string]any)["last_error"].(string); !strings.Contains(e, "permits") {
		t.Errorf("last_error = %q, want it to name the table", e)
	}
	if _, err := src.Exec(`ALTER TABLE permits_old RENAME TO permits`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec(`INSERT INTO permits VALUES ('P3', '丙', now())`); err != nil {
		t.Fatal(err)
	}
	if status, _ := admin.do("POST", "/api/v1/channels/"+cID+"/run", nil); status != http.StatusOK {
		t.Fatalf("run a channel in error: %d", status)
	}
	waitChannel(t, admin, cID, "recovery", func(ch map[string]any) bool { return ch["state"] == "active" })
	waitSame(t, "permits after recovery", cSrc, cDst)

	// Statistics survive a restart of the platform.
	before := waitChannel(t, admin, aID, "statistics of A", func(ch map[string]any) bool { return statOf(ch, "deliveries") >= 300 })
	time.Sleep(2500 * time.Millisecond) // one more statistics write
	before = channelOf(t, admin, aID)
	if err := p.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	p2 := start(t, "--data-dir", dir, "--datasource-hosts", "127.0.0.1") // the test servers' host, outside demo mode
	admin = login(t, p2.URL, "admin", demo.Password)
	after := channelOf(t, admin, aID)
	if statOf(after, "deliveries") != statOf(before, "deliveries") || statOf(after, "bytes") != statOf(before, "bytes") {
		t.Errorf("after restart deliveries/bytes = %d/%d, want %d/%d", statOf(after, "deliveries"), statOf(after, "bytes"),
			statOf(before, "deliveries"), statOf(before, "bytes"))
	}
	lite, err := sql.Open("sqlite", "file:"+gajDB+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	for i := 0; i < 3; i++ {
		if _, err := lite.Exec(`INSERT INTO population (id_number, name, gender, birth_date, address, updated_at) VALUES (?, ?, '男', '1990-01-01', '株洲市演示路1号', ?)`,
			withCheckDigit(fmt.Sprintf("43020219900101%03d", 900+i)), fmt.Sprintf("重启后%d", i), time.Now().UTC().Format(time.RFC3339)); err != nil {
			t.Fatal(err)
		}
	}
	waitSame(t, "after restart", aSrc, aDst)
	waitChannel(t, admin, aID, "deliveries added to the persisted ones", func(ch map[string]any) bool {
		return statOf(ch, "deliveries") >= statOf(before, "deliveries")+3
	})
	_, stats := admin.do("GET", "/api/v1/exchange/stats", nil)
	if city := stats["city"].(map[string]any); city["channels"].(float64) < 4 || city["deliveries"].(float64) < float64(n+600) {
		t.Errorf("city stats = %v, want at least 4 channels (the demo's grants add theirs) and %d deliveries", city, n+600)
	}
	// Responses conform to the OpenAPI document.
	_, doc := openAPIDocument(t, p2.URL)
	checkResponses(t, openAPIValidator(t, doc), p2.URL, admin.token, "/api/v1/channels", "/api/v1/channels?state=paused", "/api/v1/channels/"+aID,
		"/api/v1/channels/"+bID, "/api/v1/channels/ch-000000000000", "/api/v1/exchange/stats", "/api/v1/channels/"+aID+"/samples")
	status, samples := admin.raw("GET", "/api/v1/channels/"+aID+"/samples?hours=1", nil)
	if status != http.StatusOK || !strings.Contains(string(samples), `"rows"`) {
		t.Errorf("samples: %d %s", status, samples)
	}
}
