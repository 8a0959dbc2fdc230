package portal

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/opendata"
)

// The CKAN action API (CKAN 2.9's shapes): every answer is an envelope
// {"help", "success", "result"} or {"help", "success": false, "error"},
// the error carrying "__type" and a message or per-parameter messages.
//
// A dataset's "title" is its Chinese name; "title_translated" carries its
// titles by language, {"zh": ..., "en": ...} ("en" only where the entry
// has an English name), as CKAN's multilingual extension ckanext-fluent
// names the field, so that clients that know it show the English title.

// ckanVersion is the CKAN version whose API the portal answers as.
const ckanVersion = "2.9.11"

// maxBody bounds a POSTed action's JSON.
const maxBody = 64 << 10

type params map[string]string

func (p params) int(name string, def, lo int) (int, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, errs.FieldMsg(name, msgInteger)
	}
	if n < lo {
		return 0, errs.FieldMsg(name, msgAtLeast, lo)
	}
	return n, nil
}

func (p params) bool(name string) (bool, error) {
	switch strings.ToLower(p[name]) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, errs.FieldMsg(name, msgBoolean)
}

// readParams merges the query string and, for a POST, a JSON object body.
func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	if r.Method != http.MethodPost {
		return p, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errs.New(errs.Invalid, msgBadJSON)
	}
	if len(b) > maxBody {
		return nil, errs.New(errs.Invalid, msgBodyTooLarge, maxBody)
	}
	if strings.TrimSpace(string(b)) == "" {
		return p, nil
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, errs.New(errs.Invalid, msgBadJSON)
	}
	for k, v := range body {
		switch x := v.(type) {
		case string:
			p[k] = x
		case nil:
		case float64, bool:
			b, _ := json.Marshal(x)
			p[k] = string(b)
		default: // a list or object, as facet.field may be given
			b, _ := json.Marshal(x)
			p[k] = string(b)
		}
	}
	return p, nil
}

type actionFunc func(ctx context.Context, p params) (any, error)

func (s *server) actions() map[string]actionFunc {
	return map[string]actionFunc{
		"package_list":                        s.packageList,
		"package_search":                      s.packageSearch,
		"package_show":                        s.packageShow,
		"current_package_list_with_resources": s.currentPackages,
		"organization_list":                   s.organizationList,
		"organization_show":                   s.organizationShow,
		"group_list":                          s.groupList,
		"tag_list":                            s.tagList,
		"resource_show":                       s.resourceShow,
		"status_show":                         s.statusShow,
		"help_show":                           s.helpShow,
	}
}

func (s *server) apiVersion(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Write([]byte(`{"version": 3}` + "\n"))
}

