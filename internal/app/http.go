package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/govshare/govshare/internal/api"
	"github.com/govshare/govshare/internal/gateway"
	"github.com/govshare/govshare/internal/portal"
	"github.com/govshare/govshare/internal/web"
)

// handler serves the console, the API and the gateway on the console port,
// counting requests in reg. /metrics is not among them: it has a listener
// of its own (metricsHandler), so that whoever reaches the console does
// not read the platform's internals.
func (p *platform) handler(reg *prometheus.Registry) http.Handler {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "govshare_http_requests_total", Help: "HTTP requests by route and status."},
		[]string{"method", "route", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "govshare_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.DefBuckets}, []string{"method", "route"})
	reg.MustRegister(requests, latency)

	r := chi.NewRouter()
	r.Use(p.recoverer, securityHeaders(p.secure), instrument(requests, latency))
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	r.Get("/readyz", p.ready)
	r.Handle(gateway.Prefix+"*", p.gateway)
	api.Register(r, api.Deps{Org: p.org, Audit: p.audit, Catalog: p.catalog, Lists: p.lists, Sharing: p.sharing, Gateway: p.gateway, Nodes: p.nodes, Logger: p.log, Version: Version, Exchange: p.channels, Aggregation: p.mandates, Notices: p.notices, Ledger: p.ledger, Anchors: p.anchors, DemoNodes: p.demoNodesAPI(), BaseDB: p.basedb, Seals: p.seals, Licences: p.licences, Geo: p.geo, Assess: p.assess})
	portal.Register(r, portal.Deps{OpenData: p.opendata, PublicURL: p.baseURL, Logger: p.log, Secure: p.secure, Keys: p.gateway})
	web.Register(r, web.Deps{Org: p.org, Audit: p.audit, Catalog: p.catalog, Lists: p.lists, Sharing: p.sharing, Gateway: p.gateway, Nodes: p.nodes, Logger: p.log, Secure: p.secure, Version: Version, Exchange: p.channels, Aggregation: p.mandates, Notices: p.notices, Ledger: p.ledger, DemoNodes: p.demoNodesWeb(), BaseDB: p.basedb, Licences: p.licences, OpenData: p.opendata, Assess: p.assess})
	return http.NewCrossOriginProtection().Handler(r)
}

// metricsHandler serves reg at /metrics, for the --metrics-listen listener.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// ready answers 200 when the database and the bus both answer.
func (p *platform) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "nats": "ok"}
	status := http.StatusOK
	if err := p.db.Ping(ctx); err != nil {
		checks["database"], status = err.Error(), http.StatusServiceUnavailable
	}
	if err := p.bus.Check(ctx); err != nil {
		checks["nats"], status = err.Error(), http.StatusServiceUnavailable
	}
	// Which replica answers, and whether it runs the channels.
	checks["channels"] = "standby"
	if p.channels.Leading() {
		checks["channels"] = "leader"
	}
	if p.replica != "" {
		checks["replica"] = p.replica
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(checks)
}

func (p *platform) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				p.log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v)
				http.Error(w, `{"code":"internal","message":"internal error"}`, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(tls bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			if tls {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			b := make([]byte, 8)
			rand.Read(b)
			h.Set("X-Request-Id", hex.EncodeToString(b))
			next.ServeHTTP(w, r)
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func instrument(requests *prometheus.CounterVec, latency *prometheus.HistogramVec) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			route := "unmatched"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status)).Inc()
			latency.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
		})
	}
}
