package aggregation

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/exchange"
)

// States of a mandate: pending → confirmed or refused; pending or
// confirmed → revoked.
const (
	Pending   = "pending"   // created by the authority, awaiting the provider
	Confirmed = "confirmed" // the provider agreed; its channel runs
	Refused   = "refused"   // the provider declined, with a reason
	Revoked   = "revoked"   // ended by either side, with a reason; its channels stop
)

// States lists the states in order.
var States = []string{Pending, Confirmed, Refused, Revoked}

// Mandate is an aggregation mandate (归集任务).
type Mandate struct {
	ID            int64             `json:"id"`
	Name          string            `json:"name" doc:"Shown in the console; its channel bears it"`
	AuthorityID   int64             `json:"authority_id" doc:"The data authority that aggregates (the channel's consumer)"`
	AuthorityName string            `json:"authority_name"`
	ProviderID    int64             `json:"provider_id" doc:"The department that provides the entry"`
	ProviderName  string            `json:"provider_name"`
	EntryCode     string            `json:"entry_code"`
	EntryName     string            `json:"entry_name"`
	Items         []string          `json:"items" doc:"Identifiers of the items aggregated"`
	Source        exchange.TableRef `json:"source,omitzero" doc:"The entry's table on a front-end node of the provider; empty: the entry's mounted table on the platform"`
	Target        exchange.TableRef `json:"target" doc:"A datasource of the authority and the table to write"`
	Mode          string            `json:"mode" enum:"full,incremental,full_then_incremental"`
	Schedule      string            `json:"schedule"`
	SoftDelete    string            `json:"soft_delete,omitempty" doc:"The item whose true or 1 marks a deleted row"`
	BatchSize     int               `json:"batch_size,omitempty"`
	Basis         string            `json:"basis" doc:"归集依据: the law, regulation or policy the aggregation rests on"`
	State         string            `json:"state" enum:"pending,confirmed,refused,revoked"`
	Reason        string            `json:"reason,omitempty" doc:"Why it was refused or revoked"`
	ChannelID     string            `json:"channel_id,omitempty" doc:"The channel created on confirmation"`
	CreatedBy     string            `json:"created_by"`
	DecidedBy     string            `json:"decided_by,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	DecidedAt     time.Time         `json:"decided_at,omitzero"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Input creates a mandate.
type Input struct {
	Name       string             `json:"name,omitempty" maxLength:"100" doc:"Shown in the console and given to the channel; default: 归集 and the entry's name"`
	EntryCode  string             `json:"entry_code" minLength:"1" maxLength:"40" doc:"A published catalog entry of another department, mounted on a table"`
	Items      []string           `json:"items" minItems:"1" maxItems:"500" doc:"Identifiers of the entry's items to aggregate"`
	Source     *exchange.TableRef `json:"source,omitempty" doc:"The entry's table on a front-end node of the provider (node_id, datasource, table; its columns named as the items), when it is not the entry's mounted table on the platform"`
	Target     exchange.TableRef  `json:"target" doc:"A datasource of the data authority (on the platform, or on one of its front-end nodes) and the table to write; created when missing"`
	Mode       string             `json:"mode" enum:"full,incremental,full_then_incremental" doc:"The incremental modes need an update-time item in the entry"`
	Schedule   string             `json:"schedule,omitempty" maxLength:"100" doc:"continuous (the default for incremental modes) or a 5-field cron expression in Beijing time (required for full)"`
	Basis      string             `json:"basis" minLength:"1" maxLength:"1000" doc:"归集依据: the law, regulation or policy the aggregation rests on"`
	SoftDelete string             `json:"soft_delete,omitempty" maxLength:"64" doc:"An item among items whose true or 1 marks a deleted row (the row is then deleted at the target)"`
	BatchSize  int                `json:"batch_size,omitempty" minimum:"0" maximum:"100000" doc:"Rows per batch; 0 means 1000, and 10000 in a full pass"`
}

// Filter selects mandates.
type Filter struct {
	State    string
	Page     int
	PageSize int
}

// Messages of the mandates' rules.
var (
	msgCreateForbidden = errs.Define("aggregation.mandate.create_forbidden",
		"only an approver of the data authority creates an aggregation mandate",
		"只有数据主管部门的审核员可以发起归集任务")
	msgDecideForbidden = errs.Define("aggregation.mandate.decide_forbidden",
		"only an approver of the providing department confirms or refuses an aggregation mandate",
		"只有提供部门的审核员可以确认或拒绝归集任务")
	msgRevokeForbidden = errs.Define("aggregation.mandate.revoke_forbidden",
		"only an approver of the data authority or of the providing department revokes an aggregation mandate",
		"只有数据主管部门或提供部门的审核员可以撤销归集任务")
	msgNotFound = errs.Define("aggregation.mandate.not_found",
		"aggregation mandate %d not found",
		"归集任务 %d 不存在")
	msgState = errs.Define("aggregation.mandate.state",
		"aggregation mandate %d is %s",
		"归集任务 %d 当前状态为 %s")
	msgNegativeItem = errs.Define("aggregation.mandate.negative_item",
		"item %s is on the negative list (负面清单) and its listing does not allow aggregation: %s",
		"数据项 %s 列入负面清单，且该清单项不允许归集：%s")
	msgNegativeEntry = errs.Define("aggregation.mandate.negative_entry",
		"catalog entry %s is on the negative list (负面清单) and its listing does not allow aggregation: %s",
		"目录 %s 列入负面清单，且该清单项不允许归集：%s")
	msgRequired = errs.Define("aggregation.field.required",
		"required",
		"必填")
	msgTooLong = errs.Define("aggregation.field.too_long",
		"at most %d characters",
		"最多 %d 个字符")
	msgNoEntry = errs.Define("aggregation.entry.unknown",
		"%s is not a published catalog entry",
		"%s 不是已发布的目录")
	msgOwnEntry = errs.Define("aggregation.entry.own",
		"the data authority's own entries need no mandate",
		"数据主管部门自己的目录无需归集任务")
	msgNotMounted = errs.Define("aggregation.entry.not_mounted",
		"catalog entry %s has no working table mount",
		"目录 %s 没有可用的数据表挂接")
	msgUnknownItem = errs.Define("aggregation.items.unknown",
		"%s is not an item of %s",
		"%s 不是目录 %s 的数据项")
	msgMode = errs.Define("aggregation.mode.unknown",
		"must be full, incremental or full_then_incremental",
		"须为 full、incremental 或 full_then_incremental")
	msgNoWatermark = errs.Define("aggregation.mode.no_watermark",
		"the incremental modes follow an update-time item, and entry %s has none: use full on a cron schedule",
		"增量模式依赖更新时间数据项，目录 %s 没有：请使用全量模式并设置定时计划")
	msgSchedule = errs.Define("aggregation.schedule.invalid",
		"continuous, or a cron expression of 5 fields (minute hour day month weekday): %s",
		"须为 continuous 或 5 段 cron 表达式（分 时 日 月 周）：%s")
	msgFullContinuous = errs.Define("aggregation.schedule.full_continuous",
		"a full copy is repeated on a cron schedule; continuous needs an incremental mode",
		"全量复制须按 cron 定时执行；持续同步需要增量模式")
	msgDuplicate = errs.Define("aggregation.mandate.duplicate",
		"a pending or confirmed mandate already aggregates %s into %s/%s",
		"已有待确认或已确认的归集任务将 %s 归集到 %s/%s")
	msgSourceNode = errs.Define("aggregation.source.node",
		"name the provider's front-end node; a table on the platform is the entry's mounted one",
		"请填写提供部门的前置机编号；平台上的数据表即目录挂接的数据表")
	msgBatch = errs.Define("aggregation.batch_size.range",
		"0 to 100000",
		"须在 0 到 100000 之间")
	msgSoftDelete = errs.Define("aggregation.soft_delete.not_mandated",
		"must be one of the mandated items",
		"须为本任务归集的数据项之一")
	msgReason = errs.Define("aggregation.reason.required",
		"give the reason",
		"请填写原因")
	msgNotConfirmed = errs.Define("aggregation.mandate.not_confirmed",
		"aggregation mandate %d is %s: its channel does not run",
		"归集任务 %d 当前状态为 %s，其交换通道不能运行")
	msgWrongConsumer = errs.Define("aggregation.mandate.wrong_consumer",
		"aggregation mandate %d aggregates into another department",
		"归集任务 %d 的归集方不是该部门")
	msgNothingLeft = errs.Define("aggregation.mandate.nothing_left",
		"no item of aggregation mandate %d may travel now",
		"归集任务 %d 当前没有可以传输的数据项")
)

// normalize trims the input and checks what needs no database: lengths,
// mode and schedule. It fills the schedule's default.
func (in *Input) normalize(f errs.Fields) {
	in.Name, in.EntryCode, in.Basis = strings.TrimSpace(in.Name), strings.TrimSpace(in.EntryCode), strings.TrimSpace(in.Basis)
	if utf8.RuneCountInString(in.Name) > 100 {
		f.AddMsg("name", msgTooLong, 100)
	}
	in.Target.NodeID, in.Target.Datasource, in.Target.Table = strings.TrimSpace(in.Target.NodeID), strings.TrimSpace(in.Target.Datasource), strings.TrimSpace(in.Target.Table)
	in.Schedule, in.SoftDelete = strings.TrimSpace(in.Schedule), strings.TrimSpace(in.SoftDelete)
	if in.BatchSize < 0 || in.BatchSize > 100000 {
		f.AddMsg("batch_size", msgBatch)
	}
	var items []string
	for _, it := range in.Items {
		if it = strings.TrimSpace(it); it != "" && !slices.Contains(items, it) {
			items = append(items, it)
		}
	}
	in.Items = items
	for _, t := range []struct {
		field, v string
		max      int
	}{{"entry_code", in.EntryCode, 40}, {"basis", in.Basis, 1000}, {"target.datasource", in.Target.Datasource, 50},
		{"target.table", in.Target.Table, 128}} {
		switch n := utf8.RuneCountInString(t.v); {
		case n == 0:
			f.AddMsg(t.field, msgRequired)
		case n > t.max:
			f.AddMsg(t.field, msgTooLong, t.max)
		}
	}
	if in.Source != nil {
		src := exchange.TableRef{NodeID: strings.TrimSpace(in.Source.NodeID), Datasource: strings.TrimSpace(in.Source.Datasource), Table: strings.TrimSpace(in.Source.Table)}
		switch {
		case src == exchange.TableRef{}:
			in.Source = nil
		case src.NodeID == "":
			f.AddMsg("source.node_id", msgSourceNode)
		case utf8.RuneCountInString(src.NodeID) > 64 || utf8.RuneCountInString(src.Datasource) > 50 || utf8.RuneCountInString(src.Table) > 128:
			f.AddMsg("source", msgTooLong, 128)
		case src.Datasource == "" || src.Table == "":
			f.AddMsg("source", msgRequired)
		}
		if in.Source != nil {
			in.Source = &src
		}
	}
	if utf8.RuneCountInString(in.Target.NodeID) > 64 {
		f.AddMsg("target.node_id", msgTooLong, 64)
	}
	if in.SoftDelete != "" && !slices.Contains(in.Items, in.SoftDelete) {
		f.AddMsg("soft_delete", msgSoftDelete)
	}
	if len(in.Items) == 0 {
		f.AddMsg("items", msgRequired)
	} else if len(in.Items) > 500 {
		f.AddMsg("items", msgTooLong, 500)
	}
	switch in.Mode {
	case exchange.Full, exchange.Incremental, exchange.FullThenIncremental:
	default:
		f.AddMsg("mode", msgMode)
		return
	}
	if in.Schedule == "" {
		in.Schedule = exchange.Continuous
	}
	if utf8.RuneCountInString(in.Schedule) > 100 {
		f.AddMsg("schedule", msgTooLong, 100)
	} else if _, err := exchange.ParseSchedule(in.Schedule); err != nil {
		f.AddMsg("schedule", msgSchedule, err.Error())
	} else if in.Schedule == exchange.Continuous && in.Mode == exchange.Full {
		f.AddMsg("schedule", msgFullContinuous)
	}
}
