package geo

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/errs"
)

// Limits of a feature query.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	MaxOffset    = 1000000
)

// ParseBBox reads an OGC API bbox parameter: four numbers
// minLon,minLat,maxLon,maxLat in WGS 84 (of a six-number 3D box, the
// heights are dropped). An empty string is no box. A box crossing the antimeridian (minLon > maxLon) is refused.
func ParseBBox(s string) (*orb.Bound, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > 200 {
		return nil, errs.FieldMsg("bbox", msgBBoxLong)
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, errs.FieldMsg("bbox", msgBBoxCount, len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errs.FieldMsg("bbox", msgBBoxNumber, i+1)
		}
		v[i] = f
	}
	if len(v) == 6 { // minx, miny, minz, maxx, maxy, maxz
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	switch {
	case v[0] < -180 || v[2] > 180 || v[0] > 180 || v[2] < -180:
		return nil, errs.FieldMsg("bbox", msgBBoxLon)
	case v[1] < -90 || v[3] > 90 || v[1] > 90 || v[3] < -90:
		return nil, errs.FieldMsg("bbox", msgBBoxLat)
	case v[0] > v[2]:
		return nil, errs.FieldMsg("bbox", msgBBoxLonOrder)
	case v[1] > v[3]:
		return nil, errs.FieldMsg("bbox", msgBBoxLatOrder)
	}
	return &orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// ParseLimit reads the limit parameter: empty means DefaultLimit; a value
// above MaxLimit is refused rather than silently cut.
func ParseLimit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, errs.FieldMsg("limit", msgLimit, MaxLimit)
	}
	return n, nil
}

// ParseOffset reads the offset parameter (0 when empty).
func ParseOffset(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > MaxOffset {
		return 0, errs.FieldMsg("offset", msgOffset, MaxOffset)
	}
	return n, nil
}
