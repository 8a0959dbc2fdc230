package app

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCatalogTreeAndSampleInChromium clicks the catalog tree by department
// and by class in both languages and sees the list filtered with a
// bookmarkable address; opens an entry and sees its sample rows masked;
// and measures the new-entry form's item table against its card at 1440 px.
func TestCatalogTreeAndSampleInChromium(t *testing.T) {
	p := start(t, "--demo", "--data-dir", t.TempDir())
	ctx := browser(t)
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)), "viewport")
	consoleLogin(t, ctx, p.URL, "rsj.consumer")
	rowsAll := func(col int, want string) string {
		return `(() => { const rows = [...document.querySelectorAll("#catalog-entries tbody tr")];
			return rows.length > 0 && rows.every(r => r.cells.length > ` + string(rune('0'+col)) + ` && r.cells[` + string(rune('0'+col)) + `].innerText.includes(` + jsString(want) + `)); })()`
	}
	poll := func(t *testing.T, js, what string) {
		t.Helper()
		if !pollTrue(ctx, js) {
			got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: never true\npage: %.1200s", what, got)
		}
	}
	for _, tc := range []struct {
		lang, deptTab, classTab, base, population, sample, masked string
	}{
		{"zh-CN", "按部门", "按分类", "基础信息资源", "01 国家人口基础信息资源", "样例数据", "脱敏：姓名"},
		{"en", "By department", "By class", "Base", "01 Population", "Sample rows", "Masked: Name"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/lang/"+tc.lang), chromedp.Navigate(p.URL+"/catalog"),
				chromedp.WaitVisible(chromedp.CSS("#tree-dept"))), "open the catalog")
			waitText(t, ctx, "#tree-label-dept", tc.deptTab)
			waitText(t, ctx, "#tree-label-class", tc.classTab)
			// By department: the city is open, its departments are links with counts.
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//div[@id="tree-dept"]//a[contains(., "株洲市市场监督管理局")]`))), "click a department")
			poll(t, `location.search.includes("provider=")`, "the department is in the address")
			poll(t, rowsAll(2, "株洲市市场监督管理局"), "the list holds the department's entries only")
			waitText(t, ctx, "#catalog-entries", "企业登记注册信息")
			poll(t, `!!document.querySelector("#tree-dept a.active")`, "the chosen department is marked")
			screenshot(t, ctx, "catalog-tree-dept-"+tc.lang)
			// By class: collapsed; open 基础 and choose its 项 01.
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog"), chromedp.WaitVisible(chromedp.CSS("#tree-dept")),
				chromedp.Click(chromedp.CSS("#tree-label-class")), chromedp.WaitVisible(chromedp.CSS("#tree-class"))), "the class tab")
			open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("#tree-class details")].some(d => d.open)`))
			must(t, err, "collapsed")
			if open {
				t.Error("the class tree opens before anything is chosen")
			}
			must(t, chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//div[@id="tree-class"]//summary[contains(., "`+tc.base+`")]`)),
				chromedp.Click(chromedp.Search(`//div[@id="tree-class"]//a[contains(., "`+tc.population+`")]`))), "click a class item")
			poll(t, `new URLSearchParams(location.search).get("class") === "101"`, "the class is in the address")
			waitText(t, ctx, "#catalog-entries", "户籍人口基本信息")
			poll(t, `document.querySelectorAll("#catalog-entries tbody tr").length === 1`, "the list holds the population entries only")
			poll(t, `document.querySelector("#tree-tab-class").checked && !!document.querySelector("#tree-class details[open] a.active")`, "the chosen path stays open on its tab")
			waitText(t, ctx, "#catalog-chips", tc.population)
			// The address is a bookmark.
			url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
			must(t, err, "address")
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/"), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#catalog-entries"))), "reopen")
			poll(t, `document.querySelectorAll("#catalog-entries tbody tr").length === 1`, "the bookmark filters again")
			screenshot(t, ctx, "catalog-tree-"+tc.lang)

			// Sample rows of an unconditionally shared entry, masked.
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog?q="+"企业登记注册信息"), chromedp.WaitVisible(chromedp.CSS("#catalog-entries")),
				chromedp.Click(chromedp.Search(`//table[@id="catalog-entries"]//a[contains(., "企业登记注册信息")]`)),
				chromedp.WaitVisible(chromedp.CSS("#sample-rows"))), "open an entry")
			waitText(t, ctx, "#sample", tc.sample)
			waitText(t, ctx, "#sample-rows thead", tc.masked)
			cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#sample-rows tbody tr")].map(r => r.cells[2].innerText)`))
			must(t, err, "sample cells")
			if len(cells) != 5 {
				t.Errorf("%d sample rows, want 5", len(cells))
			}
			for _, c := range cells {
				if r := []rune(c); len(r) < 2 || !strings.HasSuffix(c, "**") {
					t.Errorf("legal representative %q is not masked", c)
				}
			}
			must(t, chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#sample"))), "scroll")
			screenshot(t, ctx, "catalog-sample-"+tc.lang)
			// A conditional entry shows its columns, values after a grant.
			must(t, chromedp.Do(ctx, chromedp.Navigate(p.URL+"/catalog?q="+"户籍人口基本信息"), chromedp.WaitVisible(chromedp.CSS("#catalog-entries")),
				chromedp.Click(chromedp.Search(`//table[@id="catalog-entries"]//a[contains(., "户籍人口基本信息")]`)),
				chromedp.WaitVisible(chromedp.CSS("#sample-note"))), "open a conditional entry")
			n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#sample-rows tbody tr").length`))
			must(t, err, "rows")
			head := textOf(t, ctx, "#sample-rows thead")
			if n != 0 || strings.Contains(head, "address") || !strings.Contains(head, "id_number") {
				t.Errorf("conditional entry: %d rows, columns %q; want none, without the unshared address", n, head)
			}
		})
	}

	// The new-entry form's item table fits its card at 1440 px, in both languages.
	cat := browser(t)
	must(t, chromedp.Do(cat, chromedp.EmulateViewport(1440, 900)), "viewport")
	consoleLogin(t, cat, p.URL, "gaj.cataloger")
	for _, lang := range []string{"zh-CN", "en"} {
		must(t, chromedp.Do(cat, chromedp.Navigate(p.URL+"/lang/"+lang), chromedp.Navigate(p.URL+"/catalog/new"), chromedp.WaitVisible(chromedp.CSS("#items-table"))), "new entry")
		must(t, chromedp.Do(cat, chromedp.Click(chromedp.CSS("#item-add")), chromedp.Click(chromedp.CSS("#item-add"))), "add items")
		type fit struct{ Table, Card, Rows int }
		f, err := chromedp.Run(cat, chromedp.Evaluate[fit](`(() => { const t = document.querySelector("#items-table"); const card = t.closest(".panel");
			const cs = getComputedStyle(card);
			return {table: t.scrollWidth, card: card.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight), rows: document.querySelectorAll("#items-body tr.item-row").length}; })()`))
		must(t, err, "measure")
		t.Logf("%s: item table %d px in a %d px card", lang, f.Table, f.Card)
		if f.Table > f.Card || f.Rows < 2 {
			t.Errorf("%s: the item table is %d px wide in a %d px card (%d items)", lang, f.Table, f.Card, f.Rows)
		}
		names, err := chromedp.Run(cat, chromedp.Evaluate[string](`[...document.querySelectorAll("#items-body [name$='.description']")].map(e => e.name).join(" ")`))
		must(t, err, "names")
		if !strings.Contains(names, "items.1.description") {
			t.Errorf("the second item's fields are named %q", names)
		}
		screenshot(t, cat, "catalog-form-"+lang)
	}
}
