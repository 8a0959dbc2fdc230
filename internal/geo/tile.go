package geo

import (
	"context"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// Tile geometry: the extent of a tile and the buffer drawn around it, in
// tile units, so that lines and areas crossing the edge join seamlessly.
const (
	tileExtent = mvt.DefaultExtent // 4096
	tileBuffer = 64
	// maxTileFeatures caps the features of one tile; a layer's MinZoom
	// keeps dense layers out of the zooms where a tile would hold more.
	maxTileFeatures = 20000
	// simplifyBelow is the zoom under which geometry is simplified
	// (Douglas-Peucker, one tile unit).
	simplifyBelow = 14
)

// CheckTile reports whether z/x/y names a tile.
func CheckTile(z, x, y int) error {
	if z < 0 || z > MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
		return errs.New(errs.Invalid, msgTile, z, x, y, MaxZoom)
	}
	return nil
}

// Tile renders one Mapbox vector tile (MVT, not compressed) of a layer,
// shaped by p's access: one MVT layer named by the layer's id, each
// feature with its id ("fid"), name and readable properties; a named
// polygon also has a label point ("label": "1") at its centroid, in the
// tile that holds it. Below the layer's MinZoom the tile is empty.
func (s *Service) Tile(ctx context.Context, p org.Principal, layer string, z, x, y int) ([]byte, error) {
	if err := CheckTile(z, x, y); err != nil {
		return nil, err
	}
	l, err := s.layer(ctx, layer)
	if err != nil {
		return nil, err
	}
	sh, err := s.access(ctx, p, l)
	if err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	if z >= l.MinZoom {
		t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
		b := t.Bound()
		pad := (b.Max[0] - b.Min[0]) * tileBuffer / tileExtent
		padY := (b.Max[1] - b.Min[1]) * tileBuffer / tileExtent
		q := orb.Bound{Min: orb.Point{b.Min[0] - pad, b.Min[1] - padY}, Max: orb.Point{b.Max[0] + pad, b.Max[1] + padY}}
		fs, err := s.features(ctx, l.ID, &q, maxTileFeatures)
		if err != nil {
			return nil, err
		}
		for i := range fs {
			if !sh.apply(&fs[i]) {
				continue
			}
			fc.Append(tileFeature(fs[i]))
			if l.Kind == KindPolygon && fs[i].Name != "" {
				// A label point, so that a polygon cut by tile edges is
				// labelled once, where its centre lies.
				lp := tileFeature(fs[i])
				lp.Geometry, _ = planar.CentroidArea(fs[i].Geom)
				lp.Properties["label"] = "1"
				if b.Contains(lp.Geometry.(orb.Point)) {
					fc.Append(lp)
				}
			}
		}
	}
	return renderTile(l.ID, fc, z, x, y, len(fc.Features))
}

// renderTile projects, clips, simplifies and encodes one layer's features.
func renderTile(name string, fc *geojson.FeatureCollection, z, x, y, _ int) ([]byte, error) {
	ml := mvt.NewLayer(name, fc)
	ml.Version = 2
	ml.ProjectToTile(maptile.New(uint32(x), uint32(y), maptile.Zoom(z)))
	ml.Clip(orb.Bound{Min: orb.Point{-tileBuffer, -tileBuffer}, Max: orb.Point{tileExtent + tileBuffer, tileExtent + tileBuffer}})
	if z < simplifyBelow {
		ml.Simplify(simplify.DouglasPeucker(1.0))
	}
	ml.RemoveEmpty(1.0, 1.0)
	return mvt.Marshal(mvt.Layers{ml})
}

func tileFeature(f Feature) *geojson.Feature {
	g := geojson.NewFeature(f.Geom)
	g.Properties["fid"] = f.ID
	if f.Name != "" {
		g.Properties["name"] = f.Name
	}
	for k, v := range f.Props {
		if k != "fid" && k != "name" {
			g.Properties[k] = v
		}
	}
	return g
}