// action runs one CKAN action and writes its envelope.
func (s *server) action(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "action")
	help := strings.TrimRight(s.PublicURL, "/") + "/api/3/action/help_show?name=" + name
	f, ok := s.actions()[name]
	if !ok {
		s.ckanError(w, help, http.StatusBadRequest, map[string]any{"__type": "Bad request", "message": "Bad request - Action name not known: " + truncate(name, 60)})
		return
	}
	p, err := readParams(r)
	if err == nil {
		key, gen := "", int64(-1)
		if cachedActions[name] {
			key, gen = answerKey(name, p), s.OpenData.Generation(r.Context())
			if body, ok := s.answers.get(key, gen); ok && gen >= 0 {
				writeBody(w, body)
				return
			}
		}
		var res any
		res, err = f(r.Context(), p)
		if err == nil {
			env := map[string]any{"help": help, "success": true, "result": res}
			if key == "" || gen < 0 {
				writeJSON(w, http.StatusOK, env)
				return
			}
			body, err := encodeJSON(env)
			if err != nil {
				s.Logger.ErrorContext(r.Context(), "CKAN action", "action", name, "err", err)
				s.ckanError(w, help, http.StatusInternalServerError, map[string]any{"__type": "Internal Server Error", "message": "Internal Server Error"})
				return
			}
			s.answers.put(key, gen, body)
			writeBody(w, body)
			return
		}
	}
	code, msg, fields := errs.PublicIn(err, "en")
	switch code {
	case errs.NotFound:
		s.ckanError(w, help, http.StatusNotFound, map[string]any{"__type": "Not Found Error", "message": "Not found: " + msg})
	case errs.Invalid:
		e := map[string]any{"__type": "Validation Error"}
		for k, v := range fields {
			e[k] = []string{v}
		}
		if len(fields) == 0 {
			e["message"] = msg
		}
		s.ckanError(w, help, http.StatusConflict, e)
	case errs.Forbidden, errs.Unauthorized:
		s.ckanError(w, help, http.StatusForbidden, map[string]any{"__type": "Authorization Error", "message": "Access denied: " + msg})
	case errs.RateLimited:
		s.ckanError(w, help, http.StatusTooManyRequests, map[string]any{"__type": "Rate Limit Error", "message": msg})
	default:
		s.Logger.ErrorContext(r.Context(), "CKAN action", "action", name, "err", err)
		s.ckanError(w, help, errs.Status(code), map[string]any{"__type": "Internal Server Error", "message": "Internal Server Error"})
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

func (s *server) ckanError(w http.ResponseWriter, help string, status int, e map[string]any) {
	writeJSON(w, status, map[string]any{"help": help, "success": false, "error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ckanTime is CKAN's form of a time: ISO 8601 in UTC without a zone.
func ckanTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000")
}

func orgName(credit string) string { return strings.ToLower(credit) }

func (s *server) organizationDict(d opendata.Department) map[string]any {
	return map[string]any{"id": orgName(d.CreditCode), "name": orgName(d.CreditCode), "title": d.Name, "display_name": d.Name,
		"description": d.Region, "type": "organization", "is_organization": true, "state": "active", "approval_status": "approved",
		"image_url": "", "created": nil, "package_count": d.Datasets}
}

func groupDict(value string, count int) map[string]any {
	return map[string]any{"id": value, "name": value, "title": catalog.Categories.Label(value, "zh-CN"), "display_name": catalog.Categories.Label(value, "zh-CN"),
		"description": catalog.Categories.Label(value, "en"), "type": "group", "is_organization": false, "state": "active", "approval_status": "approved",
		"image_url": "", "created": nil, "package_count": count}
}

// resources are a dataset's CKAN resources: its downloads when open, its
// application when conditional.
func (s *server) resources(d opendata.Dataset) []map[string]any {
	x := s.iris()
	slug := opendata.Slug(d.Code)
	var out []map[string]any
	if d.Level == opendata.Open {
		for i, f := range opendata.Formats {
			u := x.Download(d.Code, f)
			if !d.Downloadable {
				u = x.Page(d.Code)
			}
			out = append(out, map[string]any{"id": slug + "-" + f, "package_id": slug, "name": d.Name + " (" + strings.ToUpper(f) + ")",
				"description": "开放信息项的全部记录，按目录默认规则脱敏", "format": strings.ToUpper(f), "mimetype": strings.Split(opendata.MediaType(f), ";")[0],
				"url": u, "state": "active", "position": i, "created": ckanTime(d.PublishedAt), "last_modified": ckanTime(d.UpdatedAt),
				"url_type": nil, "resource_type": nil, "size": nil, "hash": ""})
		}
		return out
	}
	return []map[string]any{{"id": slug + "-apply", "package_id": slug, "name": d.Name + "（有条件开放，申请使用）",
		"description": "有条件开放：" + d.OpenCondition, "format": "JSON", "mimetype": "application/json", "url": x.Apply(d.Code),
		"state": "active", "position": 0, "created": ckanTime(d.PublishedAt), "last_modified": ckanTime(d.UpdatedAt),
		"url_type": nil, "resource_type": "api", "size": nil, "hash": ""}}
}

// packageDict is a dataset as CKAN describes a package.
func (s *server) packageDict(d opendata.Dataset) map[string]any {
	slug := opendata.Slug(d.Code)
	tags := []map[string]any{}
	for _, k := range d.Keywords {
		tags = append(tags, map[string]any{"id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": nil})
	}
	res := s.resources(d)
	org := s.organizationDict(opendata.Department{Name: d.ProviderName, CreditCode: d.ProviderCredit})
	delete(org, "package_count")
	extras := []map[string]string{{"key": "identifier", "value": d.Code}, {"key": "open_type", "value": d.OpenType},
		{"key": "update_cycle", "value": d.UpdateCycle}, {"key": "format", "value": d.Format}}
	if d.OpenCondition != "" {
		extras = append(extras, map[string]string{"key": "open_condition", "value": d.OpenCondition})
	}
	return map[string]any{
		"id": slug, "name": slug, "title": d.Name, "title_translated": titles(d), "notes": d.Summary, "url": s.iris().Page(d.Code), "type": "dataset", "state": "active",
		"private": false, "isopen": d.Level == opendata.Open, "version": nil,
		"metadata_created": ckanTime(d.PublishedAt), "metadata_modified": ckanTime(d.UpdatedAt),
		"license_id": d.Licence.ID, "license_title": d.Licence.Title, "license_url": absolute(s.PublicURL, d.Licence.URL),
		"author": d.ProviderName, "author_email": nil, "maintainer": d.Contact, "maintainer_email": nil,
		"organization": org, "owner_org": orgName(d.ProviderCredit),
		"groups": []map[string]any{groupDict(d.Category, 0)}, "tags": tags, "num_tags": len(tags),
		"resources": res, "num_resources": len(res), "extras": extras, "relationships_as_object": []any{}, "relationships_as_subject": []any{},
	}
}

// titles are a dataset's titles by language.
func titles(d opendata.Dataset) map[string]string {
	t := map[string]string{"zh": d.Name}
	if d.NameEN != "" {
		t["en"] = d.NameEN
	}
	return t
}

func absolute(base, u string) string {
	if strings.HasPrefix(u, "/") {
		return strings.TrimRight(base, "/") + u
	}
	return u
}

func (s *server) packageList(ctx context.Context, p params) (any, error) {
	limit, err := p.int("limit", opendata.MaxRows, 0)
	if err != nil {
		return nil, err
	}
	offset, err := p.int("offset", 0, 0)
	if err != nil {
		return nil, err
	}
	res, err := s.OpenData.SearchRange(ctx, opendata.Query{Sort: "name"}, offset, limit)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(res.Items))
	for _, h := range res.Items {
		names = append(names, opendata.Slug(h.Code))
	}
	return names, nil
}

func (s *server) currentPackages(ctx context.Context, p params) (any, error) {
	limit, err := p.int("limit", 10, 0)
	if err != nil {
		return nil, err
	}
	offset, err := p.int("offset", 0, 0)
	if err != nil {
		return nil, err
	}
	res, err := s.OpenData.SearchRange(ctx, opendata.Query{Sort: "date"}, offset, limit)
	if err != nil {
		return nil, err
	}
	return s.dicts(ctx, res.Items)
}

func (s *server) dicts(ctx context.Context, items []opendata.Summary) ([]map[string]any, error) {
	list, err := s.OpenData.DatasetsFor(ctx, items)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, d := range list {
		out = append(out, s.packageDict(d))
	}
	return out, nil
}

// datasetByID reads a package's id or name.
func (s *server) datasetByID(ctx context.Context, p params, field string) (opendata.Dataset, error) {
	id := strings.TrimSpace(p[field])
	if id == "" {
		return opendata.Dataset{}, errs.FieldMsg(field, msgMissing)
	}
	d, err := s.OpenData.Dataset(ctx, opendata.CodeOf(id))
	if err != nil {
		return d, err
	}
	s.OpenData.Count(d.Code, opendata.APICall)
	return d, nil
}

func (s *server) packageShow(ctx context.Context, p params) (any, error) {
	d, err := s.datasetByID(ctx, p, "id")
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}

func (s *server) resourceShow(ctx context.Context, p params) (any, error) {
	id := strings.TrimSpace(p["id"])
	if id == "" {
		return nil, errs.FieldMsg("id", msgMissing)
	}
	i := strings.LastIndex(id, "-")
	if i < 0 {
		return nil, errs.New(errs.NotFound, msgNoResource, truncate(id, 60))
	}
	d, err := s.datasetByID(ctx, params{"id": id[:i]}, "id")
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.NotFound, msgNoResource, truncate(id, 60))
	}
	if err != nil {
		return nil, err
	}
	for _, r := range s.resources(d) {
		if r["id"] == id {
			return r, nil
		}
	}
	return nil, errs.New(errs.NotFound, msgNoResource, truncate(id, 60))
}

