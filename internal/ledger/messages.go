package ledger

import "github.com/govshare/govshare/internal/errs"

// The ledger's messages, in English and Chinese.
var (
	msgHashForm         = errs.Define("ledger.hash_form", "must be a SHA-256 or SM3 hash: 64 hexadecimal digits", "须为 SHA-256 或 SM3 哈希值：64 位十六进制数字")
	msgKindForm         = errs.Define("ledger.kind_form", "must be 1 to 40 of a-z, 0-9, '.', '_' and '-', starting with a letter", "须为 1 至 40 位小写字母、数字、“.”“_”“-”，以字母开头")
	msgNoteLength       = errs.Define("ledger.note_length", "must be at most %d characters", "最多 %d 个字")
	msgNoteControl      = errs.Define("ledger.note_control", "must not contain control characters", "不得含控制字符")
	msgKindReserved     = errs.Define("ledger.kind_reserved", "the kind %s is the platform's own", "类型 %s 由平台自身使用")
	msgSizeBeyond       = errs.Define("ledger.size_beyond", "tree size %d is beyond the latest checkpoint (%d)", "树大小 %d 超过最新检查点（%d）")
	msgFromBeyond       = errs.Define("ledger.from_beyond", "size %d is larger than %d", "大小 %d 大于 %d")
	msgSizeForm         = errs.Define("ledger.size_form", "must be a tree size: a whole number without leading zeros", "须为树大小：不带前导零的整数")
	msgLeafUnknown      = errs.Define("ledger.leaf_unknown", "no leaf with this hash in the tree of %d", "大小为 %d 的树中没有该哈希的叶子")
	msgNoLeaf           = errs.Define("ledger.no_leaf", "no leaf at index %d", "索引 %d 处没有叶子")
	msgNoCheckpoint     = errs.Define("ledger.no_checkpoint", "the ledger has published no checkpoint yet", "存证账本尚未发布检查点")
	msgNoTile           = errs.Define("ledger.no_tile", "no such tile", "没有该瓦片")
	msgAnchorRole       = errs.Define("ledger.anchor_role", "only a department's administrator or cataloger anchors its documents", "仅部门管理员或编目员可为本部门存证")
	msgAnchored         = errs.Define("ledger.anchored", "anchored %s %s as leaf %d", "已存证 %s %s，叶子序号 %d")
	msgNotOurCheckpoint = errs.Define("ledger.not_our_checkpoint", "is not a checkpoint this log published", "不是本账本发布的检查点")
	msgCosignature      = errs.Define("ledger.cosignature", "is not a valid cosignature by a known witness", "不是已登记见证者的有效联署签名")
	msgNoSplitView      = errs.Define("ledger.no_split_view", "the two checkpoints are consistent with the log: no split view", "两个检查点与账本一致，不构成分叉视图")
	msgSplitSameSize    = errs.Define("ledger.split_same_size", "witness %s raised a split view: two checkpoints of size %d with different roots", "见证者 %s 发现分叉视图：大小为 %d 的两个检查点根哈希不同")
	msgSplitNotInTree   = errs.Define("ledger.split_not_in_tree", "witness %s raised a split view: a checkpoint of size %d whose root is not the log's tree at that size", "见证者 %s 发现分叉视图：大小为 %d 的检查点根哈希与账本不符")
	msgAuditAnchored    = errs.Define("ledger.audit_anchored", "anchored the audit log's head, entry %d, as leaf %d", "已将审计日志头（第 %d 条）存证，叶子序号 %d")
)

func sizeErr(field string) error { return errs.FieldMsg(field, msgSizeForm) }
