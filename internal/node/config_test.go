package node_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/node"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "local.db"), []byte{}, 0o644)
	os.Mkdir(filepath.Join(dir, "files"), 0o755)
	tests := []struct {
		name    string
		yaml    string
		wantErr []string // all must appear; none means valid
		want    int      // datasources
	}{
		{"empty file", "", nil, 0},
		{"all drivers", `datasources:
  - {name: hr, driver: postgres, dsn: "postgres://u:p@10.0.0.5/hr"}
  - {name: permits, driver: mysql, dsn: "u:p@tcp(10.0.0.6:3306)/permits"}
  - {name: local, driver: sqlite, path: local.db}
  - {name: 上传文件, driver: files, path: files}
`, nil, 4},
		{"mysql allowAllFiles", "datasources:\n  - {name: hr, driver: mysql, dsn: \"u:p@tcp(10.0.0.6:3306)/hr?allowAllFiles=true\"}\n", []string{"datasources[0] (hr)", "allowAllFiles"}, 0},
		{"postgres sslkey", "datasources:\n  - {name: hr, driver: postgres, dsn: \"postgres://u@10.0.0.5/hr?sslkey=/etc/ssl/private/node.key\"}\n", []string{"datasources[0] (hr)", "sslkey"}, 0},
		{"postgres passfile", "datasources:\n  - {name: hr, driver: postgres, dsn: \"host=10.0.0.5 dbname=hr passfile=/root/.pgpass\"}\n", []string{"passfile"}, 0},
		{"unknown driver", "datasources:\n  - {name: crm, driver: oracle, dsn: x}\n", []string{"datasources[0] (crm)", `unknown driver "oracle"`}, 0},
		{"missing dsn", "datasources:\n  - {name: hr, driver: postgres}\n", []string{"datasources[0] (hr)", "needs dsn"}, 0},
		{"path for postgres", "datasources:\n  - {name: hr, driver: postgres, dsn: x, path: y}\n", []string{"takes dsn, not path"}, 0},
		{"missing folder", "datasources:\n  - {name: up, driver: files, path: nowhere}\n", []string{"datasources[0] (up)", "not a folder"}, 0},
		{"sqlite path is a folder", "datasources:\n  - {name: db, driver: sqlite, path: files}\n", []string{"not a SQLite file"}, 0},
		{"duplicate name", "datasources:\n  - {name: a, driver: sqlite, path: local.db}\n  - {name: a, driver: files, path: files}\n", []string{"datasources[1] (a)", "used twice"}, 0},
		{"no name", "datasources:\n  - {driver: files, path: files}\n", []string{"datasources[0]", "name is required"}, 0},
		{"bad name", "datasources:\n  - {name: \"a b\", driver: files, path: files}\n", []string{"use letters"}, 0},
		{"unknown key", "datasources:\n  - {name: a, driver: files, path: files, password: x}\n", []string{"password"}, 0},
		{"http api", `datasources:
  - name: 婚姻登记接口
    driver: http
    url: http://10.0.0.8:8080/api/
    headers: {X-Api-Key: s3cret}
    timeout: 30s
  - {name: plain, driver: http, url: "https://api.mzj.local"}
`, nil, 2},
		{"http without url", "datasources:\n  - {name: api, driver: http}\n", []string{"datasources[0] (api)", "needs url"}, 0},
		{"http url not http", "datasources:\n  - {name: api, driver: http, url: \"ftp://h/x\"}\n", []string{"datasources[0] (api)", "absolute http://"}, 0},
		{"http relative url", "datasources:\n  - {name: api, driver: http, url: /api}\n", []string{"absolute http://"}, 0},
		{"http url with credentials", "datasources:\n  - {name: api, driver: http, url: \"http://u:p@h/api\"}\n", []string{"no credentials"}, 0},
		{"http url with query", "datasources:\n  - {name: api, driver: http, url: \"http://h/api?k=1\"}\n", []string{"no query"}, 0},
		{"http url with dot segments", "datasources:\n  - {name: api, driver: http, url: \"http://h/api/../admin\"}\n", []string{". or .."}, 0},
		{"http with dsn", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", dsn: x}\n", []string{"takes url, not dsn"}, 0},
		{"http bad header name", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", headers: {\"X Key\": v}}\n", []string{"datasources[0] (api)", "not a header name"}, 0},
		{"http host header", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", headers: {Host: evil}}\n", []string{"set by the node"}, 0},
		{"http header line break", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", headers: {X-Key: \"a\\r\\nX-Evil: 1\"}}\n", []string{"line break"}, 0},
		{"http timeout too long", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", timeout: 1h}\n", []string{"timeout 1h0m0s"}, 0},
		{"http timeout negative", "datasources:\n  - {name: api, driver: http, url: \"http://h/\", timeout: -1s}\n", []string{"timeout -1s"}, 0},
		{"url on a database", "datasources:\n  - {name: db, driver: sqlite, path: local.db, url: \"http://h/\"}\n", []string{"belong to driver http only"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "node.yaml")
			os.WriteFile(path, []byte(tt.yaml), 0o644)
			c, err := node.LoadConfig(path)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("LoadConfig() error: %v", err)
				}
				if got := len(c.Datasources); got != tt.want {
					t.Errorf("%d datasources, want %d", got, tt.want)
				}
				for _, d := range c.Datasources {
					if d.Driver == node.DriverHTTP && (d.Timeout <= 0 || d.Timeout > node.MaxAPITimeout) {
						t.Errorf("%s: timeout %s", d.Name, d.Timeout)
					}
					if (d.Driver == node.DriverFiles || d.Driver == node.DriverSQLite) && !filepath.IsAbs(d.Path) {
						t.Errorf("%s: path %q not made absolute", d.Name, d.Path)
					}
				}
				return
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("LoadConfig() error = %v, want it to mention %q", err, want)
				}
			}
		})
	}
}

// FuzzLoadConfig: any node.yaml is either refused with an error or gives
// datasources that each pass the checks an agent relies on.
func FuzzLoadConfig(f *testing.F) {
	f.Add("datasources:\n  - {name: api, driver: http, url: \"http://10.0.0.8/api/\", headers: {X-Api-Key: k}, timeout: 5s}\n")
	f.Add("datasources:\n  - {name: api, driver: http, url: \"http://h/a/%2e%2e/b\"}\n")
	f.Add("datasources:\n  - {name: hr, driver: postgres, dsn: \"postgres://u:p@h/hr\"}\n")
	f.Add("datasources: [{name: x, driver: http, url: \"https://[::1]:8443/\"}]")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, yaml string) {
		path := filepath.Join(dir, "node.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := node.LoadConfig(path)
		if err != nil {
			return
		}
		for _, d := range c.Datasources {
			if d.Driver != node.DriverHTTP {
				continue
			}
			if err := node.UnderBase(d.URL, d.URL); err != nil {
				t.Errorf("accepted base %q is not under itself: %v", d.URL, err)
			}
			if d.Timeout <= 0 || d.Timeout > node.MaxAPITimeout {
				t.Errorf("accepted timeout %s", d.Timeout)
			}
			for k, v := range d.Headers {
				if strings.ContainsAny(k+v, "\r\n") {
					t.Errorf("accepted header %q: %q", k, v)
				}
			}
		}
	})
}
