package portal_test

import (
	"encoding/json"
	"testing"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestKeptAnswersFollowTheCatalog: a search the portal answered before
// answers anew once an entry is published or withdrawn.
func TestKeptAnswersFollowTheCatalog(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		count := func() int {
			t.Helper()
			_, _, body := get(t, p.url+"/api/3/action/package_search?q=%E5%BC%80%E6%94%BE%E6%B5%8B%E8%AF%95")
			var env struct {
				Result struct {
					Count int `json:"count"`
				} `json:"result"`
			}
			if err := json.Unmarshal([]byte(body), &env); err != nil {
				t.Fatal(err)
			}
			return env.Result.Count
		}
		if n := count(); n != 0 {
			t.Fatalf("before: %d", n)
		}
		gaj, approver := p.login(t, "gaj.cataloger"), p.login(t, "xzsp.approver")
		e, err := p.catalog.Create(p.ctx, gaj, catalog.Entry{Name: "开放测试数据集", Summary: "测试", Category: "departmental", CategoryItem: "08", CategorySubItem: "001",
			Format: "database", ShareType: catalog.ShareUnconditional, OpenType: catalog.OpenUnconditional, UpdateCycle: "daily",
			Items: []catalog.Item{{Name: "编号", Identifier: "id", DataType: "string", Length: 10, Key: true}}})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			who := approver
			if a == catalog.ActionSubmit {
				who = gaj
			}
			if _, err := p.catalog.Transition(p.ctx, who, e.Code, a, ""); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(); n != 1 {
			t.Errorf("after publishing: %d", n)
		}
		if _, err := p.catalog.Transition(p.ctx, approver, e.Code, catalog.ActionWithdraw, "测试撤销"); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Errorf("after withdrawing: %d", n)
		}
	})
}
