package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/geo"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
)

// GeoLayers are the demo city's layers: the department that provides each
// (行政区划 and 兴趣点 by 自然资源局, 网格 by 城管局, 标准地址 by 公安局), its
// catalog entry's share type and the masking of its items.
var GeoLayers = []struct {
	ID, Dept, Entry, Share string
	Masking                map[string]string
}{
	{geo.LayerDivision, "zrzy", "行政区划边界", catalog.ShareUnconditional, nil},
	{geo.LayerGrid, "cgj", "网格化管理网格", catalog.ShareUnconditional, map[string]string{"manager": "name", "phone": "phone"}},
	{geo.LayerAddress, "gaj", "标准地址", catalog.ShareConditional, nil},
	{geo.LayerPOI, "zrzy", "兴趣点", catalog.ShareUnconditional, nil},
}

// GeoGrants are the demo's grants of layers: the data authority's consumer
// reads all four (标准地址 after the 公安局's and its own approval); the
// education bureau's reads the divisions and points of interest only.
var GeoGrants = []struct{ User, Layer string }{
	{"xzsp.consumer", geo.LayerDivision}, {"xzsp.consumer", geo.LayerGrid}, {"xzsp.consumer", geo.LayerAddress}, {"xzsp.consumer", geo.LayerPOI},
	{"jyj.consumer", geo.LayerDivision}, {"jyj.consumer", geo.LayerPOI},
}

// LoadGeo builds the demo city's geospatial layers (synthetic): each
// layer's catalog entry, made by its department's cataloger and published
// by the data authority, the layer with its features, the grants of
// GeoGrants and two registered rasters. It does nothing when the layers
// exist.
func LoadGeo(ctx context.Context, g *geo.Service, svc Services, out io.Writer) error {
	start := time.Now()
	login := func(user string) (org.Principal, error) { return svc.login(ctx, user) }
	approver, err := login("xzsp.approver")
	if err != nil {
		return err
	}
	if ls, err := g.Collections(ctx, approver, "zh-CN"); err != nil || len(ls) > 0 {
		return err
	}
	layers := geo.SyntheticCity(CityCode, svc.Org.Divisions())
	codes := map[string]string{}
	features := 0
	for i, sl := range layers {
		spec := GeoLayers[i]
		cataloger, err := login(spec.Dept + ".cataloger")
		if err != nil {
			return err
		}
		e := catalog.Entry{Name: spec.Entry, Summary: sl.Layer.NameZH + "矢量图层，WGS 84 经纬度（演示数据，合成生成）", Category: "base", CategoryItem: "03",
			CategorySubItem: fmt.Sprintf("%03d", i+1), Format: "database", ShareType: spec.Share, OpenType: catalog.OpenNone, UpdateCycle: "monthly",
			Keywords: []string{"地理空间", sl.Layer.NameZH}, Contact: "演示联系人", Phone: "0731-28000000", SourceSystem: "演示地理信息系统", Records: int64(len(sl.Features))}
		if spec.Share == catalog.ShareConditional {
			e.ShareCondition = "仅限政务服务和社会治理使用，需经提供部门审核"
		}
		names := map[string]string{"code": "编码", "name": "名称", "level": "级别", "parent": "上级区划代码", "division_code": "行政区划代码",
			"manager": "网格员", "phone": "网格员电话", "grid_code": "网格编码", "category": "类别", "address": "地址"}
		for _, id := range sl.Layer.Properties {
			e.Items = append(e.Items, catalog.Item{Name: names[id], Identifier: id, DataType: "C", Length: 100, Masking: spec.Masking[id], Key: id == "code", Required: id == "code"})
		}
		e, err = svc.Catalog.Create(ctx, cataloger, e)
		if err != nil {
			return fmt.Errorf("entry %s: %w", spec.Entry, err)
		}
		// The layer is the entry's file set, served as OGC API features and vector tiles.
		if _, err := svc.Catalog.AddMount(ctx, cataloger, e.Code, catalog.Mount{Kind: catalog.MountFile,
			Paths: []string{"/geo/collections/" + sl.Layer.ID + "/items", "/geo/tiles/" + sl.Layer.ID + "/{z}/{x}/{y}.mvt"}}); err != nil {
			return fmt.Errorf("mount %s: %w", spec.Entry, err)
		}
		for _, a := range []string{catalog.ActionSubmit, catalog.ActionApprove, catalog.ActionPublish} {
			p := approver
			if a == catalog.ActionSubmit {
				p = cataloger
			}
			if _, err := svc.Catalog.Transition(ctx, p, e.Code, a, ""); err != nil {
				return fmt.Errorf("%s %s: %w", a, spec.Entry, err)
			}
		}
		l := sl.Layer
		l.EntryCode, l.DepartmentID = e.Code, cataloger.DepartmentID
		if _, err := g.CreateLayer(ctx, l); err != nil {
			return err
		}
		if err := g.Load(ctx, l.ID, sl.Features); err != nil {
			return err
		}
		codes[l.ID] = e.Code
		features += len(sl.Features)
	}
	if svc.Sharing != nil {
		if err := geoGrants(ctx, svc, codes, login); err != nil {
			return err
		}
	}
	zrzy, err := login("zrzy.cataloger")
	if err != nil {
		return err
	}
	for _, r := range []geo.RasterInput{
		{Name: "株洲市2025年度0.5米正射影像（演示）", Kind: "dom", Format: "COG", CRS: "EPSG:4490", ResolutionM: 0.5, Bands: 3, SizeBytes: 412 << 30,
			SHA256: "5d1c2f7e3a9b4c6d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f", Location: "zrzy-archive://dom/2025/zhuzhou_dom_0.5m.tif",
			EntryCode: codes[geo.LayerDivision], BBox: geo.Bound{112.95, 26.05, 114.05, 27.95}, AcquiredOn: "2025-10-15"},
		{Name: "株洲市数字高程模型 5米（演示）", Kind: "dem", Format: "GeoTIFF", CRS: "EPSG:4490", ResolutionM: 5, Bands: 1, SizeBytes: 18 << 30,
			SHA256: "a3f9b2c1d0e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2", Location: "zrzy-archive://dem/zhuzhou_dem_5m.tif",
			BBox: geo.Bound{112.95, 26.05, 114.05, 27.95}, AcquiredOn: "2024-06-30"},
	} {
		if _, err := g.RegisterRaster(ctx, zrzy, r); err != nil {
			return fmt.Errorf("raster %s: %w", r.Name, err)
		}
	}
	fmt.Fprintf(out, "Demo map (地理空间, synthetic): %d layers, %d features, %d grants, 2 rasters registered, in %s; log in as xzsp.consumer and open 地图.\n",
		len(layers), features, len(GeoGrants), time.Since(start).Round(time.Millisecond))
	return nil
}

