package opendata

import "github.com/govshare/govshare/internal/errs"

// The open data domain's messages, in English and Chinese.
var (
	msgNotFound      = errs.Define("opendata.not_found", "no open dataset %s", "没有开放数据集 %s")
	msgNoDepartment  = errs.Define("opendata.no_department", "no department %s publishes open data", "部门 %s 没有开放数据")
	msgQueryLength   = errs.Define("opendata.query_length", "must be at most %d characters", "最多 %d 个字")
	msgOpenType      = errs.Define("opendata.open_type", "must be open or conditional", "须为无条件开放或有条件开放")
	msgSort          = errs.Define("opendata.sort", "must be relevance, name or date", "须为相关度、名称或日期")
	msgFormat        = errs.Define("opendata.format", "must be csv, xlsx or json", "须为 csv、xlsx 或 json")
	msgNotOpen       = errs.Define("opendata.not_open", "dataset %s is open only on conditions: apply for it", "数据集 %s 为有条件开放，请申请使用")
	msgNoDownload    = errs.Define("opendata.no_download", "dataset %s has no data to download yet", "数据集 %s 暂无可下载的数据")
	msgUnavailable   = errs.Define("opendata.unavailable", "the data of %s cannot be read now; try again later", "数据集 %s 的数据暂时无法读取，请稍后再试")
	msgThrottled     = errs.Define("opendata.throttled", "too many downloads from your address; try again in a minute", "您的地址下载过于频繁，请一分钟后再试")
	msgBusy          = errs.Define("opendata.busy", "a download from your address is still running; wait for it to finish", "您的地址仍有下载在进行，请等待其完成")
	auditDownload    = errs.Define("opendata.audit.download", "%s download of %d rows of %d columns", "%s 下载，%d 行 %d 列")
	auditDownloadCut = errs.Define("opendata.audit.download_cut", "%s download broken off after %d rows of %d columns", "%s 下载在 %d 行 %d 列后中断")
)
