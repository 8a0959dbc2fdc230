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
func checksumOf(t *testing.T, driver, dsn, table string, columns ...string) (int64, string) {
	t.Helper()
	s, err := connector.Open(context.Background(), driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, sum, err := s.Checksum(context.Background(), table, columns)
	if err != nil {
		return -1, err.Error()
	}
	return n, sum
}

// waitSame waits until the target table holds what the source table holds
// (in columns, when given).
func waitSame(t *testing.T, what string, src, dst [3]string, columns ...string) int64 {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		wn, ws := checksumOf(t, src[0], src[1], src[2], columns...)
		gn, gs := checksumOf(t, dst[0], dst[1], dst[2], columns...)
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

// TestExchangeAPI has channels created from aggregation mandates through the
// API and checks that they
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
	dsIDs := map[string]float64{}
	for _, d := range []struct {
		c                 *client
		name, driver, dsn string
	}{{gajNode, "gaj-pg", connector.Postgres, pgSource}, {xzspNode, "xzsp-pg", connector.Postgres, pgTarget}, {xzspNode, "xzsp-maria", connector.MySQL, mariaTarget}} {
		status, body := d.c.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": d.name, "driver": d.driver, "dsn": d.dsn})
		if status != http.StatusCreated {
			t.Fatalf("register %s: %d %v", d.name, status, body)
		}
		dsIDs[d.name] = body["id"].(float64)
	}
	// Every channel has a basis: here, aggregation mandates of the data
	// authority (市审批局) over entries of 公安局, confirmed by its approver.
	peopleCode := publishTable(t, p.URL, "gaj", "人员信息", dsIDs["gaj-pg"], "people", [][3]string{{"id", "integer", "key"}, {"name", "string", ""},
		{"amount", "decimal", ""}, {"note", "text", ""}, {"updated_at", "datetime", "timestamp"}, {"deleted", "boolean", ""}})
	mandate := func(code string, items []string, target, table string) map[string]any {
		return map[string]any{"entry_code": code, "items": items, "target": map[string]string{"datasource": target, "table": table},
			"mode": "full_then_incremental", "schedule": "continuous", "basis": "《政务数据归集规定》（测试）"}
	}
	xzspApprover := login(t, p.URL, "xzsp.approver", demo.Password)

	// Refusals: nobody creates a channel directly; a mandate's target must
	// be the authority's and name a node by its number.
	refused := []struct {
		name       string
		c          *client
		path, body string
		want       int
		text       string
	}{
		{"a cataloger creates a channel", gajCataloger, "/api/v1/channels", "", 403, "forbidden"},
		{"the provider's node operator creates a channel", gajNode, "/api/v1/channels", "", 403, "aggregation mandate"},
		{"the system admin creates a channel", admin, "/api/v1/channels", "", 403, "aggregation mandate"},
		{"a mandate's node named other than by its number", xzspApprover, "/api/v1/aggregation/mandates", "qz-01", 400, "name a front-end node by its number"},
		{"a mandate's unknown node number", xzspApprover, "/api/v1/aggregation/mandates", "999", 400, "node 999 not found"},
		{"a mandate's bad schedule", xzspApprover, "/api/v1/aggregation/mandates", "schedule", 400, `"schedule"`},
		{"no body fields", xzspApprover, "/api/v1/aggregation/mandates", "empty", 400, "invalid"},
	}
	for _, r := range refused {
		var body any = map[string]any{"name": "x", "provider_id": 1, "consumer_id": 2, "source": map[string]string{"datasource": "gaj-pg", "table": "people"},
			"target": map[string]string{"datasource": "xzsp-maria", "table": "people"}, "mode": "full", "schedule": "0 2 * * *"}
		if r.path != "/api/v1/channels" {
			m := mandate(peopleCode, []string{"id", "name"}, "xzsp-maria", "people")
			switch r.body {
			case "schedule":
				m["schedule"] = "61 * * * *"
			case "empty":
				m = map[string]any{"name": "x"}
			default:
				m["target"] = map[string]string{"node_id": r.body, "datasource": "xzsp-maria", "table": "people"}
			}
			body = m
		}
		status, raw := r.c.raw("POST", r.path, body)
		if status != r.want || !strings.Contains(string(raw), r.text) {
			t.Errorf("%s: %d %s, want %d with %q", r.name, status, raw, r.want, r.text)
		}
	}

	// SQLite → PostgreSQL: the demo's population register, but for its
	// negative-listed address.
	populationItems := []string{"id_number", "name", "gender", "birth_date", "updated_at"}
	aID := mandateChannel(t, p.URL, "gaj", demoEntry(t, xzspApprover, "户籍人口基本信息"), populationItems,
		map[string]string{"datasource": "xzsp-pg", "table": "population"}, "full_then_incremental", "continuous")
	// PostgreSQL → MariaDB, in small batches so that the full pass lasts
	// long enough to watch.
	status, mb := xzspApprover.do("POST", "/api/v1/aggregation/mandates", func() map[string]any {
		m := mandate(peopleCode, []string{"id", "name", "amount", "note", "updated_at", "deleted"}, "xzsp-maria", "people")
		m["soft_delete"], m["batch_size"] = "deleted", 10
		return m
	}())
	if status != http.StatusCreated {
		t.Fatalf("mandate PostgreSQL→MariaDB: %d %v", status, mb)
	}
	status, mb = login(t, p.URL, "gaj.approver", demo.Password).do("POST", fmt.Sprintf("/api/v1/aggregation/mandates/%v/confirm", mb["id"]), nil)
	if status != http.StatusOK {
		t.Fatalf("confirm PostgreSQL→MariaDB: %d %v", status, mb)
	}
	bID := mb["channel_id"].(string)
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
	aCols := populationItems // the channel carries the mandated items only
	bSrc, bDst := [3]string{connector.Postgres, pgSource, "people_live"}, [3]string{connector.MySQL, mariaTarget, "people"}
	rowsA := waitSame(t, "SQLite→PostgreSQL", aSrc, aDst, aCols...)
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

	// A column added at the source is not in the mandate: it does not
	// travel, and the channel goes on.
	if _, err := src.Exec(`ALTER TABLE people ADD COLUMN extra text`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec(`UPDATE people SET extra = '附加', updated_at = now() WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	if ch := channelOf(t, admin, bID); ch["state"] != "active" {
		t.Errorf("a column outside the mandate changed the channel: %v %v", ch["state"], ch["reason"])
	}
	// A mandated column widened at the source, which the target cannot hold,
	// pauses the channel with the reason.
	for _, q := range []string{`DROP VIEW people_live`, `ALTER TABLE people ALTER COLUMN name TYPE varchar(200)`,
		`CREATE VIEW people_live AS SELECT id, name, amount, note, updated_at, deleted FROM people WHERE NOT deleted`} {
		if _, err := src.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := src.Exec(`UPDATE people SET name = '加长', updated_at = now() WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	ch := waitChannel(t, admin, bID, "paused for the schema", func(ch map[string]any) bool { return ch["state"] == "paused" })
	if reason, _ := ch["reason"].(string); !strings.Contains(reason, "schema") || !strings.Contains(reason, "name") || strings.Contains(reason, "extra") {
		t.Errorf("reason = %q, want the schema change naming column name (and not the unmandated extra)", reason)
	}

	// A source table that disappears puts its channel in error, retried;
	// once the table is back, run retries at once and the channel recovers.
	if _, err := src.Exec(`CREATE TABLE permits (no varchar(20) PRIMARY KEY, holder text, updated_at timestamp(6) NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Exec(`INSERT INTO permits VALUES ('P1', '甲', now()), ('P2', '乙', now())`); err != nil {
		t.Fatal(err)
	}
	permitsCode := publishTable(t, p.URL, "gaj", "许可信息", dsIDs["gaj-pg"], "permits", [][3]string{{"no", "string", "key"}, {"holder", "text", ""},
		{"updated_at", "datetime", "timestamp"}})
	cID := mandateChannel(t, p.URL, "gaj", permitsCode, []string{"no", "holder", "updated_at"}, map[string]string{"datasource": "xzsp-pg", "table": "permits"},
		"full_then_incremental", "continuous")
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
	if status, _ := xzspNode.do("POST", "/api/v1/channels/"+cID+"/run", nil); status != http.StatusOK {
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
	waitSame(t, "after restart", aSrc, aDst, aCols...)
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
