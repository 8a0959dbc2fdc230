package exchange

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

//go:embed sql
var migrations embed.FS

// Migration is the schema of persisted channels and their statistics; it
// needs org's.
var Migration = store.Migration{Domain: "exchange", FS: migrations}

// States of a persisted channel.
const (
	ChannelActive  = "active"  // runs on its schedule
	ChannelPaused  = "paused"  // stopped by a person or by a schema change; Resume runs it again
	ChannelError   = "error"   // its last pass failed; it is retried (backoff, or its next scheduled run)
	ChannelRevoked = "revoked" // stopped for good (its grant ended)
)

// Continuous is the schedule of a channel that follows its source all along.
const Continuous = "continuous"

// ChannelInput creates a channel.
type ChannelInput struct {
	Name       string   `json:"name" minLength:"1" maxLength:"100" doc:"Name shown in the console"`
	ProviderID int64    `json:"provider_id" minimum:"1" doc:"Providing department: owns the source datasource"`
	ConsumerID int64    `json:"consumer_id" minimum:"1" doc:"Consuming department: owns the target datasource"`
	Source     TableRef `json:"source"`
	Target     TableRef `json:"target" doc:"Created from the source's schema when it does not exist"`
	KeyColumns []string `json:"key_columns,omitempty" maxItems:"16" doc:"Row key; default (and, for now, required to be) the source table's primary key"`
	Watermark  string   `json:"watermark,omitempty" maxLength:"128" doc:"Update-time column, required by the incremental modes"`
	SoftDelete string   `json:"soft_delete,omitempty" maxLength:"128" doc:"Column whose true or 1 marks a deleted row"`
	Mode       string   `json:"mode" enum:"full,incremental,full_then_incremental"`
	Schedule   string   `json:"schedule,omitempty" maxLength:"100" doc:"continuous (the default), or a 5-field cron expression (minute hour day-of-month month day-of-week) in Beijing time"`
	BatchSize  int      `json:"batch_size,omitempty" minimum:"0" maximum:"100000" doc:"Rows per batch; 0 means 1000, and 10000 in a full pass"`
	GrantID    int64    `json:"grant_id,omitempty" minimum:"0" doc:"The grant the channel delivers, when a grant created it"`
	MandateID  int64    `json:"mandate_id,omitempty" minimum:"0" doc:"The aggregation mandate (归集任务) the channel delivers, when a confirmed mandate created it"`
}

// ChannelInfo is a persisted channel with its state and statistics.
type ChannelInfo struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	ProviderID   int64        `json:"provider_id"`
	ProviderName string       `json:"provider_name"`
	ConsumerID   int64        `json:"consumer_id"`
	ConsumerName string       `json:"consumer_name"`
	Source       TableRef     `json:"source"`
	Target       TableRef     `json:"target"`
	KeyColumns   []string     `json:"key_columns"`
	Watermark    string       `json:"watermark,omitempty"`
	SoftDelete   string       `json:"soft_delete,omitempty"`
	Mode         string       `json:"mode" enum:"full,incremental,full_then_incremental"`
	Schedule     string       `json:"schedule"`
	NextRun      time.Time    `json:"next_run,omitzero" doc:"Next scheduled pass of a cron channel that is not paused"`
	BatchSize    int          `json:"batch_size"`
	State        string       `json:"state" enum:"active,paused,error,revoked"`
	Reason       string       `json:"reason,omitempty" doc:"Why the channel is paused, in error or revoked"`
	GrantID      int64        `json:"grant_id,omitempty" doc:"The channel's basis when it delivers a grant (共享授权)"`
	MandateID    int64        `json:"mandate_id,omitempty" doc:"The channel's basis when it delivers an aggregation mandate (归集任务)"`
	CreatedBy    string       `json:"created_by"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Stats        ChannelStats `json:"stats"`
}

// ChannelStats are a channel's cumulative statistics, kept across restarts.
type ChannelStats struct {
	Rows        int64     `json:"rows" doc:"Rows upserted at the target"`
	Deletes     int64     `json:"deletes" doc:"Rows deleted at the target"`
	Bytes       int64     `json:"bytes" doc:"Payload bytes of the batches applied"`
	Deliveries  int64     `json:"deliveries" doc:"交换条次: rows plus deletes delivered"`
	Batches     int64     `json:"batches"`
	Quarantined int64     `json:"quarantined" doc:"Rows that failed validation at the source and were set aside"`
	Refused     int64     `json:"refused" doc:"Batches refused for a bad checksum or encoding (retried, never applied)"`
	Running     bool      `json:"running" doc:"A pass or a continuous follow is running now"`
	Progress    *Progress `json:"progress,omitempty" doc:"A full pass that is running"`
	LagSeconds  int64     `json:"lag_seconds" doc:"Seconds behind: for a continuous channel since the target last held everything the source held, for a scheduled one since the first scheduled run that has not delivered; -1: never caught up"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Progress is how far a running full pass has come.
