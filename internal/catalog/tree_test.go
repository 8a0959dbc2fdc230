package catalog_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// publish creates an entry as p and carries it to published.
func (w *world) publish(t *testing.T, p org.Principal, e catalog.Entry) catalog.Entry {
	t.Helper()
	created, err := w.svc.Create(w.ctx, p, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
		by := w.approver
		if a == catalog.ActionSubmit {
			by = p
		}
		if _, err := w.svc.Transition(w.ctx, by, created.Code, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	return created
}

// flat lists a tree's nodes as "value name count", depth first.
func flat(ns []catalog.TreeNode, lang string) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s %s %d", n.Value, n.Label(lang), n.Count))
		out = append(out, flat(n.Children, lang)...)
	}
	return out
}

func TestTrees(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		in := func(name, cat, item, sub string) catalog.Entry {
			e := sampleEntry(name)
			e.Category, e.CategoryItem, e.CategorySubItem = cat, item, sub
			return e
		}
		w.publish(t, w.cataloger, in("户籍人口", "base", "01", "001"))
		w.publish(t, w.cataloger, in("流动人口", "base", "01", "002"))
		w.publish(t, w.cataloger, in("社保参保", "thematic", "03", "001"))
		w.publish(t, w.other, in("企业登记", "base", "02", "001"))
		w.publish(t, w.other, in("部门自有", "departmental", "07", "002"))
		if _, err := w.svc.Create(w.ctx, w.cataloger, in("未发布草稿", "base", "01", "001")); err != nil {
			t.Fatal(err)
		}
		gaj, scj := strconv.FormatInt(w.cataloger.DepartmentID, 10), strconv.FormatInt(w.other.DepartmentID, 10)
		tests := []struct {
			name      string
			p         org.Principal
			q         catalog.Query
			total     int
			classes   []string // the class tree in Chinese
			classesEN []string
			depts     map[string]int // department id → count
		}{
			{"everything an outsider sees", w.other, catalog.Query{}, 5,
				[]string{"1 基础信息资源 3", "101 01 国家人口基础信息资源 2", "101001 目 001 1", "101002 目 002 1", "102 02 法人单位基础信息资源 1", "102001 目 001 1",
					"2 主题信息资源 1", "203 03 社会保障 1", "203001 目 001 1", "3 部门信息资源 1", "307 项 07 1", "307002 目 002 1"},
				[]string{"1 Base 3", "101 01 Population 2", "101001 Sub-item 001 1", "101002 Sub-item 002 1", "102 02 Legal entities 1", "102001 Sub-item 001 1",
					"2 Thematic 1", "203 03 Social security 1", "203001 Sub-item 001 1", "3 Departmental 1", "307 Item 07 1", "307002 Sub-item 002 1"},
				map[string]int{gaj: 3, scj: 2}},
			{"the provider sees its draft", w.cataloger, catalog.Query{}, 6, nil, nil, map[string]int{gaj: 4, scj: 2}},
			{"a class filters the list, not the class tree", w.other, catalog.Query{Class: "101"}, 2,
				[]string{"1 基础信息资源 3", "101 01 国家人口基础信息资源 2", "101001 目 001 1", "101002 目 002 1", "102 02 法人单位基础信息资源 1", "102001 目 001 1",
					"2 主题信息资源 1", "203 03 社会保障 1", "203001 目 001 1", "3 部门信息资源 1", "307 项 07 1", "307002 目 002 1"},
				nil, map[string]int{gaj: 2}},
			{"a department filters the class tree", w.other, catalog.Query{ProviderID: w.other.DepartmentID}, 2,
				[]string{"1 基础信息资源 1", "102 02 法人单位基础信息资源 1", "102001 目 001 1", "3 部门信息资源 1", "307 项 07 1", "307002 目 002 1"},
				nil, map[string]int{gaj: 3, scj: 2}},
			{"a sub-item and a word", w.other, catalog.Query{Class: "101002", Q: "人口"}, 1, nil, nil, map[string]int{gaj: 1}},
			{"a text query counts both trees", w.other, catalog.Query{Q: "企业"}, 1,
				[]string{"1 基础信息资源 1", "102 02 法人单位基础信息资源 1", "102001 目 001 1"}, nil, map[string]int{scj: 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.q.Trees = true
				res, err := w.svc.Search(w.ctx, tt.p, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != tt.total {
					t.Errorf("total = %d, want %d (%v)", res.Total, tt.total, hitNames(res))
				}
				if res.Trees == nil {
					t.Fatal("no trees")
				}
				if tt.classes != nil {
					if got := flat(res.Trees.Classes, "zh-CN"); fmt.Sprint(got) != fmt.Sprint(tt.classes) {
						t.Errorf("class tree =\n%v\nwant\n%v", got, tt.classes)
					}
				}
				if tt.classesEN != nil {
					if got := flat(res.Trees.Classes, "en"); fmt.Sprint(got) != fmt.Sprint(tt.classesEN) {
						t.Errorf("class tree in English =\n%v\nwant\n%v", got, tt.classesEN)
					}
				}
				got, sum := map[string]int{}, 0
				var walk func(ns []catalog.TreeNode)
				walk = func(ns []catalog.TreeNode) {
					for _, n := range ns {
						if n.Kind == catalog.NodeDepartment {
							got[n.Value] = n.Count
						}
						walk(n.Children)
					}
				}
				walk(res.Trees.Departments)
				for _, n := range res.Trees.Departments {
					sum += n.Count
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.depts) {
					t.Errorf("department counts = %v, want %v", got, tt.depts)
				}
				want := 0
				for _, n := range tt.depts {
					want += n
				}
				if sum != want {
					t.Errorf("the regions count %d, their departments %d", sum, want)
				}
			})
		}
		// A region counts the departments under it.
		var region string
		for _, n := range func() []catalog.TreeNode {
			res, _ := w.svc.Search(w.ctx, w.other, catalog.Query{Trees: true})
			return res.Trees.Departments
		}() {
			if n.Kind == catalog.NodeRegion {
				region = n.Value
			}
		}
		for _, tt := range []struct {
			region string
			total  int
		}{{region, 5}, {"999999", 0}} {
			res, err := w.svc.Search(w.ctx, w.other, catalog.Query{Region: tt.region})
			if err != nil || res.Total != tt.total {
				t.Errorf("region %q: total %d, %v; want %d", tt.region, res.Total, err, tt.total)
			}
		}
	})
}
