package catalog_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestSample reads sample rows of a real mounted table: masked items come
// out masked, an item not shared and a column the catalog does not list
// never appear, conditions withhold values from other departments, and a
// failing source says so by key without its internals.
func TestSample(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		for _, driver := range []string{"sqlite", "postgres"} {
			t.Run(driver, func(t *testing.T) { testSample(t, w, driver) })
		}
	})
}

// sampleSource creates the people table on a SQLite file in the
// cataloger's folder or a fresh PostgreSQL schema, and returns its DSN and
// a connection to it.
func sampleSource(t *testing.T, w *world, driver string) (string, *sql.DB) {
	dsn, open, typ := "", "", "DATETIME"
	if driver == "sqlite" {
		folder, err := w.svc.SQLiteFolder(w.ctx, w.cataloger.DepartmentID)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(folder, 0o750); err != nil {
			t.Fatal(err)
		}
		dsn = filepath.Join(folder, fmt.Sprintf("sample-%p.db", w))
		open = dsn
	} else {
		dsn, typ = storetest.PostgresSchema(t), "TIMESTAMP"
		open, driver = dsn, "pgx"
	}
	src, err := sql.Open(driver, open)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	for _, q := range []string{
		`CREATE TABLE people (id_number VARCHAR(18) NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, address VARCHAR(200), updated_at ` + typ + `, salary VARCHAR(20))`,
		`INSERT INTO people VALUES ('110105199001010123', '张三丰', '北京市海淀区中关村大街27号', '2026-01-02 03:04:05', '月薪壹万捌仟')`,
		`INSERT INTO people VALUES ('430202198502020031', '李四', '湖南省株洲市荷塘区新华路1号', NULL, '月薪玖仟')`,
	} {
		if _, err := src.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return dsn, src
}

func testSample(t *testing.T, w *world, driver string) {
	path, src := sampleSource(t, w, driver)
	ds, err := w.svc.CreateDatasource(w.ctx, w.cataloger, catalog.Datasource{Name: "样例库-" + driver, Driver: driver, DSN: path})
	if err != nil {
		t.Fatal(err)
	}
	mounted := func(name, share string, mount bool) string {
		e := sampleEntry(name)
		e.ShareType = share
		if share == catalog.ShareNone {
			e.ShareCondition, e.ShareBasis, e.OpenType = "", "依据《数据安全法》不予共享", catalog.OpenNone
		}
		e.Name += "-" + driver
		e = w.publish(t, w.cataloger, e)
		if mount {
			m, err := w.svc.AddMount(w.ctx, w.cataloger, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: ds.ID, Table: "people"})
			if err != nil || !m.OK {
				t.Fatalf("mount %s: %v %+v", name, err, m.Problems)
			}
		}
		return e.Code
	}
	open := mounted("无条件样例", catalog.ShareUnconditional, true)
	cond := mounted("有条件样例", catalog.ShareConditional, true)
	none := mounted("不予共享样例", catalog.ShareNone, true)
	bare := mounted("未挂接样例", catalog.ShareUnconditional, false)
	officer := org.Principal{UserID: 99, Username: "auditor", Roles: []org.Role{org.Auditor}}

	const idMasked, nameMasked = "110105********0123", "张**"
	tests := []struct {
		name    string
		p       org.Principal
		code    string
		state   string
		columns string   // identifiers, withheld ones marked with !
		first   []string // the first row
	}{
		{"another department, unconditional", w.other, open, catalog.SampleRows, "id_number name updated_at", []string{idMasked, nameMasked, "2026-01-02T03:04:05"}},
		{"another department, conditional", w.other, cond, catalog.SampleColumns, "!id_number !name !updated_at", nil},
		{"the provider, conditional", w.cataloger, cond, catalog.SampleRows, "id_number name updated_at", []string{idMasked, nameMasked, "2026-01-02T03:04:05"}},
		{"an officer", officer, open, catalog.SampleColumns, "!id_number !name !updated_at", nil},
		{"not shared", w.other, none, catalog.SampleNotShared, "", nil},
		{"no table", w.other, bare, catalog.SampleNoTable, "id_number name updated_at", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sampleReadings(t, w)
			s, err := w.svc.Sample(w.ctx, tt.p, tt.code)
			if err != nil {
				t.Fatal(err)
			}
			// A sample that shows values is on record; one that shows none is not.
			if got, want := sampleReadings(t, w)-before, len(s.Rows) > 0; (got == 1) != want || got > 1 {
				t.Errorf("%d audit entries catalog.sample, want one if rows were shown (%d rows)", got, len(s.Rows))
			}
			if s.State != tt.state {
				t.Errorf("state = %q, want %q", s.State, tt.state)
			}
			var cols []string
			for _, c := range s.Columns {
				if c.Withheld {
					cols = append(cols, "!"+c.Identifier)
				} else {
					cols = append(cols, c.Identifier)
				}
			}
			if got := strings.Join(cols, " "); got != tt.columns {
				t.Errorf("columns = %q, want %q", got, tt.columns)
			}
			all := fmt.Sprint(s.Rows)
			for _, secret := range []string{"中关村", "新华路", "月薪", "张三丰", "1990010101"} {
				if strings.Contains(all, secret) {
					t.Errorf("the sample shows %q: %v", secret, s.Rows)
				}
			}
			if tt.first == nil {
				if len(s.Rows) != 0 {
					t.Errorf("rows = %v, want none", s.Rows)
				}
				return
			}
			if len(s.Rows) != 2 || fmt.Sprint(s.Rows[0]) != fmt.Sprint(tt.first) {
				t.Errorf("rows = %q, want 2 starting %q", s.Rows, tt.first)
			}
			if s.Rows[1][1] != "李**" || s.Rows[1][2] != "" {
				t.Errorf("second row = %q, want 李** and an empty NULL", s.Rows[1])
			}
		})
	}
	// The source fails: a keyed message, without the driver's words.
	if _, err := src.Exec(`DROP TABLE people`); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.Sample(w.ctx, w.other, open)
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("err = %v, want unavailable", err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		_, msg, _ := errs.PublicIn(err, lang)
		if !strings.Contains(msg, open) || strings.Contains(msg, "people") || strings.Contains(msg, "sample-") {
			t.Errorf("%s message %q", lang, msg)
		}
	}
}

// sampleReadings counts the audit log's entries of sample readings.
func sampleReadings(t *testing.T, w *world) int {
	t.Helper()
	_, n, err := audit.New(w.db).List(w.ctx, audit.Filter{Action: "catalog.sample", PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