type Progress struct {
	Total   int64 `json:"total" doc:"Rows in the source table when the pass began; -1 while unknown"`
	Done    int64 `json:"done" doc:"Rows delivered by this pass so far"`
	Percent int   `json:"percent"`
	// Rate and time left (arrived.go).
	RatePerSecond float64 `json:"rate_per_second,omitempty" doc:"Rows a second since the leader first saw the pass"`
	SecondsLeft   int64   `json:"seconds_left,omitempty" doc:"Estimated seconds left, from the source's row count at the start and the rate"`
	Estimating    bool    `json:"estimating,omitempty" doc:"The rate or the total is not known yet"`
}

// ChannelFilter selects channels.
type ChannelFilter struct {
	Department int64  // as provider or as consumer
	State      string // one of the channel states
	Query      string // in the name or the tables
	Page, Size int
}

var beijing = time.FixedZone("CST", 8*3600)

// Messages of the channels' basis rule.
var (
	msgCreateNoBasis = errs.Define("exchange.channel.create_no_basis",
		"channels are created only by the platform, from an approved grant (共享授权) or a confirmed aggregation mandate (归集任务): apply for the data, or ask the data authority for a mandate",
		"交换通道只能由平台根据已批准的共享授权或已确认的归集任务创建：请提交共享申请，或由数据主管部门发起归集任务")
	msgOneBasis = errs.Define("exchange.channel.one_basis",
		"a channel has exactly one basis: a grant or an aggregation mandate",
		"交换通道必须有且只有一个依据：共享授权或归集任务")
	msgNoBasis = errs.Define("exchange.channel.no_basis",
		"channel %s has no basis (no grant, no aggregation mandate): it does not run",
		"交换通道 %s 没有依据（既无共享授权也无归集任务），不能运行")
	msgNegativeID = errs.Define("exchange.channel.negative_id",
		"must not be negative",
		"不能为负数")
	msgOperate = errs.Define("exchange.channel.operate_forbidden",
		"only a node operator of the providing or consuming department operates a channel; the system admin may only pause one",
		"只有提供或使用部门的前置机运维员可以操作交换通道；系统管理员只能暂停通道")
)

// NoBasisReason is the reason given to channels that a migration found
// without a basis (created before every channel needed one): they are
// paused and do not run until they are recreated from a grant or a mandate.
const NoBasisReason = "no basis: created without a grant or an aggregation mandate (无共享授权或归集任务依据)"

// isSystem reports whether p is the platform acting on its own (the
// sharing flow creating or stopping a grant's channel).
func isSystem(p org.Principal) bool { return p.UserID == 0 && p.Username == org.System.Username }

