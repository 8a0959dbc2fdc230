package ledger

import "github.com/govshare/govshare/internal/audit"

// The audit log's words for this package's actions and records.
func init() {
	audit.DefineActions(
		audit.Words{"ledger.anchor", "anchor a document hash", "文件存证"},
		audit.Words{"ledger.anchor_audit", "anchor the audit log's head", "审计日志头存证"},
		audit.Words{"ledger.split_view", "a witness raised a split view of the ledger", "见证者发现账本分叉视图"},
	)
	audit.DefineTarget("ledger", "ledger", "存证账本")
}
