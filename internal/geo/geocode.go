package geo

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/division"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// The layers geocoding reads, by id.
const (
	LayerDivision = "division" // 行政区划: fid is the division code
	LayerGrid     = "grid"     // 网格: fid is the grid code
	LayerAddress  = "address"  // 标准地址: name is the full address
	LayerPOI      = "poi"      // 兴趣点
)

// GeocodeInput is an address, or a point in lon/lat.
type GeocodeInput struct {
	Address string   `json:"address,omitempty" maxLength:"200" doc:"A full address, as the standard address layer writes it"`
	Lon     *float64 `json:"lon,omitempty" minimum:"-180" maximum:"180" doc:"Longitude (WGS 84), with lat instead of an address"`
	Lat     *float64 `json:"lat,omitempty" minimum:"-90" maximum:"90"`
}

// Precision of a geocode.
const (
	PrecisionAddress  = "address"  // the address is a standard address: point, division and grid
	PrecisionPoint    = "point"    // a point was given: division and grid
	PrecisionDivision = "division" // only a division named in the address text
)

// Geocoded is where an address or point lies: its division code (the
// finest division whose boundary holds it) and grid code (网格).
type Geocoded struct {
	Precision    string   `json:"precision" enum:"address,point,division"`
	AddressID    string   `json:"address_id,omitempty" doc:"The standard address's code"`
	Lon          *float64 `json:"lon,omitempty"`
	Lat          *float64 `json:"lat,omitempty"`
	DivisionCode string   `json:"division_code,omitempty"`
	DivisionName string   `json:"division_name,omitempty"`
	GridCode     string   `json:"grid_code,omitempty"`
	GridName     string   `json:"grid_name,omitempty"`
	Withheld     []string `json:"withheld,omitempty" doc:"Layers the caller may not read, whose answers are left out"`
}

// normalize drops the spaces of an address.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Geocode answers where an address or point lies, from the division, grid
// and address layers: for the platform's own use (the base databases'
// records), without a principal and without audit. An address not among
// the standard addresses is placed at the finest division its text names.
func (s *Service) Geocode(ctx context.Context, in GeocodeInput) (Geocoded, error) {
	var g Geocoded
	addr := normalize(in.Address)
	var pt orb.Point
	switch {
	case addr != "":
		f, err := scanFeature(s.db.QueryRow(ctx, s.q.byName, LayerAddress, addr))
		if errors.Is(err, sql.ErrNoRows) {
			return s.byText(ctx, addr)
		}
		if err != nil {
			return g, err
		}
		p, ok := f.Geom.(orb.Point)
		if !ok {
			p = f.Geom.Bound().Center()
		}
		g.Precision, g.AddressID, pt = PrecisionAddress, f.ID, p
	case in.Lon != nil && in.Lat != nil:
		if *in.Lon < -180 || *in.Lon > 180 || *in.Lat < -90 || *in.Lat > 90 {
			return g, errs.FieldMsg("lon", msgGeocodeInput)
		}
		g.Precision, pt = PrecisionPoint, orb.Point{*in.Lon, *in.Lat}
	default:
		return g, errs.FieldMsg("address", msgGeocodeInput)
	}
	lon, lat := pt[0], pt[1]
	g.Lon, g.Lat = &lon, &lat
	div, err := s.containing(ctx, LayerDivision, pt)
	if err != nil {
		return g, err
	}
	// The finest division: the one with the deepest level.
	slices.SortFunc(div, func(a, b Feature) int { return division.Level(b.ID) - division.Level(a.ID) })
	if len(div) > 0 {
		g.DivisionCode, g.DivisionName = div[0].ID, div[0].Name
	}
	grid, err := s.containing(ctx, LayerGrid, pt)
	if err != nil {
		return g, err
	}
	if len(grid) > 0 {
		g.GridCode, g.GridName = grid[0].ID, grid[0].Name
	}
	return g, nil
}