// canManage reports whether p operates a channel between the two
// departments (runs, pauses and resumes it): the platform, or a node
// operator of either department. The system admin moves no business data:
// it may only pause a channel (stopping data moves none), see canPause.
func canManage(p org.Principal, provider, consumer int64) bool {
	if isSystem(p) {
		return true
	}
	return p.Can(org.OperateNodes) && p.DepartmentID != 0 && (p.DepartmentID == provider || p.DepartmentID == consumer)
}

// canPause reports whether p pauses a channel: whoever operates it, and
// the system admin, who may stop a flow in an incident but never starts one.
func canPause(p org.Principal, provider, consumer int64) bool {
	return canManage(p, provider, consumer) || p.Has(org.SystemAdmin)
}

// seesAll reports whether p sees every department's channels: the system
// admin and the staff of the data authority (数据主管部门).
func (m *Manager) seesAll(ctx context.Context, p org.Principal) (bool, error) {
	if isSystem(p) || p.Has(org.SystemAdmin) {
		return true, nil
	}
	if p.DepartmentID == 0 || m.org == nil {
		return false, nil
	}
	d, err := m.org.Department(ctx, p.DepartmentID)
	if err != nil {
		return false, err
	}
	return d.Kind == org.KindAuthority, nil
}

func (m *Manager) canSee(ctx context.Context, p org.Principal, c ChannelInfo) (bool, error) {
	if p.DepartmentID != 0 && (p.DepartmentID == c.ProviderID || p.DepartmentID == c.ConsumerID) {
		return true, nil
	}
	return m.seesAll(ctx, p)
}

// denied records a refused operation in the audit log and returns err.
func (m *Manager) denied(ctx context.Context, p org.Principal, action, target string, err error) error {
	if !errs.Is(err, errs.Forbidden) && !errs.Is(err, errs.NotFound) {
		return err
	}
	if rerr := m.audit.Record(ctx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
		Action: action, Target: "channel:" + target, Outcome: audit.Denied, ClientAddr: p.ClientAddr, Detail: org.DenialDetail(err)}); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func (m *Manager) record(ctx context.Context, tx *store.Tx, p org.Principal, action, id, detail string) error {
	return m.audit.Append(ctx, tx, audit.Entry{ActorID: p.UserID, Actor: p.Username, DepartmentID: p.DepartmentID, Department: p.DepartmentName,
		Action: action, Target: "channel:" + id, Outcome: audit.Success, ClientAddr: p.ClientAddr, Detail: detail})
}

// ParseSchedule checks a schedule: "continuous" or a 5-field cron
// expression (descriptors such as @hourly and @every 10m are accepted too).
func ParseSchedule(s string) (sched cron.Schedule, err error) {
	if s == Continuous {
		return nil, nil
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return nil, errors.New("schedules are in Beijing time: leave out TZ=")
	}
	defer func() {
		if recover() != nil { // the parser panics on some malformed input
			sched, err = nil, fmt.Errorf("cannot parse %q", s)
		}
	}()
	if sched, err = cron.ParseStandard(s); err != nil {
		return nil, err
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < time.Minute {
		return nil, errors.New("passes must be at least a minute apart")
	}
	return sched, nil
}

func newChannelID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "ch-" + hex.EncodeToString(b)
}

