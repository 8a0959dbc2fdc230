package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// GeoOptions configure the geospatial benchmark.
type GeoOptions struct {
	Features int // points of interest in the layer
	Queries  int // bounding-box queries and tiles timed, each
	Scans    int // bare scans timed (each reads every feature)
	Target
}

// benchLayer is the benchmark's layer; a second run on the same database
// reuses it when it holds Features features.
const benchLayer = "bench_poi"

// Geo measures the geospatial layers on SQLite (R*Tree) in Dir and, with
// Database, on PostgreSQL (PostGIS, GiST), in one run: Features points of
// interest over the demo city's frame; the p50/p99 of a bounding-box query
// through the service (about 1 km square; and about 5 km square with a
// page of 100 and its count), and of vector tiles at zooms 12 to 15 (each
// read checked and audited as a request's); beside a bare scan of the same
// features (every row read, bounds compared in Go), the baseline.
func Geo(ctx context.Context, o GeoOptions, out io.Writer) error {
	if o.Queries <= 0 {
		o.Queries = 2000
	}
	if o.Scans <= 0 {
		o.Scans = 5
	}
	targets := []struct{ name, dsn string }{{"SQLite (R*Tree)", filepath.Join(o.Dir, "geo.db")}}
	if o.Database != "" {
		targets = append(targets, struct{ name, dsn string }{"PostgreSQL (PostGIS, GiST)", o.Database})
	}
	fmt.Fprintf(out, "geo: %d points of interest over %.2f°×%.2f° (the demo city's frame); %d bbox queries and %d tiles timed, %d bare scans\n",
		o.Features, geo.CityExtent.Max[0]-geo.CityExtent.Min[0], geo.CityExtent.Max[1]-geo.CityExtent.Min[1], o.Queries, o.Queries, o.Scans)
	for _, t := range targets {
		if err := geoTarget(ctx, o, t.name, t.dsn, out); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	return nil
}

func geoTarget(ctx context.Context, o GeoOptions, name, dsn string, out io.Writer) error {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, audit.Migration, geo.Migration); err != nil {
		return err
	}
	svc := geo.NewService(db, audit.New(db), nil, nil)
	// The reader: a data consumer of the department that provides the
	// layer, so that every read goes through the access check and audit.
	p := org.Principal{UserID: 1, Username: "bench.consumer", DepartmentID: 1, Roles: []org.Role{org.Consumer}}
	if _, err := svc.CreateLayer(ctx, geo.Layer{ID: benchLayer, NameZH: "兴趣点（基准测试）", NameEN: "Points of interest (benchmark)", Kind: geo.KindPoint,
		DepartmentID: 1, MinZoom: 12, Properties: []string{"code", "category"}}); err != nil && !errs.Is(err, errs.Conflict) {
		return err
	}
	c, err := svc.Collection(ctx, p, benchLayer, "en")
	if err != nil {
		return err
	}
	if c.Features != int64(o.Features) {
		if c.Features != 0 {
			return fmt.Errorf("layer %s holds %d features, not %d: use an empty database or schema", benchLayer, c.Features, o.Features)
		}
		t := time.Now()
		const slice = 100000
		for from := 0; from < o.Features; from += slice {
			fs := geo.SyntheticPoints(min(slice, o.Features-from), geo.CityExtent, uint64(from))
			for i := range fs {
				fs[i].ID = fmt.Sprintf("P%07d", from+i+1)
			}
			if err := svc.Load(ctx, benchLayer, fs); err != nil {
				return err
			}
		}
		d := time.Since(t)
		fmt.Fprintf(out, "%s: loaded %d features in %s (%.0f/s, index included)\n", name, o.Features, d.Round(time.Millisecond), float64(o.Features)/d.Seconds())
	} else {
		fmt.Fprintf(out, "%s: reusing the %d features loaded by an earlier run\n", name, c.Features)
	}

	r := rand.New(rand.NewPCG(7, 4302))
	ext := geo.CityExtent
	box := func(side float64) orb.Bound {
		x := ext.Min[0] + r.Float64()*(ext.Max[0]-ext.Min[0]-side)
		y := ext.Min[1] + r.Float64()*(ext.Max[1]-ext.Min[1]-side)
		return orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + side, y + side}}
	}
	fmt.Fprintf(out, "%-44s %9s %9s %9s %10s\n", name, "p50", "p99", "max", "features")
	timeQueries := func(what string, side float64, limit int) (time.Duration, error) {
		lat := make([]time.Duration, 0, o.Queries)
		total := 0
		for range o.Queries {
			b := box(side)
			t0 := time.Now()
			pg, err := svc.Items(ctx, p, benchLayer, geo.Query{BBox: &b, Limit: limit})
			if err != nil {
				return 0, err
			}
			lat = append(lat, time.Since(t0))
			total += len(pg.Features)
		}
		slices.Sort(lat)
		fmt.Fprintf(out, "%-44s %9s %9s %9s %10.0f\n", what, pct(lat, 50), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond), float64(total)/float64(len(lat)))
		return pct(lat, 99), nil
	}
	small, err := timeQueries("bbox query ~1 km square (items, limit 1000)", 0.01, 1000)
	if err != nil {
		return err
	}
	if _, err := timeQueries("bbox query ~5 km square (limit 100 + count)", 0.05, 100); err != nil {
		return err
	}
	var tileP99 time.Duration
	for z := 12; z <= 15; z++ {
		lat := make([]time.Duration, 0, o.Queries/4)
		size := 0
		for range max(1, o.Queries/4) {
			pt := orb.Point{ext.Min[0] + r.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1] + r.Float64()*(ext.Max[1]-ext.Min[1])}
			tl := maptile.At(pt, maptile.Zoom(z))
			t0 := time.Now()
			b, err := svc.Tile(ctx, p, benchLayer, z, int(tl.X), int(tl.Y))
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t0))
			size += len(b)
		}
		slices.Sort(lat)
		tileP99 = max(tileP99, pct(lat, 99))
		fmt.Fprintf(out, "%-44s %9s %9s %9s %10s\n", fmt.Sprintf("vector tile z%d (mean %.0f KB)", z, float64(size)/float64(len(lat))/1024),
			pct(lat, 50), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond), "")
	}
	scans := make([]time.Duration, 0, o.Scans)
	found := 0
	for range o.Scans {
		b := box(0.01)
		t0 := time.Now()
		n, err := svc.BareScan(ctx, benchLayer, b)
		if err != nil {
			return err
		}
		scans = append(scans, time.Since(t0))
		found += n
	}
	slices.Sort(scans)
	fmt.Fprintf(out, "%-44s %9s %9s %9s %10.0f\n", "baseline: bare scan of every feature, 1 km box", pct(scans, 50), pct(scans, 99), scans[len(scans)-1].Round(time.Microsecond), float64(found)/float64(len(scans)))
	fmt.Fprintf(out, "%s: bbox p99 %s (goal < 50 ms), %.0f× faster than the bare scan's p50; tile p99 (worst zoom) %s (goal < 50 ms)\n",
		name, small, scans[len(scans)/2].Seconds()/small.Seconds(), tileP99)
	return nil
}
