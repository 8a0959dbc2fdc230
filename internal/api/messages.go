package api

import "github.com/govshare/govshare/internal/errs"

// The API's own refusals (a request it cannot read), said by key like the
// domains' messages; what a domain refuses, the domain says.
var (
	msgNoFilePart = errs.Define("api.upload.no_file", "the form has no file part named \"file\"", "表单中没有名为“file”的文件部分")
	msgMultipart  = errs.Define("api.upload.multipart", "malformed multipart body: %s", "multipart 请求体格式有误：%s")
	msgUploadRead = errs.Define("api.upload.read", "cannot read the upload: %s", "无法读取上传的文件：%s")
	// The geospatial transport's own refusals.
	msgGeoParam      = errs.Define("api.geo.param", "unknown query parameter %s: bbox, limit and offset are understood", "不支持的查询参数 %s：可用 bbox、limit 和 offset")
	msgGeoTileNumber = errs.Define("api.geo.tile_number", "%s: a whole number", "%s 须为整数")
)
