package exchange

import (
	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
)

// The messages of channels (共享通道), in English and Chinese. The English
// wording is the one the API has always answered; the Chinese is what the
// console shows.
var (
	msgChooseProvider = errs.Define("exchange.channel.choose_provider", "choose the providing department", "请选择数据提供部门")
	msgChooseConsumer = errs.Define("exchange.channel.choose_consumer", "choose the consuming department", "请选择数据使用部门")
	msgNoDepartment   = errs.Define("exchange.department.not_found", "no such department", "部门不存在")
	msgChannelName    = errs.Define("exchange.channel.name", "1 to 100 characters", "1 至 100 个字")
	msgMode           = errs.Define("exchange.channel.mode", "must be full, incremental or full_then_incremental", "须为全量同步、增量同步或先全量后增量")
	msgWatermark      = errs.Define("exchange.channel.watermark", "the incremental modes follow an update-time column: name it", "增量同步依据更新时间列，请填写该列")
	msgSchedule       = errs.Define("exchange.channel.schedule", "continuous, or a cron expression of 5 fields (minute hour day month weekday): %s", "须为 continuous（持续同步）或 5 段 cron 表达式（分 时 日 月 周）：%s")
	msgFullContinuous = errs.Define("exchange.channel.full_continuous", "a full copy is repeated on a cron schedule; continuous channels need an incremental mode", "全量同步须按 cron 计划重复执行；持续同步须选择增量方式")
	msgBatchSize      = errs.Define("exchange.channel.batch_size", "0 to 100000", "0 至 100000")
	msgGrantNegative  = errs.Define("exchange.channel.grant_negative", "must not be negative", "不能为负数")
	msgTableRequired  = errs.Define("exchange.channel.table_required", "datasource and table are required", "数据源和数据表为必填")
	msgSameAsSource   = errs.Define("exchange.channel.same_as_source", "must differ from the source", "不能与源端相同")
	msgCannotConnect  = errs.Define("exchange.channel.cannot_connect", "cannot connect to datasource %s", "无法连接数据源 %s")
	msgNoTable        = errs.Define("exchange.channel.no_table", "datasource %s has no table %q", "数据源 %s 中没有数据表“%s”")
	msgNoPrimaryKey   = errs.Define("exchange.channel.no_primary_key", "table %q has no primary key; the exchange keys rows by it", "数据表“%s”没有主键；数据交换按主键识别行")
	msgKeyColumns     = errs.Define("exchange.channel.key_columns", "must be the source table's primary key (%s) for now", "目前须为源表的主键（%s）")
	msgNoColumn       = errs.Define("exchange.channel.no_column", "table %q has no column %q", "数据表“%s”没有列“%s”")
	msgChannelState   = errs.Define("exchange.channel.state", "channel %s is %s", "共享通道 %s %s")
	msgResumeFirst    = errs.Define("exchange.channel.resume_first", "channel %s is %s: resume it first", "共享通道 %s %s：请先恢复")
	msgOnNodes        = errs.Define("exchange.channel.on_nodes", "channel %s runs on front-end nodes: the platform does not pass it itself", "共享通道 %s 在前置机上运行，平台不直接传输")
	msgOnNodesStart   = errs.Define("exchange.channel.on_nodes_start", "channel %s runs on front-end nodes: start the manager to run it", "共享通道 %s 在前置机上运行：请启动通道管理器以运行它")
	msgMixedSides     = errs.Define("exchange.channel.mixed_sides", "channel %s: a channel between a front-end node and a datasource registered on the platform is not supported yet; put both tables on nodes, or both on the platform", "共享通道 %s：暂不支持前置机与平台登记的数据源之间的通道；请将两端数据表都放在前置机上，或都放在平台上")
	msgMixedTarget    = errs.Define("exchange.channel.mixed_target", "a channel between a front-end node and a datasource registered on the platform is not supported yet: put both tables on nodes, or both on the platform", "暂不支持前置机与平台登记的数据源之间的通道：请将两端数据表都放在前置机上，或都放在平台上")
	msgNodeNoTable    = errs.Define("exchange.node.no_table", "node %s has not reported a table %q in datasource %s", "前置机 %s 未报告数据源 %[3]s 中的数据表“%[2]s”")
	msgNodeNumber     = errs.Define("exchange.node.number", "node %q not found: name a front-end node by its number", "前置机“%s”不存在：请以编号指明前置机")
	msgNoNodes        = errs.Define("exchange.node.none", "node %d not found: this platform runs no front-end nodes; leave node_id empty to use a datasource registered on the platform", "前置机 %d 不存在：本平台未运行前置机；如使用平台登记的数据源，请不填 node_id")
	msgNodesLater     = errs.Define("exchange.node.not_available", "node %q not found: front-end nodes are not available on this platform yet; leave node_id empty to use a datasource registered on the platform", "前置机“%s”不存在：本平台尚未启用前置机；如使用平台登记的数据源，请不填 node_id")
	msgNodeOtherDept  = errs.Define("exchange.node.other_department", "node %d not found in this department", "本部门没有前置机 %d")
	msgNodeInactive   = errs.Define("exchange.node.inactive", "node %d is not active (disabled, revoked or not enrolled)", "前置机 %d 未在用（已停用、已吊销或尚未注册）")
	msgNodeNoSource   = errs.Define("exchange.node.no_datasource", "node %d has not reported a datasource %q (its node.yaml names the datasources; it reports them with each heartbeat)", "前置机 %d 未报告数据源“%s”（数据源在其 node.yaml 中声明，随每次心跳报告）")
	msgCannotRead     = errs.Define("exchange.channel.cannot_read", "cannot read table %s of datasource %s", "无法读取数据源 %[2]s 的数据表 %[1]s")
	msgUnreachable    = errs.Define("exchange.quarantine.unreachable", "channel %s cannot reach its tables", "共享通道 %s 无法访问其数据表")
	msgExtractBusy    = errs.Define("exchange.quarantine.busy", "channel %s", "共享通道 %s")
	msgExtractClash   = errs.Define("exchange.quarantine.clash", "channel %s: an extract pass ran at the same time; try again", "共享通道 %s：同时有一次抽取在运行，请重试")

	msgNoQuarantine = errs.Define("exchange.quarantine.none", "this platform keeps no quarantine", "本平台未设隔离区")
	msgRevoked      = errs.Define("exchange.channel.revoked", "channel %s is revoked", "共享通道 %s 已撤销")

	// channelStates say a channel's state; the English is the code.
	channelStates = audit.DefineCodes("exchange.channel.state_word",
		audit.Words{ChannelActive, ChannelActive, "运行中"},
		audit.Words{ChannelPaused, ChannelPaused, "已暂停"},
		audit.Words{ChannelError, ChannelError, "出错"},
		audit.Words{ChannelRevoked, ChannelRevoked, "已撤销"})
)
