package catalog_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// datasource creates the table people on a real server and returns its driver and DSN.
type datasource struct {
	driver string
	dsn    func(t *testing.T) string
}

const peopleDDL = `CREATE TABLE people (id_number VARCHAR(18) NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL, gender VARCHAR(2),
	birth_date DATE, address VARCHAR(200), updated_at %s)`

func sqliteSource(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "people.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(peopleDDL, "DATETIME")); err != nil {
		t.Fatal(err)
	}
	return path
}

// serverSource creates people on a fresh PostgreSQL schema or MariaDB database.
func serverSource(t *testing.T, driver string) string {
	dsn, fixture, typ := "", "", "DATETIME"
	if driver == "postgres" {
		dsn, typ = storetest.PostgresSchema(t), "TIMESTAMPTZ"
		fixture = dsn
	} else {
		dsn, fixture = storetest.MySQLDatabase(t)
	}
	db, err := sql.Open(map[string]string{"postgres": "pgx", "mysql": "mysql"}[driver], fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(peopleDDL, typ)); err != nil {
		t.Fatal(err)
	}
	return dsn
}

func TestMountTables(t *testing.T) {
	sources := []datasource{{"sqlite", sqliteSource},
		{"postgres", func(t *testing.T) string { return serverSource(t, "postgres") }},
		{"mysql", func(t *testing.T) string { return serverSource(t, "mysql") }}}
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, src := range sources {
			t.Run(src.driver, func(t *testing.T) {
				dsn := src.dsn(t)
				if src.driver == "sqlite" { // into the department's folder
					folder, err := w.svc.SQLiteFolder(w.ctx, w.cataloger.DepartmentID)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.MkdirAll(folder, 0o750); err != nil {
						t.Fatal(err)
					}
					moved := filepath.Join(folder, "people-"+string(db.Dialect)+".db")
					if err := os.Rename(dsn, moved); err != nil {
						t.Fatal(err)
					}
					dsn = moved
				}
				ds, err := w.svc.CreateDatasource(w.ctx, w.cataloger, catalog.Datasource{Name: "户籍库-" + src.driver, Driver: src.driver, DSN: dsn})
				if err != nil {
					t.Fatal(err)
				}
				if ds.DSN != "" {
					t.Error("the DSN came back")
				}
				var stored string
				if err := w.db.QueryRow(w.ctx, "SELECT dsn FROM catalog_datasources WHERE id = ?", ds.ID).Scan(&stored); err != nil || stored == dsn || !strings.HasPrefix(stored, "sm4gcm:") {
					t.Errorf("the DSN is stored as %q, want it sealed", stored)
				}
				if src.driver == "sqlite" {
					// Replicas cannot share a file: a new SQLite datasource is refused with the reason.
					w.svc.Replicated = true
					_, err := w.svc.CreateDatasource(w.ctx, w.cataloger, catalog.Datasource{Name: "副本库", Driver: "sqlite", DSN: dsn})
					w.svc.Replicated = false
					if _, _, fields := errs.Public(err); !errs.Is(err, errs.Invalid) || !strings.Contains(fields["driver"], "replicas") {
						t.Errorf("a SQLite datasource on replicas: %v, want refused with the reason", err)
					}
					for _, bad := range []string{"/etc/passwd", filepath.Join(t.TempDir(), "missing.db"), "../../govshare.db"} {
						if _, err := w.svc.CreateDatasource(w.ctx, w.cataloger, catalog.Datasource{Name: "越界", Driver: "sqlite", DSN: bad}); !errs.Is(err, errs.Invalid) {
							t.Errorf("SQLite datasource %s: %v, want refused", bad, err)
						}
					}
				}
				tables, err := w.svc.Tables(w.ctx, w.cataloger, ds.ID)
				if err != nil || len(tables) != 1 || tables[0] != "people" {
					t.Fatalf("tables = %v, %v", tables, err)
				}
				e, err := w.svc.Create(w.ctx, w.cataloger, sampleEntry("人口信息-"+src.driver))
				if err != nil {
					t.Fatal(err)
				}
				tests := []struct {
					name    string
					mount   catalog.Mount
					wantOK  bool
					problem string // a problem that must be reported
					code    string // an error code
				}{
					{"column too short", catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "people"}, false, "holds 20 characters", ""},
					{"mapped to a missing column", catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "people", Columns: map[string]string{"name": "full_name", "updated_at": "gender"}}, false, "has no column full_name", ""},
					{"wrong type", catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "people", Columns: map[string]string{"updated_at": "gender"}}, false, "cannot hold", ""},
					{"no such table", catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "nope"}, false, "", errs.Invalid},
					{"api", catalog.Mount{Kind: "api", URL: "https://gaj.example.gov.cn/api/people", Params: []catalog.APIParam{{Name: "id", In: "query", Item: "id_number"}}}, true, "", ""},
					{"bad url", catalog.Mount{Kind: "api", URL: "ftp://x"}, false, "", errs.Invalid},
				}
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						m, err := w.svc.AddMount(w.ctx, w.cataloger, e.Code, tt.mount)
						if tt.code != "" {
							if !errs.Is(err, tt.code) {
								t.Fatalf("err = %v, want %s", err, tt.code)
							}
							return
						}
						if err != nil {
							t.Fatal(err)
						}
						if m.OK != tt.wantOK {
							t.Errorf("ok = %v, problems %+v", m.OK, m.Problems)
						}
						if tt.problem != "" && !strings.Contains(fmt.Sprint(m.Problems), tt.problem) {
							t.Errorf("problems %+v lack %q", m.Problems, tt.problem)
						}
					})
				}
				// The sample's 户籍地址 item is address and its 更新时间 item is a date-time: an
				// entry whose items match the table mounts cleanly.
				match := sampleEntry("人口表-" + src.driver)
				match.Items[1].Length = 20
				match.Items[2].Identifier = "address"
				if _, err := w.svc.Create(w.ctx, w.cataloger, match); err != nil {
					t.Fatal(err)
				}
				res, err := w.svc.Search(w.ctx, w.cataloger, catalog.Query{Q: "人口表-" + src.driver})
				if err != nil || res.Total != 1 {
					t.Fatalf("find the entry: %v %v", res.Total, err)
				}
				m, err := w.svc.AddMount(w.ctx, w.cataloger, res.Items[0].Code, catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "people"})
				if err != nil || !m.OK {
					t.Fatalf("matching mount = %+v, %v", m.Problems, err)
				}
				got, err := w.svc.Get(w.ctx, w.cataloger, res.Items[0].Code, true)
				if err != nil || !got.Mounted {
					t.Errorf("entry not counted as mounted: %v", err)
				}
				for _, step := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
					p := w.approver
					if step == catalog.ActionSubmit {
						p = w.cataloger
					}
					if _, err := w.svc.Transition(w.ctx, p, res.Items[0].Code, step, ""); err != nil {
						t.Fatal(err)
					}
				}
				seen, err := w.svc.Mounts(w.ctx, w.other, res.Items[0].Code)
				if err != nil || len(seen) != 1 || seen[0].Table != "" || seen[0].DatasourceName != "" || !seen[0].OK {
					t.Errorf("another department sees mount details: %+v, %v", seen, err)
				}
				// A new version with a column the table lacks unmounts the entry once it is in force.
				grown := match
				grown.Items = append(append([]catalog.Item{}, match.Items...), catalog.Item{Name: "迁入日期", Identifier: "moved_in", DataType: "date"})
				if _, err := w.svc.Update(w.ctx, w.cataloger, res.Items[0].Code, grown); err != nil {
					t.Fatal(err)
				}
				if got, _ := w.svc.Get(w.ctx, w.cataloger, res.Items[0].Code, false); !got.Mounted {
					t.Error("a pending version unmounted the version in force")
				}
				for _, step := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
					p := w.approver
					if step == catalog.ActionSubmit {
						p = w.cataloger
					}
					if _, err := w.svc.Transition(w.ctx, p, res.Items[0].Code, step, ""); err != nil {
						t.Fatal(err)
					}
				}
				if got, _ := w.svc.Get(w.ctx, w.cataloger, res.Items[0].Code, false); got.Mounted {
					t.Error("still mounted after publishing a version the table cannot hold")
				}
				if _, err := w.svc.AddMount(w.ctx, w.other, res.Items[0].Code, catalog.Mount{Kind: "table", DatasourceID: ds.ID, Table: "people"}); !errs.Is(err, errs.Forbidden) {
					t.Errorf("another department mounted: %v", err)
				}
				if err := w.svc.RemoveMount(w.ctx, w.cataloger, res.Items[0].Code, m.ID); err != nil {
					t.Fatal(err)
				}
				if got, _ := w.svc.Get(w.ctx, w.cataloger, res.Items[0].Code, true); got.Mounted {
					t.Error("still mounted after the mount was removed")
				}
			})
		}
		if _, err := w.svc.CreateDatasource(w.ctx, w.cataloger, catalog.Datasource{Name: "坏库", Driver: "postgres", DSN: "postgres://nobody:secret@127.0.0.1:1/x?connect_timeout=2"}); !errs.Is(err, errs.Invalid) || strings.Contains(err.Error(), "secret") {
			t.Errorf("unreachable datasource: %v", err)
		}
	})
}
