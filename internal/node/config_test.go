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
		{"unknown driver", "datasources:\n  - {name: crm, driver: oracle, dsn: x}\n", []string{"datasources[0] (crm)", `unknown driver "oracle"`}, 0},
		{"missing dsn", "datasources:\n  - {name: hr, driver: postgres}\n", []string{"datasources[0] (hr)", "needs dsn"}, 0},
		{"path for postgres", "datasources:\n  - {name: hr, driver: postgres, dsn: x, path: y}\n", []string{"takes dsn, not path"}, 0},
		{"missing folder", "datasources:\n  - {name: up, driver: files, path: nowhere}\n", []string{"datasources[0] (up)", "not a folder"}, 0},
		{"sqlite path is a folder", "datasources:\n  - {name: db, driver: sqlite, path: files}\n", []string{"not a SQLite file"}, 0},
		{"duplicate name", "datasources:\n  - {name: a, driver: sqlite, path: local.db}\n  - {name: a, driver: files, path: files}\n", []string{"datasources[1] (a)", "used twice"}, 0},
		{"no name", "datasources:\n  - {driver: files, path: files}\n", []string{"datasources[0]", "name is required"}, 0},
		{"bad name", "datasources:\n  - {name: \"a b\", driver: files, path: files}\n", []string{"use letters"}, 0},
		{"unknown key", "datasources:\n  - {name: a, driver: files, path: files, password: x}\n", []string{"password"}, 0},
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
