package exchange

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/connector"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
)

// ArrivedSampleSize is how many delivered rows the consumer's sample holds.
const ArrivedSampleSize = 5

const arrivedTimeout = 10 * time.Second

// States of what arrived.
const (
	ArrivedRows    = "rows"     // a sample of the target's rows
	ArrivedEmpty   = "empty"    // the target holds no row yet
	ArrivedOnNode  = "on_node"  // the target is on the consumer's front-end node: the platform does not read it
	ArrivedNoBasis = "no_basis" // the grant or mandate no longer allows delivery: nothing is read
	ArrivedInStore = "in_store" // the target is a store of the platform (the licence library), which shows its rows itself
)

var (
	msgArrivedForbidden   = errs.Define("exchange.arrived.forbidden", "only the consuming department sees the rows a channel delivered", "只有数据使用部门可以查看通道送达的数据")
	msgArrivedUnavailable = errs.Define("exchange.arrived.unavailable", "the target table of channel %s cannot be read now", "暂时无法读取共享通道 %s 的目标表")
	auditArrived          = errs.Define("exchange.audit.arrived", "%d rows, %d columns as delivered", "%d 行、%d 列（按送达时的样子）")

	// Notes that explain the deliveries (交换条次) against the row counts.
	noteMatch       = errs.Define("exchange.reconcile.match", "deliveries match the rows at the target: every delivery is a row there", "交换条次与目标表行数一致：每次交换对应目标表中的一行")
	noteDeletes     = errs.Define("exchange.reconcile.deletes", "%d deliveries are deletes: the rows were removed at the target, as at the source", "%d 条次为删除：这些行已按源端在目标表删除")
	noteRepeated    = errs.Define("exchange.reconcile.repeated", "%d deliveries brought a row again after it changed at the source (an update, or a later full pass), so they add no row", "%d 条次是源端变更后再次送达的已有行（更新或再次全量），不增加行数")
	noteExtra       = errs.Define("exchange.reconcile.extra", "the target holds %d rows more than this channel delivered: they were written there otherwise", "目标表比本通道送达的多 %d 行：这些行由其他途径写入")
	noteQuarantined = errs.Define("exchange.reconcile.quarantined", "%d rows failed validation at the source and wait in the quarantine: they are not delivered, nor counted", "%d 行在源端未通过校验，留在隔离区：未送达，也不计入条次")
	noteFilter      = errs.Define("exchange.reconcile.filter", "the grant's row filter (%s) keeps the other rows of the source at the provider: they are neither delivered nor counted", "授权的行过滤（%s）使源端其他行留在提供部门：不送达，也不计入条次")
	noteRefused     = errs.Define("exchange.reconcile.refused", "%d batches arrived damaged and were refused (sent again, never applied twice)", "%d 个批次送达时损坏被拒收（已重发，不会重复写入）")
	noteDedup       = errs.Define("exchange.reconcile.dedup", "a batch sent twice (after a restart or a lost acknowledgement) is written once and counted once", "重复发送的批次（重启或确认丢失后）只写入一次、只计一次")
	noteInStore     = errs.Define("exchange.reconcile.in_store", "the target is a store of the platform (the licence library): it shows the rows it took and those it set aside", "目标是平台自有的库（电子证照库）：已接收和已隔离的数据请在该库中查看")
	noteOnNode      = errs.Define("exchange.reconcile.on_node", "the target is on the consumer's front-end node: the platform counts what the nodes report and does not read the table", "目标表在使用部门的前置机上：平台按前置机报告计数，不读取该表")
)

func init() {
	audit.DefineAction("channel.arrived", "read what a channel delivered", "查看通道送达的数据")
}

// ArrivedColumn is a column of the sample, as delivered.
type ArrivedColumn struct {
	Name   string `json:"name"`
	Masked string `json:"masked,omitempty" doc:"The masking rule the basis applied before delivery (internal/mask), empty when delivered as it is"`
}

// Reconcile sets the deliveries (交换条次) beside the row counts, with
// notes where they differ, from the exchange's own counters.
type Reconcile struct {
	Deliveries  int64    `json:"deliveries" doc:"交换条次: rows upserted plus rows deleted"`
	Rows        int64    `json:"rows" doc:"Rows upserted at the target"`
	Deletes     int64    `json:"deletes"`
	Quarantined int64    `json:"quarantined"`
	Refused     int64    `json:"refused"`
	TargetRows  int64    `json:"target_rows" doc:"Rows in the target table now; -1 when the platform does not read it (a node's table)"`
	Match       bool     `json:"match" doc:"Every delivery is a row at the target (no deletes, no repeats, no other rows)"`
	Notes       []string `json:"notes" doc:"Why the counts differ, in the request's language"`
}

