package geo

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/govshare/govshare/internal/store"
)

// dialect holds the queries that differ between SQLite (R*Tree) and
// PostgreSQL (PostGIS); sql_sqlite.go and sql_postgres.go fill it.
type dialect struct {
	stats string // count, minx, miny, maxx, maxy of layer ?
	// inBBox selects fid, name, props, geom of layer ? within bbox
	// (minx, miny, maxx, maxy), ordered by id, with LIMIT ? OFFSET ?.
	inBBox func(args *[]any, layer string, b orb.Bound) string
	// bboxID is the id column to order inBBox by.
	bboxID string
	// all selects fid, name, props, geom of layer ?, ordered by id.
	all    string
	byFID  string // fid, name, props, geom of layer ? and fid ?
	byName string // fid, name, props, geom of layer ? and name ?
	insert func(ctx context.Context, tx *store.Tx, layer string, fs []Feature) error
	// analyze renews the planner's statistics of geo_features ("" when
	// the dialect needs none).
	analyze string
	// scan is the bare scan of a layer, the benchmark's baseline: fid,
	// name, props and geom bounds of every feature, filtered in Go.
	scan string
}

// scanFeature reads fid, name, props, geom (WKB).
func scanFeature(rows interface{ Scan(...any) error }) (Feature, error) {
	var f Feature
	var props string
	var g []byte
	if err := rows.Scan(&f.ID, &f.Name, &props, &g); err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(props), &f.Props); err != nil {
		return f, fmt.Errorf("feature %s properties: %w", f.ID, err)
	}
	geom, err := wkb.Unmarshal(g)
	if err != nil {
		return f, fmt.Errorf("feature %s geometry: %w", f.ID, err)
	}
	f.Geom = geom
	return f, nil
}

func collect(rows *sql.Rows, err error) ([]Feature, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Feature
	for rows.Next() {
		f, err := scanFeature(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// rowsOf turns features into insert rows: layer, fid, name, props, WKB and bounds.
func rowsOf(layer string, fs []Feature) ([][]any, error) {
	out := make([][]any, len(fs))
	for i, f := range fs {
		if f.Geom == nil {
			return nil, fmt.Errorf("feature %s: no geometry", f.ID)
		}
		props := f.Props
		if props == nil {
			props = map[string]string{}
		}
		p, err := json.Marshal(props)
		if err != nil {
			return nil, err
		}
		g, err := wkb.Marshal(f.Geom)
		if err != nil {
			return nil, fmt.Errorf("feature %s: %w", f.ID, err)
		}
		b := f.Geom.Bound()
		out[i] = []any{layer, f.ID, f.Name, string(p), g, b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	return out, nil
}