// Create registers a channel after checking both tables: the source must
// exist with its key, watermark and soft-delete columns; the target
// datasource must answer. The channel starts active. The sharing flow calls
// it with org.System for a grant; asking again for a grant's channel to the
// same target returns the one that exists unless it was revoked.
func (m *Manager) Create(ctx context.Context, p org.Principal, in ChannelInput) (ChannelInfo, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Schedule = strings.TrimSpace(in.Schedule); in.Schedule == "" {
		in.Schedule = Continuous
	}
	f := errs.Fields{}
	if in.ProviderID <= 0 {
		f.AddMsg("provider_id", msgChooseProvider)
	}
	if in.ConsumerID <= 0 {
		f.AddMsg("consumer_id", msgChooseConsumer)
	}
	if !isSystem(p) {
		// The system admin and node operators once created channels at will;
		// a channel now needs a basis, which only the platform records.
		return ChannelInfo{}, m.denied(ctx, p, "channel.create", in.Name, errs.New(errs.Forbidden, msgCreateNoBasis))
	}
	if (in.GrantID == 0) == (in.MandateID == 0) {
		f.AddMsg("grant_id", msgOneBasis)
	}
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 100 {
		f.AddMsg("name", msgChannelName)
	}
	for _, d := range []struct {
		field string
		id    int64
	}{{"provider_id", in.ProviderID}, {"consumer_id", in.ConsumerID}} {
		if _, err := m.org.Department(ctx, d.id); err != nil && d.id > 0 {
			f.AddMsg(d.field, msgNoDepartment)
		}
	}
	switch in.Mode {
	case Full, Incremental, FullThenIncremental:
	default:
		f.AddMsg("mode", msgMode)
	}
	if in.Mode != Full && in.Mode != "" && in.Watermark == "" {
		f.AddMsg("watermark", msgWatermark)
	}
	if _, err := ParseSchedule(in.Schedule); err != nil {
		f.AddMsg("schedule", msgSchedule, err.Error())
	} else if in.Schedule == Continuous && in.Mode == Full {
		f.AddMsg("schedule", msgFullContinuous)
	}
	if in.BatchSize < 0 || in.BatchSize > 100000 {
		f.AddMsg("batch_size", msgBatchSize)
	}
	if in.GrantID < 0 {
		f.AddMsg("grant_id", msgGrantNegative)
	}
	if in.MandateID < 0 {
		f.AddMsg("mandate_id", msgNegativeID)
	}
	if in.Source.Datasource == "" || in.Source.Table == "" {
		f.AddMsg("source", msgTableRequired)
	}
	if in.Target.Datasource == "" || in.Target.Table == "" {
		f.AddMsg("target", msgTableRequired)
	}
	if in.Source == in.Target && in.ProviderID == in.ConsumerID {
		f.AddMsg("target", msgSameAsSource)
	}
	if err := f.Err(); err != nil {
		return ChannelInfo{}, err
	}
	if in.GrantID != 0 || in.MandateID != 0 {
		// The sharing or aggregation flow may ask again (a retry after a
		// crash): a basis's live channel to the same target is answered, not
		// duplicated.
		var id string
		err := m.db.QueryRow(ctx, `SELECT id FROM exchange_channels WHERE grant_id = ? AND mandate_id = ? AND state <> 'revoked' AND source_node = ?
			AND source_datasource = ? AND source_table = ? AND target_node = ? AND target_datasource = ? AND target_table = ? AND consumer_id = ?`,
			in.GrantID, in.MandateID, in.Source.NodeID, in.Source.Datasource, in.Source.Table, in.Target.NodeID, in.Target.Datasource, in.Target.Table, in.ConsumerID).Scan(&id)
		if err == nil {
			return m.get(ctx, id)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return ChannelInfo{}, err
		}
	}
	key, err := m.checkTables(ctx, in)
	if err != nil {
		return ChannelInfo{}, err
	}
	now := m.now().UTC().Truncate(time.Microsecond)
	c := ChannelInfo{ID: newChannelID(), Name: in.Name, ProviderID: in.ProviderID, ConsumerID: in.ConsumerID, Source: in.Source, Target: in.Target,
		KeyColumns: key, Watermark: in.Watermark, SoftDelete: in.SoftDelete, Mode: in.Mode, Schedule: in.Schedule, BatchSize: in.BatchSize,
		State: ChannelActive, GrantID: in.GrantID, MandateID: in.MandateID, CreatedBy: p.Username, CreatedAt: now, UpdatedAt: now}
	err = m.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO exchange_channels (id, name, provider_id, consumer_id, source_node, source_datasource, source_table,
			target_node, target_datasource, target_table, key_columns, watermark, soft_delete, mode, schedule, batch_size, state, grant_id,
			mandate_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Name, c.ProviderID, c.ConsumerID, c.Source.NodeID, c.Source.Datasource, c.Source.Table, c.Target.NodeID, c.Target.Datasource,
			c.Target.Table, strings.Join(key, ","), c.Watermark, c.SoftDelete, c.Mode, c.Schedule, c.BatchSize, c.State, c.GrantID,
			c.MandateID, c.CreatedBy, store.FormatTime(now), store.FormatTime(now)); err != nil {
			return err
		}
		return m.record(ctx, tx, p, "channel.create", c.ID, audit.Keyed(auditChannel, c.Name, c.Source.Datasource, c.Source.Table,
			c.Target.Datasource, c.Target.Table, auditModes.Text(c.Mode), DescribeSchedule(c.Schedule)))
	})
	if err != nil {
		return ChannelInfo{}, err
	}
	m.poke()
	return m.get(ctx, c.ID)
}

