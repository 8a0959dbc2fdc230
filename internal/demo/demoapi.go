package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// The demo's API-mounted entry: the civil affairs bureau's (市民政局)
// lookup of minimum living allowance (低保) recipients, answered by a
// synthetic API the demo serves in-process on a loopback port.
const (
	APIEntryName = "最低生活保障对象信息"
	apiPath      = "/mzj/dibao/v1/query"
	apiMaxRows   = 20 // rows per answer, as a lookup API would cap them
)

// apiParams map items to the API's query parameters.
var apiParams = []catalog.APIParam{
	{Name: "sfzh", In: "query", Item: "id_number"},
	{Name: "xm", In: "query", Item: "name"},
	{Name: "qx", In: "query", Item: "district"},
}

const apiSchema = `{"type":"object","properties":{"total":{"type":"integer"},"rows":{"type":"array","items":{"type":"object","properties":{` +
	`"id_number":{"type":"string"},"name":{"type":"string"},"phone":{"type":"string"},"district":{"type":"string"},"category":{"type":"string"},` +
	`"members":{"type":"integer"},"amount":{"type":"number"},"since":{"type":"string","format":"date"}}}}}}`

// counties names the Zhuzhou counties of idNumber's area codes.
var counties = map[string]string{"430202": "荷塘区", "430203": "芦淞区", "430204": "石峰区", "430211": "天元区", "430212": "渌口区",
	"430223": "攸县", "430224": "茶陵县", "430225": "炎陵县", "430281": "醴陵市"}

// API is the demo's synthetic department API. In production the platform
// reaches a department's API through the department's front-end node (an
// http datasource in node.yaml); the demo lets the gateway call this one
// directly by adding its own loopback address, and only that, to
// gateway.Service.DirectHosts.
type API struct {
	rows  []map[string]any
	srv   *http.Server
	addr  string
	code  string        // the entry, when the data directory has it
	mount catalog.Mount // its API mount as stored
}

// StartAPI starts the demo API on a loopback port and allows the gateway
// to call it. On a data directory that has the demo entry it reuses the
// port of the stored mount URL when free; otherwise it takes a random port,
// and Load moves the mount there.
func StartAPI(ctx context.Context, svc Services) (*API, error) {
	a := &API{rows: apiRows()}
	if svc.Catalog != nil {
		if err := a.findMount(ctx, svc.Catalog); err != nil {
			return nil, fmt.Errorf("find the demo API's mount: %w", err)
		}
	}
	var ln net.Listener
	if a.ours(a.mount.URL) {
		u, _ := url.Parse(a.mount.URL)
		ln, _ = net.Listen("tcp", u.Host) // taken: fall back to a new port
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("demo API: %w", err)
		}
	}
	a.addr = ln.Addr().String()
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	go a.srv.Serve(ln)
	if svc.Gateway != nil {
		// For 民政局 only, whose mount it is.
		svc.Gateway.DirectHosts = append(slices.Clip(svc.Gateway.DirectHosts), DepartmentCode("mzj")+"="+a.addr)
	}
	return a, nil
}

// URL is where the demo API answers lookups.
func (a *API) URL() string { return "http://" + a.addr + apiPath }

// Close stops the demo API.
func (a *API) Close() error {
	if a == nil || a.srv == nil {
		return nil
	}
	return a.srv.Close()
}

// findMount reads the demo entry's API mount, if the catalog has it.
func (a *API) findMount(ctx context.Context, cat *catalog.Service) error {
	res, err := cat.Search(ctx, org.System, catalog.Query{Q: APIEntryName, PageSize: 5})
	if err != nil {
		return err
	}
	for _, h := range res.Items {
		if h.Name != APIEntryName {
			continue
		}
		r, err := cat.Reader(ctx, h.Code, catalog.MountAPI)
		if err != nil {
			return nil // unmounted since: leave it
		}
		a.code, a.mount = h.Code, r.Mount
	}
	return nil
}

// ours reports whether a mount URL is the demo API's (on some port).
func (a *API) ours(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "http" && u.Hostname() == "127.0.0.1" && u.Port() != "" && u.Path == apiPath
}