// Arrived is what a channel delivered to its consumer: a sample of the
// target's rows, as delivered (masked by the basis before they left the
// provider), and the reconciliation of its counters.
type Arrived struct {
	Channel   string          `json:"channel"`
	State     string          `json:"state" enum:"rows,empty,on_node,in_store,no_basis"`
	Columns   []ArrivedColumn `json:"columns,omitempty"`
	Rows      [][]string      `json:"rows,omitempty" doc:"One text per column, as stored at the target"`
	Reconcile Reconcile       `json:"reconcile"`
}

// Arrived answers what channel id delivered, for its consumer: only people
// of the consuming department read it (the officers, the provider and the
// data authority do not: the rows are the consumer's). It reads at most
// ArrivedSampleSize rows and only the columns the basis delivers now, so
// never more than the grant allows; a basis that has ended answers no
// rows. The reading is audited, as a catalog sample is. Notes are in lang.
func (m *Manager) Arrived(ctx context.Context, p org.Principal, id, lang string) (Arrived, error) {
	c, err := m.Channel(ctx, p, id)
	if err != nil {
		return Arrived{}, err
	}
	if p.DepartmentID == 0 || p.DepartmentID != c.ConsumerID {
		return Arrived{}, m.denied(ctx, p, "channel.arrived", id, errs.New(errs.Forbidden, msgArrivedForbidden))
	}
	out := Arrived{Channel: c.ID, Reconcile: Reconcile{Deliveries: c.Stats.Deliveries, Rows: c.Stats.Rows, Deletes: c.Stats.Deletes,
		Quarantined: c.Stats.Quarantined, Refused: c.Stats.Refused, TargetRows: -1}}
	var shape *Shape
	if shaper, err := m.basis(c); err == nil {
		shape, _ = shaper(ctx)
	}
	if shape == nil {
		out.State = ArrivedNoBasis
		out.Reconcile.explain(nil, lang, nil)
		return out, nil
	}
	if c.Target.NodeID != "" {
		out.State = ArrivedOnNode
		out.Reconcile.explain(shape, lang, noteOnNode)
		return out, nil
	}
	if c.Target.Datasource != "" && m.platformStore(ctx, c) {
		out.State = ArrivedInStore
		out.Reconcile.explain(shape, lang, noteInStore)
		return out, nil
	}
	if err := m.readArrived(ctx, c, shape, &out); err != nil {
		m.log.Warn("exchange: read what arrived", "channel", id, "err", err)
		return Arrived{}, errs.WrapMsg(err, errs.Unavailable, msgArrivedUnavailable, id)
	}
	out.Reconcile.explain(shape, lang, nil)
	if out.State == ArrivedRows {
		entry := org.Entry(p, "channel.arrived", "channel:"+id, audit.Success, audit.Keyed(auditArrived, len(out.Rows), len(out.Columns)))
		if err := m.audit.Record(ctx, entry); err != nil {
			return Arrived{}, err
		}
	}
	return out, nil
}

