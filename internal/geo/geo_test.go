package geo_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/demo"
	"github.com/govshare/govshare/internal/demo/demotest"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/lists"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
	"github.com/govshare/govshare/internal/store/storetest"
)

var migrations = []store.Migration{audit.Migration, org.Migration, catalog.Migration, lists.Migration, sharing.Migration, geo.Migration}

type world struct {
	*demotest.City
	geo  *geo.Service
	city []geo.SynthLayer
}

func newWorld(t *testing.T, db *store.DB) world {
	t.Helper()
	c := demotest.New(t, db)
	g := geo.NewService(db, c.Log, c.Org, c.Sharing)
	svc := demo.Services{Org: c.Org, Catalog: c.Cat, Lists: c.Lists, Sharing: c.Sharing}
	if err := demo.LoadGeo(c.Ctx, g, svc, io.Discard); err != nil {
		t.Fatal(err)
	}
	return world{City: c, geo: g, city: geo.SyntheticCity(demo.CityCode, c.Org.Divisions())}
}

func (w world) synth(layer string) []geo.Feature {
	for _, l := range w.city {
		if l.Layer.ID == layer {
			return l.Features
		}
	}
	return nil
}

func TestLayers(t *testing.T) {
	storetest.Each(t, migrations, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()

		t.Run("access", func(t *testing.T) {
			tests := []struct {
				user, layer string
				want        string // error code, "" for allowed
			}{
				{"zrzy.cataloger", geo.LayerDivision, ""}, // its own
				{"cgj.consumer", geo.LayerGrid, ""},       // its own
				{"xzsp.consumer", geo.LayerGrid, ""},      // granted
				{"xzsp.consumer", geo.LayerAddress, ""},   // granted after approval
				{"jyj.consumer", geo.LayerPOI, ""},        // granted
				{"jyj.consumer", geo.LayerGrid, errs.Forbidden},
				{"jyj.consumer", geo.LayerAddress, errs.Forbidden},
				{"zrzy.cataloger", geo.LayerGrid, errs.Forbidden}, // not a consumer
				{"admin", geo.LayerDivision, errs.Forbidden},
				{"secadmin", geo.LayerDivision, errs.Forbidden},
				{"auditor", geo.LayerDivision, errs.Forbidden},
				{"xzsp.consumer", "nosuch", errs.NotFound},
			}
			for _, tt := range tests {
				_, err := w.geo.Items(ctx, w.User(tt.user), tt.layer, geo.Query{Limit: 1})
				if got := codeOf(err); got != tt.want {
					t.Errorf("%s reads %s: %v, want %q", tt.user, tt.layer, err, tt.want)
				}
				_, err = w.geo.Tile(ctx, w.User(tt.user), tt.layer, 10, 836, 427)
				if got := codeOf(err); got != tt.want {
					t.Errorf("%s tile of %s: %v, want %q", tt.user, tt.layer, err, tt.want)
				}
			}
		})

		t.Run("collections", func(t *testing.T) {
			denials := func() int {
				_, n, err := w.Log.List(ctx, audit.Filter{Actor: "jyj.consumer", Outcome: audit.Denied, PageSize: 1})
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := denials()
			cs, err := w.geo.Collections(ctx, w.User("jyj.consumer"), "zh-CN")
			if err != nil {
				t.Fatal(err)
			}
			readable := map[string]bool{}
			for _, c := range cs {
				readable[c.ID] = c.Readable
				if !c.Readable && !strings.Contains(c.Why, "共享授权") {
					t.Errorf("layer %s not readable, why %q: want the grant named", c.ID, c.Why)
				}
			}
			want := map[string]bool{geo.LayerDivision: true, geo.LayerPOI: true, geo.LayerGrid: false, geo.LayerAddress: false}
			if len(cs) != 4 || !maps.Equal(readable, want) {
				t.Errorf("readable layers %v, want %v", readable, want)
			}
			if after := denials(); after != before {
				t.Errorf("listing the layers audited %d refusals, want none", after-before)
			}
		})

		t.Run("shaped by the grant", func(t *testing.T) {
			own, err := w.geo.Feature(ctx, w.User("cgj.consumer"), geo.LayerGrid, "4302020001")
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.geo.Feature(ctx, w.User("xzsp.consumer"), geo.LayerGrid, "4302020001")
			if err != nil {
				t.Fatal(err)
			}
			if own.Props["manager"] == got.Props["manager"] || !strings.Contains(got.Props["manager"], "*") || strings.Contains(got.Props["phone"], own.Props["phone"][3:7]) {
				t.Errorf("granted grid manager %q phone %q, want masked (own %q %q)", got.Props["manager"], got.Props["phone"], own.Props["manager"], own.Props["phone"])
			}
		})

		t.Run("row filter", func(t *testing.T) {
			// 天元区 applies for the points of interest of its own district only.
			ty := w.User("ty.consumer")
			_, err := w.Sharing.Apply(ctx, ty, sharing.ApplicationInput{EntryCode: w.layerCode(t, geo.LayerPOI), Purpose: "辖区兴趣点", Basis: "职责（测试）",
				Scenario: "地图", Delivery: sharing.DeliveryFile, RowFilter: sharing.RowFilter{{Item: "division_code", Op: sharing.OpEq, Values: []string{"430211"}}}})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, f := range w.synth(geo.LayerPOI) {
				if f.Props["division_code"] == "430211" {
					want++
				}
			}
			pg, err := w.geo.Items(ctx, ty, geo.LayerPOI, geo.Query{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if pg.Matched != int64(want) || len(pg.Features) != 10 {
				t.Fatalf("matched %d, returned %d; want %d and 10", pg.Matched, len(pg.Features), want)
			}
			for _, f := range pg.Features {
				if f.Props["division_code"] != "430211" {
					t.Errorf("feature %s of division %s passed the row filter", f.ID, f.Props["division_code"])
				}
			}
			other := w.synth(geo.LayerPOI)[len(w.synth(geo.LayerPOI))-1]
			if _, err := w.geo.Feature(ctx, ty, geo.LayerPOI, other.ID); codeOf(err) != errs.NotFound {
				t.Errorf("feature of %s outside the row filter: %v, want not found", other.Props["division_code"], err)
			}
		})

		t.Run("bbox", func(t *testing.T) {
			b := orb.Bound{Min: orb.Point{113.0, 27.6}, Max: orb.Point{113.3, 27.9}}
			want := 0
			for _, f := range w.synth(geo.LayerAddress) {
				if f.Geom.Bound().Intersects(b) {
					want++
				}
			}
			p := w.User("xzsp.consumer")
			pg, err := w.geo.Items(ctx, p, geo.LayerAddress, geo.Query{BBox: &b, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if pg.Matched != int64(want) || len(pg.Features) != 50 || want < 100 {
				t.Fatalf("matched %d returned %d, want %d and 50", pg.Matched, len(pg.Features), want)
			}
			seen := map[string]bool{}
			for off := 0; off < want; off += 500 {
				pg, err := w.geo.Items(ctx, p, geo.LayerAddress, geo.Query{BBox: &b, Limit: 500, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range pg.Features {
					if !f.Geom.Bound().Intersects(b) || seen[f.ID] {
						t.Fatalf("feature %s outside the box or twice", f.ID)
					}
					seen[f.ID] = true
				}
			}
			if len(seen) != want {
				t.Errorf("paged through %d features, want %d", len(seen), want)
			}
			if _, err := w.geo.Items(ctx, p, geo.LayerAddress, geo.Query{Limit: geo.MaxLimit + 1}); codeOf(err) != errs.Invalid {
				t.Errorf("limit above the maximum: %v, want invalid", err)
			}
		})

		t.Run("tiles", func(t *testing.T) {
			p := w.User("xzsp.consumer")
			// The z10 tile over the north of the synthetic city.
			tl := maptile.At(orb.Point{113.15, 27.8}, 10)
			data, err := w.geo.Tile(ctx, p, geo.LayerGrid, 10, int(tl.X), int(tl.Y))
			if err != nil {
				t.Fatal(err)
			}
			ls, err := mvt.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 1 || ls[0].Name != geo.LayerGrid || len(ls[0].Features) == 0 {
				t.Fatalf("tile layers %d, want one grid layer with features", len(ls))
			}
			f := ls[0].Features[0]
			if f.Properties["fid"] == nil || !strings.Contains(f.Properties.MustString("manager", ""), "*") {
				t.Errorf("tile feature properties %v, want fid and a masked manager", f.Properties)
			}
			// Below the layer's minimum zoom, an empty tile.
			data, err = w.geo.Tile(ctx, p, geo.LayerAddress, 5, 26, 13)
			if err != nil {
				t.Fatal(err)
			}
			if ls, err := mvt.Unmarshal(data); err != nil || len(ls) != 1 || len(ls[0].Features) != 0 {
				t.Errorf("tile below min zoom: %d layers, err %v; want one empty layer", len(ls), err)
			}
			for _, c := range [][3]int{{-1, 0, 0}, {23, 0, 0}, {2, 4, 0}, {2, 0, 4}} {
				if _, err := w.geo.Tile(ctx, p, geo.LayerGrid, c[0], c[1], c[2]); codeOf(err) != errs.Invalid {
					t.Errorf("tile %v: %v, want invalid", c, err)
				}
			}
		})

		t.Run("geocode", func(t *testing.T) {
			addrs := w.synth(geo.LayerAddress)
			for _, a := range []geo.Feature{addrs[0], addrs[len(addrs)/2], addrs[len(addrs)-1]} {
				g, err := w.geo.Geocode(ctx, geo.GeocodeInput{Address: " " + a.Name})
				if err != nil {
					t.Fatal(err)
				}
				if g.Precision != geo.PrecisionAddress || g.DivisionCode != a.Props["division_code"] || g.GridCode != a.Props["grid_code"] {
					t.Errorf("Geocode(%s) = %+v, want division %s grid %s", a.Name, g, a.Props["division_code"], a.Props["grid_code"])
				}
			}
			if d, g, err := w.geo.Locate(ctx, addrs[1].Name); err != nil || d != addrs[1].Props["division_code"] || g != addrs[1].Props["grid_code"] {
				t.Errorf("Locate(%s) = %s, %s, %v", addrs[1].Name, d, g, err)
			}
			g, err := w.geo.Geocode(ctx, geo.GeocodeInput{Address: "株洲市醴陵市某不存在路1号"})
			if err != nil || g.Precision != geo.PrecisionDivision || g.DivisionCode != "430281" {
				t.Errorf("text fallback = %+v, %v; want 430281", g, err)
			}
			if _, err := w.geo.Geocode(ctx, geo.GeocodeInput{Address: "火星某路"}); codeOf(err) != errs.NotFound {
				t.Errorf("unknown address: %v, want not found", err)
			}
			// For a caller: jyj reads divisions but not grids nor addresses.
			g, err = w.geo.GeocodeFor(ctx, w.User("jyj.consumer"), geo.GeocodeInput{Address: addrs[0].Name})
			if err != nil || g.DivisionCode == "" || g.GridCode != "" || g.Lon != nil || len(g.Withheld) != 2 {
				t.Errorf("GeocodeFor(jyj) = %+v, %v; want the division only, address and grid withheld", g, err)
			}
			if _, err := w.geo.GeocodeFor(ctx, w.User("auditor"), geo.GeocodeInput{Address: addrs[0].Name}); codeOf(err) != errs.Forbidden {
				t.Errorf("auditor geocodes: %v, want forbidden", err)
			}
		})

		t.Run("rasters", func(t *testing.T) {
			p := w.User("zrzy.cataloger")
			in := geo.RasterInput{Name: "测试影像", Kind: "dom", Format: "COG", CRS: "EPSG:4490", ResolutionM: 0.2, Bands: 4, SizeBytes: 1 << 40,
				SHA256: strings.Repeat("ab", 32), Location: "/etc/passwd", BBox: geo.Bound{113, 27, 113.1, 27.1}}
			r, err := w.geo.RegisterRaster(ctx, p, in)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := w.geo.Raster(ctx, w.User("jyj.consumer"), r.ID); err != nil || got.Location != in.Location || got.SizeBytes != 1<<40 {
				t.Errorf("Raster() = %+v, %v", got, err)
			}
			bad := in
			bad.SHA256, bad.Format, bad.BBox = "xyz", "PNG", geo.Bound{10, 10, 5, 5}
			_, err = w.geo.RegisterRaster(ctx, p, bad)
			var e *errs.Error
			if !errorsAs(err, &e) || e.Fields["sha256"].IsZero() || e.Fields["format"].IsZero() || e.Fields["bbox"].IsZero() {
				t.Errorf("bad raster: %v, want sha256, format and bbox named", err)
			}
			for _, u := range []string{"jyj.consumer", "admin", "auditor"} {
				if _, err := w.geo.RegisterRaster(ctx, w.User(u), in); codeOf(err) != errs.Forbidden {
					t.Errorf("%s registers a raster: %v, want forbidden", u, err)
				}
			}
		})
	})
}

// layerCode is the catalog entry of a layer.
func (w world) layerCode(t *testing.T, layer string) string {
	t.Helper()
	c, err := w.geo.Collection(context.Background(), w.User("xzsp.consumer"), layer, "en")
	if err != nil {
		t.Fatal(err)
	}
	return c.EntryCode
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return errs.CodeOf(err)
}

func errorsAs(err error, target **errs.Error) bool { return errors.As(err, target) }