// geoGrants applies for the layers of GeoGrants; the conditional 标准地址
// is approved by the 公安局 and the data authority.
func geoGrants(ctx context.Context, svc Services, codes map[string]string, login func(string) (org.Principal, error)) error {
	for _, gr := range GeoGrants {
		p, err := login(gr.User)
		if err != nil {
			return err
		}
		app, err := svc.Sharing.Apply(ctx, p, sharing.ApplicationInput{EntryCode: codes[gr.Layer], Purpose: "在地图上展示辖区要素，为政务服务和基层治理定位（演示）",
			Basis: "《地理信息公共服务平台管理办法》（演示）", Scenario: "政务地图", Delivery: sharing.DeliveryFile})
		if err != nil {
			var fe *errs.Error
			if errors.As(err, &fe) {
				return fmt.Errorf("%s applies for layer %s: %w %v", gr.User, gr.Layer, err, fe.Fields)
			}
			return fmt.Errorf("%s applies for layer %s: %w", gr.User, gr.Layer, err)
		}
		if app.State == sharing.StateApproved {
			continue
		}
		for _, u := range []string{"gaj.approver", "xzsp.approver"} {
			a, err := login(u)
			if err != nil {
				return err
			}
			if _, err := svc.Sharing.Approve(ctx, a, app.ID, nil, "同意（演示）"); err != nil {
				return fmt.Errorf("%s approves layer %s: %w", u, gr.Layer, err)
			}
		}
	}
	return nil
}