// readArrived reads the sample and counts the target's rows.
func (m *Manager) readArrived(ctx context.Context, c ChannelInfo, shape *Shape, out *Arrived) error {
	ctx, cancel := context.WithTimeout(ctx, arrivedTimeout)
	defer cancel()
	driver, dsn, err := m.resolver.Resolve(ctx, c.ConsumerID, c.Target)
	if err != nil {
		return err
	}
	dst, err := connector.Open(ctx, driver, dsn)
	if err != nil {
		return err
	}
	defer dst.Close()
	t, err := dst.Table(ctx, c.Target.Table)
	if err != nil {
		if errors.Is(err, connector.ErrNoTable) {
			out.State, out.Reconcile.TargetRows = ArrivedEmpty, 0
			return nil
		}
		return err
	}
	var names []string
	for _, col := range shape.Columns { // the basis's columns that the target holds, in the basis's order
		if slices.ContainsFunc(t.Columns, func(tc connector.Column) bool { return tc.Name == col }) {
			names = append(names, col)
			out.Columns = append(out.Columns, ArrivedColumn{Name: col, Masked: shape.Mask[col]})
		}
	}
	if out.Reconcile.TargetRows, err = dst.Count(ctx, c.Target.Table); err != nil {
		return err
	}
	if len(names) == 0 || out.Reconcile.TargetRows == 0 {
		out.State, out.Columns = ArrivedEmpty, nil
		return nil
	}
	order := names[:1]
	if len(c.KeyColumns) > 0 && slices.Contains(names, c.KeyColumns[0]) {
		order = c.KeyColumns[:1]
	}
	rows, _, err := dst.Query(ctx, c.Target.Table, names, nil, order, ArrivedSampleSize, 0)
	if err != nil {
		return err
	}
	formats, err := dst.Formats(ctx, c.Target.Table, names)
	if err != nil {
		return err
	}
	for _, row := range rows {
		vals := make([]string, len(names))
		for j, v := range row {
			vals[j] = formats[j].Text(v)
		}
		out.Rows = append(out.Rows, vals)
	}
	out.State = ArrivedRows
	return nil
}

// explain writes the notes that set the deliveries beside the rows.
func (r *Reconcile) explain(shape *Shape, lang string, where *errs.Msg) {
	r.Notes = []string{}
	note := func(m *errs.Msg, args ...any) { r.Notes = append(r.Notes, m.With(args...).In(lang)) }
	if where != nil {
		note(where)
	}
	if r.TargetRows >= 0 {
		repeated := r.Rows - r.Deletes - r.TargetRows
		r.Match = r.Deletes == 0 && repeated == 0
		switch {
		case r.Match:
			note(noteMatch)
		case repeated > 0:
			note(noteRepeated, repeated)
		case repeated < 0:
			note(noteExtra, -repeated)
		}
	}
	if r.Deletes > 0 {
		note(noteDeletes, r.Deletes)
	}
	if r.Quarantined > 0 {
		note(noteQuarantined, r.Quarantined)
	}
	if shape != nil && len(shape.Filter) > 0 {
		var conds []string
		for _, f := range shape.Filter {
			conds = append(conds, f.Column+" "+f.Op+" "+strings.Join(f.Values, ","))
		}
		note(noteFilter, strings.Join(conds, "; "))
	}
	if r.Refused > 0 {
		note(noteRefused, r.Refused)
	}
	note(noteDedup)
}

// passTotalUnknown is the progress_total of a full pass whose source row
// count is not known (-1 is no full pass).
const passTotalUnknown = -2

// passMark is where a full pass stood when this process first saw it.
type passMark struct {
	total, done int64
	at          time.Time
}

// markPass notes a running full pass's progress (flushOne, every few
// seconds on the leader), so that its rate and time left can be estimated.
func (m *Manager) markPass(id string, full bool, total, done int64) {
	if !full {
		m.passes.Delete(id)
		return
	}
	if v, ok := m.passes.Load(id); ok {
		if pm := v.(passMark); pm.total == total && done >= pm.done {
			return
		}
	}
	m.passes.Store(id, passMark{total: total, done: done, at: m.now()})
}

// estimate adds the rate and the time left to a full pass's progress, from
// the rows done since this process first saw the pass; without a total
// (the source's row count at the start was unknown) or a rate yet, it says
// it is estimating.
func (m *Manager) estimate(id string, pr *Progress) {
	v, ok := m.passes.Load(id)
	if !ok {
		pr.Estimating = true
		return
	}
	pm := v.(passMark)
	secs := m.now().Sub(pm.at).Seconds()
	if secs < 1 || pr.Done <= pm.done {
		pr.Estimating = true
		return
	}
	pr.RatePerSecond = float64(pr.Done-pm.done) / secs
	if pr.Total <= 0 {
		pr.Estimating = true
		return
	}
	pr.SecondsLeft = int64(float64(pr.Total-pr.Done)/pr.RatePerSecond + 0.5)
}

// FormatRate says a rate of rows per second briefly: 12,345 or 3.2.
func FormatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatInt(int64(r+0.5), 10)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// platformStore reports whether a channel's target is a platform store
// (TargetDriver), whose rows the store shows itself.
func (m *Manager) platformStore(ctx context.Context, c ChannelInfo) bool {
	driver, _, err := m.resolver.Resolve(ctx, c.ConsumerID, c.Target)
	return err == nil && driver == TargetDriver
}
