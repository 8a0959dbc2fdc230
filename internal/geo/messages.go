package geo

import "github.com/govshare/govshare/internal/errs"

// Messages of the geospatial layers.
var (
	msgNoLayer       = errs.Define("geo.layer.not_found", "layer %s not found", "图层 %s 不存在")
	msgNoFeature     = errs.Define("geo.feature.not_found", "feature %s not found in layer %s", "图层 %[2]s 中没有要素 %[1]s")
	msgNoRaster      = errs.Define("geo.raster.not_found", "raster %d not found", "栅格数据 %d 不存在")
	msgLayerID       = errs.Define("geo.layer.id", "a layer id is 1 to 32 lower-case letters, digits, - or _", "图层标识为 1 到 32 位小写字母、数字、- 或 _")
	msgLayerKind     = errs.Define("geo.layer.kind", "kind: polygon or point", "类型须为 polygon（面）或 point（点）")
	msgLayerExists   = errs.Define("geo.layer.exists", "layer %s already exists", "图层 %s 已存在")
	msgBBoxLong      = errs.Define("geo.bbox.too_long", "at most 200 characters", "最多 200 个字符")
	msgBBoxCount     = errs.Define("geo.bbox.count", "want 4 numbers minLon,minLat,maxLon,maxLat (or 6 with heights), got %d", "须为 4 个数 minLon,minLat,maxLon,maxLat（或含高程的 6 个数），实为 %d 个")
	msgBBoxNumber    = errs.Define("geo.bbox.number", "value %d is not a number", "第 %d 个值不是数字")
	msgBBoxLon       = errs.Define("geo.bbox.lon", "longitudes lie within -180..180", "经度须在 -180..180 之间")
	msgBBoxLat       = errs.Define("geo.bbox.lat", "latitudes lie within -90..90", "纬度须在 -90..90 之间")
	msgBBoxLonOrder  = errs.Define("geo.bbox.lon_order", "minLon is greater than maxLon (boxes across the antimeridian are not supported)", "minLon 大于 maxLon（不支持跨 180° 经线的范围）")
	msgBBoxLatOrder  = errs.Define("geo.bbox.lat_order", "minLat is greater than maxLat", "minLat 大于 maxLat")
	msgLimit         = errs.Define("geo.limit.invalid", "limit: a whole number from 1 to %d", "limit 须为 1 到 %d 之间的整数")
	msgOffset        = errs.Define("geo.offset.invalid", "offset: a whole number from 0 to %d", "offset 须为 0 到 %d 之间的整数")
	msgTile          = errs.Define("geo.tile.invalid", "tile %d/%d/%d does not exist: zoom 0 to %d, x and y below 2^zoom", "瓦片 %d/%d/%d 不存在：级别 0 到 %d，行列号小于 2 的级别次方")
	msgGeocodeInput  = errs.Define("geo.geocode.input", "give an address, or a point as lon and lat", "请提供地址，或以 lon、lat 给出坐标")
	msgGeocodeNone   = errs.Define("geo.geocode.not_found", "the address is not among the standard addresses and names no known division", "该地址不在标准地址库中，也不含已知的行政区划名称")
	msgReadDenied    = errs.Define("geo.read.forbidden", "layer %s belongs to another department: it is read under a grant of its catalog entry (%s)", "图层 %s 属于其他部门，须取得其目录资源（%s）的共享授权后方可读取")
	msgNoDepartment  = errs.Define("geo.read.no_department", "the layers are read by the staff of departments; the platform officers read no business data", "地理图层仅供各部门工作人员读取，平台三员不读取业务数据")
	msgManageDenied  = errs.Define("geo.manage.forbidden", "only a cataloger of the providing department registers its layers and rasters", "只有提供部门的编目员可以登记图层和栅格数据")
	msgRasterField   = errs.Define("geo.raster.field", "required", "必填")
	msgRasterNumber  = errs.Define("geo.raster.number", "a positive number", "须为正数")
	msgRasterSHA     = errs.Define("geo.raster.sha256", "64 hexadecimal digits", "须为 64 位十六进制数字")
	msgRasterBBox    = errs.Define("geo.raster.bbox", "a bounding box within lon -180..180, lat -90..90", "须为经度 -180..180、纬度 -90..90 内的范围")
	msgRasterTooLong = errs.Define("geo.raster.too_long", "at most %d characters", "最多 %d 个字符")
	msgRasterFormat  = errs.Define("geo.raster.format", "one of %s", "须为 %s 之一")
)

// auditDetail messages (said in the reader's language by the audit log).
var (
	auditRead    = errs.Define("geo.audit.read", "%s of layer %s: %d features", "读取图层 %[2]s（%[1]s）：%[3]d 个要素")
	auditGeocode = errs.Define("geo.audit.geocode", "geocoded: %s", "地址编码：%s")
	auditRaster  = errs.Define("geo.audit.raster", "registered raster %s (%s, %d bytes)", "登记栅格数据 %s（%s，%d 字节）")
)
