package sharing

import (
	"errors"
	"strings"

	"github.com/govshare/govshare/internal/errs"
)

// The messages of sharing (数据共享), in English and Chinese. The English
// wording is the one the API has always answered; the Chinese is what the
// console shows.
var (
	msgNotPublished      = errs.Define("sharing.entry.not_published", "catalog entry %s is not published", "目录 %s 未发布")
	msgNoLongerPublished = errs.Define("sharing.entry.no_longer_published", "catalog entry %s is no longer published", "目录 %s 已不再发布")
	msgEntryUnshared     = errs.Define("sharing.entry.unshared", "%s（%s）is not shared (不予共享): %s", "%s（%s）不予共享。依据：%s")
	msgEntryNegative     = errs.Define("sharing.entry.negative", "%s（%s）is on the negative list (负面清单): %s", "%s（%s）已列入负面清单，不予共享。依据：%s")
	msgItemNegative      = errs.Define("sharing.item.negative", "item %s is on the negative list (负面清单): %s", "信息项 %s 已列入负面清单，不予共享。依据：%s")
	msgItemUnshared      = errs.Define("sharing.item.unshared", "item %s（%s）is not shared (不予共享)", "信息项 %s（%s）不予共享")
	msgNotDate           = errs.Define("sharing.valid_until.not_date", "%q is not a date (YYYY-MM-DD)", "“%s”不是日期（YYYY-MM-DD）")
	msgOnlyConsumer      = errs.Define("sharing.apply.only_consumer", "only a data consumer of a department may apply for data", "只有部门的数据使用者可以申请数据")
	msgOwnEntry          = errs.Define("sharing.apply.own_entry", "the entry is your own department's; it needs no application", "这是本部门的资源，无需申请")
	msgRequired          = errs.Define("sharing.field.required", "required", "必填")
	msgMaxChars          = errs.Define("sharing.field.max_chars", "at most 1000 characters", "最多 1000 个字")
	msgNotItemOf         = errs.Define("sharing.items.not_item", "%q is not an item of %s", "“%s”不是 %s 的信息项")
	msgListedTwice       = errs.Define("sharing.items.twice", "%q is listed twice", "“%s”重复列出")
	msgNoItems           = errs.Define("sharing.items.none", "no shareable item to apply for", "没有可申请的信息项")
	msgNotApplied        = errs.Define("sharing.masking.not_applied", "%q is not an item applied for", "“%s”不在申请的信息项中")
	msgItemProblem       = errs.Define("sharing.item.problem", "%s: %s", "%s：%s")
	msgPast              = errs.Define("sharing.valid_until.past", "must be today or later", "不能早于今天")
	msgThreeYears        = errs.Define("sharing.valid_until.three_years", "at most three years ahead", "最长三年")
	msgTarget            = errs.Define("sharing.target.required", "table delivery needs a target datasource and a table name (letters, digits, _ or Chinese)", "表同步需选择目标数据源并填写表名（字母、数字、下划线或汉字）")
	msgNotMountedTable   = errs.Define("sharing.delivery.not_mounted_table", "the entry is not mounted to a table yet", "该资源尚未挂接到表，暂不能以表同步交付")
	msgNotMounted        = errs.Define("sharing.delivery.not_mounted", "the entry is not mounted yet", "该资源尚未挂接，暂不能以此方式交付")
	msgDelivery          = errs.Define("sharing.delivery.unknown", "want table, api or file", "请选择交付方式")
	msgAppOnlyAPI        = errs.Define("sharing.app_id.only_api", "only for API delivery", "仅接口方式可指定应用")
	msgAppNotFound       = errs.Define("sharing.application.not_found", "application %d not found", "共享申请 %d 不存在")
	msgGrantNotFound     = errs.Define("sharing.grant.not_found", "grant %d not found", "授权 %d 不存在")
	msgWaitsProvider     = errs.Define("sharing.approve.waits_provider", "application %d waits for an approver of %s", "申请 %d 正等待 %s 的审核员审批")
	msgOwnApplication    = errs.Define("sharing.approve.own", "application %d is your own; another approver of the data authority decides it", "申请 %d 是您本人提交的，须由数据主管部门的其他审核员审批")
	msgWaitsAuthority    = errs.Define("sharing.approve.waits_authority", "application %d waits for an approver of the data authority", "申请 %d 正等待数据主管部门审核员审批")
	msgNotPending        = errs.Define("sharing.approve.not_pending", "application %d is %s, not waiting for approval", "申请 %d 当前为“%s”，不在审批中")
	msgOnlyRemove        = errs.Define("sharing.approve.only_remove", "%q was not applied for; approvers may only remove items", "“%s”不在申请中：审批只能减少信息项")
	msgKeepFilter        = errs.Define("sharing.approve.keep_filter", "must keep every condition already set (%s)", "须保留已有的全部条件（%s）")
	msgOnlyShorten       = errs.Define("sharing.approve.only_shorten", "may only be shortened (applied for until %s)", "只能提前（申请至 %s）")
	msgOnlyLower         = errs.Define("sharing.approve.only_lower", "may only be lowered (now %g/s)", "只能调低（当前 %g 次/秒）")
	msgReturnReason      = errs.Define("sharing.return.reason", "say why the application is returned", "请填写退回理由")
	msgWithdrawOnly      = errs.Define("sharing.withdraw.only_consumer", "only a data consumer of %s may withdraw application %d", "只有 %s 的数据使用者可以撤回申请 %d")
	msgWithdrawPending   = errs.Define("sharing.withdraw.not_pending", "application %d is %s; only a pending one can be withdrawn", "申请 %d 当前为“%s”，只有审批中的申请可以撤回")
	msgRenewOnly         = errs.Define("sharing.renew.only_consumer", "only a data consumer of %s may renew application %d", "只有 %s 的数据使用者可以为申请 %d 续期")
	msgRenewApproved     = errs.Define("sharing.renew.not_approved", "application %d is %s; only an approved one can be renewed", "申请 %d 当前为“%s”，只有已批准的申请可以续期")
	msgRenewGrant        = errs.Define("sharing.renew.grant_stopped", "grant %d is %s; apply anew", "授权 %d 已是“%s”，请重新申请")
	msgRenewLater        = errs.Define("sharing.renew.later", "a renewal runs past the current end %s", "续期后的截止日须晚于当前截止日 %s")
	msgGrantInactive     = errs.Define("sharing.grant.inactive", "grant %d is no longer active; apply anew", "授权 %d 已失效，请重新申请")
	msgRevokeWho         = errs.Define("sharing.revoke.who", "only an approver of %s or of the data authority, or the security admin, may revoke grant %d", "只有 %s 或数据主管部门的审核员、安全管理员可以撤销授权 %d")
	msgRevokeReason      = errs.Define("sharing.revoke.reason", "say why the grant is revoked", "请填写撤销理由")
	msgGrantStopped      = errs.Define("sharing.revoke.stopped", "grant %d is already %s", "授权 %d 已是“%s”")
	msgNotYours          = errs.Define("sharing.policy.not_yours", "grant %d is not your department's", "授权 %d 不属于本部门")
	msgRevokedAt         = errs.Define("sharing.policy.revoked", "grant %d was revoked at %s: %s", "授权 %d 已于 %s 撤销：%s")
	msgExpiredAt         = errs.Define("sharing.policy.expired", "grant %d expired at %s", "授权 %d 已于 %s 到期")
	msgOtherEntry        = errs.Define("sharing.policy.other_entry", "grant %d is for %s, not %s", "授权 %d 针对 %s，而非 %s")
	msgOtherApp          = errs.Define("sharing.policy.other_app", "grant %d is for another app of your department", "授权 %d 属于本部门的另一个应用")
	msgOtherDelivery     = errs.Define("sharing.policy.other_delivery", "grant %d delivers by %s, not by %s", "授权 %d 以“%s”方式交付，而非“%s”")
	msgItemNotGranted    = errs.Define("sharing.policy.item_not_granted", "item %q is not in grant %d", "信息项“%s”不在授权 %d 中")
	msgNothingShared     = errs.Define("sharing.policy.nothing_shared", "no item of grant %d may be shared now", "授权 %d 目前没有可共享的信息项")
	msgNoSuchGrant       = errs.Define("sharing.policy.no_such_grant", "grant %d does not exist", "授权 %d 不存在")
	msgNoGrant           = errs.Define("sharing.policy.no_grant", "your department holds no grant for %s; apply for it first", "本部门没有 %s 的授权，请先申请")
	msgNoGrantBy         = errs.Define("sharing.policy.no_grant_by", "your department holds no grant for %s by %s; apply for it first", "本部门没有以“%[2]s”方式交付 %[1]s 的授权，请先申请")
	msgFilterMany        = errs.Define("sharing.filter.too_many", "at most 20 conditions, got %d", "最多 20 个条件，现有 %d 个")
	msgFilterItem        = errs.Define("sharing.filter.item", "condition %d: %q is not an item of the entry", "第 %d 个条件：“%s”不是该资源的信息项")
	msgFilterOp          = errs.Define("sharing.filter.op", "condition %d: operator %q: want one of %s", "第 %d 个条件：运算符“%s”无效，应为 %s 之一")
	msgFilterOne         = errs.Define("sharing.filter.one_value", "condition %d: %s takes one value", "第 %d 个条件：“%s”只取一个值")
	msgFilterMany100     = errs.Define("sharing.filter.in_values", "condition %d: %s takes 1 to 100 values", "第 %d 个条件：“%s”取 1 至 100 个值")
	msgFilterValue       = errs.Define("sharing.filter.value", "condition %d: a value is longer than 256 bytes or not UTF-8", "第 %d 个条件：有值超过 256 字节或不是 UTF-8")
)