// ServeHTTP answers GET apiPath?sfzh=&xm=&qx= with the matching records,
// at most apiMaxRows of them.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	reply := func(status int, v any) {
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	if r.URL.Path != apiPath {
		reply(http.StatusNotFound, map[string]any{"code": 404, "message": "no such interface"})
		return
	}
	if r.Method != http.MethodGet {
		reply(http.StatusMethodNotAllowed, map[string]any{"code": 405, "message": "GET only"})
		return
	}
	q := r.URL.Query()
	rows := []map[string]any{}
	total := 0
	for _, row := range a.rows {
		match := true
		for _, p := range apiParams {
			if v := q.Get(p.Name); v != "" && row[p.Item] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		total++
		if len(rows) < apiMaxRows {
			rows = append(rows, row)
		}
	}
	reply(http.StatusOK, map[string]any{"code": 0, "message": "演示接口，数据为合成生成", "total": total, "rows": rows})
}

// apiRows generates the API's 300 synthetic records.
func apiRows() []map[string]any {
	r := mrand.New(mrand.NewPCG(2026, 8))
	rows := make([]map[string]any, 300)
	for i := range rows {
		id := idNumber(r)
		category := []string{"城市低保", "农村低保"}[r.IntN(2)]
		members := 1 + r.IntN(4)
		rows[i] = map[string]any{"id_number": id, "name": person(r, i+1), "phone": fmt.Sprintf("1380000%04d", i+1), "district": counties[id[:6]],
			"category": category, "members": members, "amount": float64(members * (500 + r.IntN(200))),
			"since": time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(2000)).Format(time.DateOnly)}
	}
	return rows
}

// apiEntry is the catalog entry the demo mounts to its API.
func apiEntry() catalog.Entry {
	item := func(name, id, typ string, length int, masking string) catalog.Item {
		return catalog.Item{Name: name, Identifier: id, DataType: typ, Length: length, Masking: masking}
	}
	id := item("公民身份号码", "id_number", "C", 18, "id_number")
	id.Key, id.Required, id.Validator = true, true, "id_number"
	amount := item("月保障金额（元）", "amount", "N", 10, "")
	amount.Precision = 2
	return catalog.Entry{Name: APIEntryName, Summary: "最低生活保障对象的身份、保障类别和保障金额，按身份证号或区县实时查询接口（演示数据，合成生成）",
		Category: "departmental", CategoryItem: "05", CategorySubItem: "002", Format: "api", ShareType: catalog.ShareConditional,
		ShareCondition: "仅限社会救助、医疗救助和政务服务办理使用，需经提供部门审核", ShareChannel: "api", OpenType: catalog.OpenNone, UpdateCycle: "realtime",
		Keywords: []string{"低保", "社会救助", "接口"}, Contact: "演示联系人", Phone: "0731-28000007", SourceSystem: "演示社会救助信息系统",
		Items: []catalog.Item{id, item("姓名", "name", "C", 50, "name"), item("联系电话", "phone", "C", 20, "phone"),
			item("所属区县", "district", "C", 20, ""), item("保障类别", "category", "C", 10, ""), item("保障人数", "members", "I", 0, ""),
			amount, item("保障起始日期", "since", "D", 0, "")}}
}

