package opendata

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions.
func init() {
	audit.DefineActions(
		audit.Words{"opendata.download", "download an open dataset", "下载开放数据集"},
	)
}
