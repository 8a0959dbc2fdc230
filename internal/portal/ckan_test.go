package portal_test

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

type envelope struct {
	Help    string
	Success bool
	Result  json.RawMessage
	Error   map[string]any
}

// TestCKANActions runs every action of the CKAN API, in its GET and POST
// forms, with good and bad parameters, and checks CKAN's envelope, its
// error shape (the parameter named) and the result.
func TestCKANActions(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		res, err := p.od.Search(p.ctx, opendata.Query{Q: "停车场"})
		if err != nil || len(res.Items) != 1 {
			t.Fatalf("search: %v %+v", err, res)
		}
		parking := opendata.Slug(res.Items[0].Code)
		res, _ = p.od.Search(p.ctx, opendata.Query{Q: "特种设备使用登记"})
		food := opendata.Slug(res.Items[0].Code)
		depts, err := p.od.Departments(p.ctx)
		if err != nil || len(depts) != 4 {
			t.Fatalf("departments: %v %+v", err, depts)
		}
		org := strings.ToLower(depts[0].CreditCode)

		cases := []struct {
			name   string
			action string
			query  string // GET query, or the POST body when post is set
			post   bool
			status int
			want   []string // in the body
			errKey string   // the key of the error that names the parameter
		}{
			{"status", "status_show", "", false, 200, []string{`"ckan_version":"2.9.11"`, `"site_url":"` + p.url + `"`}, ""},
			{"package_list", "package_list", "", false, 200, []string{parking, food}, ""},
			{"package_list paged", "package_list", "limit=1&offset=1", false, 200, nil, ""},
			{"package_list bad limit", "package_list", "limit=x", false, 409, []string{"Invalid integer"}, "limit"},
			{"package_search all", "package_search", "q=*:*", false, 200, []string{`"count":4`, parking, food, `"search_facets"`}, ""},
			{"package_search text", "package_search", "q=" + url.QueryEscape("停车"), false, 200, []string{`"count":1`, parking, "download.csv"}, ""},
			{"package_search fq org", "package_search", "fq=" + url.QueryEscape("organization:"+org), false, 200, []string{`"count":1`}, ""},
			{"package_search fq +quoted", "package_search", "fq=" + url.QueryEscape(`+groups:"departmental" +res_format:CSV`), false, 200, []string{`"count":2`}, ""},
			{"package_search fq license", "package_search", "fq=" + url.QueryEscape("license_id:govshare-conditional"), false, 200, []string{`"count":1`, food}, ""},
			{"package_search fq unknown org", "package_search", "fq=organization:nobody", false, 200, []string{`"count":0`}, ""},
			{"package_search rows start", "package_search", "rows=2&start=1&sort=name+asc", false, 200, []string{`"count":4`}, ""},
			{"package_search huge rows capped", "package_search", "rows=100000000", false, 200, []string{`"count":4`}, ""},
			{"package_search facets", "package_search", "facet.field=" + url.QueryEscape(`["organization","res_format"]`) + "&facet.limit=1", false, 200, []string{`"res_format":{"JSON":4}`}, ""},
			{"package_search POST", "package_search", `{"q": "停车", "rows": 5, "facet.field": ["groups"]}`, true, 200, []string{`"count":1`, `"groups":{"departmental":1}`}, ""},
			{"solr field query", "package_search", "q=" + url.QueryEscape("title:停车"), false, 409, []string{"Validation Error"}, "q"},
			{"solr wildcard", "package_search", "q=" + url.QueryEscape("停*"), false, 409, nil, "q"},
			{"solr boolean", "package_search", "q=" + url.QueryEscape("停车 OR 公园"), false, 409, nil, "q"},
			{"solr range in fq", "package_search", "fq=" + url.QueryEscape("metadata_modified:[NOW-1DAY TO NOW]"), false, 409, nil, "fq"},
			{"fq unknown field", "package_search", "fq=" + url.QueryEscape("author:x"), false, 409, []string{"Cannot filter on author"}, "fq"},
			{"bad sort", "package_search", "sort=" + url.QueryEscape("random()"), false, 409, nil, "sort"},
			{"bad rows", "package_search", "rows=-1", false, 409, nil, "rows"},
			{"bad start", "package_search", "start=abc", false, 409, nil, "start"},
			{"bad facet list", "package_search", "facet.field=organization", false, 409, nil, "facet.field"},
			{"unsupported facet", "package_search", "facet.field=" + url.QueryEscape(`["tags"]`), false, 409, nil, "facet.field"},
			{"q too long", "package_search", "q=" + strings.Repeat("数", 101), false, 409, nil, "q"},
			{"package_show", "package_show", "id=" + parking, false, 200, []string{`"name":"` + parking + `"`, `"license_id":"cc-by-4.0"`, `"num_resources":3`, p.url + "/open/dataset/" + parking + "/download.csv"}, ""},
			{"package_show conditional", "package_show", "id=" + food, false, 200, []string{`"num_resources":1`, "#apply", `"isopen":false`}, ""},
			{"package_show POST", "package_show", `{"id": "` + parking + `"}`, true, 200, []string{`"title":"公共停车场信息"`}, ""},
			{"package_show missing id", "package_show", "", false, 409, []string{"Missing value"}, "id"},
			{"package_show unknown", "package_show", "id=999999_999999", false, 404, []string{"Not Found Error"}, ""},
			{"current_package_list_with_resources", "current_package_list_with_resources", "limit=10", false, 200, []string{parking, `"resources"`}, ""},
			{"organization_list", "organization_list", "", false, 200, []string{org}, ""},
			{"organization_list all_fields", "organization_list", "all_fields=true", false, 200, []string{`"package_count":1`, `"is_organization":true`}, ""},
			{"organization_list bad bool", "organization_list", "all_fields=maybe", false, 409, nil, "all_fields"},
			{"organization_show", "organization_show", "include_datasets=true&id=" + org, false, 200, []string{`"packages":[`}, ""},
			{"organization_show unknown", "organization_show", "id=nobody", false, 404, nil, ""},
			{"group_list", "group_list", "", false, 200, []string{`"departmental"`, `"thematic"`}, ""},
			{"group_list all_fields", "group_list", "all_fields=true", false, 200, []string{`"package_count":3`}, ""},
			{"tag_list", "tag_list", "", false, 200, []string{"停车场", "空气质量"}, ""},
			{"tag_list query", "tag_list", "query=" + url.QueryEscape("停车"), false, 200, []string{`["停车场"]`}, ""},
			{"resource_show", "resource_show", "id=" + parking + "-json", false, 200, []string{`"format":"JSON"`, "download.json"}, ""},
			{"resource_show unknown", "resource_show", "id=" + parking + "-pdf", false, 404, nil, ""},
			{"help_show", "help_show", "name=package_search", false, 200, []string{"facet.field"}, ""},
			{"help_show unknown", "help_show", "name=nope", false, 404, nil, ""},
			{"unknown action", "datastore_search", "", false, 400, []string{"Action name not known"}, ""},
			{"bad JSON body", "package_search", `{"q": `, true, 409, []string{"JSON"}, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var status int
				var body string
				if c.post {
					status, body = post(t, p.url+"/api/3/action/"+c.action, c.query)
				} else {
					status, _, body = get(t, p.url+"/api/3/action/"+c.action+"?"+c.query)
				}
				if status != c.status {
					t.Fatalf("status = %d, want %d: %s", status, c.status, body)
				}
				var env envelope
				if err := json.Unmarshal([]byte(body), &env); err != nil {
					t.Fatalf("not JSON: %v: %s", err, body)
				}
				if env.Help != p.url+"/api/3/action/help_show?name="+c.action || env.Success != (status == 200) {
					t.Errorf("envelope: help %q success %v", env.Help, env.Success)
				}
				if status != 200 && (env.Error["__type"] == nil || env.Result != nil) {
					t.Errorf("error without __type: %s", body)
				}
				if c.errKey != "" {
					if msgs, ok := env.Error[c.errKey].([]any); !ok || len(msgs) == 0 {
						t.Errorf("the error does not name %s: %s", c.errKey, body)
					}
				}
				for _, w := range c.want {
					if !strings.Contains(body, w) {
						t.Errorf("body lacks %q: %s", w, truncate(body))
					}
				}
			})
		}
	})
}

