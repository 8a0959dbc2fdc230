package assess

import (
	"context"
	"fmt"
	"slices"

	"github.com/govshare/govshare/internal/audit"
	"github.com/govshare/govshare/internal/errs"
	"github.com/govshare/govshare/internal/org"
	"github.com/govshare/govshare/internal/store"
)

// How an indicator's records make its value.
const (
	Ratio = "ratio" // Σnum / Σden, 0 to 1; no records (Σden = 0) is no data
	Count = "count" // Σnum
	Mean  = "mean"  // Σnum / Σden, in the indicator's unit
)

// Indicator is one figure of the assessment (考核指标) with the weight and
// target the data authority gives it.
type Indicator struct {
	Key      string  `json:"key"`
	NameZH   string  `json:"name_zh"`
	NameEN   string  `json:"name_en"`
	Source   string  `json:"source" doc:"Where the records come from"`
	Kind     string  `json:"kind" enum:"ratio,count,mean"`
	Unit     string  `json:"unit" doc:"%, 条 (records), ms or 分 (points)"`
	Lower    bool    `json:"lower_is_better,omitempty"`
	Measured bool    `json:"measured" doc:"False while the platform cannot measure it yet (cascade needs federation)"`
	Weight   float64 `json:"weight" minimum:"0" maximum:"100"`
	Target   float64 `json:"target" doc:"The value that scores full marks: a share 0 to 1 for ratios"`
	Enabled  bool    `json:"enabled"`
}

// Indicator keys.
const (
	KeyCompiled     = "catalog_compiled"
	KeyReviewed     = "catalog_reviewed"
	KeyMounted      = "mount_rate"
	KeyCascade      = "cascade"
	KeyShareMix     = "share_mix"
	KeyDuties       = "duties_on_time"
	KeyDemands      = "demands_answered"
	KeyApproval     = "approval_on_time"
	KeyAvailability = "service_availability"
	KeyLatency      = "service_latency"
	KeyExchange     = "exchange_volume"
	KeyQuality      = "quality_score"
	KeyDisputes     = "disputes_resolved"
)

// Defaults are the indicators with the weights and targets a new platform
// starts with, in display order.
var Defaults = []Indicator{
	{KeyCompiled, "目录编制数", "Catalog entries compiled", "catalog", Count, "条", false, true, 10, 5, true},
	{KeyReviewed, "目录审核通过率", "Entries passing review", "catalog", Ratio, "%", false, true, 10, 0.9, true},
	{KeyMounted, "资源挂接率", "Mount rate", "catalog", Ratio, "%", false, true, 15, 0.9, true},
	{KeyCascade, "目录级联", "Catalog cascade", "federation", Ratio, "%", false, false, 5, 1, true},
	{KeyShareMix, "可共享目录占比", "Share-type mix (shareable entries)", "catalog", Ratio, "%", false, true, 10, 0.8, true},
	{KeyDuties, "责任清单按时完成率", "Duties done on time", "lists", Ratio, "%", false, true, 10, 1, true},
	{KeyDemands, "需求清单响应率", "Demands answered", "lists", Ratio, "%", false, true, 10, 0.9, true},
	{KeyApproval, "共享审批按时率", "Approvals within time limits", "sharing", Ratio, "%", false, true, 10, 0.95, true},
	{KeyAvailability, "数据服务可用率", "Data-service availability", "gateway", Ratio, "%", false, true, 5, 0.99, true},
	{KeyLatency, "数据服务平均时延", "Data-service mean latency", "gateway", Mean, "ms", true, true, 5, 200, true},
	{KeyExchange, "交换条次", "Records exchanged", "exchange", Count, "条", false, true, 5, 1000, true},
	{KeyQuality, "数据质量评分", "Data quality score", "basedb", Mean, "分", false, true, 5, 90, true},
	{KeyDisputes, "疑义数据按时处理率", "Disputes resolved on time", "basedb", Ratio, "%", false, true, 5, 0.9, true},
}

func defaultOf(key string) (Indicator, bool) {
	i := slices.IndexFunc(Defaults, func(d Indicator) bool { return d.Key == key })
	if i < 0 {
		return Indicator{}, false
	}
	return Defaults[i], true
}

// Indicators returns the indicators as configured, in display order.
func (s *Service) Indicators(ctx context.Context, p org.Principal) ([]Indicator, error) {
	if _, err := s.scope(ctx, p); err != nil {
		return nil, err
	}
	return s.indicators(ctx)
}

func (s *Service) indicators(ctx context.Context) ([]Indicator, error) {
	out := slices.Clone(Defaults)
	rows, err := s.db.Query(ctx, "SELECT indicator, weight, target, enabled FROM assess_indicators")
	if err != nil {
		return nil, fmt.Errorf("read indicators: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var w, t float64
		var on bool
		if err := rows.Scan(&key, &w, &t, &on); err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(out, func(d Indicator) bool { return d.Key == key }); i >= 0 {
			out[i].Weight, out[i].Target, out[i].Enabled = w, t, on
		}
	}
	return out, rows.Err()
}

// IndicatorInput sets one indicator's weight, target and whether it counts.
type IndicatorInput struct {
	Key     string  `json:"key"`
	Weight  float64 `json:"weight"`
	Target  float64 `json:"target"`
	Enabled bool    `json:"enabled"`
}

// SetIndicators sets the weights and targets of the indicators named in
// in; the others keep theirs. Only the data authority's staff configure.
// Reports already generated keep the indicators they were computed with.
func (s *Service) SetIndicators(ctx context.Context, p org.Principal, in []IndicatorInput) ([]Indicator, error) {
	if err := s.requireAuthority(ctx, p, msgConfigure); err != nil {
		return nil, s.denied(ctx, p, "assess.indicators", "assess_indicators", err)
	}
	cur, err := s.indicators(ctx)
	if err != nil {
		return nil, err
	}
	f := errs.Fields{}
	for i, x := range in {
		d, ok := defaultOf(x.Key)
		field := fmt.Sprintf("indicators[%d]", i)
		if !ok {
			f.AddMsg(field+".key", msgIndicator, x.Key)
			continue
		}
		if x.Weight < 0 || x.Weight > 100 {
			f.AddMsg(field+".weight", msgWeight)
		}
		if x.Target <= 0 || (d.Kind == Ratio && x.Target > 1) {
			f.AddMsg(field+".target", msgTarget)
		}
		j := slices.IndexFunc(cur, func(c Indicator) bool { return c.Key == x.Key })
		cur[j].Weight, cur[j].Target, cur[j].Enabled = x.Weight, x.Target, x.Enabled
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cur, func(c Indicator) bool { return c.Measured && c.Enabled && c.Weight > 0 }) {
		return nil, errs.FieldMsg("indicators", msgNoWeight)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for _, x := range in {
			if _, err := tx.Exec(ctx, `INSERT INTO assess_indicators (indicator, weight, target, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (indicator) DO UPDATE SET weight = excluded.weight, target = excluded.target, enabled = excluded.enabled,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`, x.Key, x.Weight, x.Target, x.Enabled, p.Username, store.FormatTime(s.now())); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, "assess.indicators", "assess_indicators", audit.Keyed(auditIndicators, len(in)))
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}