// byText places an address at the finest division whose name it holds
// after the names of the divisions above it (株洲市荷塘区... → 430202).
func (s *Service) byText(ctx context.Context, addr string) (Geocoded, error) {
	divs, err := collect(s.db.Query(ctx, s.q.all+" ORDER BY id", LayerDivision))
	if err != nil {
		return Geocoded{}, err
	}
	best, bestLevel := Feature{}, 0
	for _, d := range divs {
		if d.Name != "" && strings.Contains(addr, d.Name) && division.Level(d.ID) > bestLevel {
			best, bestLevel = d, division.Level(d.ID)
		}
	}
	if bestLevel == 0 {
		return Geocoded{}, errs.New(errs.NotFound, msgGeocodeNone)
	}
	return Geocoded{Precision: PrecisionDivision, DivisionCode: best.ID, DivisionName: best.Name}, nil
}

// containing answers the features of a polygon layer whose area holds pt.
func (s *Service) containing(ctx context.Context, layer string, pt orb.Point) ([]Feature, error) {
	b := orb.Bound{Min: pt, Max: pt}
	cands, err := s.features(ctx, layer, &b, 1000)
	if err != nil {
		return nil, err
	}
	out := cands[:0]
	for _, f := range cands {
		switch g := f.Geom.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, pt) {
				out = append(out, f)
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, pt) {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// GeocodeFor geocodes for a caller: the answers of layers p may not read
// are left out and named in Withheld (the point too, when it comes from
// the standard address layer); with none readable it is refused. Audited.
func (s *Service) GeocodeFor(ctx context.Context, p org.Principal, in GeocodeInput) (Geocoded, error) {
	if !staff(p) {
		return Geocoded{}, errs.New(errs.Forbidden, msgNoDepartment)
	}
	readable := map[string]bool{}
	var firstErr error
	for _, id := range []string{LayerAddress, LayerDivision, LayerGrid} {
		l, err := s.layer(ctx, id)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return Geocoded{}, err
		}
		if _, err := s.access(ctx, p, l); err == nil {
			readable[id] = true
		} else if errs.Is(err, errs.Forbidden) {
			firstErr = cmpErr(firstErr, err)
		} else {
			return Geocoded{}, err
		}
	}
	if !readable[LayerDivision] && !readable[LayerGrid] {
		if firstErr == nil {
			firstErr = errs.New(errs.Forbidden, msgNoDepartment)
		}
		return Geocoded{}, firstErr
	}
	g, err := s.Geocode(ctx, in)
	if err != nil {
		return g, err
	}
	if !readable[LayerAddress] && g.Precision == PrecisionAddress {
		g.Lon, g.Lat, g.AddressID, g.Withheld = nil, nil, "", append(g.Withheld, LayerAddress)
	}
	if !readable[LayerDivision] {
		g.DivisionCode, g.DivisionName, g.Withheld = "", "", append(g.Withheld, LayerDivision)
	}
	if !readable[LayerGrid] {
		g.GridCode, g.GridName, g.Withheld = "", "", append(g.Withheld, LayerGrid)
	}
	what := g.DivisionCode + " " + g.GridCode
	return g, s.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Action: "geo.geocode",
		Target: "geo:" + LayerAddress, Outcome: audit.Success, ClientAddr: p.ClientAddr, Detail: audit.Keyed(auditGeocode, strings.TrimSpace(what))})
}

func cmpErr(prev, err error) error {
	if prev != nil {
		return prev
	}
	return err
}

// Locate answers the division code and grid code (网格编码) of an address,
// for the base databases' records: the platform's own use, as Geocode. An
// address placed only by the division its text names has no grid code.
func (s *Service) Locate(ctx context.Context, address string) (divisionCode, gridCode string, err error) {
	g, err := s.Geocode(ctx, GeocodeInput{Address: address})
	return g.DivisionCode, g.GridCode, err
}