func truncate(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "..."
	}
	return s
}

// TestCKANClient drives the API with a CKAN client written by others, the
// ckan package on npm (ckan.js, 0.2.3), against the running server.
func TestCKANClient(t *testing.T) {
	npmModules(t)
	db := storetest.Open(t, filepath.Join(t.TempDir(), "govshare.db"), migrations)
	p := newPlatform(t, db)
	var out struct {
		Status   map[string]any
		Packages []string
		Shown    []struct {
			Name, Title, Org, License string
			Resources                 []string
		}
		Resources []struct{ ID, Format, URL string }
		Search    struct {
			Count  int
			Names  []string
			Facets map[string]map[string]int
		}
		Filtered, Paged, Current, Orgs []string
		Org                            map[string]any
		Groups                         [][2]any
		Tags                           []string
		SolrError, Missing             struct {
			Err  string
			Body envelope
		}
	}
	raw := node(t, "ckan-client.js", p.url)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if len(out.Packages) != 4 || len(out.Shown) != 4 {
		t.Fatalf("the client lists %v and shows %d packages, want the 4 public datasets", out.Packages, len(out.Shown))
	}
	titles := []string{}
	for _, s := range out.Shown {
		titles = append(titles, s.Title)
	}
	for _, w := range append(append([]string{}, wantOpen...), wantConditional...) {
		if !slices.Contains(titles, w) {
			t.Errorf("the client did not read %s: %v", w, titles)
		}
	}
	if len(out.Resources) != 3*3+1 {
		t.Errorf("the client read %d resources, want 3 for each open dataset and 1 for the conditional one", len(out.Resources))
	}
	for _, r := range out.Resources {
		if !strings.HasPrefix(r.URL, p.url+"/open/dataset/") {
			t.Errorf("resource %s has URL %s", r.ID, r.URL)
		}
	}
	if out.Search.Count != 1 || len(out.Search.Names) != 1 || out.Search.Facets["res_format"]["CSV"] != 1 {
		t.Errorf("package_search 停车 = %+v", out.Search)
	}
	if len(out.Filtered) != 3 {
		t.Errorf("fq res_format:CSV = %v, want the 3 open datasets", out.Filtered)
	}
	if len(out.Paged) != 2 || len(out.Current) != 4 || len(out.Orgs) != 4 || len(out.Groups) == 0 || len(out.Tags) < 8 {
		t.Errorf("paged %v, current %v, orgs %v, groups %v, tags %v", out.Paged, out.Current, out.Orgs, out.Groups, out.Tags)
	}
	if pk, _ := out.Org["packages"].([]any); len(pk) != 1 {
		t.Errorf("organization_show include_datasets = %v", out.Org)
	}
	if !strings.Contains(out.SolrError.Err, "409") || out.SolrError.Body.Success || out.SolrError.Body.Error["q"] == nil {
		t.Errorf("a Solr query reaches the client as %+v, want CKAN's validation error naming q", out.SolrError)
	}
	if !strings.Contains(out.Missing.Err, "404") || out.Missing.Body.Error["__type"] != "Not Found Error" {
		t.Errorf("a missing package reaches the client as %+v", out.Missing)
	}
}