// checkTables resolves both ends and checks the source's columns; it
// returns the key columns.
func (m *Manager) checkTables(ctx context.Context, in ChannelInput) ([]string, error) {
	if in.Source.NodeID != "" || in.Target.NodeID != "" {
		return m.checkNodeTables(ctx, in)
	}
	driver, dsn, err := m.resolver.Resolve(ctx, in.ProviderID, in.Source)
	if err != nil {
		return nil, sourceErr("source", err)
	}
	src, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return nil, errs.FieldMsg("source", msgCannotConnect, in.Source.Datasource)
	}
	defer src.Close()
	t, err := src.Table(ctx, in.Source.Table)
	if err != nil {
		if errors.Is(err, connector.ErrNoTable) {
			return nil, errs.FieldMsg("source", msgNoTable, in.Source.Datasource, in.Source.Table)
		}
		return nil, errs.WrapMsg(err, errs.Unavailable, msgCannotRead, in.Source.Table, in.Source.Datasource)
	}
	f := errs.Fields{}
	pk := t.Key()
	if len(pk) == 0 {
		f.AddMsg("source", msgNoPrimaryKey, t.Name)
	}
	if len(in.KeyColumns) > 0 && !slices.Equal(in.KeyColumns, pk) {
		f.AddMsg("key_columns", msgKeyColumns, strings.Join(pk, ", "))
	}
	for _, c := range []struct{ field, name string }{{"watermark", in.Watermark}, {"soft_delete", in.SoftDelete}} {
		if _, ok := t.Column(c.name); c.name != "" && !ok {
			f.AddMsg(c.field, msgNoColumn, t.Name, c.name)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	driver, dsn, err = m.resolver.Resolve(ctx, in.ConsumerID, in.Target)
	if err != nil {
		return nil, sourceErr("target", err)
	}
	if driver == TargetDriver { // a platform store: the resolver checked it
		return pk, nil
	}
	dst, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return nil, errs.FieldMsg("target", msgCannotConnect, in.Target.Datasource)
	}
	dst.Close()
	return pk, nil
}

// sourceErr makes a resolver's not-found a problem with the field.
func sourceErr(field string, err error) error {
	if errs.Is(err, errs.NotFound) {
		return errs.FieldText(field, errs.TextOf(err))
	}
	return err
}

const channelColumns = `c.id, c.name, c.provider_id, pd.name, c.consumer_id, cd.name, c.source_node, c.source_datasource, c.source_table,
	c.target_node, c.target_datasource, c.target_table, c.key_columns, c.watermark, c.soft_delete, c.mode, c.schedule, c.batch_size,
	c.state, c.reason, c.grant_id, c.mandate_id, c.created_by, c.created_at, c.updated_at, c.rows_total, c.deletes_total, c.bytes_total, c.deliveries,
	c.batches, c.quarantined, c.refused, c.running, c.progress_total, c.progress_done, c.caught_up_at, c.last_success, c.last_error, c.last_error_at
	FROM exchange_channels c JOIN departments pd ON pd.id = c.provider_id JOIN departments cd ON cd.id = c.consumer_id`

