package app

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/demo"
)

// TestSecurityInput tries, against the real server in demo mode, what a
// cataloger could send to make the platform read its own files or probe its
// network (issue 9, "Outside input that reaches the platform's own files
// and network"). Each row is one finding; each refusal is a 4xx naming the
// field and the rule, and nothing is registered.
func TestSecurityInput(t *testing.T) {
	dir := t.TempDir()
	p := start(t, "--demo", "--data-dir", dir)
	gaj := login(t, p.URL, "gaj.cataloger", demo.Password)
	auditor := login(t, p.URL, "auditor", demo.Password)
	root := filepath.Join(dir, "datasources")
	gajDB, scjDB := demo.DatabasePath(root, "gaj"), demo.DatabasePath(root, "scj")
	gajFolder := filepath.Dir(gajDB)

	// A fake MySQL server counts who connects: a refused DSN never does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dialled atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dialled.Add(1)
			c.Close()
		}
	}()
	fake := ln.Addr().String()

	// A link in the department's own folder to the platform's database.
	link := filepath.Join(gajFolder, "platform.db")
	if err := os.Symlink(filepath.Join(dir, "govshare.db"), link); err != nil {
		t.Fatal(err)
	}

	refused := []struct {
		name, driver, dsn string
		field, want       string // the field and what its message names
	}{
		{"mysql allowAllFiles (LOCAL INFILE of any file)", "mysql", "u:p@tcp(" + fake + ")/x?allowAllFiles=true", "dsn", "allowAllFiles"},
		{"postgres sslkey", "postgres", "postgres://u@127.0.0.1:5432/x?sslkey=" + filepath.Join(dir, "keys", "secrets.key"), "dsn", "sslkey"},
		{"postgres passfile", "postgres", "host=127.0.0.1 dbname=x passfile=" + filepath.Join(dir, "keys", "secrets.key"), "dsn", "passfile"},
		{"postgres service", "postgres", "postgres://u@127.0.0.1/x?service=platform", "dsn", "service"},
		{"postgres unknown parameter", "postgres", "postgres://u@127.0.0.1/x?options=-c%20log_connections%3Don", "dsn", "options"},
		{"postgres unix socket", "postgres", "host=/var/run/postgresql dbname=x", "dsn", "/var/run/postgresql"},
		{"another department's SQLite file", "sqlite", scjDB, "dsn", gajFolder},
		{"path traversal out of the folder", "sqlite", "file:" + gajFolder + "/../" + filepath.Base(filepath.Dir(scjDB)) + "/scj.db?mode=ro", "dsn", gajFolder},
		{"the platform's own database", "sqlite", filepath.Join(dir, "govshare.db"), "dsn", gajFolder},
		{"symbolic link to the platform's database", "sqlite", link, "dsn", gajFolder},
		{"host outside --datasource-hosts", "postgres", "postgres://u:p@192.0.2.1:5432/x?connect_timeout=2", "dsn", "datasource-hosts"},
		{"name resolving outside --datasource-hosts", "mysql", "u:p@tcp(unresolvable.invalid:3306)/x", "dsn", "datasource-hosts"},
	}
	for _, param := range connector.PostgresFileParams { // every parameter naming a file, in both forms
		refused = append(refused,
			struct{ name, driver, dsn, field, want string }{"postgres URL " + param, "postgres", "postgres://u@127.0.0.1/x?" + param + "=" + filepath.Join(dir, "keys", "secrets.key"), "dsn", param},
			struct{ name, driver, dsn, field, want string }{"postgres keyword " + param, "postgres", "host=127.0.0.1 dbname=x " + param + "=" + filepath.Join(dir, "keys", "secrets.key"), "dsn", param})
	}
	for i, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("attack-%d", i)
			status, body := gaj.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": name, "driver": tc.driver, "dsn": tc.dsn})
			details, _ := body["details"].(map[string]any)
			msg, _ := details[tc.field].(string)
			// Refused by the rule, before connecting: not a failed connection.
			if status != http.StatusBadRequest || !strings.Contains(msg, tc.want) || strings.Contains(msg, "cannot connect") {
				t.Fatalf("register %s = %d %v, want 400 with %s naming %q", tc.dsn, status, body, tc.field, tc.want)
			}
			_, list := gaj.do("GET", "/api/v1/catalog/datasources", nil)
			if strings.Contains(fmt.Sprint(list), name) {
				t.Errorf("the refused datasource was registered: %v", list)
			}
		})
	}
	if n := dialled.Load(); n != 0 {
		t.Errorf("refused DSNs connected %d times", n)
	}
	_, denials := auditor.do("GET", "/api/v1/audit?outcome=denied&action=datasource.create&page_size=100", nil)
	for _, w := range []string{"allowAllFiles", "sslkey", "passfile", gajFolder} {
		if !strings.Contains(fmt.Sprint(denials), w) {
			t.Errorf("no denied audit entry names %s: %v", w, denials)
		}
	}

	t.Run("the department's own file is accepted as its normalised path", func(t *testing.T) {
		status, body := gaj.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": "gaj-own", "driver": "sqlite",
			"dsn": "file:" + gajFolder + "/./sub/../" + filepath.Base(gajDB) + "?mode=rwc"})
		if status != http.StatusCreated {
			t.Fatalf("register own file: %d %v", status, body)
		}
	})

	t.Run("a closed and an open port answer the same", func(t *testing.T) {
		closed, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closedAddr := closed.Addr().String()
		closed.Close()
		var answers []string
		for i, addr := range []string{closedAddr, fake} {
			status, body := gaj.do("POST", "/api/v1/catalog/datasources", map[string]string{"name": fmt.Sprintf("probe-%d", i), "driver": "mysql",
				"dsn": "u:p@tcp(" + addr + ")/x?timeout=2s"})
			if status != http.StatusBadRequest {
				t.Fatalf("probe %s = %d %v, want 400", addr, status, body)
			}
			delete(body, "status")
			answers = append(answers, regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(fmt.Sprint(body), "ADDR"))
		}
		if answers[0] != answers[1] {
			t.Errorf("a closed port answers %s, an open one %s", answers[0], answers[1])
		}
		if strings.Contains(answers[0], "refused") || strings.Contains(answers[0], "EOF") || strings.Contains(answers[0], "invalid connection") {
			t.Errorf("the answer tells why: %s", answers[0])
		}
		_, entries := auditor.do("GET", "/api/v1/audit?outcome=failure&action=datasource.connect&page_size=100", nil)
		if got := fmt.Sprint(entries); !strings.Contains(got, "probe-0") || !strings.Contains(got, "probe-1") || !strings.Contains(got, "refused") {
			t.Errorf("the causes are not in the audit log: %s", got)
		}
	})

	t.Run("an API host allowed for another department cannot be mounted", func(t *testing.T) {
		m := regexp.MustCompile(`proxies (http://\S+)`).FindStringSubmatch(p.Stdout.String())
		if m == nil {
			t.Fatalf("no demo API address in the start-up output:\n%s", p.Stdout)
		}
		code := entryCode(t, gaj, "户籍人口基本信息")
		status, body := gaj.do("POST", "/api/v1/catalog/entries/"+url.PathEscape(code)+"/mounts", map[string]any{"kind": "api", "method": "GET", "url": m[1]})
		details, _ := body["details"].(map[string]any)
		if msg, _ := details["url"].(string); status != http.StatusBadRequest || !strings.Contains(msg, "api-direct-hosts") {
			t.Fatalf("mount 民政局's direct host on 公安局's entry = %d %v, want 400 naming api-direct-hosts", status, body)
		}
		_, entries := auditor.do("GET", "/api/v1/audit?outcome=denied&action=catalog.mount&page_size=100", nil)
		if !strings.Contains(fmt.Sprint(entries), code) {
			t.Errorf("the refused mount is not audited: %v", entries)
		}
	})
}
