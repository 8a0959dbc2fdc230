package geo

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and targets.
func init() {
	audit.DefineActions(
		audit.Words{"geo.read", "read a geospatial layer", "读取地理空间图层"},
		audit.Words{"geo.geocode", "geocode an address", "地址地理编码"},
		audit.Words{"geo.raster.register", "register a raster", "登记栅格数据"},
	)
	audit.DefineTargets(
		audit.Words{"geo", "geospatial layer", "地理空间图层"},
		audit.Words{"geo-raster", "raster", "栅格数据"},
	)
}