type scanner interface{ Scan(...any) error }

func (m *Manager) scan(row scanner) (ChannelInfo, error) {
	var (
		c                                             ChannelInfo
		key, created, updated, caught, success, errAt string
		running, total, done                          int64
	)
	st := &c.Stats
	if err := row.Scan(&c.ID, &c.Name, &c.ProviderID, &c.ProviderName, &c.ConsumerID, &c.ConsumerName, &c.Source.NodeID, &c.Source.Datasource,
		&c.Source.Table, &c.Target.NodeID, &c.Target.Datasource, &c.Target.Table, &key, &c.Watermark, &c.SoftDelete, &c.Mode, &c.Schedule,
		&c.BatchSize, &c.State, &c.Reason, &c.GrantID, &c.MandateID, &c.CreatedBy, &created, &updated, &st.Rows, &st.Deletes, &st.Bytes, &st.Deliveries,
		&st.Batches, &st.Quarantined, &st.Refused, &running, &total, &done, &caught, &success, &st.LastError, &errAt); err != nil {
		return c, err
	}
	c.KeyColumns = strings.Split(key, ",")
	if key == "" {
		c.KeyColumns = []string{}
	}
	c.CreatedAt, _ = store.ParseTime(created)
	c.UpdatedAt, _ = store.ParseTime(updated)
	st.LastSuccess, _ = store.ParseTime(success)
	st.LastErrorAt, _ = store.ParseTime(errAt)
	st.Running = running != 0 && (c.State == ChannelActive || c.State == ChannelError)
	if st.Running && total >= 0 {
		pr := &Progress{Total: total, Done: min(done, total), Percent: 100}
		if total > 0 {
			pr.Percent = int(pr.Done * 100 / total)
		}
		st.Progress = pr
		m.estimate(c.ID, pr)
	} else if st.Running && total == passTotalUnknown {
		st.Progress = &Progress{Total: -1, Done: done, Estimating: true}
	}
	caughtAt, _ := store.ParseTime(caught)
	st.LagSeconds = lagOf(c.Schedule, caughtAt, m.now())
	if c.Schedule != Continuous && (c.State == ChannelActive || c.State == ChannelError) {
		if s, err := ParseSchedule(c.Schedule); err == nil && s != nil {
			c.NextRun = s.Next(m.now().In(beijing))
		}
	}
	return c, nil
}

func (m *Manager) get(ctx context.Context, id string) (ChannelInfo, error) {
	c, err := m.scan(m.db.QueryRow(ctx, "SELECT "+channelColumns+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, msgChannelNotFound, id)
	}
	return c, err
}

// Channel returns a channel the caller may see.
func (m *Manager) Channel(ctx context.Context, p org.Principal, id string) (ChannelInfo, error) {
	c, err := m.get(ctx, id)
	if err != nil {
		return c, m.denied(ctx, p, "channel.read", id, err)
	}
	ok, err := m.canSee(ctx, p, c)
	if err != nil {
		return ChannelInfo{}, err
	}
	if !ok {
		// Not found rather than forbidden: whether another department's
		// channel exists is not the caller's to know.
		return ChannelInfo{}, m.denied(ctx, p, "channel.read", id, errs.New(errs.NotFound, msgChannelNotFound, id))
	}
	return c, nil
}

