package api

import "github.com/govshare/govshare/internal/errs"

// The API's own refusals (a request it cannot read), said by key like the
// domains' messages; what a domain refuses, the domain says.
var (
	msgNoFilePart = errs.Define("api.upload.no_file", "the form has no file part named \"file\"", "表单中没有名为“file”的文件部分")
	msgMultipart  = errs.Define("api.upload.multipart", "malformed multipart body: %s", "multipart 请求体格式有误：%s")
	msgUploadRead = errs.Define("api.upload.read", "cannot read the upload: %s", "无法读取上传的文件：%s")
)