// loadAPIService catalogs and publishes the civil affairs bureau's entry
// mounted to the demo API, grants it by API to the medical security bureau
// (市医保局) with an app, and makes real signed calls through the gateway.
func loadAPIService(ctx context.Context, svc Services) error {
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	cataloger, err := login("mzj.cataloger")
	if err != nil {
		return err
	}
	e, err := svc.Catalog.Create(ctx, cataloger, apiEntry())
	if err != nil {
		return fmt.Errorf("%s: %w", APIEntryName, err)
	}
	m, err := svc.Catalog.AddMount(ctx, cataloger, e.Code, catalog.Mount{Kind: catalog.MountAPI, Method: http.MethodGet, URL: svc.API.URL(),
		Params: apiParams, ResponseSchema: apiSchema})
	if err != nil {
		return fmt.Errorf("mount %s: %w", APIEntryName, err)
	}
	svc.API.code, svc.API.mount = e.Code, m
	if _, err := svc.Catalog.Transition(ctx, cataloger, e.Code, catalog.ActionSubmit, ""); err != nil {
		return err
	}
	authority, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	for _, a := range []string{catalog.ActionApprove, catalog.ActionPublish} {
		if _, err := svc.Catalog.Transition(ctx, authority, e.Code, a, ""); err != nil {
			return fmt.Errorf("%s %s: %w", a, APIEntryName, err)
		}
	}
	ybj, err := login("ybj.consumer")
	if err != nil {
		return err
	}
	app, secret, err := svc.Gateway.CreateApp(ctx, ybj, gateway.AppInput{Name: "医疗救助一站式结算系统", Description: "医疗救助结算时核验低保对象身份（演示）", RateLimit: 20})
	if err != nil {
		return err
	}
	appl, err := svc.Sharing.Apply(ctx, ybj, sharing.ApplicationInput{EntryCode: e.Code, Items: []string{"id_number", "name", "phone", "district", "category", "since"},
		Purpose: "低保对象医疗救助和城乡居民医保参保资助时核验其低保身份", Basis: "《社会救助暂行办法》第二十八条（演示）", Scenario: "医疗救助一站式结算",
		Delivery: sharing.DeliveryAPI, AppID: app.ID, Lookup: []string{"id_number"}}) // verified by ID number: a lookup key (查询条件)
	if err != nil {
		return fmt.Errorf("ybj applies for %s: %w", APIEntryName, err)
	}
	for _, user := range []string{"mzj.approver", "xzsp.approver"} {
		p, err := login(user)
		if err != nil {
			return err
		}
		if appl, err = svc.Sharing.Approve(ctx, p, appl.ID, nil, "同意，按目录默认脱敏（演示）"); err != nil {
			return fmt.Errorf("%s approves application %d: %w", user, appl.ID, err)
		}
	}
	if appl.State != sharing.StateApproved {
		return fmt.Errorf("application %d is %s, not approved", appl.ID, appl.State)
	}
	// Real calls through the gateway to the demo API, as the app signs them.
	first := svc.API.rows[0]
	for _, q := range []string{"id_number=" + url.QueryEscape(first["id_number"].(string)), "district=" + url.QueryEscape("荷塘区")} {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, gateway.Prefix+e.Code+"?"+q, nil)
		if err := gateway.SignRequest(req, app.AppKey, secret, app.SignMethod, time.Now(), rand.Text()); err != nil {
			return err
		}
		rec := httptest.NewRecorder()
		svc.Gateway.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("demo API call %s answered %d: %s", q, rec.Code, rec.Body)
		}
	}
	return nil
}

// reattach runs on a demo data directory loaded before: when the API came
// up on another port than the stored mount URL's (the port was taken), the
// mount moves to the new URL. A mount someone pointed elsewhere stays.
func (a *API) reattach(ctx context.Context, svc Services) error {
	if a.code == "" || a.mount.URL == a.URL() || !a.ours(a.mount.URL) {
		return nil
	}
	_, cataloger, err := svc.Org.Login(ctx, "mzj.cataloger", Password, "127.0.0.1")
	if err != nil {
		return fmt.Errorf("log in to move the mount of %s: %w", APIEntryName, err)
	}
	m := a.mount
	m.URL = a.URL()
	moved, err := svc.Catalog.AddMount(ctx, cataloger, a.code, catalog.Mount{Kind: catalog.MountAPI, Method: m.Method, URL: m.URL, Params: m.Params, ResponseSchema: m.ResponseSchema})
	if err != nil {
		return fmt.Errorf("mount %s at %s: %w", APIEntryName, m.URL, err)
	}
	if err := svc.Catalog.RemoveMount(ctx, cataloger, a.code, a.mount.ID); err != nil {
		return fmt.Errorf("remove the old mount of %s: %w", APIEntryName, err)
	}
	a.mount = moved
	return nil
}

// describe prints where the demo API is and how production differs.
func (a *API) describe(out io.Writer) {
	if a.code == "" {
		fmt.Fprintf(out, "Demo API at %s: no entry is mounted to it in this data directory (loaded by an earlier version, or unmounted since).\n", a.URL())
		return
	}
	fmt.Fprintf(out, "Demo data service by API: %s (市民政局, %s) proxies %s; 市医保局 (ybj.consumer) holds its API grant.\n"+
		"  The platform calls this demo API directly only because the demo allows its own address; in production such calls\n"+
		"  go through the provider's front-end node (an http datasource in node.yaml), or to hosts listed in --api-direct-hosts.\n",
		APIEntryName, a.code, a.mount.URL)
}
