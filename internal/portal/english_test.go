package portal_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

// TestEnglishTitles: an entry with an English name carries it beside the
// Chinese one in DCAT (dct:title with language tags), in CKAN
// (title_translated) and in the portal's English view.
func TestEnglishTitles(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		res, err := p.od.Search(p.ctx, opendata.Query{Q: "Daily air quality"})
		if err != nil || len(res.Items) != 1 || res.Items[0].NameEN != "Daily air quality report" {
			t.Fatalf("search in English: %+v %v", res.Items, err)
		}
		slug := opendata.Slug(res.Items[0].Code)
		_, _, ttl := get(t, p.url+"/open/dataset/"+slug+".ttl")
		for _, want := range []string{`"环境空气质量日报"@zh`, `"Daily air quality report"@en`} {
			if !strings.Contains(ttl, want) {
				t.Errorf("the DCAT document lacks %s", want)
			}
		}
		_, _, body := get(t, p.url+"/api/3/action/package_show?id="+slug)
		var env struct {
			Result struct {
				Title           string            `json:"title"`
				TitleTranslated map[string]string `json:"title_translated"`
			} `json:"result"`
		}
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			t.Fatal(err)
		}
		if r := env.Result; r.Title != "环境空气质量日报" || r.TitleTranslated["en"] != "Daily air quality report" || r.TitleTranslated["zh"] != r.Title {
			t.Errorf("CKAN titles: %+v", r)
		}
		for _, c := range []struct{ lang, want string }{
			{"en", `<h1 id="dataset-name" lang="en">Daily air quality report</h1>`},
			{"zh-CN", `<h1 id="dataset-name">环境空气质量日报</h1>`},
		} {
			req, _ := http.NewRequest(http.MethodGet, p.url+"/open/dataset/"+slug, nil)
			req.AddCookie(&http.Cookie{Name: "gs_lang", Value: c.lang})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			buf := make([]byte, 32<<10)
			for {
				n, err := resp.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			resp.Body.Close()
			if !strings.Contains(b.String(), c.want) {
				t.Errorf("%s page lacks %s", c.lang, c.want)
			}
		}
	})
}