// word is a code the messages name (a state, a delivery, an operator): the
// code itself in English, as the API has always said it, its label in Chinese.
type word struct{ code, zh string }

func (w word) In(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "zh") && w.zh != "" {
		return w.zh
	}
	return w.code
}

func (w word) String() string { return w.code }

// MarshalText writes the code, where a message is stored with its arguments.
func (w word) MarshalText() ([]byte, error) { return []byte(w.code), nil }

// words are the Chinese labels of the codes the messages name.
var words = map[string]string{
	StateProvider:  "待提供部门审批",
	StateAuthority: "待数据主管部门审批",
	StateApproved:  "已批准",
	StateReturned:  "已退回",
	StateWithdrawn: "已撤回",
	GrantActive:    "生效中",
	GrantRevoked:   "已撤销",
	GrantExpired:   "已过期",
	DeliveryTable:  "表同步",
	DeliveryAPI:    "数据服务接口",
	DeliveryFile:   "文件下载",
	OpEq:           "等于",
	OpIn:           "属于",
	OpPrefix:       "前缀为",
	OpGt:           "大于",
	OpGte:          "不小于",
	OpLt:           "小于",
	OpLte:          "不大于",
}

// say names a state, delivery or operator in the reader's language.
func say(code string) word { return word{code, words[code]} }

// msgWhy says a refusal a rule worded (an errs.Text of this package).
var msgWhy = errs.Define("sharing.refused", "%s", "%s")

// fieldText is the problem of a one-field error, without the field's name
// (the form shows it beside the field).
func fieldText(err error) errs.Text {
	var e *errs.Error
	if errors.As(err, &e) {
		for _, t := range e.Fields {
			return t
		}
	}
	return errs.TextOf(err)
}
