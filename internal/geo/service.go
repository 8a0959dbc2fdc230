package geo

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the schema of the geospatial layers. On PostgreSQL it
// creates the postgis extension (Debian: postgresql-<ver>-postgis-3).
var Migration = store.Migration{Domain: "geo", FS: migrations}

// Checker decides a data access and lists a department's grants: the
// sharing service.
type Checker interface {
	Check(ctx context.Context, a sharing.Access) (sharing.Decision, error)
	Grants(ctx context.Context, p org.Principal, f sharing.GrantFilter) ([]sharing.Grant, int, error)
}

// Service keeps the layers, answers feature queries, renders vector tiles,
// geocodes addresses and registers rasters.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	org     *org.Service
	sharing Checker
	q       dialect
	now     func() time.Time

	mu     sync.Mutex
	layers map[string]Layer // cache of geo_layers, by id
	seen   map[seenKey]time.Time
}

// NewService returns the service. It does no I/O.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, shares Checker) *Service {
	q := sqliteSQL
	if db.Dialect == store.Postgres {
		q = postgresSQL
	}
	return &Service{db: db, audit: log, org: orgs, sharing: shares, q: q, now: time.Now, seen: map[seenKey]time.Time{}}
}

// CreateLayer registers a layer of a department (the platform's own step,
// made by the demo and by imports; the catalog entry is made first).
func (s *Service) CreateLayer(ctx context.Context, l Layer) (Layer, error) {
	if !layerID.MatchString(l.ID) {
		return l, errs.FieldMsg("id", msgLayerID)
	}
	if l.Kind != KindPolygon && l.Kind != KindPoint {
		return l, errs.FieldMsg("kind", msgLayerKind)
	}
	if l.Properties == nil {
		l.Properties = []string{}
	}
	props, _ := json.Marshal(l.Properties)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO geo_layers (id, name_zh, name_en, kind, entry_code, department_id, min_zoom, properties, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, l.ID, l.NameZH, l.NameEN, l.Kind, l.EntryCode, l.DepartmentID, l.MinZoom, string(props), store.FormatTime(s.now()))
		return err
	})
	if store.IsUnique(err) {
		return l, errs.New(errs.Conflict, msgLayerExists, l.ID)
	}
	if err != nil {
		return l, fmt.Errorf("create layer %s: %w", l.ID, err)
	}
	s.forget()
	return l, nil
}

func (s *Service) forget() {
	s.mu.Lock()
	s.layers = nil
	s.mu.Unlock()
}

// layer answers a layer by id from the cache, reading the table on a miss.
func (s *Service) layer(ctx context.Context, id string) (Layer, error) {
	s.mu.Lock()
	l, ok := s.layers[id]
	s.mu.Unlock()
	if ok {
		return l, nil
	}
	all, err := s.allLayers(ctx)
	if err != nil {
		return Layer{}, err
	}
	for _, l := range all {
		if l.ID == id {
			return l, nil
		}
	}
	return Layer{}, errs.New(errs.NotFound, msgNoLayer, id)
}

// allLayers reads every layer (without counts) and caches them.
func (s *Service) allLayers(ctx context.Context) ([]Layer, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name_zh, name_en, kind, entry_code, department_id, min_zoom, properties FROM geo_layers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("layers: %w", err)
	}
	defer rows.Close()
	var out []Layer
	m := map[string]Layer{}
	for rows.Next() {
		var l Layer
		var props string
		if err := rows.Scan(&l.ID, &l.NameZH, &l.NameEN, &l.Kind, &l.EntryCode, &l.DepartmentID, &l.MinZoom, &props); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(props), &l.Properties); err != nil {
			return nil, fmt.Errorf("layer %s properties: %w", l.ID, err)
		}
		out = append(out, l)
		m[l.ID] = l
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.layers = m
	s.mu.Unlock()
	return out, nil
}

// stats fills a layer's feature count and extent.
func (s *Service) stats(ctx context.Context, l *Layer) error {
	var n int64
	var minx, miny, maxx, maxy sql.NullFloat64
	if err := s.db.QueryRow(ctx, s.q.stats, l.ID).Scan(&n, &minx, &miny, &maxx, &maxy); err != nil {
		return fmt.Errorf("layer %s stats: %w", l.ID, err)
	}
	l.Features = n
	if n > 0 && minx.Valid {
		l.Extent = boundOf(orb.Bound{Min: orb.Point{minx.Float64, miny.Float64}, Max: orb.Point{maxx.Float64, maxy.Float64}})
	}
	return nil
}

// Load adds features to a layer (or replaces those with the same id) in
// batched transactions: the platform's own step, for the demo, imports and
// the benchmark.
func (s *Service) Load(ctx context.Context, layer string, fs []Feature) error {
	if _, err := s.layer(ctx, layer); err != nil {
		return err
	}
	const batch = 5000
	for i := 0; i < len(fs); i += batch {
		part := fs[i:min(i+batch, len(fs))]
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.q.insert(ctx, tx, layer, part) }); err != nil {
			return fmt.Errorf("load layer %s: %w", layer, err)
		}
	}
	if s.q.analyze != "" && len(fs) >= analyzeAfter {
		// Fresh statistics after a large load: with stale ones the planner
		// takes a layer for a few rows and walks its whole index beside
		// the spatial one.
		if err := s.db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, s.q.analyze); return err }); err != nil {
			return fmt.Errorf("analyze after loading layer %s: %w", layer, err)
		}
	}
	return nil
}

// analyzeAfter is the size of a load after which the statistics are renewed.
const analyzeAfter = 10000

var errStop = errors.New("stop")
