package assess

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/govshare/govshare/internal/basedb"
	"github.com/govshare/govshare/internal/catalog"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/sharing"
	"github.com/govshare/govshare/internal/store"
)

// fact is one record counted toward one department's indicator.
type fact struct {
	dept      int64
	indicator string
	Record
}

// facts are the records of a period, read from the domains.
type facts struct {
	list     []fact
	read     int64           // records read from the domains
	measured map[string]bool // sources present
	notes    []string        // limits of what was counted
	entries  map[string]catalog.EntryFact
}

func (f *facts) add(dept int64, ind, ref, label string, num, den float64, note string) {
	if dept == 0 {
		return
	}
	f.list = append(f.list, fact{dept, ind, Record{Ref: ref, Label: label, Num: num, Den: den, Note: note}})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func day(t time.Time) string { return t.In(beijing).Format("2006-01-02") }

// collect reads the records of [from, to) from every source.
func (s *Service) collect(ctx context.Context, from, to time.Time) (*facts, error) {
	f := &facts{measured: map[string]bool{"catalog": true, "lists": true, "sharing": true}, entries: map[string]catalog.EntryFact{}}
	entries, err := s.src.Catalog.EntryFacts(ctx, to)
	if err != nil {
		return nil, err
	}
	f.read += int64(len(entries))
	for _, e := range entries {
		f.entries[e.Code] = e
		ref, label := "entry:"+e.Code, e.Name
		if e.Published {
			f.add(e.ProviderID, KeyCompiled, ref, label, 1, 0, "")
			f.add(e.ProviderID, KeyMounted, ref, label, b2f(e.Mounted), 1, map[bool]string{true: "已挂接", false: "未挂接"}[e.Mounted])
			f.add(e.ProviderID, KeyShareMix, ref, label, b2f(e.ShareType != catalog.ShareNone), 1, shareTypeZH[e.ShareType])
		}
		switch e.Status {
		case catalog.StatusSubmitted, catalog.StatusApproved, catalog.StatusReturned, catalog.StatusPublished, catalog.StatusSuperseded:
			passed := e.Published || e.Status == catalog.StatusApproved
			f.add(e.ProviderID, KeyReviewed, ref, label, b2f(passed), 1, statusZH(e.Status))
		}
	}

	duties, err := s.src.Lists.DutyFacts(ctx, to)
	if err != nil {
		return nil, err
	}
	f.read += int64(len(duties))
	for _, d := range duties {
		onTime := d.Fulfilled && !d.LinkedAt.After(d.Deadline)
		if d.Deadline.Before(from) && (onTime || (d.Fulfilled && d.LinkedAt.Before(from))) {
			continue // settled before the period
		}
		note := "按时完成"
		if !onTime {
			note = "逾期，截止 " + day(d.Deadline.Add(-time.Hour))
		}
		f.add(d.ProviderID, KeyDuties, "duty:"+strconv.FormatInt(d.ID, 10), d.Title, b2f(onTime), 1, note)
	}

	demands, err := s.src.Lists.DemandFacts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	f.read += int64(len(demands))
	for _, d := range demands {
		answered := !d.ClosedAt.IsZero() && d.ClosedAt.Before(to)
		if !answered && !d.Due.Before(to) {
			continue // not yet due: neither answered nor late
		}
		note := "已答复 " + day(d.ClosedAt)
		if !answered {
			note = "未答复，应于 " + day(d.Due) + " 前答复"
		}
		f.add(d.ProviderID, KeyDemands, "demand:"+strconv.FormatInt(d.ID, 10), d.Title, b2f(answered), 1, note)
	}

	stages, err := s.src.Sharing.StageFacts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	f.read += int64(len(stages))
	for _, st := range stages {
		name := f.entries[st.EntryCode].Name
		note := "时限 " + st.Due.In(beijing).Format("2006-01-02 15:04")
		if st.Done.IsZero() {
			note += "，仍待审批"
		} else {
			note += "，" + st.Done.In(beijing).Format("2006-01-02 15:04") + " " + actionZH[st.Action]
		}
		f.add(st.DepartmentID, KeyApproval, "application:"+strconv.FormatInt(st.ApplicationID, 10), name+"（"+stageZH[st.Stage]+"）", b2f(st.OnTime(to)), 1, note)
	}

	if s.src.Gateway != nil {
		f.measured["gateway"] = true
		if to.After(s.now().Add(-time.Minute)) {
			if err := s.src.Gateway.FlushUsage(ctx); err != nil {
				return nil, err
			}
		}
		usage, err := s.src.Gateway.UsageFacts(ctx, from, to)
		if err != nil {
			return nil, err
		}
		f.read += int64(len(usage))
		for _, u := range usage {
			e := f.entries[u.EntryCode]
			ref := fmt.Sprintf("service:%s/app:%d", u.EntryCode, u.AppID)
			label := e.Name + " ← " + u.AppName
			f.add(e.ProviderID, KeyAvailability, ref, label, float64(u.Calls-u.Errors), float64(u.Calls), fmt.Sprintf("%d 次调用，%d 次失败", u.Calls, u.Errors))
			f.add(e.ProviderID, KeyLatency, ref, label, u.LatencyMS, float64(u.Calls), fmt.Sprintf("%d 次调用", u.Calls))
		}
	}

	if s.src.Exchange != nil {
		f.measured["exchange"] = true
		if err := s.collectExchange(ctx, f, from, to); err != nil {
			return nil, err
		}
	}

	if s.src.Quality != nil {
		f.measured["basedb"] = true
		if err := s.collectQuality(ctx, f, from, to); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// collectExchange counts each provider's records delivered (交换条次): from
// the channels' per-minute samples where they reach back to the period's
// start, else from the daily meter readings this package keeps.
func (s *Service) collectExchange(ctx context.Context, f *facts, from, to time.Time) error {
	chans, samplesFrom, err := s.src.Exchange.ChannelFacts(ctx, from, to)
	if err != nil {
		return err
	}
	f.read += int64(len(chans))
	var start, end map[string]int64
	partial := false
	for _, c := range chans {
		rows, note := c.Rows, ""
		if !c.CreatedAt.After(from) && !samplesFrom.IsZero() && samplesFrom.After(from) {
			if start == nil {
				if start, err = s.meterAt(ctx, from); err != nil {
					return err
				}
				if end, err = s.meterAt(ctx, to); err != nil {
					return err
				}
			}
			b, ok := start[c.ID]
			if ok {
				e := c.RowsTotal
				if to.Before(s.now()) {
					if v, ok := end[c.ID]; ok {
						e = v
					}
				}
				rows, note = max(0, e-b), "按每日计数读数"
			} else {
				partial, note = true, "仅计 "+day(samplesFrom)+" 以后"
			}
		}
		if rows == 0 && c.RowsTotal == 0 {
			continue
		}
		f.add(c.ProviderID, KeyExchange, "channel:"+c.ID, c.Name, float64(rows), 0, note)
	}
	if partial {
		f.notes = append(f.notes, "交换条次：部分通道在考核期初没有计数读数，只统计了 "+day(samplesFrom)+" 以后的每分钟样本。")
	}
	return nil
}

// meterAt reads each channel's last meter reading at or before t.
func (s *Service) meterAt(ctx context.Context, t time.Time) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT m.channel_id, m.rows_total FROM assess_meter m WHERE m.read_at = (SELECT MAX(x.read_at) FROM assess_meter x
		WHERE x.channel_id = m.channel_id AND x.read_at <= ?)`, store.FormatTime(t))
	if err != nil {
		return nil, fmt.Errorf("meter readings: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Meter records today's reading of every channel's delivered total, once
// a day, so that later reports know what each period delivered.
func (s *Service) Meter(ctx context.Context) (int, error) {
	if s.src.Exchange == nil {
		return 0, nil
	}
	now := s.now()
	chans, _, err := s.src.Exchange.ChannelFacts(ctx, now, now)
	if err != nil {
		return 0, err
	}
	n := 0
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range chans {
			res, err := tx.Exec(ctx, "INSERT INTO assess_meter (day, channel_id, rows_total, read_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel_id, day) DO NOTHING",
				day(now), c.ID, c.RowsTotal, store.FormatTime(now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k > 0 {
				n++
			}
		}
		return nil
	})
	return n, err
}

// collectQuality reads the base databases' quality scores and disputes
// (basedb) as the data authority's staff read them, and credits each to
// the department of its source.
func (s *Service) collectQuality(ctx context.Context, f *facts, from, to time.Time) error {
	ds, _, err := s.org.Departments(ctx, org.DepartmentFilter{Kind: org.KindAuthority, PageSize: 1})
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		f.notes = append(f.notes, "数据质量：平台尚无数据主管部门，未计量。")
		return nil
	}
	// The platform reads for its report as the authority's staff would.
	reader := org.Principal{Username: "system:assess", DisplayName: "考核报告", DepartmentID: ds[0].ID, DepartmentName: ds[0].Name, Roles: []org.Role{org.Approver}}
	scores, err := s.src.Quality.Scores(ctx, reader, basedb.ScoreFilter{From: day(from), To: day(to.Add(-time.Nanosecond)), PageSize: store.MaxPageSize})
	if err != nil {
		return err
	}
	f.read += int64(len(scores))
	if len(scores) == store.MaxPageSize {
		f.notes = append(f.notes, fmt.Sprintf("数据质量：只计入最近 %d 条日评分。", store.MaxPageSize))
	}
	owner := map[string]int64{}
	for _, sc := range scores {
		if sc.Source == "" || sc.DepartmentID == 0 {
			continue
		}
		owner[sc.DB+"/"+sc.Source] = sc.DepartmentID
		pts := float64(sc.Completeness+sc.Accuracy+sc.Consistency+sc.Timeliness) / 40
		rows := float64(max(sc.Rows, 1))
		f.add(sc.DepartmentID, KeyQuality, fmt.Sprintf("score:%s/%s/%s", sc.DB, sc.Source, sc.Day), sc.DB+" · "+sc.Source+" · "+sc.Day, pts*rows, rows,
			fmt.Sprintf("完整性 %.1f 准确性 %.1f 一致性 %.1f 及时性 %.1f", float64(sc.Completeness)/10, float64(sc.Accuracy)/10, float64(sc.Consistency)/10, float64(sc.Timeliness)/10))
	}
	for page := 1; ; page++ {
		list, total, err := s.src.Quality.Disputes(ctx, reader, basedb.DisputeFilter{Page: page, PageSize: store.MaxPageSize})
		if err != nil {
			return err
		}
		f.read += int64(len(list))
		for _, d := range list {
			if !d.RaisedAt.Before(to) || (d.State != basedb.Open && d.DecidedAt.Before(from)) {
				continue
			}
			resolved := d.State != basedb.Open && d.DecidedAt.Before(to) && !d.DecidedAt.After(d.DueAt)
			note := "待处理，时限 " + day(d.DueAt)
			if d.State != basedb.Open {
				note = d.State + " " + day(d.DecidedAt)
			}
			seen := map[int64]bool{}
			for _, src := range []string{d.A.Source, d.B.Source} {
				if dept := owner[d.DB+"/"+src]; dept != 0 && !seen[dept] {
					seen[dept] = true
					f.add(dept, KeyDisputes, "dispute:"+strconv.FormatInt(d.ID, 10), d.DB+" · "+d.Kind, b2f(resolved), 1, note)
				}
			}
		}
		if len(list) == 0 || page*store.MaxPageSize >= total {
			break
		}
	}
	return nil
}

type catalogEntry = catalog.EntryFact

// The words the records' notes use, in Chinese: reports are printed for
// the city government.
var (
	shareTypeZH = map[string]string{catalog.ShareUnconditional: "无条件共享", catalog.ShareConditional: "有条件共享", catalog.ShareNone: "不予共享"}
	stageZH     = map[string]string{sharing.StateProvider: "提供部门审批", sharing.StateAuthority: "数据主管部门审批"}
	actionZH    = map[string]string{"approve": "同意", "return": "退回", "withdraw": "撤回"}
)
