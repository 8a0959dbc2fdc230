package geo

import (
	"context"
	"strings"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/store"
)

// sqliteSQL finds features through the R*Tree geo_features_rtree, which
// holds each feature's bounds (rounded outwards to 32-bit floats), then
// checks the exact bounds kept in geo_features. CROSS JOIN keeps the R*Tree
// the outer loop: left to itself, the planner may walk the layer's index
// and probe the R*Tree for every feature of the layer.
var sqliteSQL = dialect{
	stats: `SELECT count(*), min(minx), min(miny), max(maxx), max(maxy) FROM geo_features WHERE layer = ?`,
	inBBox: func(args *[]any, layer string, b orb.Bound) string {
		*args = append(*args, b.Max[0], b.Min[0], b.Max[1], b.Min[1], layer, b.Max[0], b.Min[0], b.Max[1], b.Min[1])
		return `SELECT f.fid, f.name, f.props, f.geom FROM geo_features_rtree r CROSS JOIN geo_features f ON f.id = r.id
			WHERE r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?
			AND f.layer = ? AND f.minx <= ? AND f.maxx >= ? AND f.miny <= ? AND f.maxy >= ?`
	},
	bboxID: "f.id",
	all:    `SELECT fid, name, props, geom FROM geo_features WHERE layer = ?`,
	byFID:  `SELECT fid, name, props, geom FROM geo_features WHERE layer = ? AND fid = ?`,
	byName: `SELECT fid, name, props, geom FROM geo_features WHERE layer = ? AND name = ? ORDER BY id LIMIT 2`,
	scan:   `SELECT fid, name, props, minx, miny, maxx, maxy FROM geo_features WHERE layer = ?`,
	insert: func(ctx context.Context, tx *store.Tx, layer string, fs []Feature) error {
		const per = 400 // 9 values a row, under SQLite's 32766 variables
		for i := 0; i < len(fs); i += per {
			part := fs[i:min(i+per, len(fs))]
			rows, err := rowsOf(layer, part)
			if err != nil {
				return err
			}
			// Features replaced by id leave the R*Tree with their row.
			fids := make([]any, 0, len(part)+1)
			fids = append(fids, layer)
			for _, f := range part {
				fids = append(fids, f.ID)
			}
			in := "?" + strings.Repeat(", ?", len(part)-1)
			if _, err := tx.Exec(ctx, `DELETE FROM geo_features_rtree WHERE id IN (SELECT id FROM geo_features WHERE layer = ? AND fid IN (`+in+`))`, fids...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM geo_features WHERE layer = ? AND fid IN (`+in+`)`, fids...); err != nil {
				return err
			}
			var last int64
			if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM geo_features`).Scan(&last); err != nil {
				return err
			}
			args := make([]any, 0, len(rows)*9)
			for _, r := range rows {
				args = append(args, r...)
			}
			values := "(?, ?, ?, ?, ?, ?, ?, ?, ?)" + strings.Repeat(", (?, ?, ?, ?, ?, ?, ?, ?, ?)", len(rows)-1)
			if _, err := tx.Exec(ctx, `INSERT INTO geo_features (layer, fid, name, props, geom, minx, miny, maxx, maxy) VALUES `+values, args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO geo_features_rtree (id, minx, maxx, miny, maxy)
				SELECT id, minx, maxx, miny, maxy FROM geo_features WHERE id > ?`, last); err != nil {
				return err
			}
		}
		return nil
	},
}