func (s *server) organizationList(ctx context.Context, p params) (any, error) {
	all, err := p.bool("all_fields")
	if err != nil {
		return nil, err
	}
	depts, err := s.OpenData.Departments(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(depts, func(i, j int) bool { return depts[i].CreditCode < depts[j].CreditCode })
	if all {
		out := []map[string]any{}
		for _, d := range depts {
			out = append(out, s.organizationDict(d))
		}
		return out, nil
	}
	out := []string{}
	for _, d := range depts {
		out = append(out, orgName(d.CreditCode))
	}
	return out, nil
}

func (s *server) organizationShow(ctx context.Context, p params) (any, error) {
	id := strings.TrimSpace(p["id"])
	if id == "" {
		return nil, errs.FieldMsg("id", msgMissing)
	}
	withData, err := p.bool("include_datasets")
	if err != nil {
		return nil, err
	}
	d, err := s.OpenData.DepartmentByCreditCode(ctx, id)
	if err != nil {
		return nil, err
	}
	out := s.organizationDict(d)
	if withData {
		res, err := s.OpenData.SearchRange(ctx, opendata.Query{Department: d.ID, Sort: "name"}, 0, opendata.MaxRows)
		if err != nil {
			return nil, err
		}
		if out["packages"], err = s.dicts(ctx, res.Items); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *server) groupList(ctx context.Context, p params) (any, error) {
	all, err := p.bool("all_fields")
	if err != nil {
		return nil, err
	}
	res, err := s.OpenData.Search(ctx, opendata.Query{Size: 1})
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, f := range res.Categories {
		counts[f.Value] = f.Count
	}
	var names []string
	var dicts []map[string]any
	for _, c := range catalog.Categories {
		if counts[c.Value] == 0 {
			continue
		}
		names = append(names, c.Value)
		dicts = append(dicts, groupDict(c.Value, counts[c.Value]))
	}
	if all {
		return append([]map[string]any{}, dicts...), nil
	}
	return append([]string{}, names...), nil
}

// tagCache keeps the keywords of the public datasets for a minute: they
// take a read of every dataset.
type tagCache struct {
	mu   sync.Mutex
	at   time.Time
	tags []string
}

func (s *server) tagList(ctx context.Context, p params) (any, error) {
	q := strings.ToLower(strings.TrimSpace(p["query"]))
	if len([]rune(q)) > opendata.MaxQuery {
		return nil, errs.FieldMsg("query", msgTooLong, opendata.MaxQuery)
	}
	c := &s.tags
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) > time.Minute {
		seen := map[string]bool{}
		err := s.OpenData.Each(ctx, opendata.Query{}, func(d opendata.Dataset) error {
			for _, k := range d.Keywords {
				seen[k] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		c.tags = c.tags[:0]
		for k := range seen {
			c.tags = append(c.tags, k)
		}
		sort.Strings(c.tags)
		c.at = time.Now()
	}
	out := []string{}
	for _, t := range c.tags {
		if q == "" || strings.Contains(strings.ToLower(t), q) {
			out = append(out, t)
		}
	}
	return out, nil
}

// actionHelp is what help_show says of each action.
var actionHelp = map[string]string{
	"package_list":                        "Return the names of the public datasets (limit, offset).",
	"package_search":                      "Search the public datasets: q (plain words), fq (organization, groups, res_format, license_id, tags), rows (at most 1000), start, sort, facet.field, facet.limit, facet.mincount.",
	"package_show":                        "Return a public dataset (id: its name).",
	"current_package_list_with_resources": "Return the public datasets, most recently changed first, with their resources (limit, offset).",
	"organization_list":                   "Return the departments that publish open data (all_fields).",
	"organization_show":                   "Return a department (id: its credit code in lower case; include_datasets).",
	"group_list":                          "Return the themes of the public datasets (all_fields).",
	"tag_list":                            "Return the keywords of the public datasets (query).",
	"resource_show":                       "Return a resource of a public dataset (id).",
	"status_show":                         "Return the portal's CKAN version and site.",
	"help_show":                           "Return the help of an action (name).",
}

func (s *server) helpShow(ctx context.Context, p params) (any, error) {
	h, ok := actionHelp[p["name"]]
	if !ok {
		return nil, errs.New(errs.NotFound, msgNoAction, truncate(p["name"], 60))
	}
	return h, nil
}

func (s *server) statusShow(ctx context.Context, p params) (any, error) {
	return map[string]any{"ckan_version": ckanVersion, "site_title": "政务数据开放平台", "site_description": opendata.CatalogInfo.DescZH,
		"site_url": strings.TrimRight(s.PublicURL, "/"), "locale_default": "zh_Hans_CN", "error_emails_to": nil, "extensions": []string{}}, nil
}