// Channels lists the channels the caller may see, newest first.
func (m *Manager) Channels(ctx context.Context, p org.Principal, f ChannelFilter) ([]ChannelInfo, int, error) {
	all, err := m.seesAll(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if !all {
		if p.DepartmentID == 0 {
			return nil, 0, nil
		}
		where, args = append(where, "(c.provider_id = ? OR c.consumer_id = ?)"), append(args, p.DepartmentID, p.DepartmentID)
	}
	if f.Department != 0 {
		where, args = append(where, "(c.provider_id = ? OR c.consumer_id = ?)"), append(args, f.Department, f.Department)
	}
	if f.State != "" {
		where, args = append(where, "c.state = ?"), append(args, f.State)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := store.Like(q)
		where = append(where, `(c.name LIKE ? ESCAPE '\' OR c.source_table LIKE ? ESCAPE '\' OR c.target_table LIKE ? ESCAPE '\' OR c.id = ?)`)
		args = append(args, like, like, like, q)
	}
	out, total, err := store.List(ctx, m.db, store.Listing{Count: "SELECT COUNT(*) FROM exchange_channels c", Select: "SELECT " + channelColumns, Where: where, Args: args,
		Order: "c.created_at DESC, c.id", Page: f.Page, Size: f.Size}, func(r *sql.Rows) (ChannelInfo, error) { return m.scan(r) })
	return out, total, err
}

// manage loads a channel for an operation by p, or refuses it (audited).
func (m *Manager) manage(ctx context.Context, p org.Principal, action, id string) (ChannelInfo, error) {
	c, err := m.get(ctx, id)
	if err != nil {
		return c, m.denied(ctx, p, action, id, err)
	}
	allowed := canManage(p, c.ProviderID, c.ConsumerID)
	if action == "channel.pause" {
		allowed = canPause(p, c.ProviderID, c.ConsumerID)
	}
	if !allowed {
		if ok, _ := m.canSee(ctx, p, c); !ok {
			return ChannelInfo{}, m.denied(ctx, p, action, id, errs.New(errs.NotFound, msgChannelNotFound, id))
		}
		return ChannelInfo{}, m.denied(ctx, p, action, id, errs.New(errs.Forbidden, msgOperate))
	}
	return c, nil
}

// setState moves a channel from one of the states in from to state.
func (m *Manager) setState(ctx context.Context, p org.Principal, action, id string, from []string, state, reason string) (ChannelInfo, error) {
	c, err := m.manage(ctx, p, action, id)
	if err != nil {
		return c, err
	}
	if !slices.Contains(from, c.State) {
		return c, errs.New(errs.Conflict, msgChannelState, id, channelStates.Text(c.State))
	}
	err = m.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE exchange_channels SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
			state, reason, store.FormatTime(m.now()), id); err != nil {
			return err
		}
		return m.record(ctx, tx, p, action, id, audit.ReasonDetail(reason))
	})
	if err != nil {
		return c, err
	}
	if state != ChannelActive {
		m.halt(id)
	}
	m.poke()
	return m.get(ctx, id)
}

// Pause stops a channel within a second; Resume runs it again. reason is
// shown with the paused channel.
func (m *Manager) Pause(ctx context.Context, p org.Principal, id, reason string) (ChannelInfo, error) {
	if strings.TrimSpace(reason) == "" {
		reason = "paused by " + p.Username
	}
	return m.setState(ctx, p, "channel.pause", id, []string{ChannelActive, ChannelError}, ChannelPaused, reason)
}

// Resume runs a paused channel again (a channel paused for a schema change
// pauses again if the target still cannot hold the source's schema).
func (m *Manager) Resume(ctx context.Context, p org.Principal, id string) (ChannelInfo, error) {
	if c, err := m.manage(ctx, p, "channel.resume", id); err != nil {
		return c, err
	} else if c.GrantID == 0 && c.MandateID == 0 {
		return c, errs.New(errs.Conflict, msgNoBasis, id)
	}
	return m.setState(ctx, p, "channel.resume", id, []string{ChannelPaused}, ChannelActive, "")
}

// Stop revokes a channel for good, within a second; the sharing flow calls
// it with org.System when a grant ends or is withdrawn. Stopping a revoked
// channel again is not an error.
func (m *Manager) Stop(ctx context.Context, p org.Principal, id, reason string) error {
	c, err := m.manage(ctx, p, "channel.revoke", id)
	if err != nil {
		return err
	}
	if c.State == ChannelRevoked {
		return nil
	}
	_, err = m.setState(ctx, p, "channel.revoke", id, []string{ChannelActive, ChannelPaused, ChannelError}, ChannelRevoked, reason)
	return err
}

