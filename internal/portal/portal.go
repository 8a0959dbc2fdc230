// Package portal is the public open data portal's transport (数据开放门户):
// pages under /open/ for anyone, without login; a CKAN-compatible action
// API under /api/3/action/ so that CKAN harvesters and clients work
// unchanged; and the DCAT-AP feeds /catalog.jsonld, /catalog.ttl and
// /catalog.rdf. It translates requests into calls of the opendata domain,
// which alone decides what is public, and renders what it returns.
//
//	portal.Register(router, portal.Deps{OpenData: svc, PublicURL: "https://data.example.gov.cn"})
package portal

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/opendata"
)

//go:embed templates messages static
var files embed.FS

// Deps are what the portal serves from.
type Deps struct {
	OpenData *opendata.Service
	// PublicURL is the platform's public address (--public-url): the base of
	// every absolute IRI and link the portal gives out.
	PublicURL string
	Logger    *slog.Logger
	Secure    bool // cookies are Secure (HTTPS)
	// Keys are the gateway's keys of public users, shown on their account
	// page; nil shows none.
	Keys PublicKeys
}

type server struct {
	Deps
	pages   map[string]*template.Template
	msgs    map[string]map[string]string
	tags    tagCache
	answers answerCache
}

// Languages the portal speaks, the first being the default: the console's.
var Languages = []string{"zh-CN", "en"}

// langCookie is the console's language cookie: one choice for both.
const langCookie = "gs_lang"

// Register adds the portal's routes to r.
func Register(r chi.Router, d Deps) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &server{Deps: d}
	if err := s.load(); err != nil {
		panic(fmt.Sprintf("portal templates: %v", err)) // embedded: a build defect
	}
	r.Get("/open", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/open/", http.StatusMovedPermanently)
	})
	r.Get("/open/", s.list)
	r.Get("/open/static/{file}", s.static)
	r.Get("/open/terms", s.terms)
	r.Get("/open/catalog", s.catalogIRI)
	r.Get("/open/themes", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/open/", http.StatusSeeOther) })
	r.Get("/open/organization/{credit}", s.organization)
	r.Get("/open/dataset/{slug}", s.dataset)
	r.Get("/open/dataset/{slug}/download.{format}", s.download)
	r.Get("/catalog.jsonld", s.feed(opendata.JSONLD))
	r.Get("/catalog.ttl", s.feed(opendata.Turtle))
	r.Get("/catalog.rdf", s.feed(opendata.RDFXML))
	s.accountRoutes(r)
	r.Get("/api/3", s.apiVersion)
	r.Get("/api/3/action/{action}", s.action)
	r.Post("/api/3/action/{action}", s.action)
}

func (s *server) load() error {
	s.msgs = map[string]map[string]string{}
	for _, lang := range Languages {
		b, err := files.ReadFile(path.Join("messages", lang+".json"))
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("messages %s: %w", lang, err)
		}
		s.msgs[lang] = m
	}
	enums := catalog.AllEnums()
	funcs := template.FuncMap{
		"t": s.t,
		"label": func(lang, enum, v string) string {
			if e, ok := enums[enum]; ok {
				return e.Label(v, lang)
			}
			return v
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		},
		"slug":   opendata.Slug,
		"number": func(n any) string { return fmt.Sprint(n) },
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", n)
		if err != nil {
			return err
		}
		s.pages[base] = t
	}
	return nil
}

// t returns a message in lang, formatted with args; a missing key shows
// as !key so that it is noticed (and a test fails).
func (s *server) t(lang, key string, args ...any) string {
	msg, ok := s.msgs[lang][key]
	if !ok {
		if msg, ok = s.msgs[Languages[0]][key]; !ok {
			return "!" + key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range Languages {
			if strings.EqualFold(c.Value, l) {
				return l
			}
		}
	}
	return Languages[0]
}

// page is what every template receives.
type page struct {
	Lang  string
	Title string
	Data  any
	Error string
	User  *opendata.User // the logged-in public user
}

func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Lang = language(r)
	if u, ok := s.user(r); ok {
		p.User = &u
	}
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no page", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.Logger.ErrorContext(r.Context(), "portal template", "page", name, "err", err)
		http.Error(w, s.t(p.Lang, "error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders an error page with the error's message in the reader's
// language; an internal error says nothing of its cause.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	lang := language(r)
	code, msg, _ := errs.PublicIn(err, lang)
	if code == errs.Internal {
		s.Logger.ErrorContext(r.Context(), "portal", "path", r.URL.Path, "err", err)
	}
	s.render(w, r, errs.Status(code), "error", page{Title: "error.title", Error: msg})
}

// client is the caller's address, for the download throttle and the audit
// log. The portal takes the connection's address: a proxy in front must
// keep one connection a client or the throttle counts the proxy.
func client(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *server) iris() opendata.IRIs { return opendata.IRIs{Base: s.PublicURL} }

func (s *server) static(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	b, err := files.ReadFile("static/" + path.Base(name))
	if err != nil || name != path.Base(name) {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(b)
}
