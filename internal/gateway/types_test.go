package gateway_test

import (
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestEveryDataType serves an item of each catalog data type from a
// provider's SQLite table through /svc and a file download: a date is
// 2006-01-02, a date-time without a zone gets none, a decimal keeps its
// scale, an integer is a number.
func TestEveryDataType(t *testing.T) {
	types := []struct {
		typ, column, stored string // column: the SQLite type; stored: an SQL literal
		json, text          string // want in the answer and in the CSV file
	}{
		{"string", "VARCHAR(20)", "'abc'", `"abc"`, "abc"},
		{"integer", "INTEGER", "42", `42`, "42"},
		{"decimal", "DECIMAL(12,2)", "12.5", `"12.50"`, "12.50"},
		{"high_precision", "DECIMAL(30,10)", "3.14159265", `"3.1415926500"`, "3.1415926500"},
		{"float", "REAL", "1.5", `1.5`, "1.5"},
		{"currency", "DECIMAL(18,2)", "100", `"100.00"`, "100.00"},
		{"date", "DATE", "'1950-01-16'", `"1950-01-16"`, "1950-01-16"},
		{"datetime", "DATETIME", "'2024-03-05 08:30:00.25'", `"2024-03-05T08:30:00.25"`, "2024-03-05T08:30:00.25"},
		{"time", "TIME", "'08:30:00'", `"08:30:00"`, "08:30:00"},
		{"boolean", "BOOLEAN", "1", `true`, "true"},
		{"text", "TEXT", "'备注'", `"备注"`, "备注"},
		{"binary", "BLOB", "x'000102'", `"AAEC"`, "AAEC"},
		{"other", "GEOMETRY", "'POINT(1 2)'", `"POINT(1 2)"`, "POINT(1 2)"},
	}
	if len(types) != len(catalog.DataTypes) {
		t.Fatalf("%d types tested, the catalog has %d", len(types), len(catalog.DataTypes))
	}
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		scj := c.User("scj.cataloger")
		items := []catalog.Item{{Name: "编号", Identifier: "id", DataType: "integer", Key: true}}
		defs, values := []string{"id INTEGER NOT NULL PRIMARY KEY"}, []string{"1"}
		ids := []string{"id"}
		for _, ty := range types {
			id := "v_" + ty.typ
			it := catalog.Item{Name: "类型" + ty.typ, Identifier: id, DataType: ty.typ}
			switch ty.typ {
			case "string":
				it.Length = 20
			case "decimal", "currency":
				it.Length, it.Precision = 18, 2
			case "high_precision":
				it.Length, it.Precision = 30, 10
			}
			items = append(items, it)
			defs, values, ids = append(defs, id+" "+ty.column), append(values, ty.stored), append(ids, id)
		}
		// A date item on a DATETIME column is a date all the same.
		items = append(items, catalog.Item{Name: "日期时间列上的日期", Identifier: "day", DataType: "date"})
		defs, values, ids = append(defs, "day DATETIME"), append(values, "'1950-01-16 00:00:00'"), append(ids, "day")

		lite, err := sql.Open("sqlite", demo.DatabasePath(c.Cat.SQLiteRoot, "scj"))
		if err != nil {
			t.Fatal(err)
		}
		defer lite.Close()
		for _, q := range []string{"CREATE TABLE 类型样例 (" + strings.Join(defs, ", ") + ")",
			"INSERT INTO 类型样例 VALUES (" + strings.Join(values, ", ") + ")", "INSERT INTO 类型样例 (id) VALUES (2)"} {
			if _, err := lite.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		e, err := c.Cat.Create(c.Ctx, scj, catalog.Entry{Name: "数据类型样例", Summary: "每种数据类型一项（测试）", Category: "base", CategoryItem: "02",
			CategorySubItem: "001", Format: "database", ShareType: catalog.ShareUnconditional, OpenType: catalog.OpenNone, UpdateCycle: "daily", Items: items})
		if err != nil {
			t.Fatal(err)
		}
		sources, err := c.Cat.Datasources(c.Ctx, scj)
		if err != nil || len(sources) == 0 {
			t.Fatalf("datasources of 市场监管局: %v, %v", sources, err)
		}
		m, err := c.Cat.AddMount(c.Ctx, scj, e.Code, catalog.Mount{Kind: catalog.MountTable, DatasourceID: sources[0].ID, Table: "类型样例"})
		if err != nil || !m.OK {
			t.Fatalf("mount: %+v, %v", m.Problems, err)
		}
		if _, err := c.Cat.Transition(c.Ctx, scj, e.Code, catalog.ActionSubmit, ""); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{catalog.ActionApprove, catalog.ActionPublish} {
			if _, err := c.Cat.Transition(c.Ctx, c.User("xzsp.approver"), e.Code, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		rsj := c.User("rsj.consumer")
		grants := map[string]int64{}
		for _, delivery := range []string{sharing.DeliveryAPI, sharing.DeliveryFile} {
			a, err := c.Sharing.Apply(c.Ctx, rsj, sharing.ApplicationInput{EntryCode: e.Code, Items: ids,
				Purpose: "核验", Basis: "依据（测试）", Scenario: "场景", Delivery: delivery})
			if err != nil || a.GrantID == 0 {
				t.Fatalf("apply for %s: %+v, %v", delivery, a, err)
			}
			grants[delivery] = a.GrantID
		}
		app, secret, err := c.gw.CreateApp(c.Ctx, rsj, gateway.AppInput{Name: "类型核验"})
		if err != nil {
			t.Fatal(err)
		}
		status, body := c.svc(e.Code, app.AppKey, secret, "page_size=10")
		var res struct {
			Rows []map[string]json.RawMessage `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &res); err != nil || status != 200 || len(res.Rows) != 2 {
			t.Fatalf("/svc: %d %s", status, body)
		}
		dl, err := c.gw.Download(c.Ctx, rsj, grants[sharing.DeliveryFile])
		if err != nil {
			t.Fatal(err)
		}
		var file strings.Builder
		if err := dl.WriteCSV(c.Ctx, &file); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(file.String(), "\uFEFF"))).ReadAll()
		if err != nil || len(records) != 3 || len(records[0]) != len(ids) {
			t.Fatalf("download: %q, %v; want a header and 2 rows of %d items", file.String(), err, len(ids))
		}
		for _, ty := range append(types, struct{ typ, column, stored, json, text string }{"day", "", "", `"1950-01-16"`, "1950-01-16"}) {
			id := "v_" + ty.typ
			if ty.typ == "day" {
				id = "day"
			}
			col := -1
			for i, name := range records[0] {
				if it := items[i]; it.Name == name && it.Identifier == id {
					col = i
				}
			}
			if got := string(res.Rows[0][id]); got != ty.json {
				t.Errorf("%s: /svc = %s, want %s", ty.typ, got, ty.json)
			}
			if got := string(res.Rows[1][id]); got != "null" {
				t.Errorf("%s: /svc NULL = %s, want null", ty.typ, got)
			}
			if col < 0 {
				t.Errorf("%s: no column in the download's header %q", ty.typ, records[0])
				continue
			}
			if got := records[1][col]; got != ty.text {
				t.Errorf("%s: download = %q, want %q", ty.typ, got, ty.text)
			}
			if got := records[2][col]; got != "" {
				t.Errorf("%s: download NULL = %q, want empty", ty.typ, got)
			}
		}
	})
}
