package geo

import (
	"context"
	"strings"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/store"
)

// postgresSQL finds features through the GiST index of the PostGIS
// geometry column (the && operator on bounding boxes). PostGIS's types,
// functions and operators are named in the public schema, where the
// migration creates the extension.
var postgresSQL = dialect{
	stats: `SELECT count(*), min(public.ST_XMin(geom)), min(public.ST_YMin(geom)), max(public.ST_XMax(geom)), max(public.ST_YMax(geom))
		FROM geo_features WHERE layer = ?`,
	inBBox: func(args *[]any, layer string, b orb.Bound) string {
		*args = append(*args, layer, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		return `SELECT fid, name, props, public.ST_AsBinary(geom) FROM geo_features
			WHERE layer = ? AND geom OPERATOR(public.&&) public.ST_MakeEnvelope(?, ?, ?, ?, 4326)`
	},
	bboxID:  "id",
	analyze: "ANALYZE geo_features",
	all:     `SELECT fid, name, props, public.ST_AsBinary(geom) FROM geo_features WHERE layer = ?`,
	byFID:   `SELECT fid, name, props, public.ST_AsBinary(geom) FROM geo_features WHERE layer = ? AND fid = ?`,
	byName:  `SELECT fid, name, props, public.ST_AsBinary(geom) FROM geo_features WHERE layer = ? AND name = ? ORDER BY id LIMIT 2`,
	scan: `SELECT fid, name, props, public.ST_XMin(geom), public.ST_YMin(geom), public.ST_XMax(geom), public.ST_YMax(geom)
		FROM geo_features WHERE layer = ?`,
	insert: func(ctx context.Context, tx *store.Tx, layer string, fs []Feature) error {
		const per = 1000
		for i := 0; i < len(fs); i += per {
			rows, err := rowsOf(layer, fs[i:min(i+per, len(fs))])
			if err != nil {
				return err
			}
			args := make([]any, 0, len(rows)*5)
			for _, r := range rows {
				args = append(args, r[:5]...)
			}
			values := "(?, ?, ?, ?, public.ST_GeomFromWKB(?, 4326))" + strings.Repeat(", (?, ?, ?, ?, public.ST_GeomFromWKB(?, 4326))", len(rows)-1)
			if _, err := tx.Exec(ctx, `INSERT INTO geo_features (layer, fid, name, props, geom) VALUES `+values+`
				ON CONFLICT (layer, fid) DO UPDATE SET name = excluded.name, props = excluded.props, geom = excluded.geom`, args...); err != nil {
				return err
			}
		}
		return nil
	},
}
