package geo

import (
	"regexp"

	"github.com/paulmach/orb"
)

// Kinds of layer.
const (
	KindPolygon = "polygon" // 面: division boundaries, grids
	KindPoint   = "point"   // 点: addresses, points of interest
)

// Layer is a collection of features (图层), published as a catalog entry
// of its department.
type Layer struct {
	ID           string   `json:"id" doc:"Collection id: division, grid, address, poi, ..."`
	NameZH       string   `json:"name_zh"`
	NameEN       string   `json:"name_en"`
	Kind         string   `json:"kind" enum:"polygon,point"`
	EntryCode    string   `json:"entry_code" doc:"The catalog entry (resource code) the layer is shared as"`
	DepartmentID int64    `json:"department_id" doc:"The providing department"`
	MinZoom      int      `json:"min_zoom" doc:"Vector tiles below this zoom are empty (too many features to draw)"`
	Properties   []string `json:"properties" doc:"The features' properties: the catalog entry's item identifiers"`
	Features     int64    `json:"features" readOnly:"true"`
	Extent       *Bound   `json:"extent,omitempty" readOnly:"true" doc:"The bounds of all features, lon/lat"`
}

// Bound is a bounding box in lon/lat: [minLon, minLat, maxLon, maxLat].
type Bound [4]float64

func boundOf(b orb.Bound) *Bound { return &Bound{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} }

// Orb answers b as an orb.Bound.
func (b Bound) Orb() orb.Bound {
	return orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}
}

// Feature is one feature of a layer: its id within the layer (a division
// or grid code, an address code), a name, its properties and its geometry
// in lon/lat.
type Feature struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Props map[string]string `json:"properties"`
	Geom  orb.Geometry      `json:"-"`
}

var layerID = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// MaxZoom is the deepest zoom of the vector tiles.
const MaxZoom = 22
