package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/aggregation"
	"github.com/govshare/govshare/internal/assess"
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/ledger"
	"github.com/govshare/govshare/internal/licence"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/node"
	"github.com/govshare/govshare/internal/notice"
	"github.com/govshare/govshare/internal/opendata"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the console needs.
type Deps struct {
	Org     *org.Service
	Audit   *audit.Log
	Catalog *catalog.Service
	Lists   *lists.Service
	Sharing *sharing.Service
	Nodes   *node.Registry // nil: no nodes page
	Logger  *slog.Logger
	Secure  bool // cookies are marked Secure (the platform serves HTTPS)
	Version string
	// Exchange manages channels; nil leaves the exchange pages out.
	Exchange *exchange.Manager
	// Aggregation runs aggregation mandates (归集任务); nil leaves their pages out.
	Aggregation *aggregation.Service
	Gateway     *gateway.Service // data services: apps, the try-it panel, usage
	// Notices are the readers' notices (站内信): the bell on every page and
	// their page; nil leaves both out.
	Notices *notice.Service
	// Ledger is the evidence ledger (存证账本); nil leaves its page out.
	Ledger *ledger.Log
	// DemoNodes stops and starts the demo's front-end nodes (serve --demo);
	// nil: the nodes page has no such buttons.
	DemoNodes DemoNodes
	// BaseDB keeps the base databases (基础库); nil leaves their pages out.
	BaseDB *basedb.Service
	// Licences is the licence library (电子证照库); nil leaves its pages out.
	Licences *licence.Service
	// OpenData decides the public's applications for conditionally open
	// data (公众申请); nil leaves their page out.
	OpenData *opendata.Service
	// Assess makes and keeps the authority's reports (考核, 共享成效, 项目验收); nil leaves their pages out.
	Assess *assess.Service
}

type server struct {
	Deps
	pages  map[string]*template.Template
	msgs   catalogs
	assets map[string]string // logical name -> content-hashed URL
	files  map[string]string // content-hashed name -> embedded path
}

// Register adds the console's routes to r.
func Register(r chi.Router, d Deps) {
	s, err := newServer(d)
	if err != nil {
		panic(err) // embedded templates are checked by tests
	}
	s.routes(r)
}

func newServer(d Deps) (*server, error) {
	s := &server{Deps: d, assets: map[string]string{}, files: map[string]string{}}
	var err error
	if s.msgs, err = loadCatalogs(); err != nil {
		return nil, err
	}
	if err := s.hashAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *server) hashAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel := strings.TrimPrefix(p, "static/")
		ext := path.Ext(rel)
		hashed := strings.TrimSuffix(rel, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		s.assets[rel], s.files[hashed] = "/static/"+hashed, p
		return nil
	})
}

func (s *server) funcs() template.FuncMap {
	return template.FuncMap{
		"t":     func(lang, key string, args ...any) string { return s.msgs.T(lang, key, args...) },
		"asset": func(name string) string { return s.assets[name] },
		"roleName": func(lang string, r org.Role) string {
			info, ok := r.Info()
			if !ok {
				return string(r)
			}
			if lang == "en" {
				return info.NameEN
			}
			return info.NameZH
		},
		"time":         dateTime,
		"until":        until,
		"schedule":     func(lang, s string) string { return exchange.DescribeSchedule(s).In(lang) },
		"hasPrefix":    strings.HasPrefix,
		"auditAction":  func(lang, action string) string { return audit.ActionText(action).In(lang) },
		"auditOutcome": func(lang, outcome string) string { return audit.OutcomeText(outcome).In(lang) },
		"number":       formatInteger,
		"list":         func(items ...string) []string { return items },
		"pagerOf":      func(lang string, p pager) map[string]any { return map[string]any{"Lang": lang, "P": p} },
		"hasPerm":      func(perms []org.Permission, p org.Permission) bool { return slices.Contains(perms, p) },
		"fieldOf": func(errors map[string]string, field string) map[string]any {
			return map[string]any{"Errors": errors, "Field": field}
		},
		"hasRole": func(roles []org.Role, r org.Role) bool { return slices.Contains(roles, r) },
		"bytes":   formatBytes,
	}
}

// dateTime is the one way the console writes a moment: Beijing time to the
// minute.
func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Format("2006-01-02 15:04")
}

// until writes the exclusive end of a period (a grant's or a token's
// expiry) as its last minute: 2027-12-08 23:59 for 2027-12-09 00:00.
func until(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return dateTime(t.Add(-time.Minute))
}

// beijing is China Standard Time, in which the console shows times.
var beijing = time.FixedZone("CST", 8*3600)

// formatInteger formats any integer for a template's number.
func formatInteger(v any) string {
	switch n := v.(type) {
	case int:
		return formatNumber(n)
	case int64:
		return formatNumber(int(n))
	case int32:
		return formatNumber(int(n))
	}
	return fmt.Sprint(v)
}