// ChannelsOfGrant returns the IDs of the channels created for a grant.
func (m *Manager) ChannelsOfGrant(ctx context.Context, grant int64) ([]string, error) {
	return m.channelsOf(ctx, "grant_id", grant)
}

// ChannelsOfMandate returns the IDs of the channels created for an
// aggregation mandate.
func (m *Manager) ChannelsOfMandate(ctx context.Context, mandate int64) ([]string, error) {
	return m.channelsOf(ctx, "mandate_id", mandate)
}

// channelsOf lists the channels whose basis column (grant_id, mandate_id)
// holds id, oldest first.
func (m *Manager) channelsOf(ctx context.Context, basis string, id int64) ([]string, error) {
	rows, err := m.db.Query(ctx, "SELECT id FROM exchange_channels WHERE "+basis+" = ? ORDER BY created_at", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CheckRef checks that ref names a datasource of department dept, on the
// platform or on one of its active front-end nodes (a channel reads only
// its provider's datasources and writes only into its consumer's). It
// answers an Invalid error on field.
func (m *Manager) CheckRef(ctx context.Context, dept int64, ref TableRef, field string) error {
	if _, _, err := m.resolver.Resolve(ctx, dept, ref); err != nil {
		return sourceErr(field, err)
	}
	return nil
}

// Run asks for a pass now: a cron channel syncs at once, a continuous one
// restarts its follow (which reads the source at once). A channel in error
// is retried at once.
func (m *Manager) Run(ctx context.Context, p org.Principal, id string) (ChannelInfo, error) {
	c, err := m.manage(ctx, p, "channel.run", id)
	if err != nil {
		return c, err
	}
	if c.State != ChannelActive && c.State != ChannelError {
		return c, errs.New(errs.Conflict, msgResumeFirst, id, channelStates.Text(c.State))
	}
	err = m.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE exchange_channels SET run_requested = ?, updated_at = ? WHERE id = ?",
			store.FormatTime(m.now()), store.FormatTime(m.now()), id); err != nil {
			return err
		}
		return m.record(ctx, tx, p, "channel.run", id, "")
	})
	if err != nil {
		return c, err
	}
	m.poke()
	return m.get(ctx, id)
}

// CanOperate reports whether p runs, pauses and resumes channel c.
func CanOperate(p org.Principal, c ChannelInfo) bool { return canManage(p, c.ProviderID, c.ConsumerID) }

// CanPause reports whether p pauses channel c (the system admin may).
func CanPause(p org.Principal, c ChannelInfo) bool { return canPause(p, c.ProviderID, c.ConsumerID) }

// Tables lists the tables of a department's datasource, for choosing an
// aggregation mandate's target: the department's own staff who operate
// nodes, catalog or approve (the system admin sees no business tables).
func (m *Manager) Tables(ctx context.Context, p org.Principal, dept int64, ref TableRef) ([]string, error) {
	own := p.DepartmentID != 0 && p.DepartmentID == dept
	if !(isSystem(p) || own && (p.Can(org.OperateNodes) || p.Can(org.EditCatalog) || p.Has(org.Approver))) {
		return nil, m.denied(ctx, p, "channel.tables", ref.Datasource, errs.New(errs.Forbidden, msgTablesRefused))
	}
	if ref.NodeID != "" {
		_, d, err := CheckNodeRef(ctx, m.nodes, dept, ref)
		return d.Tables, err
	}
	driver, dsn, err := m.resolver.Resolve(ctx, dept, ref)
	if err != nil {
		return nil, err
	}
	src, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return nil, errs.WrapMsg(err, errs.Unavailable, msgCannotConnect, ref.Datasource)
	}
	defer src.Close()
	return src.Tables(ctx)
}
