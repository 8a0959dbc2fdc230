package geo

import (
	"fmt"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"github.com/govshare/govshare/internal/division"
)

// SynthLayer is a generated layer with its features.
type SynthLayer struct {
	Layer    Layer
	Features []Feature
}

// CityExtent is the frame of the synthetic demo city, lon/lat.
var CityExtent = orb.Bound{Min: orb.Point{112.95, 26.05}, Max: orb.Point{114.05, 27.95}}

// cityLayout places the demo city's nine county-level divisions on a 3×3
// lattice, north row first (synthetic: the shapes are made up).
var cityLayout = [3][3]string{
	{"430211", "430204", "430202"},
	{"430212", "430203", "430281"},
	{"430223", "430224", "430225"},
}

var urban = map[string]bool{"430211": true, "430204": true, "430202": true, "430203": true}

// SyntheticCity generates the demo city's four layers: division
// boundaries (the city and its nine counties on a jittered lattice),
// grids (网格: 8×8 in each urban district, 4×4 elsewhere), standard
// addresses in every grid and points of interest. Everything is synthetic
// (names carry 演示) and the same for the same city code.
func SyntheticCity(city string, divs *division.Table) []SynthLayer {
	r := rand.New(rand.NewPCG(2026, 4302))
	xs := []float64{CityExtent.Min[0], 113.35, 113.70, CityExtent.Max[0]}
	ys := []float64{CityExtent.Max[1], 27.55, 27.00, CityExtent.Min[1]}
	var v [4][4]orb.Point
	for i := range 4 {
		for j := range 4 {
			p := orb.Point{xs[j], ys[i]}
			if i > 0 && i < 3 && j > 0 && j < 3 {
				p[0] += (r.Float64() - 0.5) * 0.12
				p[1] += (r.Float64() - 0.5) * 0.12
			}
			v[i][j] = p
		}
	}
	name := func(code string) string {
		if d, ok := divs.Lookup(code); ok {
			return d.Name
		}
		return code
	}
	cityName := name(city)
	divLayer := SynthLayer{Layer: Layer{ID: LayerDivision, NameZH: "行政区划", NameEN: "Administrative divisions", Kind: KindPolygon,
		Properties: []string{"code", "name", "level", "parent"}}}
	outer := orb.Ring{v[0][0], v[3][0], v[3][3], v[0][3], v[0][0]}
	divLayer.Features = append(divLayer.Features, Feature{ID: city, Name: cityName, Geom: orb.Polygon{outer},
		Props: map[string]string{"code": city, "name": cityName, "level": "2", "parent": division.Parent(city)}})
	gridLayer := SynthLayer{Layer: Layer{ID: LayerGrid, NameZH: "网格", NameEN: "Grids", Kind: KindPolygon, MinZoom: 8,
		Properties: []string{"code", "name", "division_code", "manager", "phone"}}}
	addrLayer := SynthLayer{Layer: Layer{ID: LayerAddress, NameZH: "标准地址", NameEN: "Standard addresses", Kind: KindPoint, MinZoom: 12,
		Properties: []string{"code", "name", "division_code", "grid_code"}}}
	poiLayer := SynthLayer{Layer: Layer{ID: LayerPOI, NameZH: "兴趣点", NameEN: "Points of interest", Kind: KindPoint, MinZoom: 10,
		Properties: []string{"code", "name", "category", "division_code", "address"}}}
	categories := []struct{ kind, suffix string }{{"学校", "小学"}, {"医院", "医院"}, {"派出所", "派出所"}, {"社区服务中心", "社区服务中心"}, {"政务服务中心", "政务服务中心"}, {"公园", "公园"}}
	for i := range 3 {
		for j := range 3 {
			code := cityLayout[i][j]
			dn := name(code)
			// Corners: north-west, south-west, south-east, north-east.
			nw, sw, se, ne := v[i][j], v[i+1][j], v[i+1][j+1], v[i][j+1]
			divLayer.Features = append(divLayer.Features, Feature{ID: code, Name: dn, Geom: orb.Polygon{orb.Ring{nw, sw, se, ne, nw}},
				Props: map[string]string{"code": code, "name": dn, "level": "3", "parent": city}})
			n, perGrid := 4, 10
			if urban[code] {
				n, perGrid = 8, 40
			}
			at := func(u, w float64) orb.Point { // bilinear within the county, u west→east, w north→south
				top := orb.Point{nw[0] + (ne[0]-nw[0])*u, nw[1] + (ne[1]-nw[1])*u}
				bot := orb.Point{sw[0] + (se[0]-sw[0])*u, sw[1] + (se[1]-sw[1])*u}
				return orb.Point{top[0] + (bot[0]-top[0])*w, top[1] + (bot[1]-top[1])*w}
			}
			seq := 0
			for a := range n {
				for b := range n {
					seq++
					gc := fmt.Sprintf("%s%04d", code, seq)
					gn := fmt.Sprintf("%s第%d网格", dn, seq)
					u0, u1, w0, w1 := float64(b)/float64(n), float64(b+1)/float64(n), float64(a)/float64(n), float64(a+1)/float64(n)
					ring := orb.Ring{at(u0, w0), at(u0, w1), at(u1, w1), at(u1, w0), at(u0, w0)}
					gridLayer.Features = append(gridLayer.Features, Feature{ID: gc, Name: gn, Geom: orb.Polygon{ring},
						Props: map[string]string{"code": gc, "name": gn, "division_code": code,
							"manager": fmt.Sprintf("%c演示%03d", []rune("王李张刘陈杨黄赵吴周")[seq%10], seq), "phone": fmt.Sprintf("1390733%04d", (seq*37)%10000)}})
					road := fmt.Sprintf("演示%d路", seq)
					for k := range perGrid {
						p := at(u0+(u1-u0)*(0.05+0.9*r.Float64()), w0+(w1-w0)*(0.05+0.9*r.Float64()))
						ac := fmt.Sprintf("%s%03d", gc, k+1)
						an := fmt.Sprintf("%s%s%s%d号", cityName, dn, road, k+1)
						addrLayer.Features = append(addrLayer.Features, Feature{ID: ac, Name: an, Geom: p,
							Props: map[string]string{"code": ac, "name": an, "division_code": code, "grid_code": gc}})
						if k%8 == 0 {
							c := categories[(seq+k)%len(categories)]
							pc := "P" + ac
							pn := fmt.Sprintf("%s演示%s%d%s", dn, road, k+1, c.suffix)
							poiLayer.Features = append(poiLayer.Features, Feature{ID: pc, Name: pn, Geom: orb.Point{p[0] + 0.0004, p[1] + 0.0003},
								Props: map[string]string{"code": pc, "name": pn, "category": c.kind, "division_code": code, "address": an}})
						}
					}
				}
			}
		}
	}
	return []SynthLayer{divLayer, gridLayer, addrLayer, poiLayer}
}

// SyntheticPoints generates n points of interest spread over b, for the
// benchmark: ids P0000001..., a name, a category and a code.
func SyntheticPoints(n int, b orb.Bound, seed uint64) []Feature {
	r := rand.New(rand.NewPCG(seed, 430200))
	kinds := []string{"学校", "医院", "商店", "餐馆", "公交站", "停车场", "银行", "药店"}
	out := make([]Feature, n)
	for i := range out {
		p := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
		id := fmt.Sprintf("P%07d", i+1)
		k := kinds[i%len(kinds)]
		out[i] = Feature{ID: id, Name: fmt.Sprintf("演示%s%d", k, i+1), Geom: p, Props: map[string]string{"code": id, "category": k}}
	}
	return out
}