func formatNumber(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatNumber(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parseTemplates pairs the layout with each page.
func (s *server) parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(s.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", base, err)
		}
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages, nil
}

// view is what every page template receives.
type view struct {
	Lang    string
	Title   string
	Active  string
	User    *org.Principal
	Nav     []navItem
	Flash   string
	Version string
	Path    string
	Query   url.Values
	Errors  map[string]string
	Error   string
	Data    any
	Bell    bool // the header shows the notices' bell
	Unread  int  // the reader's unread notices
}

type navItem struct {
	Key, Href string
	Planned   bool // filled by a later release; the page says what it will hold
}

// nav lists the console's areas the user may open.
func nav(p *org.Principal) []navItem {
	items := []navItem{{Key: "nav.dashboard", Href: "/"}, {Key: "nav.catalog", Href: "/catalog"}, {Key: "nav.lists", Href: "/lists/demands"},
		{Key: "nav.sharing", Href: sharingActive}}
	items = append(items, navItem{Key: "nav.exchange", Href: "/exchange"})
	if node.CanView(*p) {
		items = append(items, navItem{Key: "nav.nodes", Href: nodesPath})
	}
	items = append(items, navItem{Key: "nav.services", Href: servicesActive}, navItem{Key: "nav.ledger", Href: ledgerPath})
	if p.DepartmentID != 0 {
		items = append(items, navItem{Key: "nav.basedb", Href: basedbPath})
	}
	if p.DepartmentID != 0 {
		items = append(items, navItem{Key: "nav.map", Href: mapPath})
	}
	items = append(items, navItem{Key: "nav.licenses", Href: licencesPath})
	if p.DepartmentID != 0 || p.Has(org.Auditor) {
		items = append(items, navItem{Key: "nav.assessments", Href: assessPath}, navItem{Key: "nav.sharing_results", Href: resultsPath}, navItem{Key: "nav.projects", Href: projectsPath})
	}
	for _, a := range plannedAreas {
		items = append(items, navItem{Key: "nav." + a, Href: "/area/" + a, Planned: true})
	}
	items = append(items, navItem{Key: "nav.regions", Href: "/regions"}, navItem{Key: "nav.departments", Href: "/departments"})
	if p.Can(org.ReadUsers) {
		items = append(items, navItem{Key: "nav.users", Href: "/users"})
	}
	items = append(items, navItem{Key: "nav.roles", Href: "/roles"})
	if p.Can(org.ReadAudit) {
		items = append(items, navItem{Key: "nav.audit", Href: "/audit"})
	}
	return items
}

// plannedAreas are the platform's areas whose pages later releases fill.
var plannedAreas = []string{"monitor"}

func (s *server) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	t, ok := s.pages[page]
	if !ok {
		s.Logger.Error("no such template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Lang, v.Version, v.Path, v.Query = language(r), s.Version, r.URL.Path, r.URL.Query()
	if p, ok := principalFrom(r.Context()); ok {
		v.User, v.Nav = &p, nav(&p)
		if s.Notices != nil {
			n, err := s.Notices.Unread(r.Context(), p)
			if err != nil {
				s.Logger.WarnContext(r.Context(), "count unread notices", "err", err)
			}
			v.Bell, v.Unread = true, n
		}
	}
	if v.Flash == "" {
		v.Flash = s.takeFlash(w, r)
	}
	if v.Error != "" {
		if m, ok := s.msgs[v.Lang]["msg."+v.Error]; ok {
			v.Error = m
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.Logger.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail shows a coded error as a page; internal errors are logged.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg, _ := errs.PublicIn(err, language(r))
	if code == errs.Internal {
		s.Logger.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, errs.Status(code), "error", view{Title: "error." + code, Error: msg})
}

const (
	sessionCookie = "gs_session"
	flashCookie   = "gs_flash"
)

type principalKey struct{}

func principalFrom(ctx context.Context) (org.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(org.Principal)
	return p, ok
}

func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// authed requires a valid session cookie, sending others to the login page.
func (s *server) authed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err == nil {
			if p, err := s.Org.Authenticate(r.Context(), c.Value, clientAddr(r)); err == nil {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
				return
			}
		}
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		if r.Header.Get("HX-Request") == "true" {
			w.Header().Set("HX-Redirect", target)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

func (s *server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
}

// redirect answers a successful form post: 303 to target with a flash message.
func (s *server) redirect(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		s.setCookie(w, flashCookie, url.QueryEscape(flash), 60)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.setCookie(w, flashCookie, "", -1)
	v, _ := url.QueryUnescape(c.Value)
	return v
}

// pager describes the pages of a list for the _pager template.
type pager struct {
	Page, Pages, Total, Size int
	Prev, Next               string
}

func newPager(r *http.Request, page, size, total int) pager {
	pages := max(1, int(math.Ceil(float64(total)/float64(size))))
	p := pager{Page: page, Pages: pages, Total: total, Size: size}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// fieldErrors returns the per-field problems of an Invalid error.
func fieldErrors(err error) (map[string]string, string) {
	code, msg, fields := errs.Public(err)
	if code != errs.Invalid {
		return nil, msg
	}
	if len(fields) == 0 {
		return nil, msg
	}
	return fields, ""
}
